"""What the benchmarks time: the book's four networks from zerodl's model registry, and the data.

    two_layer   TwoLayerNet 784-50-10 (sigmoid), SGD lr 0.1
    mlp         MultiLayerNet 784-100x4-10 (ReLU), Adam lr 0.001
    simple_cnn  SimpleConvNet (conv 30x5x5 - relu - pool - affine 100 - relu - affine), Adam
    deep_cnn    DeepConvNet (six 3x3 convolutions, three poolings, two affine layers), Adam

The networks, their settings and their optimisers come from zerodl.networks.registry (the same
ones `zerodl train --model NAME` trains); this module adds only the ratio zerodl/PyTorch each is
meant to stay under. The names before the registry (multi_layer, simple_conv, deep_conv) are
accepted too.
"""

import argparse
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from zerodl import kernels as zerodl_kernels
from zerodl.networks.registry import MODELS, Model
from zerodl.optimizers import create_optimizer

TRAIN_SAMPLES = 60_000  # one MNIST epoch
ALIASES = {"multi_layer": "mlp", "simple_conv": "simple_cnn", "deep_conv": "deep_cnn"}


@dataclass(frozen=True)
class Workload:
    """One registry model, and the ratio zerodl/PyTorch of its times it is meant to stay under."""

    model: Model
    target: float  # for the training step and for inference

    @property
    def name(self):
        return self.model.name

    @property
    def title(self):
        return self.model.title

    @property
    def flat(self):
        """True when the network takes (N, 784) rather than (N, 1, 28, 28)."""
        return self.model.flat_input

    @property
    def optimizer(self):
        """The optimiser's name in the registry: "sgd" or "adam"."""
        return self.model.optimizer

    @property
    def lr(self):
        return self.model.lr

    def build(self, seed=0):
        """The float32 network with the registry's defaults."""
        return self.model.build(seed=seed)

    def make_optimizer(self):
        return create_optimizer(self.model.optimizer, lr=self.model.lr)


TARGETS = {"two_layer": 1.0, "mlp": 1.0, "simple_cnn": 1.25, "deep_cnn": 1.5}
WORKLOADS = {name: Workload(MODELS[name], target) for name, target in TARGETS.items()}


def resolve(name):
    """The registry's name for `name` (an old alias is translated); ValueError if unknown."""
    name = ALIASES.get(name, name)
    if name not in WORKLOADS:
        choices = ", ".join([*WORKLOADS, *ALIASES])
        raise ValueError(f"unknown workload {name!r}; choose from {choices}")
    return name


def count_flops(network, batch_size):
    """FLOPs of one forward pass and of one training step of `network` on a batch.

    Only matrix products and convolutions count. With MACs the multiply-adds of a layer's forward
    pass on the batch (Affine D->M: N*D*M; Convolution: N*FN*OH*OW*C*FH*FW), the forward pass
    does 2 * MACs, and backward 2 * MACs for dW plus 2 * MACs for dx, except for the first
    counted layer, whose input gradient training does not need.
    Returns {"forward": ..., "train": ...} as ints.
    """
    shape = tuple(network.input_shape)
    forward = backward = 0
    first = True
    for layer in network.layers[:-1]:
        out = tuple(layer.output_shape(shape))
        kind = type(layer).__name__
        if kind == "Affine":
            d, m = layer.params["W"].shape  # (D, M)
            macs = batch_size * d * m
        elif kind == "Convolution":
            fn, c, fh, fw = layer.params["W"].shape  # (FN, C, FH, FW)
            _, oh, ow = out  # (FN, OH, OW)
            macs = batch_size * fn * oh * ow * c * fh * fw
        else:
            macs = 0
        if macs:
            forward += 2 * macs
            backward += 2 * macs if first else 4 * macs  # dW always; dx unless first layer
            first = False
        shape = out
    return {"forward": forward, "train": forward + backward}


def load_data(data_dir=None, seed=0, random=False):
    """(x_train, t_train, x_test, t_test, source): flat float32 images and int64 labels.

    The real MNIST when it can be found (never downloaded here), else (or with random=True)
    random data of its shape; `source` says which ("mnist" or "random").
    """
    from zerodl.datasets import DatasetNotFoundError, load_mnist

    try:
        if random:
            raise DatasetNotFoundError("random data asked for")
        (x_train, t_train), (x_test, t_test) = load_mnist(data_dir=data_dir, download=False)
        return x_train, t_train, x_test, t_test, "mnist"
    except (DatasetNotFoundError, OSError, ValueError):
        rng = np.random.default_rng(seed)
        x_train = rng.random((TRAIN_SAMPLES, 784), dtype=np.float32)
        x_test = rng.random((10_000, 784), dtype=np.float32)
        t_train = rng.integers(0, 10, TRAIN_SAMPLES, dtype=np.int64)
        t_test = rng.integers(0, 10, 10_000, dtype=np.int64)
        return x_train, t_train, x_test, t_test, "random"


def shaped(x, workload):
    """The flat images `x` (N, 784) as the workload's network takes them."""
    return x if workload.flat else x.reshape(len(x), 1, 28, 28)  # (N, 784) or (N, 1, 28, 28)


class ZerodlRunner:
    """A zerodl network and its optimiser: one training step, a prediction."""

    name = "zerodl"

    def __init__(self, workload, seed=0, kernels=None, name=None):
        """kernels: the kernel set its steps run ("fast", "jit": zerodl.use_kernels), or None
        for whatever is in use; name: its name in the results (default "zerodl")."""
        self.net = workload.build(seed=seed)
        self.optimizer = workload.make_optimizer()
        self.kernels = kernels
        self.name = name or self.name

    @contextmanager
    def _mode(self):
        if self.kernels is None:
            yield
            return
        previous = zerodl_kernels.use_kernels(self.kernels)
        try:
            yield
        finally:
            zerodl_kernels.use_kernels(previous)

    def step(self, x, t):
        with self._mode():
            grads = self.net.gradient(x, t)
            self.optimizer.update(self.net.params, grads)

    def predict(self, x):
        with self._mode():
            return self.net.predict(x, train=False)

    def convert(self, x):
        return x


# --- command-line values (argparse types) the benchmarks share -----------------------------------


def workload_list(text):
    """The registry's names of a comma-separated list ("all": every workload)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if "all" in names:
        return list(WORKLOADS)
    unknown = [n for n in names if ALIASES.get(n, n) not in WORKLOADS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown workload(s) {unknown}; choose from {', '.join(WORKLOADS)} or all "
            f"(or the older names {', '.join(ALIASES)})"
        )
    return [resolve(n) for n in names]


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def nonnegative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value
