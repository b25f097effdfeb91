"""zerodl train's options beyond the book: augmentation, a validation split with the test set
scored once at the end, learning-rate schedules, batch norm in deep_cnn."""

import json
import math

import pytest

from zerodl.checkpoint import load_checkpoint
from zerodl.layers import BatchNormalization
from zerodl.networks import MultiLayerNet

from .helpers import one_error_line, read_metrics, run


def test_a_validation_split_chooses_the_epoch_and_the_test_set_is_scored_once(capsys, fake_mnist):
    code, out, _ = run(
        capsys, "train", "--model", "mlp", "--hidden", "16", "--epochs", "3", "--batch-size",
        "10", "--val-split", "8", "--augment", "--lr-schedule", "cosine", "--warmup", "1",
        "--out", "run",
    )  # fmt: skip
    assert code == 0
    result = json.loads(open("run/test.json").read())
    best = load_checkpoint("run/best.npz")
    assert result["epoch"] == best.epoch and result["test_images"] == 10  # the fake test set
    assert result["val_acc"] == max(r for r in best.trainer_state["history"]["val_acc"])
    assert out.count("test accuracy") == 1 and f"{result['test_acc']:.4f}" in out
    config = json.loads(open("run/config.json").read())
    assert config["augment"] and config["val_split"] == 8 and config["lr_schedule"] == "cosine"
    assert config["augmentation"] == {  # digits: shifted, turned and scaled, never mirrored
        "max_shift": 2.0, "max_rotation": 10.0, "scale": [0.9, 1.1], "flip": False
    }  # fmt: skip
    rows = read_metrics("run/metrics.csv")
    lrs = [float(r["lr"]) for r in rows]  # warm-up to 0.001 at epoch 1, then the cosine down
    assert lrs == pytest.approx([0.0005, 0.001, 0.001 * (1 + math.cos(math.pi / 2)) / 2])


def test_without_a_split_the_book_way_has_no_final_test_score(capsys, fake_mnist):
    code, out, _ = run(capsys, "train", "--model", "mlp", "--epochs", "1", "--out", "run")
    assert code == 0 and "test accuracy" not in out
    assert not (fake_mnist.parent.parent / "run" / "test.json").exists()


def test_batchnorm_builds_deep_cnn_with_batch_norm(capsys, fake_mnist):
    code, _, _ = run(
        capsys, "train", "--model", "deep_cnn", "--batchnorm", "--hidden", "8", "--epochs", "1",
        "--batch-size", "10", "--out", "run",
    )  # fmt: skip
    assert code == 0
    layers = load_checkpoint("run/last.npz").network.layers
    assert sum(isinstance(layer, BatchNormalization) for layer in layers) == 7


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--warmup", "2"], "--warmup goes with --lr-schedule cosine"),
        (["--model", "simple_cnn", "--batchnorm"], "--batchnorm is an option of --model mlp"),
        (["--val-split", "30"], "argument --val-split: must be in [1, 29], got 30"),
        (["--lr-schedule", "linear"], "--lr-schedule"),
    ],
)
def test_wrong_combinations_are_one_line(capsys, fake_mnist, argv, words):
    code, _, err = run(capsys, "train", "--epochs", "1", *argv, "--out", "run")
    errors = [line for line in err.splitlines() if "error:" in line]  # after "loading mnist ..."
    assert code == 2 and one_error_line(errors[-1]) and len(errors) == 1 and words in err


def test_an_interrupted_scheduled_run_resumes_on_the_same_schedule(capsys, fake_mnist, monkeypatch):
    common = ["--model", "mlp", "--hidden", "8", "--batch-size", "10", "--lr-schedule", "cosine"]
    common += ["--epochs", "4"]
    assert run(capsys, "train", *common, "--out", "whole")[0] == 0
    real_gradient, steps = MultiLayerNet.gradient, []

    def interrupted_in_epoch_3(self, *args):  # 30 images, batch 10: step 7 is in epoch 3
        steps.append(1)
        if len(steps) == 7:
            raise KeyboardInterrupt
        return real_gradient(self, *args)

    monkeypatch.setattr(MultiLayerNet, "gradient", interrupted_in_epoch_3)
    assert run(capsys, "train", *common, "--out", "parts")[0] == 130
    monkeypatch.setattr(MultiLayerNet, "gradient", real_gradient)
    assert run(capsys, "train", "--resume", "parts")[0] == 0
    whole, parts = read_metrics("whole/metrics.csv"), read_metrics("parts/metrics.csv")
    assert [r["lr"] for r in parts] == [r["lr"] for r in whole]  # not restarted from a decayed lr
    assert [r["loss"] for r in parts] == [r["loss"] for r in whole]
