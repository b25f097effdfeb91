"""PyTorch twins of zerodl's networks: the yardstick the benchmarks time zerodl against.

A twin is built layer by layer from a zerodl network (Linear, Conv2d, ReLU, Sigmoid, MaxPool2d,
Dropout, ...) with a copy of its weights, so that both start from the same numbers; it trains
with the same optimiser (torch.optim.SGD or Adam, default implementation), float32 and
cross_entropy on int64 labels. Only imported when PyTorch is (zerodl never needs it).
"""

import numpy as np
import torch
from torch import nn


def torch_model(net):
    """An nn.Sequential with the layers of a zerodl network and a copy of its weights."""
    modules = []
    shape = tuple(net.input_shape)
    for layer in net.layers[:-1]:
        kind, config = type(layer).__name__, layer.get_config()
        if kind == "Affine":
            if len(shape) > 1:
                modules.append(nn.Flatten())
            module = nn.Linear(config["input_size"], config["output_size"])
            weight = layer.params["W"].T  # (M, D) in PyTorch, (D, M) in zerodl
        elif kind == "Convolution":
            module = nn.Conv2d(
                config["in_channels"],
                config["filter_num"],
                tuple(config["filter_size"]),
                stride=config["stride"],
                padding=config["pad"],
            )
            weight = layer.params["W"]  # (FN, C, FH, FW) in both
        elif kind in ("Pooling", "AvgPooling"):
            pool = nn.MaxPool2d if kind == "Pooling" else nn.AvgPool2d
            module = pool((config["pool_h"], config["pool_w"]), config["stride"], config["pad"])
        elif kind in ("ReLU", "Sigmoid", "Tanh", "Flatten"):
            module = getattr(nn, kind)()
        elif kind == "Dropout":
            module = nn.Dropout(config["dropout_ratio"])
        else:
            raise NotImplementedError(f"no PyTorch translation for {kind}")
        if kind in ("Affine", "Convolution"):
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
                module.bias.copy_(torch.from_numpy(layer.params["b"]))
        modules.append(module)
        shape = tuple(layer.output_shape(shape))
    return nn.Sequential(*modules)


class TorchRunner:
    """The twin of a workload's network (or of `net`, copying its weights) and its optimiser."""

    name = "torch"

    def __init__(self, workload, seed=0, net=None):
        torch.manual_seed(seed)
        self.model = torch_model(net if net is not None else workload.build(seed=seed))
        params = self.model.parameters()
        if workload.optimizer == "sgd":
            self.optimizer = torch.optim.SGD(params, lr=workload.lr)
        elif workload.optimizer == "adam":
            self.optimizer = torch.optim.Adam(params, lr=workload.lr)
        else:
            raise NotImplementedError(f"no PyTorch twin for the optimiser {workload.optimizer!r}")

    def step(self, x, t):
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(self.model(x), t)
        loss.backward()
        self.optimizer.step()

    def predict(self, x):
        self.model.eval()
        with torch.inference_mode():
            return self.model(x)

    def convert(self, x):
        return torch.from_numpy(x)
