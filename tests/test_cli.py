"""The zerodl command, end to end, in a temporary folder: files written, outputs, errors."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw

import zerodl
from zerodl.checkpoint import load_checkpoint
from zerodl.cli import main
from zerodl.images import load_digit
from zerodl.networks import MultiLayerNet, SimpleConvNet

COMMANDS = ["train", "evaluate", "predict", "gradcheck", "compare", "visualize", "summary"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, tmp_path_factory, monkeypatch):
    """Every test runs in its own folder, with the user cache in a temporary one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("ZERODL_DEBUG", raising=False)


def run(capsys, *argv):
    """(exit code, stdout, stderr) of `zerodl argv`."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def draw(path, kind="seven", mode="L"):
    ink, paper = (0, 255) if mode == "L" else ((20, 20, 20), (245, 240, 230))
    image = Image.new(mode, (200, 260), paper)
    pen = ImageDraw.Draw(image)
    if kind == "seven":
        pen.line([(50, 40), (150, 40), (80, 220)], fill=ink, width=16)
    else:
        pen.ellipse((50, 30, 150, 230), outline=ink, width=16)
    image.save(path)
    return path


def is_png(path):
    with Image.open(path) as image:
        image.verify()
        return image.format == "PNG"


def one_error_line(err):
    lines = [line for line in err.splitlines() if line.strip()]
    return len(lines) == 1 and "error:" in lines[0] and "Traceback" not in err


# --- quick: no dataset needed ---------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    epilog = out.lower().split("example", 1)
    assert len(epilog) == 2 and f"  zerodl {command}" in epilog[1]  # an example after the usage


def test_no_command_shows_the_commands(capsys):
    code, _, err = run(capsys)
    assert code == 2
    assert all(command in err for command in COMMANDS)


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--bogus"],
        ["train", "--model", "cnn"],
        ["train", "--epochs", "many"],
        ["train", "--dropout", "0.5"],  # simple_cnn has no dropout option
        ["train", "--model", "mlp", "--dropout", "1.5"],
        ["train", "--weight-init", "huge"],
        ["train", "--optimizer", "lbfgs"],
        ["frobnicate"],
        ["summary"],
    ],
)
def test_a_wrong_command_line_is_one_line_and_exit_code_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert one_error_line(err), err
    assert out == ""


def test_a_missing_checkpoint_is_one_line(capsys, tmp_path):
    for command in ("evaluate", "visualize", "summary"):
        code, _, err = run(capsys, command, tmp_path / "nothing.npz")
        assert code == 1 and one_error_line(err) and "no such checkpoint" in err


def test_a_corrupt_checkpoint_is_one_line(capsys, tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 but nothing more")
    code, _, err = run(capsys, "predict", tmp_path / "bad.npz", draw(tmp_path / "7.png"))
    assert code == 1 and one_error_line(err) and "damaged or truncated" in err


def test_an_empty_run_folder_says_to_train_first(capsys, tmp_path):
    (tmp_path / "run").mkdir()
    code, _, err = run(capsys, "evaluate", tmp_path / "run")
    assert code == 1 and one_error_line(err) and "train one first" in err


@pytest.fixture
def no_mnist_anywhere(tmp_path, monkeypatch):
    """No ZERODL_DATA, an empty user cache and system folder, and downloads that fail."""
    from mnist_fakes import no_local_data
    from zerodl.datasets import download

    no_local_data(tmp_path, monkeypatch)

    def offline(*args, **kwargs):
        raise download.DownloadError("offline in this test", [])

    monkeypatch.setattr(download, "download", offline)


def test_a_missing_dataset_is_one_line_that_says_what_to_do(capsys, tmp_path, no_mnist_anywhere):
    code, _, err = run(capsys, "train", "--data-dir", tmp_path / "empty", "--epochs", "1")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert "MNIST was not found" in last and "--data-dir" in last
    assert "Traceback" not in err


def test_a_data_dir_without_the_files_is_one_warning_line(capsys, tmp_path, monkeypatch):
    from mnist_fakes import write_fake_dataset

    write_fake_dataset(tmp_path / "shared" / "mnist")
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    (tmp_path / "empty").mkdir()
    code, _, err = run(
        capsys, "train", "--model", "mlp", "--epochs", "1", "--data-dir", tmp_path / "empty"
    )
    assert code == 0
    warned = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warned) == 1 and "not in data_dir" in warned[0]
    assert str(tmp_path / "shared" / "mnist") in warned[0]


def test_resuming_a_finished_run_does_nothing_and_touches_nothing(capsys, tmp_path, monkeypatch):
    from mnist_fakes import write_fake_dataset

    write_fake_dataset(tmp_path / "shared" / "mnist")
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    assert main(["train", "--model", "mlp", "--epochs", "2", "--out", "run"]) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}
    capsys.readouterr()
    code, out, err = run(capsys, "train", "--resume", "run", "--epochs", "1")
    assert code == 0 and "already has 2 epochs (of 1): nothing to do" in out
    assert "loading" not in err  # returned before reading any data
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == before


def test_zero_epochs_is_refused(capsys):
    code, _, err = run(capsys, "train", "--epochs", "0")
    assert code == 2 and one_error_line(err) and "--epochs must be positive, got 0" in err


@pytest.fixture
def mlp_checkpoint(tmp_path):
    network = MultiLayerNet(784, [30], 10, seed=0)
    return zerodl.save(network, tmp_path / "mlp.npz", dataset="mnist")


@pytest.fixture
def cnn_checkpoint(tmp_path):
    network = SimpleConvNet(conv_param={"filter_num": 6}, hidden_size=20, seed=0)
    return zerodl.save(network, tmp_path / "cnn.npz", dataset="mnist")


@pytest.mark.parametrize("which", ["mlp_checkpoint", "cnn_checkpoint"])
def test_predict_prints_the_top_3_of_the_networks_probabilities(capsys, tmp_path, request, which):
    checkpoint = request.getfixturevalue(which)
    seven = draw(tmp_path / "seven.png")
    zero = draw(tmp_path / "zero.jpg", kind="zero", mode="RGB")
    code, out, _ = run(capsys, "predict", checkpoint, seven, zero)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2

    network = zerodl.load(checkpoint)  # the same answer, computed through the API
    for line, path in zip(lines, (seven, zero)):
        x = load_digit(path).reshape(1, *network.input_shape)
        probs = network.predict_proba(x)[0]
        top = np.argsort(-probs, kind="stable")[:3]
        expected = "  ".join(f"{k} ({probs[k]:.1%})" for k in top)
        assert line == f"{path}: {expected}"


def test_predict_saves_the_28x28_inputs(capsys, tmp_path, mlp_checkpoint):
    code, _, _ = run(
        capsys, "predict", mlp_checkpoint, draw(tmp_path / "7.png"), "--save-input", "inputs"
    )
    assert code == 0
    with Image.open(tmp_path / "inputs" / "7_28x28.png") as image:
        assert image.size == (28, 28)


def test_predict_reports_each_unreadable_image_and_goes_on(capsys, tmp_path, mlp_checkpoint):
    (tmp_path / "broken.png").write_bytes(b"not an image")
    good = draw(tmp_path / "seven.png")
    code, out, err = run(capsys, "predict", mlp_checkpoint, "broken.png", good, "missing.png")
    assert code == 1
    assert out.startswith(f"{good}: ")
    assert "broken.png: not a readable image" in err and "missing.png: no such file" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("which", "what"),
    [("cnn_checkpoint", "6 filters 5x5"), ("mlp_checkpoint", "weights of 30 of 30 hidden")],
)
def test_visualize_draws_the_first_layer(capsys, tmp_path, request, which, what):
    checkpoint = request.getfixturevalue(which)
    code, out, _ = run(capsys, "visualize", checkpoint, "--out", tmp_path / "w.png")
    assert code == 0 and what in out
    assert is_png(tmp_path / "w.png")


def test_summary_of_a_model_and_of_a_checkpoint(capsys, cnn_checkpoint):
    code, out, _ = run(capsys, "summary", "--model", "simple_cnn")
    assert code == 0
    assert "SimpleConvNet" in out and "Total parameters: 433,890" in out  # the book's network
    code, out, _ = run(capsys, "summary", cnn_checkpoint)
    assert code == 0 and "(N, 6, 24, 24)" in out


def test_gradcheck_passes_for_every_model(capsys):
    code, out, _ = run(capsys, "gradcheck")
    assert code == 0
    for model in ("two_layer", "mlp", "simple_cnn", "deep_cnn"):
        assert f"\n{model} " in out
    assert "all 40 gradients agree" in out  # 5 + 11 + 7 + 17 arrays


def test_gradcheck_fails_when_the_tolerance_cannot_be_met(capsys):
    code, out, _ = run(capsys, "gradcheck", "--model", "two_layer", "--tolerance", "1e-20")
    assert code == 1 and "FAIL" in out and "disagree" in out


def test_bench_passes_its_arguments_through(capsys, monkeypatch):
    import zerodl.benchmark

    seen = []
    monkeypatch.setattr(zerodl.benchmark, "main", lambda argv, **kw: seen.append(argv) or 0)
    assert main(["bench", "--steps", "3", "--help"]) == 0
    assert seen == [["--steps", "3", "--help"]]


def test_a_wrong_bench_option_is_one_line(capsys):
    code, out, err = run(capsys, "bench", "--bogus")
    assert code == 2 and one_error_line(err) and "--bogus" in err and "zerodl bench" in err
    code, out, _ = run(capsys, "bench", "--help")
    assert code == 0 and out.startswith("usage: zerodl bench")


def test_an_unexpected_error_is_one_line_without_a_traceback(capsys, monkeypatch):
    import zerodl.cli

    def boom(args):
        raise KeyError("surprise")

    monkeypatch.setattr(zerodl.cli, "cmd_summary", boom)
    code, _, err = run(capsys, "summary", "--model", "mlp")
    assert code == 1 and one_error_line(err) and "ZERODL_DEBUG" in err


# --- end to end on a slice of the real MNIST ------------------------------------------------------


def read_metrics(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


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
def test_evaluate_prints_accuracy_per_class_and_the_confusion_matrix(capsys, tmp_path, mnist_dir):
    assert main(["train", "--model", "two_layer", "--epochs", "1", "--limit", "500",
                 "--data-dir", str(mnist_dir), "--out", "run"]) == 0  # fmt: skip
    capsys.readouterr()
    code, out, err = run(capsys, "evaluate", "run", "--limit", "300")
    assert code == 0, err
    assert "test accuracy" in out and "per-class accuracy" in out and "<- predicted" in out
    accuracy = float(out.split("test accuracy ")[1].split()[0])

    from zerodl.datasets import load_mnist

    _, (x_test, t_test) = load_mnist(data_dir=mnist_dir)
    network = zerodl.load(tmp_path / "run" / "best.npz")
    assert accuracy == pytest.approx(network.accuracy(x_test[:300], t_test[:300]), abs=1e-4)
    matrix = [line.split()[1:] for line in out.splitlines()[-10:]]
    assert sum(int(v) for row in matrix for v in row) == 300
    assert is_png(tmp_path / "run" / "confusion_matrix.png")
    assert is_png(tmp_path / "run" / "misclassified.png")


@pytest.mark.slow
def test_ctrl_c_keeps_the_last_epoch_and_resume_gives_the_uninterrupted_run(
    capsys, tmp_path, mnist_dir, monkeypatch
):
    from zerodl.trainer import Trainer

    common = ["--model", "mlp", "--dropout", "0.2", "--limit", "400", "--data-dir", str(mnist_dir)]
    assert main(["train", *common, "--epochs", "3", "--out", "straight"]) == 0

    real_run_epoch = Trainer._run_epoch

    def interrupted_in_epoch_2(self, *args):
        if self.epoch == 1:
            raise KeyboardInterrupt
        return real_run_epoch(self, *args)

    monkeypatch.setattr(Trainer, "_run_epoch", interrupted_in_epoch_2)
    capsys.readouterr()
    code, _, err = run(capsys, "train", *common, "--epochs", "3", "--out", "cut")
    assert code == 130
    assert "epoch 1 of 3 is saved in cut/last.npz" in err and "--resume cut" in err
    assert load_checkpoint(tmp_path / "cut" / "last.npz").epoch == 1
    assert len(read_metrics(tmp_path / "cut" / "metrics.csv")) == 1

    monkeypatch.setattr(Trainer, "_run_epoch", real_run_epoch)
    code, _, err = run(capsys, "train", "--resume", "cut", "--data-dir", mnist_dir)
    assert code == 0, err
    assert len(read_metrics(tmp_path / "cut" / "metrics.csv")) == 3
    straight = zerodl.load(tmp_path / "straight" / "last.npz")
    resumed = zerodl.load(tmp_path / "cut" / "last.npz")
    for key, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[key], value, err_msg=key)

    code, _, err = run(capsys, "train", "--resume", "cut", "--lr", "0.1")
    assert code == 2 and "--lr cannot change when resuming" in err


@pytest.mark.slow
def test_compare_writes_a_png_and_a_table(capsys, tmp_path, mnist_dir):
    code, out, err = run(
        capsys, "compare", "optimizers", "--iterations", "20", "--data-dir", mnist_dir,
        "--out", "figs",
    )  # fmt: skip
    assert code == 0, err
    assert "Adam" in out or "adam" in out.lower()
    assert is_png(tmp_path / "figs" / "compare_optimizers.png")


@pytest.mark.slow
def test_python_dash_m_zerodl_runs_the_same_program(tmp_path, cnn_checkpoint):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "zerodl", "predict", str(cnn_checkpoint),
         str(draw(tmp_path / "7.png"))],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{tmp_path / '7.png'}: ")
