"""Max and average pooling against plain nested loops, and their gradients against central
differences, on both the fast path (windows that do not overlap) and the book's im2col method."""

import json

import numpy as np
import pytest

from zerodl import kernels
from zerodl.gradient import gradcheck
from zerodl.layers.base import ShapeError
from zerodl.layers.pooling import AvgPooling, Pooling


def pool_loops(x, ph, pw, stride, pad, reduce):
    """reduce(window) for every window of every channel; max pads with -inf, mean with 0."""
    N, C, H, W = x.shape
    fill = -np.inf if reduce is np.max else 0.0
    xp = np.full((N, C, H + 2 * pad, W + 2 * pad), fill)
    xp[:, :, pad : pad + H, pad : pad + W] = x
    OH = (H + 2 * pad - ph) // stride + 1
    OW = (W + 2 * pad - pw) // stride + 1
    out = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    top, left = oh * stride, ow * stride
                    out[n, c, oh, ow] = reduce(xp[n, c, top : top + ph, left : left + pw])
    return out


def distinct_input(shape, seed=0):
    """Values that never tie (a shuffled range, scaled), so each window's maximum is unique."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) / np.prod(shape) - 0.5


CASES = [
    # (N, C, H, W, pool_h, pool_w, stride, pad, fast path?)
    (1, 1, 4, 4, 2, 2, 2, 0, True),  # tiles exactly
    (2, 3, 6, 8, 2, 2, 2, 0, True),  # tiles exactly, non-square
    (3, 2, 7, 7, 2, 2, 2, 0, True),  # 7x7: the last row and column are left over
    (2, 2, 9, 9, 3, 3, 3, 0, True),  # 3x3 tiles
    (1, 2, 6, 7, 2, 3, 3, 0, True),  # stride larger than the window height: gaps
    (2, 2, 5, 8, 1, 4, 4, 0, True),  # 1x4 windows: four offsets, as many as 2x2
    (2, 2, 8, 5, 4, 1, 4, 0, True),  # 4x1 windows
    (2, 2, 6, 6, 2, 2, 3, 0, True),  # 2x2 windows with gaps between them
    (3, 2, 7, 7, 3, 3, 2, 0, False),  # overlapping windows
    (2, 2, 6, 6, 2, 2, 2, 1, False),  # pad 1
    (1, 3, 7, 8, 3, 3, 2, 1, False),  # overlapping and padded
    (2, 1, 5, 6, 3, 2, 1, 1, False),  # stride 1, non-square window
]


@pytest.mark.parametrize("Layer, reduce", [(Pooling, np.max), (AvgPooling, np.mean)])
@pytest.mark.parametrize("N, C, H, W, ph, pw, stride, pad, fast", CASES)
def test_forward_matches_loops(Layer, reduce, N, C, H, W, ph, pw, stride, pad, fast, kernel_mode):
    layer = Layer(ph, pw, stride, pad)
    x = distinct_input((N, C, H, W))
    out = layer.forward(x)
    assert (layer.kernel is not None) == (fast and kernel_mode == "fast")
    expected = pool_loops(x, ph, pw, stride, pad, reduce)
    assert out.shape == expected.shape == (N, *layer.output_shape((C, H, W)))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("Layer", [Pooling, AvgPooling])
@pytest.mark.parametrize("N, C, H, W, ph, pw, stride, pad, fast", CASES)
def test_gradcheck(Layer, N, C, H, W, ph, pw, stride, pad, fast, kernel_mode):
    layer = Layer(ph, pw, stride, pad)
    errors = gradcheck(layer, distinct_input((N, C, H, W), seed=1), verbose=False)
    assert set(errors) == {"x"}
    assert errors["x"] < 1e-6, errors


@pytest.mark.parametrize("Layer", [Pooling, AvgPooling])
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (3, 2, 7, 9)])
def test_fast_path_and_im2col_agree(Layer, shape):
    x = distinct_input(shape, seed=2).astype(np.float32)
    fast = Layer(2)
    slow = Layer(2)
    out = fast.forward(x)
    previous = kernels.use_kernels("reference")  # the book's im2col method
    try:
        out_slow = slow.forward(x)
    finally:
        kernels.use_kernels(previous)
    assert fast.kernel is not None and slow.kernel is None
    dout = np.random.default_rng(3).standard_normal(out.shape).astype(np.float32)
    dx, dx_slow = fast.backward(dout), slow.backward(dout)
    if Layer is Pooling:
        np.testing.assert_array_equal(out, out_slow)
        np.testing.assert_array_equal(dx, dx_slow)
    else:
        np.testing.assert_allclose(out, out_slow, rtol=1e-6)
        np.testing.assert_allclose(dx, dx_slow, rtol=1e-6)
    assert out.dtype == dx.dtype == out_slow.dtype == dx_slow.dtype == np.float32


def test_max_pool_ties_pass_the_gradient_once(kernel_mode):
    layer = Pooling(2)
    x = np.zeros((1, 1, 2, 4))  # two windows of zeros, as after a ReLU
    x[0, 0, 1, 3] = 1.0  # the second window has a unique maximum
    layer.forward(x)
    dx = layer.backward(np.array([[[[5.0, 7.0]]]]))
    expected = np.zeros((1, 1, 2, 4))
    expected[0, 0, 0, 0] = 5.0  # the first of the tied zeros takes it all
    expected[0, 0, 1, 3] = 7.0
    np.testing.assert_array_equal(dx, expected)


def test_max_pool_padding_never_wins():
    x = -np.ones((1, 1, 4, 4)) * np.arange(1, 17).reshape(1, 1, 4, 4)  # all negative
    out = Pooling(2, pad=1).forward(x)
    np.testing.assert_array_equal(out, pool_loops(x, 2, 2, 2, 1, np.max))
    assert np.all(out < 0)


def test_avg_pool_counts_the_padding():
    out = AvgPooling(2, pad=1).forward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 0.25))  # 1 of 4 pixels is x


def test_non_contiguous_input():
    x = distinct_input((7, 9, 2, 3), seed=4).transpose(2, 3, 0, 1)  # (2, 3, 7, 9), transposed
    for layer in (Pooling(2), Pooling(3, stride=2, pad=1), AvgPooling(2), AvgPooling(3, 3, 2)):
        reduce = np.max if isinstance(layer, Pooling) else np.mean
        out = layer.forward(x)
        expected = pool_loops(x, layer.pool_h, layer.pool_w, layer.stride, layer.pad, reduce)
        np.testing.assert_allclose(out, expected, rtol=1e-12)
        errors = gradcheck(layer, x, verbose=False)
        assert errors["x"] < 1e-6, (layer, errors)


@pytest.mark.parametrize("Layer", [Pooling, AvgPooling])
@pytest.mark.parametrize("kwargs", [{}, {"stride": 1}, {"pad": 1}])
def test_dtype_and_dout_untouched(Layer, kwargs):
    rng = np.random.default_rng(0)
    layer = Layer(2, **kwargs)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((2, 3, 6, 6)).astype(dtype)
        out = layer.forward(x)
        dout = rng.standard_normal(out.shape).astype(dtype)
        saved = dout.copy()
        dx = layer.backward(dout)
        assert out.dtype == dx.dtype == dtype
        assert dx.shape == x.shape
        np.testing.assert_array_equal(dout, saved)


def test_defaults_like_pytorch():
    layer = Pooling(3)
    assert (layer.pool_h, layer.pool_w, layer.stride, layer.pad) == (3, 3, 3, 0)
    assert AvgPooling(2, 3).get_config() == {"pool_h": 2, "pool_w": 3, "stride": 2, "pad": 0}


@pytest.mark.parametrize("Layer", [Pooling, AvgPooling])
def test_get_config_round_trip(Layer):
    layer = Layer(3, 2, stride=2, pad=1)
    cfg = json.loads(json.dumps(layer.get_config()))
    assert cfg == {"pool_h": 3, "pool_w": 2, "stride": 2, "pad": 1}
    rebuilt = Layer(**cfg)
    assert rebuilt.output_shape((5, 7, 9)) == layer.output_shape((5, 7, 9)) == (5, 4, 5)


def test_output_shape():
    assert Pooling(2).output_shape((30, 24, 24)) == (30, 12, 12)
    assert Pooling(2).output_shape((64, 7, 7)) == (64, 3, 3)
    assert AvgPooling(3, stride=2, pad=1).output_shape((8, 7, 7)) == (8, 4, 4)


@pytest.mark.parametrize("Layer", [Pooling, AvgPooling])
def test_shape_errors_name_the_layer_and_shapes(Layer):
    name = Layer.__name__
    with pytest.raises(ShapeError, match=rf"{name}\(.*\(N, \*, \*, \*\).*\(24, 24\)"):
        Layer(2).forward(np.zeros((24, 24)))
    with pytest.raises(ShapeError, match=rf"{name}.*smaller than the window \(3, 3\)"):
        Layer(3).forward(np.zeros((1, 1, 2, 5)))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pool_h": 0},
        {"pool_h": 2, "pool_w": -1},
        {"pool_h": 2, "stride": 0},
        {"pool_h": 2, "pad": -1},
        {"pool_h": 2, "pad": 2},  # more than half the window: a window of padding only
        {"pool_h": 1.5},
    ],
)
def test_bad_arguments(kwargs):
    for Layer in (Pooling, AvgPooling):
        with pytest.raises(ValueError):
            Layer(**kwargs)
