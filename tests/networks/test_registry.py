"""The model registry: the names the command line, the benchmark and the examples use build the
book's networks with zerodl's defaults, and every small instance passes a gradient check."""

import numpy as np
import pytest

from zerodl.gradient import gradcheck
from zerodl.networks import MODELS, DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet, registry

# Parameter counts by hand, from the layer sizes (weights + biases).
EXPECTED = {
    "two_layer": (TwoLayerNet, 784 * 50 + 50 + 50 * 10 + 10),
    "mlp": (MultiLayerNet, 784 * 100 + 100 + 3 * (100 * 100 + 100) + 100 * 10 + 10),
    "simple_cnn": (SimpleConvNet, 30 * 25 + 30 + 4320 * 100 + 100 + 100 * 10 + 10),
    # six 3x3 convolutions (1-16-16-32-32-64-64 channels), 1024-50, 50-10
    "deep_cnn": (
        DeepConvNet,
        sum(o * i * 9 + o for i, o in [(1, 16), (16, 16), (16, 32), (32, 32), (32, 64), (64, 64)])
        + 1024 * 50
        + 50
        + 50 * 10
        + 10,
    ),
}


@pytest.mark.parametrize("name", MODELS)
def test_each_model_is_the_books_network_for_mnist(name):
    cls, count = EXPECTED[name]
    network = registry.build(name, seed=0)
    assert type(network) is cls
    assert sum(p.size for p in network.params.values()) == count
    shape = (784,) if MODELS[name].flat_input else (1, 28, 28)
    scores = network.predict(np.zeros((2, *shape), dtype=np.float32))
    assert scores.shape == (2, 10) and scores.dtype == np.float32


def test_overrides_change_only_what_they_name():
    wide = registry.build("mlp", seed=0, hidden_size_list=[30])
    assert [p.shape for p in wide.params.values()] == [(784, 30), (30,), (30, 10), (10,)]
    a, b = registry.build("simple_cnn", seed=1), registry.build("simple_cnn", seed=1)
    for key in a.params:  # the same seed, the same network
        np.testing.assert_array_equal(a.params[key], b.params[key])


@pytest.mark.parametrize("name", MODELS)
def test_every_small_model_passes_gradcheck(name):
    network, x, t = registry.small(name)
    assert network.dtype == np.float64 and len(x) == len(t) == 3
    # DeepConvNet's 70,000 weights are sampled (a full check takes minutes); h as in
    # tests/networks/test_networks.py, where the reason is given.
    sample = {"sample": 20, "h": 1e-7} if name == "deep_cnn" else {}
    errors = gradcheck(network, x, t, verbose=False, **sample)
    assert max(errors.values()) < 1e-6, errors


def test_an_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match="unknown model 'resnet': choose one of two_layer, mlp"):
        registry.get("resnet")


# --- zerodl train's options, as networks -------------------------------------------------------


def test_from_options_builds_what_each_option_means_for_the_model():
    network = registry.from_options(
        "mlp", seed=0, hidden=[30, 20], dropout=0.2, batchnorm=True, l2=0.1, weight_init=0.05
    )
    expected = MultiLayerNet(
        784, [30, 20], 10, weight_init_std=0.05, weight_decay_lambda=0.1, use_dropout=True,
        dropout_ratio=0.2, use_batchnorm=True, seed=0,
    )  # fmt: skip
    assert network.config == expected.config
    for key, value in expected.params.items():
        np.testing.assert_array_equal(network.params[key], value)
    cnn = registry.from_options("simple_cnn", seed=0, hidden=[40])
    assert cnn.config == SimpleConvNet(hidden_size=40, weight_init_std="he", seed=0).config
    deep = registry.from_options("deep_cnn", seed=0, batchnorm=True)
    assert deep.config == DeepConvNet(hidden_size=50, use_batchnorm=True, seed=0).config
    assert registry.from_options("two_layer", seed=0).config == TwoLayerNet(784, 50, 10).config
