"""Convolution's fast kernel: the same numbers as the book's method, sooner.

Why this module exists: the book's method (zerodl.layers.conv) builds col for the whole batch at
once: 45 MB for DeepConvNet's second layer, written to memory and read back three times, by
copies that use one core. Memory traffic, not arithmetic, is then the cost of a convolution.
With stride 1 (every network of the book) this module computes the same products differently:

- Cache-sized chunks. The batch is cut into chunks of a few samples whose col (about
  CHUNK_BYTES) stays in the CPU's cache, and backward builds each chunk's col again from x
  instead of keeping it: a copy within the cache costs less than a round trip through memory.
- Every core. The chunks run on one thread per core (zerodl.kernels.threads.parallel_batch);
  the weight gradients of the threads are added up at the end.
- The wide layout (im2col_wide, at the end of this file): each kernel offset's part of im2col is
  one long contiguous copy of the padded image, at the price of a few junk columns dropped.
- dx without col2im. dx is computed in one of two ways. The book's: dcol = W_col.T @ dout, then
  col2im (FH*FW adds over C channels). Or, when the layer has no more filters than input
  channels, as a convolution: with stride 1, the gradient of a convolution with respect to its
  input is itself a convolution, of dout padded by FH-1-pad with the filters flipped and their
  FN and C axes swapped (each input pixel collects dout from every output pixel whose window
  covers it). That is one im2col of dout (FN channels) and one product, like the forward pass;
  with many more filters than channels (a first layer: C = 1) col2im moves far less memory.
- Less copying with many channels. With C >= 8, a convolution (forward, or dx as one) copies
  only the FW horizontal shifts of the image and does FH thinner products (see conv_wide).
- The bias inside the product. A row of ones in col and b as one more column of the filters
  add the bias in the forward product; in backward the same row makes db the last row of dW.

The kernel is `ConvolutionKernel` (see zerodl.kernels for the protocol). Its context is x itself
(a reference: the book's `x`), and no col: backward builds each chunk's col again. backward
returns dx (None when `layer.needs_input_grad` is False) and the gradients {"W": ..., "b": ...}.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from zerodl.im2col import conv_output_size
from zerodl.kernels.memory import thread_scratch
from zerodl.kernels.threads import parallel_batch

CHUNK_BYTES = 1 << 20  # the size of a chunk's col: fits in the cache with room to spare
# Forward's chunks (see _forward_chunk): 2-3 MiB measured best for DeepConvNet (inference 7%
# faster than at 1 MiB; 4 MiB and more slower again).
FORWARD_CHUNK_BYTES = 2 << 20


class ConvolutionKernel:
    """Stride-1 convolutions with square filters, by the chunked products of this module.

    Its context is x (a reference: the book's `x`); it keeps no col (`col` and `col_W` answer
    with an AttributeError that says so). backward returns (dx or None, {"W": dW, "b": db}).
    """

    def applies(self, layer, x):
        """True where this kernel computes layer.forward(x): stride 1, square filters."""
        return (
            isinstance(x, np.ndarray)
            and layer.stride == 1
            and layer.filter_h == layer.filter_w
            and layer.pad < layer.filter_h  # so that dout's padding FH-1-pad is >= 0
            and x.dtype == layer.params["W"].dtype
        )

    book_names = ("x", "col", "col_W")

    def forward(self, layer, x, train=True):
        return forward(layer, x), x  # backward builds each chunk's col again from x

    def backward(self, layer, x, dout):
        return backward(layer, x, dout)

    def book_state(self, x, name):
        if name == "x":
            return x
        raise AttributeError(
            f"the fast convolution keeps no {name} (it builds col again, a chunk at a time); "
            'zerodl.use_kernels("reference") runs the book\'s method, which keeps it'
        )


def forward(layer, x):
    """out (N, FN, OH, OW) = layer's convolution of x (N, C, H, W)."""
    filters, p = Filters(layer.params["W"], layer.params["b"]), layer.pad
    out = np.empty((len(x), *layer.output_shape(x.shape[1:])), dtype=x.dtype)
    chunk = _forward_chunk(layer, x.shape)

    def part(start, stop):
        for a in range(start, stop, chunk):
            z = min(a + chunk, stop)  # never into the next part: another thread writes there
            conv_wide(x[a:z], filters, p, out[a:z])

    parallel_batch(part, len(x))
    return out


