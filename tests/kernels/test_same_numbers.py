"""Every layer and every network gives the same numbers with the fast kernels, and with the jit
kernels (zerodl.kernels.jit, when Numba is installed), as with the book's method
(zerodl.use_kernels("reference")): forward, backward and every parameter's gradient.

float64: relative difference at most 1e-10 (the two methods add the same products in another
order). float32: at most FLOAT32_TOLERANCE relative to the largest value of each array (a few
units of float32's 1.2e-7 rounding, accumulated over the sums of a convolution).
"""

import numpy as np
import pytest

import zerodl
import zerodl.optimizers
from zerodl import kernels
from zerodl.kernels import jit
from zerodl.layers import (
    Affine,
    AvgPooling,
    BatchNormalization,
    Convolution,
    Dropout,
    Flatten,
    Pooling,
    ReLU,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)
from zerodl.networks import MODELS

# The modes compared with the book's method; "jit" only where Numba is installed (CI installs it).
FAST_MODES = [
    "fast",
    pytest.param(
        "jit",
        marks=pytest.mark.skipif(not jit.available(), reason=f"not installed: {jit.INSTALL_HINT}"),
    ),
]

FLOAT64_TOLERANCE = 1e-10
FLOAT32_TOLERANCE = 1e-5

# (make the layer from a seed and dtype, one input's shape (N first))
LAYERS = {
    "affine": (lambda s, d: Affine(12, 5, seed=s, dtype=d), (4, 3, 2, 2)),
    "relu": (lambda s, d: ReLU(), (3, 4, 5, 6)),
    "relu_large": (lambda s, d: ReLU(), (64, 8, 16, 16)),  # large enough to split over threads
    "sigmoid": (lambda s, d: Sigmoid(), (3, 7)),
    "tanh": (lambda s, d: Tanh(), (3, 7)),
    "flatten": (lambda s, d: Flatten(), (2, 3, 4, 4)),
    "dropout": (lambda s, d: Dropout(0.3, seed=s), (5, 9)),
    "batchnorm_2d": (lambda s, d: BatchNormalization(6, dtype=d), (5, 6)),
    "batchnorm_4d": (lambda s, d: BatchNormalization(3, dtype=d), (4, 3, 5, 5)),
    "conv_3x3_pad1": (lambda s, d: Convolution(3, 4, 3, pad=1, seed=s, dtype=d), (3, 3, 7, 6)),
    "conv_many_channels": (lambda s, d: Convolution(9, 8, 3, pad=2, seed=s, dtype=d), (2, 9, 5, 5)),
    "conv_5x5": (lambda s, d: Convolution(1, 6, 5, seed=s, dtype=d), (3, 1, 9, 9)),
    "conv_stride2": (lambda s, d: Convolution(2, 3, 3, 2, 1, seed=s, dtype=d), (2, 2, 7, 7)),
    "conv_rect": (lambda s, d: Convolution(2, 3, (3, 2), seed=s, dtype=d), (2, 2, 6, 5)),
    "max_pool_2x2": (lambda s, d: Pooling(2), (3, 4, 7, 8)),
    "max_pool_3x3_s2": (lambda s, d: Pooling(3, 3, 2, 1), (2, 3, 7, 7)),
    # large enough for the jit kernels (zerodl.kernels.jit.MIN_ELEMENTS): the book's 2x2, an odd
    # height and width (a row and a column in no window), 3x3, and gaps (stride 3, 2x2 windows)
    "max_pool_large": (lambda s, d: Pooling(2), (64, 8, 16, 16)),
    "max_pool_large_odd": (lambda s, d: Pooling(2), (64, 8, 15, 17)),
    "max_pool_large_3x3": (lambda s, d: Pooling(3), (64, 8, 15, 16)),
    "max_pool_large_gaps": (lambda s, d: Pooling(2, 2, 3), (64, 8, 16, 17)),
    "avg_pool_2x2": (lambda s, d: AvgPooling(2), (3, 4, 8, 8)),
    "avg_pool_3x3_s2": (lambda s, d: AvgPooling(3, 3, 2), (2, 3, 7, 7)),
}


def assert_same(fast, reference, dtype, what):
    fast, reference = np.asarray(fast), np.asarray(reference)
    assert fast.shape == reference.shape and fast.dtype == reference.dtype, what
    tolerance = FLOAT64_TOLERANCE if dtype == np.float64 else FLOAT32_TOLERANCE
    scale = max(float(np.max(np.abs(reference), initial=0.0)), np.finfo(dtype).tiny)
    difference = float(np.max(np.abs(fast - reference), initial=0.0)) / scale
    assert difference <= tolerance, f"{what}: relative difference {difference:.3g}"


