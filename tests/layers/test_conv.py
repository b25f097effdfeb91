"""Convolution against a plain nested-loop convolution, and its gradients against central
differences."""

import json

import numpy as np
import pytest

from zerodl.gradient import gradcheck
from zerodl.layers.base import ShapeError
from zerodl.layers.conv import Convolution


def conv_loops(x, W, b, stride, pad):
    """out[n, f, oh, ow] = b[f] + sum over the window of W[f] * x[n]: the definition."""
    N, C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    xp = np.zeros((N, C, H + 2 * pad, Wd + 2 * pad))
    xp[:, :, pad : pad + H, pad : pad + Wd] = x
    OH = (H + 2 * pad - FH) // stride + 1
    OW = (Wd + 2 * pad - FW) // stride + 1
    out = np.zeros((N, FN, OH, OW))
    for n in range(N):
        for f in range(FN):
            for oh in range(OH):
                for ow in range(OW):
                    window = xp[
                        n, :, oh * stride : oh * stride + FH, ow * stride : ow * stride + FW
                    ]
                    out[n, f, oh, ow] = np.sum(window * W[f]) + b[f]
    return out


FORWARD_CASES = [
    # (N, C, H, W, FN, filter_size, stride, pad)
    (1, 1, 5, 5, 2, 3, 1, 0),
    (2, 3, 7, 9, 4, 3, 1, 1),
    (3, 2, 7, 9, 3, 3, 2, 0),
    (2, 2, 8, 6, 3, (2, 3), 2, 2),
    (2, 3, 6, 6, 5, 1, 1, 0),
    (1, 2, 9, 9, 2, 5, 2, 2),
]


@pytest.mark.parametrize("N, C, H, W, FN, size, stride, pad", FORWARD_CASES)
def test_forward_matches_loops(N, C, H, W, FN, size, stride, pad):
    rng = np.random.default_rng(0)
    conv = Convolution(C, FN, size, stride, pad, seed=1, dtype=np.float64)
    conv.params["b"][...] = rng.standard_normal(FN)
    x = rng.standard_normal((N, C, H, W))
    out = conv.forward(x)
    expected = conv_loops(x, conv.params["W"], conv.params["b"], stride, pad)
    assert out.shape == expected.shape == (N, *conv.output_shape((C, H, W)))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert out.flags.c_contiguous


GRAD_CASES = [
    # (N, C, H, W, FN, filter_size, stride, pad): small, numerical gradients are slow
    (1, 1, 5, 5, 2, 3, 1, 0),  # batch 1
    (2, 2, 5, 5, 2, 3, 1, 1),  # batch 2, several channels
    (3, 1, 5, 5, 2, 3, 2, 1),  # odd batch, stride 2
    (1, 2, 7, 9, 2, 3, 2, 2),  # non-square input, pad 2
    (2, 3, 4, 5, 2, 1, 1, 0),  # 1x1 kernel
    (1, 1, 7, 7, 2, 5, 1, 2),  # 5x5 kernel
    (1, 2, 6, 7, 2, (2, 3), 1, 1),  # non-square kernel
    (2, 2, 6, 6, 3, 3, 2, 0),  # stride 2, windows leave the last row out
]


@pytest.mark.parametrize("N, C, H, W, FN, size, stride, pad", GRAD_CASES)
def test_gradcheck(N, C, H, W, FN, size, stride, pad):
    rng = np.random.default_rng(2)
    conv = Convolution(C, FN, size, stride, pad, seed=3)
    conv.params["b"][...] = rng.standard_normal(FN)
    x = rng.standard_normal((N, C, H, W))
    errors = gradcheck(conv, x, verbose=False)
    assert set(errors) == {"W", "b", "x"}
    assert all(err < 1e-6 for err in errors.values()), errors


def test_non_contiguous_input():
    rng = np.random.default_rng(4)
    conv = Convolution(2, 3, 3, stride=1, pad=1, seed=0, dtype=np.float64)
    x = rng.standard_normal((6, 7, 2, 2)).transpose(2, 3, 0, 1)  # (N, C, H, W), transposed
    assert not x.flags.c_contiguous
    out = conv.forward(x)
    np.testing.assert_allclose(out, conv.forward(np.ascontiguousarray(x)), rtol=1e-12)
    np.testing.assert_allclose(out, conv_loops(x, conv.params["W"], conv.params["b"], 1, 1))

    # the backward pass of a non-contiguous input and dout, checked numerically
    errors = gradcheck(conv, x, verbose=False)
    assert all(err < 1e-6 for err in errors.values()), errors
    dout = rng.standard_normal((3, 7, 2, 12))[..., ::2].transpose(2, 0, 3, 1)  # (2, 3, 6, 7)
    dout = np.broadcast_to(dout, dout.shape)  # strided and read-only
    conv.forward(x)
    dx = conv.backward(dout)
    conv.forward(np.ascontiguousarray(x))
    np.testing.assert_allclose(dx, conv.backward(np.ascontiguousarray(dout)), rtol=1e-12)


