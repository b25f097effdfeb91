"""The one model registry: each of the book's networks by name, with the settings zerodl uses.

    network = build("simple_cnn", seed=0)                 # SimpleConvNet with zerodl's defaults
    network = build("mlp", seed=0, hidden_size_list=[50]) # any constructor argument overrides
    network, x, t = small("deep_cnn")                     # tiny float64 instance for gradcheck
    network = from_options("mlp", seed=0, hidden=[50, 50], dropout=0.2, batchnorm=True)

The command line (`zerodl train --model NAME --hidden ... --dropout ...`), the benchmark, the
examples and the tests all build their networks here, so a model's defaults, and what each of
`zerodl train`'s options means for it, are written down once.
"""

from dataclasses import dataclass, field

import numpy as np

from zerodl.networks.deep_conv import DeepConvNet
from zerodl.networks.multi_layer import MultiLayerNet
from zerodl.networks.simple_conv import SimpleConvNet
from zerodl.networks.two_layer import TwoLayerNet


@dataclass(frozen=True)
class Model:
    """A network class with the constructor arguments that make it one of zerodl's models.

    Attributes:
        name: the short name used on the command line ("simple_cnn").
        network: the class (SimpleConvNet).
        title: a human name ("SimpleConvNet").
        flat_input: True when the network takes (N, 784) rather than (N, 1, 28, 28).
        defaults: constructor arguments for MNIST (28x28 images, 10 classes).
        optimizer, lr: the optimiser the book trains it with (the benchmark uses these).
        small_input: one sample's shape for the small instance (`small`).
        small_args: constructor arguments of a small instance (4 classes) for gradient checks.
    """

    name: str
    network: type
    title: str
    flat_input: bool
    defaults: dict
    optimizer: str
    lr: float
    small_input: tuple
    small_args: dict = field(default_factory=dict)

    def build(self, *, seed=None, dtype=np.float32, **overrides):
        """A new network: the defaults, with `overrides` (constructor arguments) on top."""
        return self.network(**{**self.defaults, **overrides}, seed=seed, dtype=dtype)

    def small(self, *, seed=0, batch=3, dtype=np.float64):
        """(network, x, t): a small instance with random inputs and labels, for gradcheck."""
        rng = np.random.default_rng(seed)
        network = self.network(**self.small_args, seed=seed, dtype=dtype)
        x = rng.standard_normal((batch, *self.small_input)).astype(dtype)
        t = rng.integers(0, 4, size=batch)
        return network, x, t


MODELS = {
    model.name: model
    for model in (
        Model(
            "two_layer",
            TwoLayerNet,
            "TwoLayerNet 784-50-10",
            flat_input=True,
            defaults={"input_size": 784, "hidden_size": 50, "output_size": 10},
            optimizer="sgd",
            lr=0.1,
            small_input=(12,),
            small_args={
                "input_size": 12,
                "hidden_size": 7,
                "output_size": 4,
                "weight_init_std": 0.5,
            },
        ),
        Model(
            "mlp",
            MultiLayerNet,
            "MultiLayerNet 784-100x4-10",
            flat_input=True,
            defaults={
                "input_size": 784,
                "hidden_size_list": [100] * 4,
                "output_size": 10,
                "weight_init_std": "he",
            },
            optimizer="adam",
            lr=0.001,
            small_input=(12,),
            small_args={
                "input_size": 12,
                "hidden_size_list": [8, 6],
                "output_size": 4,
                "use_batchnorm": True,
                "use_dropout": True,
                "weight_decay_lambda": 0.1,
            },
        ),
        Model(
            "simple_cnn",
            SimpleConvNet,
            "SimpleConvNet",
            flat_input=False,
            # He rather than the book's 0.01: with Adam it reaches 98.5% in 2 epochs, not 4.
            defaults={"hidden_size": 100, "weight_init_std": "he"},
            optimizer="adam",
            lr=0.001,
            small_input=(1, 8, 8),
            small_args={
                "input_dim": (1, 8, 8),
                "hidden_size": 10,
                "output_size": 4,
                "conv_param": {"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 1},
                "weight_init_std": 0.3,
            },
        ),
        Model(
            "deep_cnn",
            DeepConvNet,
            "DeepConvNet",
            flat_input=False,
            defaults={"hidden_size": 50},
            optimizer="adam",
            lr=0.001,
            # 8x8 input: 16x8x8, 32x4x4 -> 32x6x6 (pad 2), 64x3x3 -> 64x1x1 after the poolings
            small_input=(1, 8, 8),
            small_args={"input_dim": (1, 8, 8), "output_size": 4, "hidden_size": 8},
        ),
    )
}


def get(name):
    """The Model called `name`; a ValueError naming the choices for any other name."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}") from None


def build(name, *, seed=None, dtype=np.float32, **overrides):
    """A new network of the model called `name` (see Model.build)."""
    return get(name).build(seed=seed, dtype=dtype, **overrides)


def small(name, *, seed=0, batch=3, dtype=np.float64):
    """(network, x, t): a small instance of model `name` for gradient checks (see Model.small)."""
    return get(name).small(seed=seed, batch=batch, dtype=dtype)


def from_options(name, *, seed=None, hidden=None, dropout=0.0, batchnorm=False, l2=0.0,
                 weight_init=None, dtype=np.float32):  # fmt: skip
    """The network `zerodl train --model NAME` builds with its options: the model's defaults,
    and on top of them

        hidden       hidden layer widths: mlp's hidden_size_list, else one width (hidden_size)
        dropout      mlp: dropout of this ratio after each hidden layer (0: none)
        batchnorm    mlp and deep_cnn: batch normalisation
        l2           mlp: the L2 weight decay term of the loss (weight_decay_lambda)
        weight_init  the weights' standard deviation or "he" / "xavier"

    Which options go with which model is the command line's to check (it names the option);
    a model given an argument it does not take refuses it with a TypeError.
    """
    overrides = {}
    if name == "mlp":
        if hidden:
            overrides["hidden_size_list"] = list(hidden)
        if dropout:
            overrides.update(use_dropout=True, dropout_ratio=dropout)
        if l2:
            overrides["weight_decay_lambda"] = l2
    elif hidden:
        overrides["hidden_size"] = hidden[0]
    if batchnorm:
        overrides["use_batchnorm"] = True
    if weight_init is not None:
        overrides["weight_init_std"] = weight_init
    return build(name, seed=seed, dtype=dtype, **overrides)
