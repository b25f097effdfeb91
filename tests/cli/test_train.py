"""zerodl train: the networks it builds, its checks, the run folder, Ctrl-C and --resume."""

import json
import re

import numpy as np
import pytest

import zerodl
from zerodl.checkpoint import load_checkpoint
from zerodl.cli import main
from zerodl.cli.train import TRAIN_DEFAULTS, build_network
from zerodl.networks import DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet

from .helpers import is_png, one_error_line, read_metrics, run


@pytest.mark.parametrize(
    ("model", "book"),
    [
        ("two_layer", lambda: TwoLayerNet(784, 50, 10, weight_init_std=0.01, seed=0)),
        ("mlp", lambda: MultiLayerNet(784, [100] * 4, 10, weight_init_std="he", seed=0)),
        ("simple_cnn", lambda: SimpleConvNet(hidden_size=100, weight_init_std="he", seed=0)),
        ("deep_cnn", lambda: DeepConvNet(hidden_size=50, seed=0)),
    ],
)
def test_each_model_is_the_books_network_with_zerodls_defaults(model, book):
    network, expected = build_network({**TRAIN_DEFAULTS, "model": model}), book()
    assert type(network) is type(expected) and network.config == expected.config
    assert network.params.keys() == expected.params.keys()
    for key, value in expected.params.items():
        np.testing.assert_array_equal(network.params[key], value, err_msg=key)


def test_the_options_reach_the_network_and_the_optimizer(capsys, fake_mnist):
    code, _, err = run(
        capsys, "train", "--model", "mlp", "--hidden", "30,20", "--weight-init", "0.05",
        "--dropout", "0.2", "--batchnorm", "--weight-decay", "0.1", "--optimizer", "SGD",
        "--lr", "0.05", "--batch-size", "10", "--epochs", "1", "--out", "run",
    )  # fmt: skip
    assert code == 0, err
    expected = MultiLayerNet(
        784, [30, 20], 10, weight_init_std=0.05, weight_decay_lambda=0.1, use_dropout=True,
        dropout_ratio=0.2, use_batchnorm=True,
    )  # fmt: skip
    ckpt = load_checkpoint("run/last.npz")
    assert ckpt.network.config == expected.config
    config = json.loads(open("run/config.json").read())
    assert (config["optimizer"], config["lr"], config["batch_size"]) == ("sgd", 0.05, 10)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "cnn"], "argument --model: invalid choice: 'cnn'"),
        (["--epochs", "many"], "argument --epochs: invalid count value: 'many'"),
        (["--epochs", "0"], "argument --epochs: must be an integer >= 1, got 0"),
        (["--batch-size", "0"], "argument --batch-size: must be an integer >= 1, got 0"),
        (["--limit", "-5"], "argument --limit: must be an integer >= 1, got -5"),
        (["--seed", "-1"], "argument --seed: must be an integer >= 0, got -1"),
        (["--hidden", "100,0"], "argument --hidden: must be widths such as 100,100, got '100,0'"),
        # checked by the library, reported with the option's name, in the same words
        (["--lr", "-1"], "argument --lr: must be >= 0, got -1.0"),
        (["--optimizer", "lbfgs"], "argument --optimizer: must be one of sgd, momentum"),
        (["--weight-init", "huge"], "argument --weight-init: must be 'he', 'xavier' or a number"),
        (["--weight-init", "-0.5"], "argument --weight-init: must be positive, got -0.5"),
        (["--model", "mlp", "--dropout", "1.5"], "argument --dropout: must lie in [0, 1), got 1.5"),
        (
            ["--model", "mlp", "--dropout", "-0.5"],
            "argument --dropout: must lie in [0, 1), got -0.5",
        ),
        (
            ["--model", "mlp", "--weight-decay", "-1"],
            "argument --weight-decay: must be >= 0, got -1.0",
        ),
        (
            ["--optimizer", "adamw", "--weight-decay", "-1"],
            "argument --weight-decay: must be >= 0, got -1.0",
        ),
        # options that do not go together
        (["--dropout", "0.5"], "--dropout is an option of --model mlp, not simple_cnn"),
        (["--hidden", "100,100"], "--hidden of --model simple_cnn is one width, got 100,100"),
        (["--model", "deep_cnn", "--weight-init", "he"], "deep_cnn always uses He"),
        (["--weight-decay", "0.1"], "--weight-decay is L2 decay for --model mlp, or AdamW's"),
    ],
)
def test_a_wrong_option_is_one_line_naming_it_before_any_data_is_read(
    capsys, tmp_path, argv, message
):
    code, out, err = run(capsys, "train", *argv)
    assert code == 2 and one_error_line(err), err
    assert message in err and "loading" not in err and out == ""
    assert not (tmp_path / "runs").exists()


