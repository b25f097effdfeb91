"""zerodl.run_folder: the files of a training run, and run folders written by earlier versions."""

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import zerodl
from cli.helpers import draw, read_metrics, run
from mnist_fakes import write_fake_dataset
from zerodl.networks import MultiLayerNet
from zerodl.run_folder import RunFolder, newest_checkpoint
from zerodl.trainer import Trainer

DATA = Path(__file__).resolve().parent / "data"


def test_a_new_run_is_named_after_model_dataset_and_time():
    folder = RunFolder.new("mlp", "mnist", now=datetime(2026, 1, 2, 15, 30, 0))
    assert folder.path == Path("runs") / "mlp-mnist-20260102-153000"
    assert (folder.last.name, folder.best.name, folder.config.name) == (
        "last.npz", "best.npz", "config.json",
    )  # fmt: skip


def test_nothing_is_written_before_an_epoch_is_saved_then_every_file_at_once(tmp_path):
    folder = RunFolder(tmp_path / "run")
    assert not folder.path.exists() and not folder.holds_run() and folder.checkpoint() is None
    network = MultiLayerNet(4, [3], 2, seed=0)
    trainer = Trainer(network, "sgd", batch_size=5, seed=0, verbose=False)
    rng = np.random.default_rng(0)
    trainer.fit(rng.random((10, 4)), rng.integers(0, 2, 10), 1)
    config = {"model": "mlp", "dataset": "mnist", "epochs": 1}
    folder.save_epoch(network, trainer, config, best=False)
    assert sorted(p.name for p in folder.path.iterdir()) == [
        "config.json", "last.npz", "metrics.csv",
    ]  # fmt: skip
    assert folder.holds_run() and folder.checkpoint() == folder.last  # no best.npz: the last
    assert [row["epoch"] for row in read_metrics(folder.metrics)] == ["1"]
    assert zerodl.load(folder.last).params.keys() == network.params.keys()


def test_the_newest_checkpoint_is_by_time_and_skips_the_latest_link(tmp_path):
    for age, name in ((300, "old"), (0, "new")):
        folder = tmp_path / name
        folder.mkdir()
        path = zerodl.save(MultiLayerNet(4, [3], 2, seed=0), folder / "last.npz")
        os.utime(path, (time.time() - age, time.time() - age))
    (tmp_path / "latest").symlink_to("old")
    assert newest_checkpoint(tmp_path) == tmp_path / "new" / "last.npz"
    assert newest_checkpoint(tmp_path / "absent") is None


# --- a run folder written by the code of main before this module (tests/data/run_main_v1) --------
# Made with main's src on the fake MNIST (tests/mnist_fakes.py) by
#   zerodl train --model two_layer --hidden 2 --epochs 1 --batch-size 10 --optimizer momentum
#                --lr 0.5 --lr-schedule step --out run_main_v1
# (last.npz, config.json and metrics.csv kept), then resumed by the same code to 3 epochs:
#   zerodl train --resume run_main_v1 --epochs 3      (its last.npz: run_main_v1_resumed_last.npz)


@pytest.fixture
def old_run(tmp_path, monkeypatch):
    write_fake_dataset(tmp_path / "shared" / "mnist")
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    shutil.copytree(DATA / "run_main_v1", tmp_path / "old")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "old"


def test_an_old_run_folder_resumes_to_the_numbers_the_old_code_gave(capsys, old_run):
    code, out, err = run(capsys, "train", "--resume", old_run, "--epochs", "3")
    assert code == 0, err
    assert err.splitlines()[0] == f"resuming {old_run} after epoch 1 of 3"
    resumed = zerodl.load(old_run / "last.npz")
    expected = zerodl.load(DATA / "run_main_v1_resumed_last.npz")
    for key, value in expected.params.items():
        np.testing.assert_array_equal(resumed.params[key], value, err_msg=key)
    lrs = [float(row["lr"]) for row in read_metrics(old_run / "metrics.csv")]
    assert lrs == pytest.approx([0.005, 0.05, 0.005])  # the step schedule over 1, then 3 epochs


def test_an_old_run_folder_is_evaluated_and_predicts(capsys, old_run, tmp_path):
    code, out, err = run(capsys, "evaluate", old_run)
    assert code == 0 and "test accuracy" in out, err
    code, out, err = run(capsys, "predict", old_run, draw(tmp_path / "7.png"))
    assert code == 0 and out.startswith(f"{tmp_path / '7.png'}: "), err
    assert err.splitlines() == [
        f"model: {old_run / 'last.npz'} (TwoLayerNet, trained on mnist, epoch 1)"
    ]