def test_float32_by_default_and_float64_in_float64_out():
    rng = np.random.default_rng(0)
    conv = Convolution(2, 3, 3, pad=1, seed=0)
    assert conv.params["W"].dtype == conv.params["b"].dtype == np.float32
    x = rng.standard_normal((2, 2, 5, 5)).astype(np.float32)
    out = conv.forward(x)
    assert out.dtype == np.float32
    dx = conv.backward(np.ones_like(out))
    assert dx.dtype == np.float32
    assert conv.grads["W"].dtype == conv.grads["b"].dtype == np.float32
    assert conv.grads["W"].shape == conv.params["W"].shape
    assert conv.grads["b"].shape == conv.params["b"].shape

    conv64 = Convolution(2, 3, 3, pad=1, seed=0, dtype=np.float64)
    out = conv64.forward(x.astype(np.float64))
    assert out.dtype == np.float64
    assert conv64.backward(np.ones_like(out)).dtype == np.float64
    assert conv64.grads["W"].dtype == np.float64


def test_seeded_init_reproducible_and_he_std():
    a = Convolution(16, 32, 3, seed=7)
    b = Convolution(16, 32, 3, seed=7)
    c = Convolution(16, 32, 3, seed=8)
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert not np.array_equal(a.params["W"], c.params["W"])
    assert a.params["W"].shape == (32, 16, 3, 3)
    np.testing.assert_array_equal(a.params["b"], np.zeros(32, dtype=np.float32))
    he = np.sqrt(2.0 / (16 * 3 * 3))
    assert abs(a.params["W"].std() / he - 1) < 0.05
    xavier = Convolution(16, 32, 3, weight_init="xavier", seed=0).params["W"].std()
    assert abs(xavier / np.sqrt(1.0 / (16 * 3 * 3)) - 1) < 0.05
    fixed = Convolution(16, 32, 3, weight_init=0.01, seed=0).params["W"].std()
    assert abs(fixed / 0.01 - 1) < 0.05
    rng = np.random.default_rng(5)
    gen = Convolution(1, 2, 3, seed=rng)  # a Generator is used as it is
    assert gen.params["W"].shape == (2, 1, 3, 3)


def test_from_arrays_is_the_books_constructor():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 2, 3, 2))
    b = rng.standard_normal(4)
    conv = Convolution.from_arrays(W, b, stride=2, pad=1)
    assert conv.params["W"].dtype == np.float64
    np.testing.assert_array_equal(conv.params["W"], W)
    np.testing.assert_array_equal(conv.params["b"], b)
    assert conv.get_config()["filter_size"] == [3, 2]
    x = rng.standard_normal((2, 2, 6, 7))
    np.testing.assert_allclose(conv.forward(x), conv_loops(x, W, b, 2, 1), rtol=1e-12)
    W[...] = 0  # the layer holds its own copy
    assert conv.params["W"].any()
    assert Convolution.from_arrays(W.astype(np.float32), b).params["b"].dtype == np.float32


