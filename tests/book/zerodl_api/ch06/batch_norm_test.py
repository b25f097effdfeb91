"""The twin of programs/ch06/batch_norm_test.py on zerodl's MultiLayerNet(use_batchnorm=True)."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.networks import MultiLayerNet  # noqa: E402
from zerodl.optimizers import SGD  # noqa: E402


def main(out=None):
    (x_train, t_train), _ = load_mnist()
    x_train, t_train = x_train[:1000], t_train[:1000]
    rs, rng = legacy_stream(3)

    def train(weight_init_std):
        options = dict(weight_init_std=weight_init_std, seed=rng, dtype=np.float64)
        bn_network = MultiLayerNet(784, [100] * 4, 10, use_batchnorm=True, **options)
        network = MultiLayerNet(784, [100] * 4, 10, **options)
        optimizer = SGD(lr=0.01)
        acc, bn_acc = [], []
        for i in range(31):  # the book-style loop: an accuracy every 10th step, 4 of them
            batch = rs.choice(1000, 100)
            for net in (bn_network, network):
                optimizer.update(net.params, net.gradient(x_train[batch], t_train[batch]))
            if i % 10 == 0:
                acc.append(network.accuracy(x_train, t_train))
                bn_acc.append(bn_network.accuracy(x_train, t_train))
        return acc, bn_acc, sorted(bn_network.params)

    results = {str(w): train(w) for w in (0.05, "he")}
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
