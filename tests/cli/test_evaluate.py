"""zerodl evaluate: accuracy, per-class accuracy and the confusion matrix of a checkpoint."""

import pytest

import zerodl
from mnist_fakes import write_fake_dataset
from zerodl.cli import main
from zerodl.datasets import load_mnist

from .helpers import is_png, one_error_line, run


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


# --- another dataset, --out (issue 12) ------------------------------------------------------------


def test_another_dataset_warns_and_never_replaces_the_training_datasets_pictures(
    capsys, tmp_path, fake_mnist
):
    write_fake_dataset(fake_mnist.parent / "fashion-mnist", seed=1)
    run_folder = tmp_path / "run"
    run_folder.mkdir()
    checkpoint = zerodl.save(zerodl.networks.MultiLayerNet(784, [30], 10, seed=0),
                             run_folder / "best.npz", dataset="mnist")  # fmt: skip
    assert run(capsys, "evaluate", checkpoint)[0] == 0
    own = {name: (run_folder / name).read_bytes()
           for name in ("confusion_matrix.png", "misclassified.png")}  # fmt: skip

    code, out, err = run(capsys, "evaluate", checkpoint, "--dataset", "fashion-mnist")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1
    assert "trained on mnist, not fashion-mnist" in warnings[0]
    assert "fashion-mnist test set" in out and "T-shirt/top" in out
    for name, content in own.items():
        assert (run_folder / name).read_bytes() == content
    assert is_png(run_folder / "confusion_matrix-fashion-mnist.png")
    assert is_png(run_folder / "misclassified-fashion-mnist.png")


def test_the_training_dataset_gives_no_warning(capsys, fake_mnist, mlp_checkpoint):
    code, _, err = run(capsys, "evaluate", mlp_checkpoint, "--dataset", "mnist")
    assert code == 0 and "warning" not in err


def test_out_naming_a_file_is_one_line_before_any_work(capsys, tmp_path, fake_mnist,
                                                       mlp_checkpoint):  # fmt: skip
    (tmp_path / "report").write_text("a file")
    code, out, err = run(capsys, "evaluate", mlp_checkpoint, "--out", "report")
    assert code == 2 and out == "" and one_error_line(err)
    assert "argument --out: report is a file, not a folder" in err
    assert "Errno" not in err and "loading" not in err
