"""The twin of programs/ch05/train_neuralnet.py on zerodl's own API: a Sequential of zerodl's
layers, gradcheck's numerical_gradient, SGD; the same initial weights and mini-batches."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.gradient import numerical_gradient  # noqa: E402
from zerodl.layers import Affine, ReLU, SoftmaxWithLoss  # noqa: E402
from zerodl.networks import Sequential  # noqa: E402
from zerodl.optimizers import SGD  # noqa: E402


def two_layer_net(rs, hidden_size):
    """Affine - ReLU - Affine - softmax in float64, with the weights the book-style class draws."""
    W1 = 0.01 * rs.randn(784, hidden_size)
    W2 = 0.01 * rs.randn(hidden_size, 10)
    layers = [
        Affine.from_arrays(W1, np.zeros(hidden_size)),
        ReLU(),
        Affine.from_arrays(W2, np.zeros(10)),
        SoftmaxWithLoss(),
    ]
    return Sequential(layers)


def main(out=None):
    (x_train, t_train), (x_test, t_test) = load_mnist(one_hot_label=True)
    rs, _ = legacy_stream(1)

    net = two_layer_net(rs, 3)
    x, t = x_train[:3], t_train[:3]
    backprop = {k: g.copy() for k, g in net.gradient(x, t).items()}
    differences = {}
    for key, p in net.params.items():
        numerical = numerical_gradient(lambda _: net.loss(x, t), p)
        differences[key] = float(np.mean(np.abs(backprop[key] - numerical)))

    network, optimizer = two_layer_net(rs, 50), SGD(lr=0.1)
    losses = []
    for _ in range(100):
        batch = rs.choice(len(x_train), 100)
        optimizer.update(network.params, network.gradient(x_train[batch], t_train[batch]))
        losses.append(network.loss(x_train[batch], t_train[batch]))
    results = {
        "differences": differences,
        "train_loss_list": losses,
        "train_acc": network.accuracy(x_train[:2000], t_train[:2000]),
        "test_acc": network.accuracy(x_test[:2000], t_test[:2000]),
    }
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