def backward(layer, x, dout):
    """(dx (N, C, H, W) or None, {"W": dW, "b": db}) for the layer's forward of x."""
    p, dtype, need_dx = layer.pad, x.dtype, layer.needs_input_grad
    N, C, H, W = x.shape
    FN, FH, FW, OH, OW = layer.filter_num, layer.filter_h, layer.filter_w, *dout.shape[2:]
    W_col = layer.params["W"].reshape(FN, -1)  # (FN, C*FH*FW)
    dx = np.empty(x.shape, dtype=dtype) if need_dx else None
    chunk, by_convolution = _chunk(layer, x.shape), _dx_by_convolution(layer)
    if need_dx and by_convolution:
        # The filters of dx = conv(dout): flipped in both directions, C and FN swapped.
        W_flip = Filters(layer.params["W"][:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, FN, ..)

    K = W_col.shape[1]  # C*FH*FW

    def part(start, stop):
        # dW.T and, as its last row, db: col_T has a last row of ones, whose product with
        # dout_T.T is the sum of dout over the samples and pixels.
        dWb_T = np.zeros((K + 1, FN), dtype=dtype)  # (C*FH*FW + 1, FN), summed over chunks
        for a in range(start, stop, chunk):
            z = min(a + chunk, stop)
            col_T, Wp = wide_col(x[a:z], FH, FW, p, ones=True)  # (C*FH*FW + 1, n*OH*Wp)
            # dout with the filters first and zeros in the junk columns (never written).
            dout_T = thread_scratch("conv_dout", (FN, z - a, OH, Wp), dtype, zeros=True)
            dout_T[:, :, :, :OW] = dout[a:z].transpose(1, 0, 2, 3)
            dout_T = dout_T.reshape(FN, -1)  # (FN, n*OH*Wp)
            add_matmul(dWb_T, col_T, dout_T.T)  # dW.T += col_T @ dout_T.T: runs faster
            if not need_dx:
                continue
            if by_convolution:
                conv_wide(dout[a:z], W_flip, FH - 1 - p, dx[a:z])  # (n, C, H, W)
            else:
                dcol_T = thread_scratch("conv_dcol", (K, col_T.shape[1]), dtype)
                np.matmul(W_col.T, dout_T, out=dcol_T)  # (C*FH*FW, n*OH*Wp)
                img = thread_scratch("conv_dx", wide_shape((z - a, C, H, W), p), dtype)
                col2im_wide(dcol_T, FH, FW, img)  # (n, C, Hp+1, Wp)
                dx[a:z] = img[:, :, p : p + H, p : p + W]
        return dWb_T

    dWb_T = sum(parallel_batch(part, len(x)))  # (C*FH*FW + 1, FN)
    return dx, {"W": dWb_T[:K].T.reshape(layer.params["W"].shape), "b": dWb_T[K]}


def _dx_by_convolution(layer):
    return layer.filter_num <= layer.in_channels


def _chunk(layer, x_shape):
    """Samples per chunk: col of x or (for dx by convolution) of dout, whichever is larger."""
    N, C, H, W = x_shape
    FN, OH, OW = layer.output_shape((C, H, W))
    k = layer.filter_h * layer.filter_w * layer.params["W"].dtype.itemsize
    col_bytes = C * k * OH * (W + 2 * layer.pad)
    if _dx_by_convolution(layer) and layer.needs_input_grad:
        col_bytes = max(col_bytes, FN * k * H * (OW + 2 * (layer.filter_w - 1 - layer.pad)))
    return max(1, CHUNK_BYTES // col_bytes)


def _forward_chunk(layer, x_shape):
    """Samples per chunk of forward: what conv_wide keeps per sample, in FORWARD_CHUNK_BYTES.

    With C >= 8 channels conv_wide keeps only FW shifted copies of each padded image (a third
    of a 3x3 col) and two outputs, so a chunk holds more samples: fewer and longer NumPy calls,
    and each call hands Python's interpreter lock to the other thread and back.
    """
    N, C, H, W = x_shape
    if C < ROW_PRODUCTS_MIN_CHANNELS:
        return _chunk(layer, x_shape)
    Hp1, Wp = wide_shape(x_shape, layer.pad)[2:]
    FN, OH, OW = layer.output_shape((C, H, W))
    cols, outputs = C * layer.filter_w * Hp1 * Wp, 2 * FN * OH * Wp  # elements per sample
    return max(1, FORWARD_CHUNK_BYTES // ((cols + outputs) * layer.params["W"].dtype.itemsize))


def wide_col(x, filter_h, filter_w, pad, ones=False):
    """im2col_wide of x (n, C, H, W) padded by `pad`: ((C*FH*FW, n*OH*Wp), Wp).

    With ones=True, col_T has one more row, of ones (so that a product adds a bias). The padded
    image and the columns live in the calling thread's scratch memory
    (zerodl.kernels.memory.thread_scratch), reused by the next call of the same shape.
    """
    n, C, H, W = x.shape
    xp = padded_wide(x, pad)
    Wp = xp.shape[3]
    OH = conv_output_size(H, filter_h, 1, pad)
    K = C * filter_h * filter_w
    col_T = thread_scratch(("conv_col", ones), (K + ones, n * OH * Wp), x.dtype)
    im2col_wide(xp, filter_h, filter_w, col_T[:K])
    if ones:
        col_T[K] = 1
    return col_T, Wp


def padded_wide(x, pad):
    """x (n, C, H, W) padded by `pad`, plus one row of zeros: (n, C, H + 2*pad + 1, W + 2*pad).

    The buffer is the calling thread's scratch memory, reused by the next call of the same
    shape; only its inside is written, so the zero border stays from the first call.
    """
    n, C, H, W = x.shape
    xp = thread_scratch(("conv_x", pad), wide_shape(x.shape, pad), x.dtype, zeros=True)
    xp[:, :, pad : pad + H, pad : pad + W] = x
    return xp


class Filters:
    """Filters W (FN, C, FH, FW) and bias b (FN,) or None, in the layout conv_wide uses.

    With C < ROW_PRODUCTS_MIN_CHANNELS: col (FN, C*FH*FW), for one product with the wide
    im2col, or with a bias col_b (FN, C*FH*FW + 1), b as a last column. Else rows
    (FH, FN, C*FW), row i the filters' i-th rows, for FH products with the columns of FW shifts
    only (see conv_wide), and b shaped (1, FN, 1, 1) to be added to the output.
    """

    def __init__(self, W, b=None):
        FN, C, FH, FW = W.shape
        self.shape = W.shape
        self.col = self.col_b = self.rows = self.b = None
        if C < ROW_PRODUCTS_MIN_CHANNELS:
            self.col = np.ascontiguousarray(W).reshape(FN, -1)  # (FN, C*FH*FW)
            if b is not None:
                self.col_b = np.concatenate([self.col, b.reshape(FN, 1)], axis=1)
        else:
            self.rows = np.ascontiguousarray(W.transpose(2, 0, 1, 3)).reshape(FH, FN, C * FW)
            self.b = None if b is None else b.reshape(1, FN, 1, 1)


ROW_PRODUCTS_MIN_CHANNELS = 8  # with fewer input channels, the FH products are too thin


def conv_wide(x, filters, pad, out):
    """out (n, FN, OH, OW) = the stride-1 convolution of x (n, C, H, W) with `filters` (Filters).

    One chunk of the kernel. With few channels: the wide im2col and one product per sample
    (the bias inside it), then the junk columns dropped on the way into `out`. With C >= 8 channels,
    a cheaper im2col: only the FW horizontal shifts of each padded image are copied, into cols
    (n, C*FW, (Hp+1)*Wp - FW + 1); the FH vertical shifts are then free, as views of cols that
    start i*Wp further (row i of a window is row 0 of the window one image row lower). out is
    the sum over i of FH products rows[i] (FN, C*FW) @ those views (C*FW, OH*Wp): a third of
    the copying for 3x3 filters, and products with inner dimension C*FW.
    """
    n, FN, OH, OW = out.shape
    C, FH, FW = filters.shape[1:]
    if C < ROW_PRODUCTS_MIN_CHANNELS:
        # With a bias: a row of ones in col_T and b as a last column of the filters add it.
        with_b = filters.col_b is not None
        col_T, Wp = wide_col(x, FH, FW, pad, ones=with_b)  # (C*FH*FW [+ 1], n*OH*Wp)
        # One product per sample (a batched matmul), so that o comes out in NCHW order already.
        col_T = col_T.reshape(-1, n, OH * Wp).transpose(1, 0, 2)  # (n, C*FH*FW, OH*Wp), a view
        o = thread_scratch("conv_out", (n, FN, OH * Wp), x.dtype)
        np.matmul(filters.col_b if with_b else filters.col, col_T, out=o)  # (n, FN, OH*Wp)
        out[...] = o.reshape(n, FN, OH, Wp)[:, :, :, :OW]  # (n, FN, OH, OW)
        return out
    xp = padded_wide(x, pad)
    Hp1, Wp = xp.shape[2:]
    flat = xp.reshape(n, C, Hp1 * Wp)  # (n, C, Hp1*Wp)
    M, L = Hp1 * Wp - FW + 1, OH * Wp
    cols = thread_scratch("conv_rows", (n, C, FW, M), x.dtype)
    sN, sC, s = flat.strides
    shifts = as_strided(flat, shape=cols.shape, strides=(sN, sC, s, s), writeable=False)
    np.copyto(cols, shifts)  # cols[k, c, j] = flat[k, c, j : j + M]: the FW shifts, one copy
    cols = cols.reshape(n, C * FW, M)  # row c*FW + j: the image shifted by j
    o = thread_scratch("conv_acc", (n, FN, L), x.dtype)
    np.matmul(filters.rows[0], cols[:, :, :L], out=o)  # (n, FN, OH*Wp)
    if FH > 1:
        tmp = thread_scratch("conv_tmp", (n, FN, L), x.dtype)
    for i in range(1, FH):
        np.matmul(filters.rows[i], cols[:, :, i * Wp : i * Wp + L], out=tmp)
        o += tmp
    o = o.reshape(n, FN, OH, Wp)[:, :, :, :OW]  # (n, FN, OH, OW), a view
    if filters.b is None:
        out[...] = o
    else:
        np.add(o, filters.b, out=out)


LONG_INNER = 4096  # inner dimensions above this are cut into blocks of INNER_BLOCK
INNER_BLOCK = 1024


def add_matmul(acc, a, b):
    """acc += a @ b, for a (M, K) and b (K, N); in blocks of the inner dimension K if long.

    OpenBLAS runs products with a long inner dimension and a small result at half speed (a
    first convolution's dW: (25, 10080) @ (10080, 30) at 42 GFLOP/s on one core, 84 when cut
    into blocks of 1024). Products with K up to LONG_INNER are done in one call.
    """
    K = a.shape[1]
    if K <= LONG_INNER:
        acc += a @ b
        return acc
    for k in range(0, K, INNER_BLOCK):
        acc += a[:, k : k + INNER_BLOCK] @ b[k : k + INNER_BLOCK]
    return acc


# --- im2col for stride-1 convolutions in the "wide" layout -----------------------------------
#
# With stride 1 there is a faster way to lay out the windows. Store each padded channel as one
# flat row of Hp*Wp pixels (Hp = H + 2*pad, Wp = W + 2*pad). Output pixel (oh, ow) at flat
# position p = oh*Wp + ow reads, at kernel offset (i, j), the pixel at p + i*Wp + j: every offset
# is ONE shift of the whole flat image. If we also compute outputs for all Wp columns of each
# output row (the last Wp - OW of them read pixels that wrap around into the next row: "wide"
# columns that are simply dropped), then each offset's part of im2col is one long contiguous
# slice of OH*Wp pixels instead of one short OW-pixel run per row. The price is Wp/OW times more
# columns (7% for 28x28 images with pad 1). This module uses this layout (and needs
# no col2im: with stride 1, its input gradient is a convolution too).
# The padded image gets one extra row of zeros so that the shifted slices of the last channel
# never run off its end.


def wide_shape(x_shape, pad):
    """(n, C, Hp + 1, Wp): the padded images of the wide layout (one extra row of zeros)."""
    n, C, H, W = x_shape
    return (n, C, H + 2 * pad + 1, W + 2 * pad)


def im2col_wide(xp, filter_h, filter_w, out):
    """Windows of padded images xp (n, C, Hp+1, Wp) as out (C*FH*FW, n*OH*Wp), stride 1.

    Row (c*FH + i)*FW + j, column (k*OH + oh)*Wp + ow holds xp[k, c, oh + i, ow + j]: im2col's
    col.T with Wp instead of OW columns per output row (the last Wp - OW are junk).
    """
    n, C, Hp1, Wp = xp.shape
    L = (Hp1 - filter_h) * Wp  # OH*Wp flat output positions per image
    flat = xp.reshape(n, C, Hp1 * Wp)  # (n, C, Hp1*Wp), a view
    sN, sC, s = flat.strides
    # Every kernel offset's shifted image as a view, no copy: element [c, i, j, k, l] sits at
    # flat[k, c, i*Wp + j + l]. One copy then writes them all (runs of L pixels).
    windows = as_strided(
        flat, shape=(C, filter_h, filter_w, n, L), strides=(sC, Wp * s, s, sN, s), writeable=False
    )
    np.copyto(out.reshape(windows.shape), windows)
    return out


def col2im_wide(dcol_T, filter_h, filter_w, out):
    """Fold dcol_T (C*FH*FW, n*OH*Wp) back into padded images out (n, C, Hp+1, Wp), stride 1.

    The adjoint of im2col_wide; dcol_T's junk columns must be zero (they add to real pixels).
    """
    n, C, Hp1, Wp = out.shape
    L = (Hp1 - filter_h) * Wp
    flat = out.reshape(n, C, Hp1 * Wp).transpose(1, 0, 2)  # (C, n, Hp1*Wp), a view
    dcols = dcol_T.reshape(C, filter_h, filter_w, n, L)
    flat[:, :, :L] = dcols[:, 0, 0]  # offset (0, 0) first: an assignment, no zeroing pass
    flat[:, :, L:] = 0
    for i in range(filter_h):
        for j in range(filter_w):
            if i or j:
                shift = i * Wp + j
                flat[:, :, shift : shift + L] += dcols[:, i, j]  # one long add per offset
    return out
