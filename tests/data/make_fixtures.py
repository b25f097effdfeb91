"""Writes the checkpoint fixtures of tests/test_checkpoint_compat.py, with an OLD zerodl.

The files were made by zerodl at commit 269b8c8 (before the trainer/checkpoint restructure), so
that the tests can tell whether today's code still reads what yesterday's wrote:

    git worktree add /tmp/zerodl-base 269b8c8
    PYTHONPATH=/tmp/zerodl-base/src python tests/data/make_fixtures.py tests/data

It writes, each a few kB:

    network_v1.npz      zerodl.save of a hand-built Sequential (Affine, Tanh, Affine, loss)
    trainer_v1.npz      a MultiLayerNet with batch norm and dropout after 1 epoch of Adam on 50
                        random samples, saved with its optimiser and trainer state
    expected_v1.json    what the old code computed, for the tests to compare against: the
                        Sequential's scores on a fixed input, and the MultiLayerNet's history
                        and parameters after 2 epochs straight (the run the resume must match)

Only the API that both the old and the new code have is used here.
"""

import json
import sys
from pathlib import Path

import numpy as np

import zerodl
from zerodl.checkpoint import save
from zerodl.layers import Affine, SoftmaxWithLoss, Tanh
from zerodl.networks import MultiLayerNet, Sequential
from zerodl.trainer import Trainer


def data():
    """50 random samples of 6 features and 3 classes: the run of trainer_v1.npz."""
    rng = np.random.default_rng(0)
    return rng.random((50, 6), dtype=np.float32), rng.integers(0, 3, size=50)


def network_input():
    """The fixed input on which network_v1.npz's scores are recorded."""
    return np.random.default_rng(1).random((3, 4), dtype=np.float32)


def mlp():
    return MultiLayerNet(6, [5], 3, use_batchnorm=True, use_dropout=True, seed=0)


def trainer(network):
    return Trainer(network, "adam", optimizer_param={"lr": 0.01}, batch_size=10, seed=2,
                   verbose=False)  # fmt: skip


def main(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(3)
    network = Sequential(
        [Affine(4, 5, seed=rng), Tanh(), Affine(5, 3, seed=rng), SoftmaxWithLoss()],
        input_shape=(4,),
    )
    zerodl.save(network, folder / "network_v1.npz")
    scores = network.predict(network_input())

    x, t = data()
    first = trainer(mlp())
    first.fit(x, t, epochs=1)
    save(first.network, folder / "trainer_v1.npz", trainer=first, config={"note": "1 epoch"})

    straight = trainer(mlp())
    straight.fit(x, t, epochs=2)
    expected = {
        "zerodl_version": zerodl.__version__,
        "network_scores": scores.tolist(),
        "straight_loss": straight.history["loss"],
        "straight_params": {k: p.tolist() for k, p in straight.network.params.items()},
        "straight_buffers": {k: b.tolist() for k, b in straight.network.buffers.items()},
    }
    (folder / "expected_v1.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
