"""zerodl.kernels.conv, Convolution's fast kernel: the same numbers as the book's method (one
im2col of the whole batch), on any number of threads and with any chunk size."""

import numpy as np
import pytest

from zerodl import kernels
from zerodl.kernels import conv as fastconv
from zerodl.layers.conv import Convolution

# (C, FN, filter_size, pad): dx by convolution (FN <= C) and by col2im (FN > C); pads 0 to FH-1;
# fewer than ROW_PRODUCTS_MIN_CHANNELS = 8 channels (one wide im2col) and more (FH products)
FAST_CASES = [
    (3, 2, 3, 1),
    (2, 2, 3, 2),
    (1, 4, 5, 0),
    (2, 3, 3, 1),
    (3, 3, 1, 0),
    (2, 2, 2, 1),
    (8, 8, 3, 1),
    (9, 5, 3, 2),
    (8, 12, 3, 1),
    (10, 8, 5, 0),
    (8, 8, 1, 0),
    (8, 9, 2, 1),
]


def test_applies_to_stride_1_square_filters_of_the_layers_dtype():
    x32 = np.zeros((1, 2, 6, 6), dtype=np.float32)

    def kernel(layer, x):
        layer.forward(x)
        return layer.kernel

    assert isinstance(kernel(Convolution(2, 3, 3, pad=1), x32), fastconv.ConvolutionKernel)
    assert isinstance(kernel(Convolution(2, 3, 3, pad=2), x32), fastconv.ConvolutionKernel)
    assert kernel(Convolution(2, 3, 3, stride=2), x32) is None
    assert kernel(Convolution(2, 3, (3, 2)), x32) is None
    assert kernel(Convolution(2, 3, 3, pad=3), x32) is None  # FH-1-pad < 0
    assert kernel(Convolution(2, 3, 3), x32.astype(np.float64)) is None
    kernels.use_kernels("reference")
    try:
        assert kernel(Convolution(2, 3, 3, pad=1), x32) is None
    finally:
        kernels.use_kernels("fast")


@pytest.mark.parametrize("C, FN, size, pad", FAST_CASES)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("chunk", [1, 2])  # samples per chunk: 2 leaves a remainder of 1 of 5
def test_fast_path_matches_the_book_method(monkeypatch, C, FN, size, pad, threads, chunk):
    """Stride 1 runs in chunks on threads: the same numbers as the book's one big im2col."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, C, 6, 7))
    fast = Convolution(C, FN, size, pad=pad, seed=0, dtype=np.float64)
    fast.params["b"][...] = rng.standard_normal(FN)
    book = Convolution.from_arrays(fast.params["W"], fast.params["b"], pad=pad)
    monkeypatch.setattr(fastconv, "_chunk", lambda layer, x_shape: chunk)
    monkeypatch.setattr(fastconv, "_forward_chunk", lambda layer, x_shape: chunk)
    kernels.set_num_threads(threads)
    try:
        for _ in range(2):  # the second step reuses the first step's scratch memory
            out = fast.forward(x)
            kernels.use_kernels("reference")
            book_out = book.forward(x)
            kernels.use_kernels("fast")
            assert fast.kernel is not None and book.kernel is None  # each took its own path
            np.testing.assert_allclose(out, book_out, rtol=1e-12, atol=1e-12)
            dout = rng.standard_normal(out.shape)
            np.testing.assert_allclose(fast.backward(dout), book.backward(dout), atol=1e-12)
            for name in ("W", "b"):
                np.testing.assert_allclose(fast.grads[name], book.grads[name], atol=1e-12)
    finally:
        kernels.set_num_threads(None)
        kernels.use_kernels("fast")


def test_float32_fast_path_matches_float64():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 3, 10, 10))
    conv64 = Convolution(3, 5, 3, pad=1, seed=0, dtype=np.float64)
    conv32 = Convolution.from_arrays(
        conv64.params["W"].astype(np.float32), conv64.params["b"], pad=1
    )
    out = conv32.forward(x.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, conv64.forward(x), rtol=1e-4, atol=1e-5)
    dout = rng.standard_normal(out.shape)
    dx = conv32.backward(dout.astype(np.float32))
    assert dx.dtype == conv32.grads["W"].dtype == np.float32
    np.testing.assert_allclose(dx, conv64.backward(dout), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(conv32.grads["W"], conv64.grads["W"], rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("C, FN, size, pad", [(1, 16, 28, 1), (16, 16, 28, 1), (64, 64, 8, 1)])
def test_chunks_fit_their_budget(C, FN, size, pad):
    """A chunk's col (backward) and forward's shifted copies stay within their byte budgets."""
    layer = Convolution(C, FN, 3, pad=pad)
    shape = (100, C, size, size)
    backward, forward = fastconv._chunk(layer, shape), fastconv._forward_chunk(layer, shape)
    col_bytes = 4 * C * 9 * size * (size + 2 * pad)  # one sample's wide col, float32
    assert 1 <= backward and (backward == 1 or backward * col_bytes <= fastconv.CHUNK_BYTES)
    if C >= fastconv.ROW_PRODUCTS_MIN_CHANNELS:
        assert forward > backward  # forward keeps less per sample than a full col
        shifted = 4 * C * 3 * (size + 2 * pad + 1) * (size + 2 * pad)
        assert forward * shifted <= fastconv.FORWARD_CHUNK_BYTES


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("chunk", [1, 2, 4, 7])
def test_forward_and_backward_do_each_sample_once(monkeypatch, threads, chunk):
    """Chunks stop at their part's end: no sample is computed twice, or by two threads."""
    calls = []
    conv_wide = fastconv.conv_wide

    def counting(x, *args, **kwargs):
        calls.append(len(x))
        return conv_wide(x, *args, **kwargs)

    monkeypatch.setattr(fastconv, "conv_wide", counting)
    monkeypatch.setattr(fastconv, "_chunk", lambda layer, x_shape: chunk)
    monkeypatch.setattr(fastconv, "_forward_chunk", lambda layer, x_shape: chunk)
    layer = Convolution(8, 8, 3, pad=1, seed=0)  # FN <= C: dx is a convolution too
    x = np.random.default_rng(0).standard_normal((6, 8, 5, 5)).astype(np.float32)
    kernels.set_num_threads(threads)
    try:
        out = layer.forward(x)
        assert sum(calls) == 6
        calls.clear()
        layer.needs_input_grad = True
        layer.backward(np.ones_like(out))
        assert sum(calls) == 6
    finally:
        kernels.set_num_threads(None)
