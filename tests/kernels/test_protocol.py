"""The kernel protocol (zerodl.kernels): a kernel keeps its state in a context of its own and never
writes into a layer; the layer answers the book's names in either mode; `find` hands kernels to
zerodl's own layer classes only, never to a learner's."""

import numpy as np
import pytest

from zerodl import kernels
from zerodl.book.common import layers as book_layers
from zerodl.im2col import im2col
from zerodl.kernels import jit
from zerodl.layers import AvgPooling, Convolution, Pooling, ReLU

# (operation, the layer, one input's shape): every layer that has a fast kernel
KERNEL_LAYERS = {
    "relu": ("relu", lambda: ReLU(), (64, 8, 16, 16)),
    "convolution": ("convolution", lambda: Convolution(3, 4, 3, pad=1, seed=0), (3, 3, 7, 6)),
    "convolution_many_channels": (
        "convolution",
        lambda: Convolution(9, 8, 3, pad=1, seed=0),
        (2, 9, 6, 6),
    ),
    "max_pooling": ("max_pooling", lambda: Pooling(2), (3, 4, 8, 8)),
    "max_pooling_large": ("max_pooling", lambda: Pooling(2), (64, 8, 16, 16)),
    "avg_pooling": ("avg_pooling", lambda: AvgPooling(2), (3, 4, 8, 8)),
}

# The modes with kernels: "jit" (its compiled kernels, and the fast ones where none applies)
# where Numba is installed.
KERNEL_MODES = [
    "fast",
    pytest.param(
        "jit",
        marks=pytest.mark.skipif(not jit.available(), reason=f"not installed: {jit.INSTALL_HINT}"),
    ),
]


def snapshot(layer):
    """Every attribute of the layer, and a copy of every array in its params, grads, buffers."""
    arrays = {
        (store, key): value.copy()
        for store in ("params", "grads", "buffers")
        for key, value in getattr(layer, store).items()
    }
    return dict(vars(layer)), arrays


@pytest.mark.parametrize("mode", KERNEL_MODES)
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", KERNEL_LAYERS)
def test_a_kernel_writes_nothing_into_the_layer(name, train, mode):
    operation, make, shape = KERNEL_LAYERS[name]
    layer = make()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    previous = kernels.use_kernels(mode)
    try:
        kernel = kernels.find(operation, layer, x)
    finally:
        kernels.use_kernels(previous)
    assert kernel is not None
    attributes, arrays = snapshot(layer)

    out, context = kernel.forward(layer, x, train)
    if train:
        dx, grads = kernel.backward(layer, context, np.ones_like(out))
        assert dx.shape == x.shape
        assert sorted(grads) == sorted(layer.params)  # by the layer's parameter names

    after_attributes, after_arrays = snapshot(layer)
    assert after_attributes.keys() == attributes.keys()
    assert all(after_attributes[k] is v for k, v in attributes.items())  # nothing replaced
    for key, value in arrays.items():
        np.testing.assert_array_equal(after_arrays[key], value, err_msg=str(key))


def test_the_layer_copies_the_kernels_gradients_into_its_own():
    conv = Convolution(3, 4, 3, pad=1, seed=0)
    grads = conv.grads["W"], conv.grads["b"]
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    conv.backward(np.ones_like(conv.forward(x)))
    assert conv.kernel is not None
    assert (conv.grads["W"], conv.grads["b"]) == grads  # the same arrays, filled in place
    assert conv.dW is conv.grads["W"] and conv.db is conv.grads["b"]  # the book's names
    assert np.abs(conv.dW).sum() > 0 and np.allclose(conv.db, 2 * 25)  # dout of ones: N*OH*OW


def forward_in(mode, layer, x, train=True):
    previous = kernels.use_kernels(mode)
    try:
        layer.forward(x, train)
    finally:
        kernels.use_kernels(previous)
    return layer


def book_arg_max(x, pool_h, pool_w, stride, pad):
    """The book's Pooling.forward, to its arg_max: (N*OH*OW*C,) offsets within each window."""
    col = im2col(x, pool_h, pool_w, stride, pad).reshape(-1, pool_h * pool_w)
    return np.argmax(col, axis=1)