def test_shape_errors_name_the_layer_and_shapes():
    conv = Convolution(3, 8, 5)
    with pytest.raises(ShapeError, match=r"Convolution\(.*\(N, 3, \*, \*\).*\(2, 1, 28, 28\)"):
        conv.forward(np.zeros((2, 1, 28, 28), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"Convolution.*\(3, 28, 28\)"):
        conv.forward(np.zeros((3, 28, 28), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"Convolution.*smaller than the filter \(5, 5\)"):
        conv.forward(np.zeros((2, 3, 4, 9), dtype=np.float32))
    Convolution(3, 8, 5, pad=1).forward(np.zeros((1, 3, 3, 3), dtype=np.float32))  # 5x5 fits


@pytest.mark.parametrize(
    "kwargs",
    [
        {"filter_size": 0},
        {"filter_size": (3, 3, 3)},
        {"filter_size": 2.5},
        {"stride": 0},
        {"pad": -1},
        {"weight_init": "unknown"},
        {"weight_init": -1.0},
    ],
)
def test_bad_arguments(kwargs):
    args = {"in_channels": 1, "filter_num": 2, "filter_size": 3, **kwargs}
    with pytest.raises(ValueError):
        Convolution(**args)


def test_backward_does_not_modify_dout():
    rng = np.random.default_rng(0)
    conv = Convolution(2, 3, 3, stride=2, pad=1, seed=0)
    out = conv.forward(rng.standard_normal((2, 2, 7, 7)).astype(np.float32))
    dout = rng.standard_normal(out.shape).astype(np.float32)
    saved = dout.copy()
    conv.backward(dout)
    np.testing.assert_array_equal(dout, saved)


def test_get_config_round_trip():
    conv = Convolution(1, 30, (5, 3), stride=2, pad=1, weight_init=0.01, seed=0)
    cfg = conv.get_config()
    assert cfg == {
        "in_channels": 1,
        "filter_num": 30,
        "filter_size": [5, 3],
        "stride": 2,
        "pad": 1,
        "weight_init": 0.01,
        "dtype": "float32",
    }
    rebuilt = Convolution(**json.loads(json.dumps(cfg)))
    for name in ("W", "b"):
        assert rebuilt.params[name].shape == conv.params[name].shape
        assert rebuilt.params[name].dtype == conv.params[name].dtype
    assert rebuilt.output_shape((1, 28, 28)) == conv.output_shape((1, 28, 28)) == (30, 13, 14)
    assert Convolution(1, 2, 3, dtype=np.float64).get_config()["dtype"] == "float64"


def test_output_shape():
    assert Convolution(1, 30, 5).output_shape((1, 28, 28)) == (30, 24, 24)
    assert Convolution(16, 32, 3, pad=1).output_shape((16, 14, 14)) == (32, 14, 14)
    assert Convolution(3, 4, (3, 1), stride=2).output_shape((3, 7, 9)) == (4, 3, 5)


def test_steps_and_batch_sizes_in_both_kernel_modes(kernel_mode):
    """The fast kernel reuses its threads' scratch memory from step to step; the book's method
    keeps its col; results must not depend on either, nor on the batch size changing."""
    rng = np.random.default_rng(6)
    conv = Convolution(2, 3, 3, pad=1, seed=0, dtype=np.float64)
    for N in (2, 2, 3, 2):  # same shape twice (reused), then a new batch size, then back
        x = rng.standard_normal((N, 2, 5, 6))
        out = conv.forward(x)
        assert (conv.kernel is not None) == (kernel_mode == "fast")  # the mode asked for ran
        np.testing.assert_allclose(out, conv_loops(x, conv.params["W"], conv.params["b"], 1, 1))
        dout = rng.standard_normal(out.shape)
        dx = conv.backward(dout)
        # dx is the adjoint of the forward map: <dx, x'> == <dout, conv(x') - b> for any x'
        probe = rng.standard_normal(x.shape)
        lhs = np.sum(dx * probe)
        rhs = np.sum(dout * (conv_loops(probe, conv.params["W"], 0 * conv.params["b"], 1, 1)))
        assert np.isclose(lhs, rhs, rtol=1e-10)
        # dW is <dout, d out / dW>: the loop convolution of x with dout as the "filter"
        dW = np.einsum("nfhw,nchw->fc", dout, x)  # the centre tap (i, j) = (1, 1)
        np.testing.assert_allclose(conv.grads["W"][:, :, 1, 1], dW, rtol=1e-10)


@pytest.mark.parametrize("stride", [1, 2])
def test_no_input_gradient_when_not_needed(stride):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 2, 7, 7)).astype(np.float32)
    conv = Convolution(2, 4, 3, stride=stride, pad=1, seed=0)
    dout = rng.standard_normal(conv.forward(x).shape).astype(np.float32)
    dx = conv.backward(dout)
    grads = {name: g.copy() for name, g in conv.grads.items()}
    conv.needs_input_grad = False
    conv.forward(x)
    assert conv.backward(dout) is None
    for name in grads:
        np.testing.assert_allclose(conv.grads[name], grads[name], rtol=1e-6)
    conv.needs_input_grad = True
    conv.forward(x)
    np.testing.assert_allclose(conv.backward(dout), dx, rtol=1e-6)
