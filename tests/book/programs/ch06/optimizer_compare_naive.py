# Chapter 6: six optimisers on f(x, y) = x**2 / 20 + y**2 from (-7, 2), parameters as numbers.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys
from collections import OrderedDict

sys.path.append(os.pardir)
from common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop  # noqa: E402


def df(x, y):
    return x / 10.0, 2.0 * y


optimizers = OrderedDict()
optimizers["SGD"] = SGD(lr=0.95)
optimizers["Momentum"] = Momentum(lr=0.1)
optimizers["Nesterov"] = Nesterov(lr=0.1)
optimizers["AdaGrad"] = AdaGrad(lr=1.5)
optimizers["RMSprop"] = RMSprop(lr=0.3)
optimizers["Adam"] = Adam(lr=0.3)

paths = {}
for key in optimizers:
    optimizer = optimizers[key]
    params = {"x": -7.0, "y": 2.0}
    grads = {}
    x_history, y_history = [], []
    for _ in range(30):
        x_history.append(params["x"])
        y_history.append(params["y"])
        grads["x"], grads["y"] = df(params["x"], params["y"])
        optimizer.update(params, grads)
    paths[key] = [x_history, y_history]
    print(key, params["x"], params["y"])

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(paths, f)
