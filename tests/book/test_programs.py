"""The programs in the style of the book's chapters (programs/chNN/) run under `zerodl book` as a
learner runs them, and give the numbers of the same programs on zerodl's own API
(zerodl_api/chNN/); each is also checked against what it computes on its own (gradient checks,
closed forms, the chapter's conclusion). Real MNIST, small iteration counts."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
PROGRAMS, TWINS = HERE / "programs", HERE / "zerodl_api"
ZERODL_BOOK = [str(Path(sys.executable).with_name("zerodl")), "book"]  # as a learner types it
PYTHON_M = [sys.executable, "-m", "zerodl.book"]

pytestmark = pytest.mark.slow


@pytest.fixture
def run_both(mnist_dir, tmp_path, monkeypatch):
    """run_both("ch05/train_neuralnet.py") -> (numbers under zerodl book, numbers of the twin)."""
    monkeypatch.setenv("ZERODL_DATA", str(mnist_dir))

    def run(program, entry=ZERODL_BOOK):
        out = tmp_path / "book.json"
        result = subprocess.run(
            [*entry, str(PROGRAMS / program), str(out)],
            capture_output=True,
            text=True,
            env={**os.environ, "ZERODL_DATA": str(mnist_dir)},
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        twin = runpy.run_path(str(TWINS / program))["main"]()
        return json.loads(out.read_text()), json.loads(json.dumps(twin))

    return run


def assert_same(book, twin, rtol=1e-9, atol=1e-12, path="results"):
    """The same structure, the same strings, numbers within tolerance."""
    if isinstance(book, dict):
        assert sorted(book) == sorted(twin), path
        for key in book:
            assert_same(book[key], twin[key], rtol, atol, f"{path}[{key!r}]")
    elif isinstance(book, list) and book and not isinstance(book[0], (int, float)):
        assert len(book) == len(twin), path
        for i, (a, b) in enumerate(zip(book, twin)):
            assert_same(a, b, rtol, atol, f"{path}[{i}]")
    elif isinstance(book, str):
        assert book == twin, path
    else:
        np.testing.assert_allclose(book, twin, rtol=rtol, atol=atol, err_msg=path)


def falls(losses, window=10):
    return np.mean(losses[-window:]) < np.mean(losses[:window])


def test_chapter4_two_layer_net_by_functions(run_both):
    book, twin = run_both("ch04/train_neuralnet.py", entry=PYTHON_M)
    assert max(book["differences"].values()) < 1e-6  # hand-written chain rule = numerical
    # The book's cross_entropy_error adds 1e-7 inside the log; zerodl's loss layer does not.
    assert_same(book, twin, rtol=0, atol=1e-5)
    assert falls(book["train_loss_list"]) and book["test_acc"] > 0.5


def test_chapter5_two_layer_net_by_layers_reads_dW_and_db(run_both):
    book, twin = run_both("ch05/train_neuralnet.py")
    assert max(book["differences"].values()) < 1e-8  # backprop = numerical gradient
    assert_same(book, twin)
    assert falls(book["train_loss_list"]) and book["test_acc"] > 0.6


def test_chapter6_optimizers_on_numbers(run_both):
    book, twin = run_both("ch06/optimizer_compare_naive.py")
    assert_same(book, twin)
    xs, ys = book["SGD"]  # SGD by hand: x <- x - 0.95 * x / 10, y <- y - 0.95 * 2 y
    np.testing.assert_allclose(xs, -7.0 * (1 - 0.095) ** np.arange(30))
    np.testing.assert_allclose(ys, 2.0 * (1 - 1.9) ** np.arange(30))
    for name, (xs, ys) in book.items():  # every one gets closer to the minimum at (0, 0)
        assert abs(xs[-1]) + abs(ys[-1]) < 7.0, name


def test_chapter6_optimizers_on_mnist(run_both):
    book, twin = run_both("ch06/optimizer_compare_mnist.py")
    assert_same(book, twin)
    for name in ("Momentum", "AdaGrad", "Adam"):  # the chapter's point: SGD is the slowest
        assert book[name][-1] < book["SGD"][-1], name


def test_chapter6_batch_norm(run_both):
    book, twin = run_both("ch06/batch_norm_test.py")
    assert_same(book, twin)
    acc, bn_acc, names = book["0.05"]
    assert {"gamma1", "beta4"} <= set(names) and "gamma5" not in names
    assert bn_acc[-1] > acc[-1] + 0.2  # batch norm rescues a poor initial scale


def test_chapter6_dropout_with_the_trainer(run_both):
    book, twin = run_both("ch06/overfit_dropout.py")
    assert_same(book, twin)
    assert len(book["train_acc_list"]) == len(book["test_acc_list"]) == 10
    assert len(book["train_loss_list"]) == 10 * 3  # 300 images, 100 a batch, 10 epochs
    assert book["test_acc_list"][-1] > book["test_acc_list"][0]


def test_a_learners_batch_norm_and_dropout_network(run_both):
    book, twin = run_both("ch06/train_batchnorm_dropout.py")
    assert max(book["differences"].values()) < 1e-5  # dgamma, dbeta, dW, db = numerical
    assert_same(book, twin)
    assert falls(book["train_loss_list"]) and book["test_acc"] > 0.7


def test_chapter6_hyperparameter_search(run_both):
    book, twin = run_both("ch06/hyperparameter_optimization.py")
    assert_same(book, twin)
    assert sorted(set(book["validation_labels"])) == list(range(10))
    for trial in book["trials"]:
        assert 1e-3 <= trial["lr"] <= 1e-1 and 1e-8 <= trial["weight_decay"] <= 1e-4
        assert len(trial["val_acc_list"]) == 4


def test_chapter7_simple_convnet_from_layers(run_both):
    book, twin = run_both("ch07/train_convnet.py")
    assert max(book["differences"].values()) < 1e-5
    assert_same(book, twin)
    assert falls(book["train_loss_list"], window=2)


def test_chapter8_deep_convnet(run_both):
    book, twin = run_both("ch08/train_deepnet.py")
    assert_same(book, twin)
    assert len(book["train_loss_list"]) == 6 and np.isfinite(book["train_loss_list"]).all()