def run_layer(mode, make, shape, dtype):
    """(y, dx, grads) of one forward and backward in `mode`, and whether a kernel ran."""
    rng = np.random.default_rng(1)
    previous = kernels.use_kernels(mode)
    try:
        layer = make(0, dtype)
        x = rng.standard_normal(shape).astype(dtype)
        y = layer.forward(x, train=True)
        dout = rng.standard_normal(y.shape).astype(dtype)
        dx = layer.backward(dout)
        grads = {key: g.copy() for key, g in layer.grads.items()}
        return y, dx, grads, layer.kernel is not None
    finally:
        kernels.use_kernels(previous)


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_same_numbers_both_ways(name, dtype, mode):
    make, shape = LAYERS[name]
    y_fast, dx_fast, grads_fast, used_kernel = run_layer(mode, make, shape, dtype)
    y_ref, dx_ref, grads_ref, used_none = run_layer("reference", make, shape, dtype)
    assert not used_none  # the reference mode never runs a kernel
    assert_same(y_fast, y_ref, dtype, f"{name} forward")
    assert_same(dx_fast, dx_ref, dtype, f"{name} dx")
    assert grads_fast.keys() == grads_ref.keys()
    for key in grads_fast:
        assert_same(grads_fast[key], grads_ref[key], dtype, f"{name} d{key}")


def test_the_fast_mode_really_runs_kernels():
    """The comparison above would pass trivially if 'fast' ran the book's method too."""
    ran = {name: run_layer("fast", *LAYERS[name], np.float32)[3] for name in LAYERS}
    assert {name for name, used in ran.items() if used} == {
        "relu",
        "relu_large",
        "conv_3x3_pad1",
        "conv_many_channels",
        "conv_5x5",
        "max_pool_2x2",
        "max_pool_large",
        "max_pool_large_odd",
        "max_pool_large_3x3",
        "max_pool_large_gaps",
        "avg_pool_2x2",
    }


@pytest.mark.skipif(not jit.available(), reason=f"not installed: {jit.INSTALL_HINT}")
def test_the_jit_mode_really_runs_compiled_kernels():
    """In mode "jit" the compiled kernels run where they apply, the fast ones elsewhere: the
    convolution from 8 channels on, ReLU and max pooling from jit.MIN_ELEMENTS elements on."""
    compiled = {
        "conv_many_channels": jit.JitConvolutionKernel,  # 9 channels; fewer: the fast kernel
        "relu_large": jit.JitReluKernel,
        "max_pool_large": jit.JitMaxPoolingKernel,
        "max_pool_large_odd": jit.JitMaxPoolingKernel,
        "max_pool_large_3x3": jit.JitMaxPoolingKernel,
        "max_pool_large_gaps": jit.JitMaxPoolingKernel,
    }
    for name, (make, shape) in LAYERS.items():
        previous = kernels.use_kernels("jit")
        try:
            layer = make(0, np.float32)
            layer.forward(np.ones(shape, dtype=np.float32))
        finally:
            kernels.use_kernels(previous)
        in_jit = type(layer.kernel).__module__ == jit.__name__
        assert in_jit == (name in compiled), name
        if in_jit:
            assert type(layer.kernel) is compiled[name], name
    for name in ("conv_3x3_pad1", "conv_5x5", "relu", "max_pool_2x2"):  # small: the fast ones
        assert run_layer("jit", *LAYERS[name], np.float32)[3], name


def test_jit_without_numba_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(jit, "available", lambda: False)
    with pytest.raises(ImportError, match=r"need Numba: pip install 'zerodl\[jit\]'"):
        zerodl.use_kernels("jit")
    assert zerodl.kernels_in_use() == "fast"  # unchanged


def softmax_loss_both_ways():
    x = np.random.default_rng(2).standard_normal((6, 5))
    t = np.array([0, 4, 2, 2, 1, 3])
    out = {}
    for mode in ("fast", "reference"):
        previous = kernels.use_kernels(mode)
        layer = SoftmaxWithLoss()
        out[mode] = (layer.forward(x, t), layer.backward())
        kernels.use_kernels(previous)
    return out


def test_softmax_with_loss_same_both_ways():
    out = softmax_loss_both_ways()
    assert out["fast"][0] == out["reference"][0]
    assert_same(out["fast"][1], out["reference"][1], np.float64, "softmax dx")