def test_a_run_folder_is_not_overwritten(capsys, fake_mnist):
    assert main(["train", "--model", "mlp", "--epochs", "1", "--out", "run"]) == 0
    capsys.readouterr()
    code, _, err = run(capsys, "train", "--model", "mlp", "--out", "run")
    assert code == 2 and one_error_line(err) and "continue it with --resume run" in err


def test_resuming_a_finished_run_does_nothing_and_touches_nothing(capsys, tmp_path, fake_mnist):
    assert main(["train", "--model", "mlp", "--epochs", "2", "--out", "run"]) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    capsys.readouterr()
    code, out, err = run(capsys, "train", "--resume", "run", "--epochs", "1")
    assert code == 0 and "already has 2 epochs (of 1): nothing to do" in out
    assert "loading" not in err  # returned before reading any data
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == before


def test_a_resumed_run_keeps_its_settings(capsys, fake_mnist):
    assert main(["train", "--model", "mlp", "--epochs", "1", "--out", "run"]) == 0
    capsys.readouterr()
    code, _, err = run(capsys, "train", "--resume", "run", "--lr", "0.1", "--model", "mlp")
    assert code == 2 and one_error_line(err)
    assert "--model, --lr cannot change when resuming" in err


def test_only_a_run_of_zerodl_train_can_be_resumed(capsys, mlp_checkpoint):
    code, _, err = run(capsys, "train", "--resume", mlp_checkpoint)
    assert code == 1 and one_error_line(err) and "was not written by 'zerodl train'" in err


