"""Resuming: a run carried on from a trainer's state or a checkpoint equals the run never
interrupted, in this process, in another one, and from a file of an older zerodl."""

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from zerodl.checkpoint import CheckpointError, load_checkpoint, save
from zerodl.datasets import load_mnist
from zerodl.networks import MultiLayerNet, TwoLayerNet
from zerodl.optimizers import Adam
from zerodl.trainer import Trainer, resume

from .helpers import blobs, quiet, small_net

DATA = Path(__file__).resolve().parents[1] / "data"


# --- from a trainer's state ----------------------------------------------------------------------


def test_two_epochs_straight_equal_one_plus_a_resumed_one():
    x, t = blobs(200)
    xv, tv = blobs(50, seed=1)
    kw = dict(validation_data=(xv, tv), evaluate_sample_num_per_epoch=30)

    def make(net, optimizer):
        return Trainer(net, optimizer, batch_size=32, seed=7, verbose=False)

    straight = small_net(use_dropout=True, dropout_ratio=0.2)
    expected = make(straight, Adam(lr=0.01)).fit(x, t, 2, **kw)

    first = small_net(use_dropout=True, dropout_ratio=0.2)
    optimizer = Adam(lr=0.01)
    trainer = make(first, optimizer)
    trainer.fit(x, t, 1, **kw)
    # what a checkpoint holds: the network (its dropout Generator too), the optimizer's state,
    # and the trainer's state through JSON
    state = json.loads(json.dumps(trainer.state_dict()))
    resumed_net = copy.deepcopy(first)
    resumed_optimizer = Adam()
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed = Trainer(resumed_net, resumed_optimizer, batch_size=32, seed=123, verbose=False)
    resumed.load_state_dict(state)
    history = resumed.fit(x, t, 1, **kw)

    for key in straight.params:
        np.testing.assert_array_equal(resumed_net.params[key], straight.params[key])
    for key in ("epoch", "loss", "acc", "val_loss", "val_acc", "lr", "step_loss"):
        assert history[key] == expected[key], key
    assert resumed.epoch == 2


def test_state_dict_is_json_and_round_trips():
    x, t = blobs(64)
    trainer = quiet(small_net(), monitor="loss", restore_best=True)
    trainer.fit(x, t, 2)
    state = trainer.state_dict()
    assert json.loads(json.dumps(state)) == state
    other = quiet(small_net())
    other.load_state_dict(json.loads(json.dumps(state)))
    assert other.state_dict() == state
    assert other.rng.random() == trainer.rng.random()


def test_load_state_dict_rejects_something_else():
    with pytest.raises(ValueError, match="missing"):
        quiet(small_net()).load_state_dict({"epoch": 1})


# --- from a checkpoint ---------------------------------------------------------------------------

RESUME_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from zerodl.trainer import resume
    from zerodl.datasets import load_mnist

    ckpt, data_dir, out = sys.argv[1:4]
    (x, t), _ = load_mnist(data_dir=data_dir)
    trainer = resume(ckpt, batch_size=50, verbose=False)
    trainer.fit(x[:600], t[:600], epochs=1)
    np.savez(out, **trainer.network.params)
    """
)


def _trainer(network, seed):
    return Trainer(network, "adam", batch_size=50, seed=seed, verbose=False)


@pytest.mark.slow
def test_resuming_in_a_new_process_gives_the_uninterrupted_result(tmp_path, mnist_dir):
    """2 epochs straight == 1 epoch, save, load in another Python process, 1 more epoch."""
    (x, t), _ = load_mnist(data_dir=mnist_dir)
    x, t = x[:600], t[:600]

    def network():  # dropout and batch norm: every kind of state a resume must carry
        return MultiLayerNet(784, [40, 30], 10, use_batchnorm=True, use_dropout=True, seed=7)

    straight = _trainer(network(), seed=3)
    straight.fit(x, t, epochs=2)

    first = _trainer(network(), seed=3)
    first.fit(x, t, epochs=1)
    save(first.network, tmp_path / "epoch1.npz", trainer=first)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", RESUME_SCRIPT, str(tmp_path / "epoch1.npz"), str(mnist_dir),
         str(tmp_path / "resumed.npz")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    with np.load(tmp_path / "resumed.npz", allow_pickle=False) as resumed:
        assert sorted(resumed.files) == sorted(straight.network.params)
        for key, value in straight.network.params.items():
            np.testing.assert_array_equal(resumed[key], value, err_msg=key)


def test_resume_continues_exactly_on_synthetic_data(tmp_path):
    """The quick version of the test above: in one process, on random data."""
    rng = np.random.default_rng(0)
    x, t = rng.random((120, 12), dtype=np.float32), rng.integers(0, 3, size=120)

    def network():
        return MultiLayerNet(12, [10], 3, use_batchnorm=True, use_dropout=True, seed=4)

    straight = _trainer(network(), seed=1)
    straight.fit(x, t, epochs=3)
    first = _trainer(network(), seed=1)
    first.fit(x, t, epochs=2)
    save(first.network, tmp_path / "ckpt.npz", trainer=first, config={"note": "two epochs"})

    loaded = load_checkpoint(tmp_path / "ckpt.npz")  # a path or a loaded checkpoint
    for source in (tmp_path / "ckpt.npz", loaded):
        resumed = resume(source, batch_size=50, verbose=False)
        assert resumed.epoch == 2 and resumed.checkpoint.extra["config"]["note"] == "two epochs"
        resumed.fit(x, t, epochs=1)
        assert resumed.history["loss"] == straight.history["loss"]
        for key, value in straight.network.params.items():
            np.testing.assert_array_equal(resumed.network.params[key], value, err_msg=key)


def test_resume_needs_an_optimiser_state(tmp_path):
    save(TwoLayerNet(12, 7, 3, seed=0), tmp_path / "net.npz")
    with pytest.raises(CheckpointError, match="holds no optimiser state"):
        resume(tmp_path / "net.npz")


# --- from a checkpoint written before the restructure (tests/data/make_fixtures.py) --------------


def test_a_checkpoint_of_the_old_trainer_resumes_into_the_run_it_would_have_made():
    """trainer_v1.npz is epoch 1 of a run made by zerodl 269b8c8; that code also ran 2 epochs
    straight (expected_v1.json): the resumed second epoch must give those figures."""
    expected = json.loads((DATA / "expected_v1.json").read_text())
    rng = np.random.default_rng(0)  # make_fixtures.data()
    x, t = rng.random((50, 6), dtype=np.float32), rng.integers(0, 3, size=50)

    trainer = resume(DATA / "trainer_v1.npz", batch_size=10, verbose=False)
    assert trainer.epoch == 1 and trainer.checkpoint.extra["config"] == {"note": "1 epoch"}
    history = trainer.fit(x, t, epochs=1)

    np.testing.assert_allclose(history["loss"], expected["straight_loss"], rtol=1e-6)
    for group in ("params", "buffers"):
        for key, value in expected[f"straight_{group}"].items():
            got = getattr(trainer.network, group)[key]
            np.testing.assert_allclose(got, value, rtol=1e-5, atol=1e-7, err_msg=key)
