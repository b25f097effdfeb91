"""The compiled kernels (zerodl.kernels.jit.compiled) on their own: the convolution's book
numbers for shapes its tiles do not divide evenly, few and many channels, filters not a multiple
of 16, every padding its dx allows, float64 and float32, one piece or a batch cut into pieces;
ReLU and max pooling against numerical gradients and with NaNs (on inputs made small by lowering
jit.MIN_ELEMENTS, so that the compiled kernels run on them)."""

import numpy as np
import pytest

from zerodl import kernels
from zerodl.gradient import gradcheck
from zerodl.kernels import jit
from zerodl.kernels.threads import parallel_batch
from zerodl.layers import Convolution, Pooling, ReLU

pytestmark = pytest.mark.skipif(not jit.available(), reason=f"not installed: {jit.INSTALL_HINT}")

# (C, FN, filter size, pad, N, H, W)
SHAPES = [
    (1, 6, 5, 0, 3, 9, 9),  # a first layer: C = 1, 5x5
    (3, 17, 3, 1, 2, 7, 6),  # FN one past a vector of 16, W not a multiple of the tile
    (16, 16, 3, 1, 5, 28, 28),  # DeepConvNet's second layer
    (9, 32, 3, 2, 2, 5, 5),  # pad 2: the output wider than the input
    (32, 64, 3, 1, 4, 7, 7),
    (8, 5, 1, 0, 2, 4, 3),  # 1x1 filters
]


def reference(C, FN, size, pad, x, dtype, seed=0):
    """(out, dout, dx, dW, db) of the book's method."""
    previous = kernels.use_kernels("reference")
    try:
        layer = Convolution(C, FN, size, pad=pad, seed=seed, dtype=dtype)
        layer.params["b"][...] = np.random.default_rng(seed).standard_normal(FN)
        out = layer.forward(x)
        dout = np.random.default_rng(seed + 1).standard_normal(out.shape).astype(dtype)
        dx = layer.backward(dout)
        return layer, out, dout, dx, layer.grads["W"].copy(), layer.grads["b"].copy()
    finally:
        kernels.use_kernels(previous)


def assert_close(got, want, dtype, what):
    assert got.shape == want.shape and got.dtype == want.dtype, what
    tolerance = 1e-10 if dtype == np.float64 else 1e-5
    scale = max(float(np.abs(want).max()), np.finfo(dtype).tiny)
    assert float(np.abs(got - want).max()) / scale <= tolerance, what


@pytest.mark.parametrize("parallel", [None, parallel_batch], ids=["one_piece", "threads"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "C{}_FN{}_size{}_pad{}".format(*s[:4]))
def test_compiled_convolution_gives_the_books_numbers(shape, dtype, parallel):
    C, FN, size, pad, N, H, W = shape
    x = np.random.default_rng(2).standard_normal((N, C, H, W)).astype(dtype)
    layer, out, dout, dx, dW, db = reference(C, FN, size, pad, x, dtype)
    code = jit.load()
    extra = () if parallel is None else (parallel,)
    got = code.forward(x, layer.params["W"], layer.params["b"], pad, *extra)
    assert_close(got, out, dtype, "out")
    need = () if parallel is None else (True, parallel)
    got_dx, got_dW, got_db = code.backward(x, layer.params["W"], dout, pad, *need)
    assert_close(got_dx, dx, dtype, "dx")
    assert_close(got_dW, dW, dtype, "dW")
    assert_close(got_db, db, dtype, "db")


def test_no_dx_when_the_layer_needs_none():
    x = np.ones((2, 8, 5, 5), dtype=np.float32)
    W = np.ones((4, 8, 3, 3), dtype=np.float32)
    dx, dW, db = jit.load().backward(x, W, np.ones((2, 4, 5, 5), np.float32), 1, False)
    assert dx is None and dW.shape == W.shape and db.shape == (4,)


@pytest.fixture
def jit_on_small_inputs(monkeypatch):
    monkeypatch.setattr(jit, "MIN_ELEMENTS", 1)
    previous = kernels.use_kernels("jit")
    yield
    kernels.use_kernels(previous)


SMALL_LAYERS = {
    "relu": (ReLU, (3, 2, 5, 3), jit.JitReluKernel),
    "max_pool_2x2": (lambda: Pooling(2), (2, 3, 6, 8), jit.JitMaxPoolingKernel),
    "max_pool_2x2_odd": (lambda: Pooling(2), (2, 3, 5, 7), jit.JitMaxPoolingKernel),
    "max_pool_3x3": (lambda: Pooling(3), (2, 2, 6, 7), jit.JitMaxPoolingKernel),
    "max_pool_gaps": (lambda: Pooling(2, 2, 3), (2, 2, 7, 8), jit.JitMaxPoolingKernel),
}


@pytest.mark.parametrize("name", SMALL_LAYERS)
def test_relu_and_pooling_compiled_match_numerical_gradients(jit_on_small_inputs, name):
    make, shape, kernel_class = SMALL_LAYERS[name]
    x = np.random.default_rng(0).standard_normal(shape)
    x += np.sign(x) * 0.1  # no kink within the step h
    errors = gradcheck(make(), x, verbose=False)  # (on a float64 copy of the layer)
    assert max(errors.values()) < 1e-6, errors
    layer = make()
    layer.forward(x)
    assert type(layer.kernel) is kernel_class  # what the check ran


def test_nan_stays_nan_and_is_the_windows_maximum_as_in_the_book(jit_on_small_inputs):
    x = np.random.default_rng(1).standard_normal((2, 2, 4, 4))
    x[0, 0, 0, 1] = x[1, 1, 3, 3] = x[1, 1, 2, 2] = np.nan
    relu, pool = ReLU(), Pooling(2)
    got = relu.forward(x), pool.forward(x), pool.arg_max
    assert type(relu.kernel) is jit.JitReluKernel and type(pool.kernel) is jit.JitMaxPoolingKernel
    kernels.use_kernels("reference")
    relu, pool = ReLU(), Pooling(2)
    want = relu.forward(x), pool.forward(x), pool.arg_max
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)  # NaNs in the same places, the same first maxima
