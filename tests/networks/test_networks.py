"""The book's networks: gradients checked in float64, seeding, dtypes, shapes."""

import numpy as np
import pytest

from zerodl.gradient import gradcheck
from zerodl.layers import Dropout, ShapeError
from zerodl.networks import DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet


def images(n, shape, seed=0):
    return np.random.default_rng(seed).standard_normal((n, *shape))


def labels(n, k=10, seed=0):
    return np.random.default_rng(seed).integers(0, k, n)


NETWORKS = {
    "two-layer": (lambda: TwoLayerNet(7, 5, 3, weight_init_std=0.5, seed=0), (7,), 3),
    "mlp-relu": (lambda: MultiLayerNet(7, [6, 5], 3, seed=0), (7,), 3),
    "mlp-sigmoid-xavier": (
        lambda: MultiLayerNet(7, [6, 5], 3, activation="sigmoid", weight_init_std="xavier", seed=0),
        (7,),
        3,
    ),
    "mlp-decay-dropout-batchnorm": (
        lambda: MultiLayerNet(
            7,
            [6, 5],
            3,
            weight_decay_lambda=0.1,
            use_dropout=True,
            dropout_ratio=0.2,
            use_batchnorm=True,
            seed=0,
        ),
        (7,),
        3,
    ),
    "simple-cnn": (
        lambda: SimpleConvNet(
            (2, 9, 8),
            {"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 1},
            hidden_size=6,
            output_size=4,
            weight_init_std=0.3,
            seed=0,
        ),
        (2, 9, 8),
        4,
    ),
    "simple-cnn-stride2": (
        lambda: SimpleConvNet(
            (1, 11, 11),
            {"filter_num": 2, "filter_size": 3, "pad": 0, "stride": 2},
            hidden_size=5,
            output_size=3,
            weight_init_std=0.3,
            seed=0,
        ),
        (1, 11, 11),
        3,
    ),
}


# Batch norm in train mode over a batch of one normalises every value to 0: nothing to check.
GRADCHECK_CASES = [
    (name, n) for name in NETWORKS for n in ([2, 3] if "batchnorm" in name else [1, 3])
]


@pytest.mark.parametrize("name, n", GRADCHECK_CASES)
def test_gradient_matches_numerical_gradient(name, n):
    make, shape, k = NETWORKS[name]
    net = make()
    x, t = images(n, shape), labels(n, k)
    errors = gradcheck(net, x, t, verbose=False)
    assert set(errors) == {*net.params, "x"}
    assert max(errors.values()) < 1e-6, errors


def test_deep_conv_net_gradient_on_a_sample_of_elements():
    net = DeepConvNet(input_dim=(1, 12, 12), hidden_size=8, seed=0)
    x, t = images(2, (1, 12, 12)), labels(2)
    # Six ReLUs and three poolings over 16-64 channels: with h = 1e-5 some pre-activation lies
    # within h of ReLU's kink (or a pooling window's runner-up within h of its maximum), and
    # the central difference straddles it. A smaller step keeps every difference on one side.
    errors = gradcheck(net, x, t, sample=20, h=1e-7, verbose=False)
    assert set(errors) == {*[f"{p}{i}" for i in range(1, 9) for p in "Wb"], "x"}
    assert max(errors.values()) < 1e-6, errors


def test_deep_conv_net_with_batch_norm_gradient_on_a_sample_of_elements():
    net = DeepConvNet((1, 12, 12), hidden_size=8, use_batchnorm=True, seed=0, dtype=np.float64)
    x, t = images(3, (1, 12, 12)), labels(3)
    errors = gradcheck(net, x, t, sample=10, h=1e-7, verbose=False)  # h: see the test above
    assert {f"gamma{i}" for i in range(1, 8)} <= set(errors)  # after each conv and affine 1
    # A bias just before batch norm is subtracted again with the batch mean: its gradient is
    # zero, and the error relative to a zero gradient is only the differences' rounding noise.
    before_norm = {f"b{i}" for i in range(1, 8)}
    assert max(v for k, v in errors.items() if k not in before_norm) < 1e-6, errors
    grads = net.gradient(x, t)
    assert all(np.abs(grads[b]).max() < 1e-10 for b in before_norm)


def test_deep_conv_net_matches_the_book_architecture():
    net = DeepConvNet(seed=0)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes["W1"] == (16, 1, 3, 3) and shapes["W4"] == (32, 32, 3, 3)
    assert shapes["W6"] == (64, 64, 3, 3) and shapes["W7"] == (1024, 50)
    assert shapes["W8"] == (50, 10)
    assert isinstance(net.layers[-3], Dropout)  # before the last affine, not after it
    std = net.params["W2"].std()
    assert std == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.1)  # He


def test_simple_conv_net_default_shapes_and_summary():
    net = SimpleConvNet(seed=0)
    assert net.params["W1"].shape == (30, 1, 5, 5)
    assert net.params["W2"].shape == (30 * 12 * 12, 100)
    text = net.summary()
    assert "(N, 30, 24, 24)" in text and "(N, 30, 12, 12)" in text
    total = sum(p.size for p in net.params.values())
    assert f"Total parameters: {total:,}" in text


@pytest.mark.parametrize("name", NETWORKS)
def test_same_seed_same_network_and_float32_default(name):
    make, shape, k = NETWORKS[name]
    a, b = make(), make()
    for key in a.params:
        assert a.params[key].dtype == np.float32
        np.testing.assert_array_equal(a.params[key], b.params[key])
    x, t = images(4, shape), labels(4, k)
    assert a.loss(x, t) == b.loss(x, t)  # the same dropout masks too
    assert a.predict(x).dtype == np.float32


def test_float64_network_computes_in_float64():
    net = TwoLayerNet(4, 3, 2, dtype=np.float64)
    assert net.predict(np.ones((1, 4))).dtype == np.float64


@pytest.mark.parametrize("name", NETWORKS)
def test_config_rebuilds_the_same_architecture(name):
    make, _, _ = NETWORKS[name]
    net = make()
    rebuilt = type(net).from_config(net.get_config())
    assert {k: v.shape for k, v in rebuilt.params.items()} == {
        k: v.shape for k, v in net.params.items()
    }


def test_a_wrong_image_size_names_the_layer_and_shapes():
    net = SimpleConvNet(seed=0)
    with pytest.raises(ShapeError, match=r"Convolution.*\(N, 1, \*, \*\).*\(2, 3, 28, 28\)"):
        net.predict(np.zeros((2, 3, 28, 28), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"Affine.*\(N, 784\).*\(2, 785\)"):
        TwoLayerNet(784, 50, 10).predict(np.zeros((2, 785), dtype=np.float32))


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="activation must be 'relu' or 'sigmoid'"):
        MultiLayerNet(4, [3], 2, activation="gelu")


def test_training_skips_the_image_gradient_unless_asked():
    net = SimpleConvNet((1, 8, 8), {"filter_num": 2, "filter_size": 3}, hidden_size=4, seed=0)
    x, t = images(2, (1, 8, 8)), labels(2)
    net.gradient(x, t)
    assert net.input_gradient is None  # the first convolution computed dW and db only
    net.need_input_gradient = True
    net.gradient(x, t)
    assert net.input_gradient.shape == x.shape
