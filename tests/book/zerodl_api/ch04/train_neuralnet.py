"""The twin of programs/ch04/train_neuralnet.py on zerodl's own API: TwoLayerNet, gradcheck's
numerical_gradient, SGD; the same initial weights and mini-batches."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.gradient import numerical_gradient  # noqa: E402
from zerodl.networks import TwoLayerNet  # noqa: E402
from zerodl.optimizers import SGD  # noqa: E402


def two_layer_net(rs, hidden_size):
    """zerodl's TwoLayerNet in float64 with the weights the book-style class draws."""
    net = TwoLayerNet(784, hidden_size, 10, dtype=np.float64)
    net.params["W1"][...] = 0.01 * rs.randn(784, hidden_size)
    net.params["W2"][...] = 0.01 * rs.randn(hidden_size, 10)
    return net


def main(out=None):
    (x_train, t_train), (x_test, t_test) = load_mnist(one_hot_label=True)
    rs, _ = legacy_stream(0)

    small = two_layer_net(rs, 3)
    x, t = x_train[:3], t_train[:3]
    backprop = {k: g.copy() for k, g in small.gradient(x, t).items()}
    differences = {}
    for key, p in small.params.items():
        numerical = numerical_gradient(lambda _: small.loss(x, t), p)
        differences[key] = float(np.max(np.abs(backprop[key] - numerical)))

    network, optimizer = two_layer_net(rs, 50), SGD(lr=0.5)
    losses = []
    for _ in range(100):
        batch = rs.choice(len(x_train), 100)
        optimizer.update(network.params, network.gradient(x_train[batch], t_train[batch]))
        losses.append(network.loss(x_train[batch], t_train[batch]))
    results = {
        "differences": differences,
        "train_loss_list": losses,
        "train_acc": network.accuracy(x_train[:1000], t_train[:1000]),
        "test_acc": network.accuracy(x_test[:1000], t_test[:1000]),
    }
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
