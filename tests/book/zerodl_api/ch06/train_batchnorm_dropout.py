"""The twin of programs/ch06/train_batchnorm_dropout.py: a Sequential of zerodl's Affine,
BatchNormalization, ReLU and Dropout, zerodl's gradient check and Adam."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.gradient import numerical_gradient  # noqa: E402
from zerodl.layers import Affine, BatchNormalization, Dropout, ReLU, SoftmaxWithLoss  # noqa: E402
from zerodl.networks import Sequential  # noqa: E402
from zerodl.optimizers import Adam  # noqa: E402


def network(rs, rng, hidden, dropout_ratio):
    sizes = [784, hidden, hidden, 10]
    W = [np.sqrt(2.0 / sizes[i]) * rs.randn(sizes[i], sizes[i + 1]) for i in range(3)]
    layers = []
    for i in range(2):
        layers += [
            Affine.from_arrays(W[i], np.zeros(sizes[i + 1])),
            BatchNormalization(hidden, dtype=np.float64),
            ReLU(),
            Dropout(dropout_ratio, seed=rng),
        ]
    return Sequential([*layers, Affine.from_arrays(W[2], np.zeros(10)), SoftmaxWithLoss()])


def main(out=None):
    (x_train, t_train), (x_test, t_test) = load_mnist()
    rs, rng = legacy_stream(4)

    checked = network(rs, rng, 4, 0.0)
    x, t = x_train[:5], t_train[:5]
    backprop = {k: g.copy() for k, g in checked.gradient(x, t).items()}
    differences = {}
    for key, p in checked.params.items():
        numerical = numerical_gradient(lambda _: checked.loss(x, t, train=True), p)
        differences[key] = float(np.max(np.abs(backprop[key] - numerical)))

    net, optimizer = network(rs, rng, 50, 0.2), Adam(lr=0.01)
    losses = []
    for _ in range(60):
        batch = rs.choice(len(x_train), 100)
        optimizer.update(net.params, net.gradient(x_train[batch], t_train[batch]))
        losses.append(net.last_loss)
    results = {
        "differences": differences,
        "train_loss_list": losses,
        "test_acc": net.accuracy(x_test[:1000], t_test[:1000]),
        "running_mean": net.buffers["running_mean1"].tolist(),
    }
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
