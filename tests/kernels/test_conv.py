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


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("C, FN, size, pad", [(1, 16, 28, 1), (16, 16, 28, 1), (64, 64, 8, 1)])
def test_chunks_fit_their_budget(monkeypatch, threads, C, FN, size, pad):
    """The scratch memory a chunk really uses, measured while a batch of 100 runs forward and
    backward: within CHUNK_BYTES (backward's col) and FORWARD_CHUNK_BYTES (forward's copies and
    products), and not needlessly small either (at least half the budget, in the largest)."""
    requests = []  # (name, shape, bytes) of every scratch buffer the kernel asks for
    thread_scratch = fastconv.thread_scratch

    def measured(name, shape, dtype, zeros=False):
        buffer = thread_scratch(name, shape, dtype, zeros)
        requests.append((name if isinstance(name, str) else name[0], tuple(shape), buffer.nbytes))
        return buffer

    monkeypatch.setattr(fastconv, "thread_scratch", measured)
    layer = Convolution(C, FN, 3, pad=pad, seed=0)
    x = np.random.default_rng(0).standard_normal((100, C, size, size)).astype(np.float32)
    kernels.set_num_threads(threads)
    try:
        out = layer.forward(x)
        forward_requests, requests[:] = list(requests), []
        layer.backward(np.ones_like(out))
        backward_requests = list(requests)
    finally:
        kernels.set_num_threads(None)
    assert isinstance(layer.kernel, fastconv.ConvolutionKernel)

    def chunks(found, name, budget):
        """The bytes each chunk's buffers take, checked against `budget`."""
        sizes = [nbytes for what, _, nbytes in found if what == name]
        assert sizes, f"no {name} buffer was used"
        assert max(sizes) <= budget, f"{name}: {max(sizes)} bytes > {budget}"
        assert max(sizes) >= budget // 2, f"{name}: chunks of {max(sizes)} bytes only"
        return sizes

    col_rows = C * 9 + 1  # a col has a row of ones below its C*FH*FW rows (the bias)
    chunks(backward_requests, "conv_col", fastconv.CHUNK_BYTES * col_rows // (col_rows - 1))
    if C >= fastconv.ROW_PRODUCTS_MIN_CHANNELS:
        # A forward chunk of n samples: its FW shifted copies and two products (n, FN, OH*Wp).
        outputs = {s[0]: nbytes for name, s, nbytes in forward_requests if name == "conv_acc"}
        per_chunk = [
            ("chunk", s, nbytes + 2 * outputs[s[0]])
            for name, s, nbytes in forward_requests
            if name == "conv_rows"
        ]
        chunks(per_chunk, "chunk", fastconv.FORWARD_CHUNK_BYTES)
    else:
        chunks(forward_requests, "conv_col", fastconv.CHUNK_BYTES * col_rows // (col_rows - 1))


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