def network_step(mode, name, dtype, full_size):
    """Loss, scores and gradients of one training step of model `name` in `mode`."""
    previous = kernels.use_kernels(mode)
    try:
        model = MODELS[name]
        if full_size:  # the real network on a few MNIST-shaped inputs
            network = model.build(seed=0, dtype=dtype)
            shape = (784,) if model.flat_input else (1, 28, 28)
            rng = np.random.default_rng(3)
            x = rng.random((8, *shape)).astype(dtype)
            t = rng.integers(0, 10, size=8)
        else:
            network, x, t = model.small(seed=0, batch=5, dtype=dtype)
        grads = network.gradient(x, t)
        scores = network.predict(x)  # inference mode: the kernels' train=False paths
        return network.last_loss, scores, {key: g.copy() for key, g in grads.items()}
    finally:
        kernels.use_kernels(previous)


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("full_size", [False, True], ids=["small", "full"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", MODELS)
def test_every_network_same_numbers_both_ways(name, dtype, full_size, mode):
    loss_fast, scores_fast, grads_fast = network_step(mode, name, dtype, full_size)
    loss_ref, scores_ref, grads_ref = network_step("reference", name, dtype, full_size)
    assert_same(loss_fast, loss_ref, dtype, "loss")
    assert_same(scores_fast, scores_ref, dtype, "scores")
    for key in grads_ref:
        assert_same(grads_fast[key], grads_ref[key], dtype, f"{name} {key}")


def optimizer_steps(mode, make, dtype, steps=5):
    """The parameters and state after `steps` updates of a DeepConvNet-like set of parameters."""
    rng = np.random.default_rng(4)
    shapes = {"W1": (16, 8, 3, 3), "b1": (16,), "W2": (300, 50), "b2": (50,)}
    params = {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
    grads = [
        {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()} for _ in range(steps)
    ]
    previous = kernels.use_kernels(mode)
    try:
        optimizer = make()
        for g in grads:
            optimizer.update(params, g)
    finally:
        kernels.use_kernels(previous)
    return params, optimizer.state


OPTIMIZERS = {
    "adam": lambda: zerodl.optimizers.Adam(lr=0.01),
    "adamw": lambda: zerodl.optimizers.AdamW(lr=0.01, weight_decay=0.1),  # Adam's step inside
}


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_updates_same_numbers_both_ways(name, dtype, mode):
    params, state = optimizer_steps(mode, OPTIMIZERS[name], dtype)
    params_ref, state_ref = optimizer_steps("reference", OPTIMIZERS[name], dtype)
    for key in params_ref:
        assert_same(params[key], params_ref[key], dtype, f"{name} {key}")
        for slot in state_ref:
            assert_same(state[slot][key], state_ref[slot][key], dtype, f"{name} {slot} {key}")


@pytest.mark.skipif(not jit.available(), reason=f"not installed: {jit.INSTALL_HINT}")
def test_the_jit_mode_really_runs_the_compiled_adam():
    p = np.zeros((3, 4), np.float32)
    arrays = (p, np.ones_like(p), np.zeros_like(p), np.zeros_like(p))
    previous = kernels.use_kernels("jit")
    try:
        for optimizer in (zerodl.optimizers.Adam(), zerodl.optimizers.AdamW()):
            assert isinstance(kernels.find("adam", optimizer, arrays), jit.JitUpdateKernel)
        assert kernels.find("adam", zerodl.optimizers.Adam(), (p, p[:, ::2])) is None  # strided

        class MyAdam(zerodl.optimizers.Adam):  # a learner's own rule runs as written
            def _update(self, key, p, g):
                p -= g

        assert kernels.find("adam", MyAdam(), arrays) is None
    finally:
        kernels.use_kernels(previous)
    assert kernels.find("adam", zerodl.optimizers.Adam(), arrays) is None  # "fast": the book's


def test_use_kernels_switches_and_returns_the_previous_mode():
    assert zerodl.use_kernels("reference") == "fast"
    try:
        assert zerodl.kernels_in_use() == "reference"
        relu = ReLU()
        relu.forward(np.ones((2, 3)))
        assert relu.kernel is None
    finally:
        assert zerodl.use_kernels("fast") == "reference"
    relu = ReLU()
    relu.forward(np.ones((2, 3)))
    assert relu.kernel is not None


def test_a_wrong_mode_is_one_clear_error():
    with pytest.raises(ValueError, match="'fast', 'reference' or 'jit', got 'quick'"):
        zerodl.use_kernels("quick")
    assert zerodl.kernels_in_use() == "fast"  # unchanged


def test_a_registered_kernel_is_what_find_hands_the_layer(monkeypatch):
    """The seam a GPU backend would use: a kernel registered for an operation runs where it
    applies, ahead of zerodl's own, and the layer's backward follows it."""
    monkeypatch.setattr(kernels, "_KERNELS", {k: list(v) for k, v in kernels._KERNELS.items()})
    calls = []

    class Doubling:  # "relu" computed as 2 * max(x, 0), only for inputs of 2 samples
        def applies(self, layer, x):
            return len(x) == 2

        book_names = ()

        def forward(self, layer, x, train=True):
            calls.append("forward")
            return 2 * np.maximum(x, 0), x > 0  # the output, and the context: the mask

        def backward(self, layer, positive, dout):
            calls.append("backward")
            return 2 * dout * positive, {}

    kernels.register("relu", Doubling())
    relu, x = ReLU(), np.array([[-1.0, 3.0], [2.0, -4.0]])
    np.testing.assert_array_equal(relu.forward(x), [[0.0, 6.0], [4.0, 0.0]])
    np.testing.assert_array_equal(relu.backward(np.ones((2, 2))), [[0.0, 2.0], [2.0, 0.0]])
    assert calls == ["forward", "backward"] and isinstance(relu.kernel, Doubling)
    np.testing.assert_array_equal(relu.forward(np.ones((3, 2))), np.ones((3, 2)))  # not here
    assert not isinstance(relu.kernel, Doubling)
