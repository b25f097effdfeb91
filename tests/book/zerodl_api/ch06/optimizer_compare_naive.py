"""The twin of programs/ch06/optimizer_compare_naive.py on zerodl's optimisers, with the
parameters as arrays (zerodl updates arrays in place)."""

import json
import sys
from pathlib import Path

import numpy as np

from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSProp

OPTIMIZERS = {
    "SGD": lambda: SGD(lr=0.95),
    "Momentum": lambda: Momentum(lr=0.1),
    "Nesterov": lambda: Nesterov(lr=0.1),
    "AdaGrad": lambda: AdaGrad(lr=1.5),
    "RMSprop": lambda: RMSProp(lr=0.3),
    "Adam": lambda: Adam(lr=0.3),
}


def main(out=None):
    paths = {}
    for name, make in OPTIMIZERS.items():
        optimizer = make()
        params = {"x": np.array([-7.0]), "y": np.array([2.0])}
        xs, ys = [], []
        for _ in range(30):
            xs.append(float(params["x"][0]))
            ys.append(float(params["y"][0]))
            grads = {"x": params["x"] / 10.0, "y": 2.0 * params["y"]}
            optimizer.update(params, grads)
        paths[name] = [xs, ys]
    if out:
        Path(out).write_text(json.dumps(paths))
    return paths


if __name__ == "__main__":
    main(*sys.argv[1:])
