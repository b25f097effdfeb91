"""The twin of programs/ch06/optimizer_compare_mnist.py on zerodl's MultiLayerNet (float64, its
weights drawn from the script's stream) and zerodl's optimisers."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.networks import MultiLayerNet  # noqa: E402
from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum  # noqa: E402


def main(out=None):
    (x_train, t_train), _ = load_mnist()
    rs, rng = legacy_stream(6)
    optimizers = {"SGD": SGD(), "Momentum": Momentum(), "AdaGrad": AdaGrad(), "Adam": Adam()}
    networks = {
        name: MultiLayerNet(784, [100] * 4, 10, seed=rng, dtype=np.float64) for name in optimizers
    }
    losses = {name: [] for name in optimizers}
    for _ in range(30):
        batch = rs.choice(len(x_train), 128)
        for name, optimizer in optimizers.items():
            net = networks[name]
            optimizer.update(net.params, net.gradient(x_train[batch], t_train[batch]))
            losses[name].append(net.loss(x_train[batch], t_train[batch]))
    if out:
        Path(out).write_text(json.dumps(losses))
    return losses


if __name__ == "__main__":
    main(*sys.argv[1:])