@pytest.mark.parametrize("mode", KERNEL_MODES)
@pytest.mark.parametrize("shape", [(3, 4, 6, 8), (40, 8, 16, 17)], ids=["small", "large"])
@pytest.mark.parametrize("train", [True, False])
def test_pooling_keeps_the_books_x_and_arg_max_in_every_mode(train, shape, mode):
    """(The large input is large enough for the jit kernel.)"""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, shape).astype(np.float32)  # many ties: the first one counts
    expected = book_arg_max(x, 2, 2, 2, 0)
    for each in (mode, "reference"):
        pool = forward_in(each, Pooling(2), x, train)
        assert (pool.kernel is not None) == (each != "reference")
        avg = forward_in(each, AvgPooling(2), x, train)
        if not train and each != "reference":  # a kernel's inference keeps nothing for backward
            assert pool.x is None and pool.arg_max is None and avg.x is None
            continue
        assert pool.x is x
        N, C, H, W = shape
        assert pool.arg_max.shape == expected.shape == (N * (H // 2) * (W // 2) * C,)
        np.testing.assert_array_equal(pool.arg_max, expected, err_msg=each)
        assert pool.arg_max.dtype == expected.dtype
        assert avg.x is x


@pytest.mark.parametrize("mode", KERNEL_MODES)
@pytest.mark.parametrize("train", [True, False])
def test_relu_keeps_the_books_mask_in_every_mode(train, mode):
    x = np.random.default_rng(4).standard_normal((64, 8, 16, 16)).astype(np.float32)
    fast, reference = forward_in(mode, ReLU(), x, train), forward_in("reference", ReLU(), x)
    assert fast.kernel is not None and reference.kernel is None
    if train:
        np.testing.assert_array_equal(fast.mask, x <= 0)
    else:  # inference keeps nothing for backward
        assert fast.mask is None
    np.testing.assert_array_equal(reference.mask, x <= 0)


@pytest.mark.parametrize("mode", KERNEL_MODES)
@pytest.mark.parametrize("layer", [ReLU, Pooling, AvgPooling], ids=lambda c: c.__name__)
def test_a_backward_after_an_inference_forward_says_what_to_do(layer, mode):
    x = np.random.default_rng(7).standard_normal((40, 8, 16, 16)).astype(np.float32)
    made = forward_in(mode, layer() if layer is ReLU else layer(2), x, train=False)
    assert made.kernel is not None and made.kernel_context is None  # nothing kept alive
    dout = np.ones((40, 8, 16, 16) if layer is ReLU else (40, 8, 8, 8), dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"forward\(x, train=False\).*train=True"):
        made.backward(dout)


def test_a_fast_forward_after_a_reference_one_leaves_no_stale_state():
    rng = np.random.default_rng(5)
    x1, x2 = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 4, 4))
    relu = forward_in("fast", forward_in("reference", ReLU(), x1), x2)
    np.testing.assert_array_equal(relu.mask, x2 <= 0)
    pool = forward_in("fast", forward_in("reference", Pooling(2), x1), x2)
    assert pool.x is x2
    np.testing.assert_array_equal(pool.arg_max, book_arg_max(x2, 2, 2, 2, 0))


def test_convolution_keeps_x_and_says_why_there_is_no_col_in_fast_mode():
    x = np.random.default_rng(6).standard_normal((2, 3, 6, 6)).astype(np.float32)
    reference = forward_in("reference", Convolution(3, 4, 3, pad=1, seed=0), x)
    assert reference.x is x and reference.col.shape == (2 * 6 * 6, 3 * 9)
    assert reference.col_W.shape == (3 * 9, 4)
    fast = forward_in("fast", reference, x)  # the same layer: its col of the last step goes
    assert fast.kernel is not None and fast.x is x
    with pytest.raises(AttributeError, match="keeps no col.*use_kernels"):
        _ = fast.col
    with pytest.raises(AttributeError, match="no attribute 'colour'"):
        _ = fast.colour


# --- which layers get a kernel ---------------------------------------------------------------


def test_zerodl_layers_and_the_books_adapters_get_the_kernel():
    assert kernels.runs_zerodl_code(ReLU)
    assert kernels.runs_zerodl_code(Convolution)
    assert kernels.runs_zerodl_code(book_layers.Convolution)  # its forward is zerodl's too
    assert kernels.runs_zerodl_code(book_layers.Pooling)
    conv = book_layers.Convolution(np.ones((2, 1, 3, 3)), np.zeros(2))
    conv.forward(np.ones((1, 1, 5, 5)))
    assert conv.kernel is not None


def test_a_subclass_that_overrides_neither_forward_nor_backward_gets_the_kernel():
    class MyReLU(ReLU):
        pass

    relu = MyReLU()
    relu.forward(np.ones((2, 3)))
    assert relu.kernel is not None


class ReLU6(ReLU):
    """A learner's subclass with its own forward: min(max(x, 0), 6)."""

    def forward(self, x, train=True):
        return np.minimum(super().forward(x, train), 6.0)


class SquaredGradientReLU(ReLU):
    """A learner's subclass with its own backward, which reads the book's mask."""

    def backward(self, dout):
        dx = dout * dout
        dx[self.mask] = 0
        return dx


def test_a_subclass_that_overrides_forward_or_backward_runs_its_own_code():
    x = np.array([[-1.0, 3.0, 8.0]])
    relu6 = ReLU6()
    np.testing.assert_array_equal(relu6.forward(x), [[0.0, 3.0, 6.0]])
    assert relu6.kernel is None  # ReLU's forward ran the book's method, for the learner's class
    squared = SquaredGradientReLU()
    squared.forward(x)
    assert squared.kernel is None
    np.testing.assert_array_equal(squared.backward(np.array([[2.0, 3.0, 4.0]])), [[0, 9, 16]])
