"""zerodl evaluate: accuracy, per-class accuracy and the confusion matrix of a checkpoint."""

import pytest

import zerodl
from zerodl.cli import main
from zerodl.datasets import load_mnist

from .helpers import is_png, run


def test_evaluate_on_a_small_test_set(capsys, tmp_path, fake_mnist, mlp_checkpoint):
    code, out, err = run(capsys, "evaluate", mlp_checkpoint, "--out", "report")
    assert code == 0, err
    _, (x_test, t_test) = load_mnist(data_dir=fake_mnist)
    accuracy = zerodl.load(mlp_checkpoint).accuracy(x_test, t_test)
    assert f"test accuracy {accuracy:.4f}" in out and "10 images" in out
    matrix = [line.split()[1:] for line in out.splitlines()[-10:]]
    assert [sum(int(v) for v in row) for row in matrix] == [
        int((t_test == k).sum()) for k in range(10)
    ]
    assert is_png(tmp_path / "report" / "confusion_matrix.png")


@pytest.mark.slow
def test_evaluate_prints_accuracy_per_class_and_the_confusion_matrix(capsys, tmp_path, mnist_dir):
    assert main(["train", "--model", "two_layer", "--epochs", "1", "--limit", "500",
                 "--data-dir", str(mnist_dir), "--out", "run"]) == 0  # fmt: skip
    capsys.readouterr()
    code, out, err = run(capsys, "evaluate", "run", "--limit", "300")
    assert code == 0, err
    assert "test accuracy" in out and "per-class accuracy" in out and "<- predicted" in out
    accuracy = float(out.split("test accuracy ")[1].split()[0])

    _, (x_test, t_test) = load_mnist(data_dir=mnist_dir)
    network = zerodl.load(tmp_path / "run" / "best.npz")
    assert accuracy == pytest.approx(network.accuracy(x_test[:300], t_test[:300]), abs=1e-4)
    matrix = [line.split()[1:] for line in out.splitlines()[-10:]]
    assert sum(int(v) for row in matrix for v in row) == 300
    assert is_png(tmp_path / "run" / "confusion_matrix.png")
    assert is_png(tmp_path / "run" / "misclassified.png")
