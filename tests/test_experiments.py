"""The chapter-6 experiments on a tiny problem: same batches and start, curves, PNG, table."""

import numpy as np
import pytest
from PIL import Image

from test_plots import coloured_pixels
from zerodl.experiments import (
    compare_initializations,
    compare_optimizers,
    final_loss_table,
)
from zerodl.optimizers import SGD, Adam

SMALL = dict(iterations=40, batch_size=16, hidden_size_list=(16, 16, 16, 16))


def blobs(n=200, dim=20, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 1.0, (classes, dim))
    t = rng.integers(0, classes, n)
    return (centers[t] + rng.normal(0.0, 0.5, (n, dim))).astype(np.float32), t


def test_compare_optimizers_runs_each_from_the_same_start_and_draws(tmp_path):
    x, t = blobs()
    lines = []
    losses = compare_optimizers(x, t, path=tmp_path / "opt.png", print_fn=lines.append, **SMALL)
    assert list(losses) == ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"]
    assert all(len(curve) == 40 for curve in losses.values())
    # the same initial weights and the same first batch: the same first loss, about ln(4)
    firsts = [curve[0] for curve in losses.values()]
    assert firsts == pytest.approx([firsts[0]] * 5)
    assert firsts[0] == pytest.approx(np.log(4), abs=0.1)
    assert np.mean(losses["Adam"][-10:]) < np.mean(losses["SGD"][-10:])  # as in the book
    assert len(lines) == 5 and lines[0].startswith("SGD: loss ")
    with Image.open(tmp_path / "opt.png") as image:
        image.verify()
    assert coloured_pixels(tmp_path / "opt.png") > 100  # the curves were drawn


def test_compare_optimizers_is_reproducible_and_draws_nothing_without_a_path(tmp_path):
    x, t = blobs()
    chosen = {"Adam": Adam(lr=0.01)}
    a = compare_optimizers(x, t, optimizers=chosen, seed=3, **SMALL)
    b = compare_optimizers(x, t, optimizers={"Adam": Adam(lr=0.01)}, seed=3, **SMALL)
    assert a == b
    assert list(tmp_path.iterdir()) == []


def test_compare_initializations_he_beats_a_tiny_std(tmp_path):
    x, t = blobs()
    losses = compare_initializations(x, t, path=tmp_path / "init.png", lr=0.1, **SMALL)
    assert list(losses) == ["std=0.01", "Xavier", "He"]
    # std 0.01 through four ReLU layers: the scores are ~0, the loss stays at ln(4)
    assert np.mean(losses["std=0.01"][-10:]) == pytest.approx(np.log(4), abs=0.05)
    assert np.mean(losses["He"][-10:]) < np.log(4) - 0.3
    with Image.open(tmp_path / "init.png") as image:
        image.verify()
    assert coloured_pixels(tmp_path / "init.png") > 100


def test_a_diverging_variant_stops_and_the_table_says_so():
    x, t = blobs()
    losses = compare_optimizers(
        x, t, optimizers={"sane": SGD(lr=0.1), "huge": SGD(lr=1e30)}, **SMALL
    )
    assert len(losses["sane"]) == 40 and len(losses["huge"]) < 40
    table = final_loss_table(losses, last=5)
    lines = table.splitlines()
    assert lines[0].split() == [
        "variant",
        "first",
        "loss",
        "final",
        "loss",
        "(mean",
        "of",
        "last",
        "5",
        "steps)",
    ]
    assert lines[1].startswith("sane") and lines[1].endswith(f"{np.mean(losses['sane'][-5:]):.4f}")
    assert lines[2].endswith(f"diverged at step {len(losses['huge'])}")


def test_table_defaults_to_a_tenth_of_the_steps():
    table = final_loss_table({"a": [1.0] * 50 + [0.5] * 50})
    assert "mean of last 10 steps" in table and table.splitlines()[1].endswith("0.5000")


def test_arguments_are_checked():
    x, t = blobs(50)
    with pytest.raises(ValueError, match="invalid batch_size: 64"):
        compare_optimizers(x, t, iterations=2, batch_size=64)
    with pytest.raises(ValueError, match="invalid iterations"):
        compare_optimizers(x, t, iterations=0)
    with pytest.raises(ValueError, match="flattened"):
        compare_optimizers(x.reshape(50, 4, 5), t, iterations=2, batch_size=10)