def test_the_help_names_the_default_run_folder_the_same_way_everywhere(capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0
    names = re.findall(r"runs/<[^\s;)]+", " ".join(out.split()))  # lines rejoined
    assert len(names) == 2 and set(names) == {"runs/<model>-<dataset>-<date>-<time>"}


def test_out_naming_a_file_is_one_line_before_any_work(capsys, tmp_path, fake_mnist):
    (tmp_path / "taken").write_text("a file")
    code, out, err = run(capsys, "train", "--model", "mlp", "--out", "taken")
    assert code == 2 and out == "" and one_error_line(err)
    assert "argument --out: taken is a file, not a folder" in err and "Errno" not in err
    assert (tmp_path / "taken").read_text() == "a file"


def test_a_diverging_run_stops_in_one_line_and_keeps_the_last_good_epoch(capsys, tmp_path,
                                                                         fake_mnist):  # fmt: skip
    """30 fake images: one step an epoch. lr 1e6 ruins the network in epoch 1's only step, so
    epoch 2's first loss is far beyond the first (the rule: more than 100 times)."""
    code, out, err = run(capsys, "train", "--model", "two_layer", "--lr", "1e6", "--epochs", "5",
                         "--out", "run")  # fmt: skip
    assert code == 1 and one_error_line(err.split("\n", 2)[2]), err  # after loading, training
    assert "training diverged in epoch 2 (step 1 of 1): the loss" in err
    assert "more than 100 times" in err and "lower --lr (it is 1e+06)" in err
    assert "run/last.npz keeps epoch 1" in err
    assert out.count("epoch 1/5") == 1 and "epoch 2/5" not in out
    ckpt = load_checkpoint(tmp_path / "run" / "last.npz")
    assert ckpt.epoch == 1 and all(np.isfinite(p).all() for p in ckpt.network.params.values())
    assert len(read_metrics(tmp_path / "run" / "metrics.csv")) == 1
    assert is_png(tmp_path / "run" / "loss.png")


def test_a_run_diverging_in_its_first_epoch_says_nothing_was_saved(capsys, tmp_path, fake_mnist):
    code, _, err = run(capsys, "train", "--model", "mlp", "--lr", "1e6", "--batch-size", "10",
                       "--out", "run")  # fmt: skip
    assert code == 1 and one_error_line(err.split("\n", 2)[2]), err  # after loading, training
    assert "diverged in epoch 1 (step 2 of 3)" in err and "nothing was saved" in err
    assert not (tmp_path / "run").exists()  # no folder holding nothing but config.json


def test_a_run_diverging_in_its_first_epoch_leaves_no_run_folder_and_no_latest(
    capsys, tmp_path, fake_mnist
):
    code, _, err = run(capsys, "train", "--model", "mlp", "--lr", "1e6", "--batch-size", "10")
    assert code == 1 and "nothing was saved" in err
    assert not (tmp_path / "runs").exists()  # neither a run folder nor runs/latest


def test_a_resumed_runs_first_line_says_it_is_resuming(capsys, fake_mnist):
    assert main(["train", "--model", "mlp", "--epochs", "1", "--out", "run"]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "train", "--resume", "run", "--epochs", "2")
    assert code == 0 and err.splitlines()[0] == "resuming run after epoch 1 of 2"
    assert "epoch 2/2" in out


# --- end to end on a slice of the real MNIST ------------------------------------------------------


@pytest.mark.slow
def test_train_writes_a_complete_run_folder(capsys, tmp_path, mnist_dir):
    code, out, err = run(
        capsys, "train", "--model", "mlp", "--epochs", "2", "--limit", "500", "--batchnorm",
        "--dropout", "0.1", "--data-dir", mnist_dir, "--out", "run",
    )  # fmt: skip
    assert code == 0, err
    assert "epoch 1/2" in out and "epoch 2/2" in out and "val_acc" in out
    run_dir = tmp_path / "run"
    for name in ("last.npz", "best.npz", "metrics.csv", "config.json"):
        assert (run_dir / name).is_file()
    assert is_png(run_dir / "loss.png") and is_png(run_dir / "accuracy.png")

    rows = read_metrics(run_dir / "metrics.csv")
    assert [row["epoch"] for row in rows] == ["1", "2"]
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"] == "mlp" and config["batchnorm"] is True and config["limit"] == 500

    ckpt = load_checkpoint(run_dir / "last.npz")
    assert ckpt.epoch == 2 and ckpt.extra["dataset"] == "mnist"
    assert ckpt.extra["config"]["dropout"] == 0.1
    assert float(rows[-1]["val_acc"]) == pytest.approx(ckpt.trainer_state["history"]["val_acc"][-1])


@pytest.mark.slow
def test_the_default_train_is_simple_cnn_adam_on_mnist(capsys, tmp_path, mnist_dir):
    code, _, err = run(capsys, "train", "--limit", "200", "--epochs", "1", "--data-dir", mnist_dir)
    assert code == 0, err
    runs = [p for p in (tmp_path / "runs").iterdir() if p.name != "latest"]
    assert len(runs) == 1 and runs[0].name.startswith("simple_cnn-mnist-")
    assert (tmp_path / "runs" / "latest").resolve() == runs[0].resolve()
    config = json.loads((runs[0] / "config.json").read_text())
    assert (config["model"], config["optimizer"], config["lr"]) == ("simple_cnn", "adam", 0.001)
    assert (config["batch_size"], config["seed"]) == (100, 0)
    assert type(zerodl.load(runs[0] / "last.npz")).__name__ == "SimpleConvNet"


@pytest.mark.slow
def test_ctrl_c_keeps_the_last_epoch_and_resume_gives_the_uninterrupted_run(
    capsys, tmp_path, mnist_dir, monkeypatch
):
    common = ["--model", "mlp", "--dropout", "0.2", "--limit", "400", "--data-dir", str(mnist_dir)]
    assert main(["train", *common, "--epochs", "3", "--out", "straight"]) == 0

    real_gradient = MultiLayerNet.gradient
    steps = []

    def interrupted_in_epoch_2(self, *args):  # 400 images, batch 100: step 6 is in epoch 2
        steps.append(1)
        if len(steps) == 6:
            raise KeyboardInterrupt
        return real_gradient(self, *args)

    monkeypatch.setattr(MultiLayerNet, "gradient", interrupted_in_epoch_2)
    capsys.readouterr()
    code, _, err = run(capsys, "train", *common, "--epochs", "3", "--out", "cut")
    assert code == 130
    assert "epoch 1 of 3 is saved in cut/last.npz" in err and "--resume cut" in err
    assert load_checkpoint(tmp_path / "cut" / "last.npz").epoch == 1
    assert len(read_metrics(tmp_path / "cut" / "metrics.csv")) == 1

    monkeypatch.setattr(MultiLayerNet, "gradient", real_gradient)
    code, _, err = run(capsys, "train", "--resume", "cut", "--data-dir", mnist_dir)
    assert code == 0, err
    assert len(read_metrics(tmp_path / "cut" / "metrics.csv")) == 3
    straight = zerodl.load(tmp_path / "straight" / "last.npz")
    resumed = zerodl.load(tmp_path / "cut" / "last.npz")
    for key, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[key], value, err_msg=key)
