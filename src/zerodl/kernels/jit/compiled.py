"""The compiled kernels (Numba): pure functions on arrays, nothing of zerodl imported.

Imported only when the jit kernels run (zerodl.kernels.jit loads this module on first use), so
that `import zerodl` never imports Numba. Compiled on first use per dtype, and cached on disk
(Numba's cache=True: __pycache__ beside this file, or NUMBA_CACHE_DIR).

Here: the convolution (below); ReLU and max pooling, each a plain loop that makes one pass over
its arrays forward and one backward, vectorised by LLVM; Adam's update, one pass over a parameter
and its state (at the end of the file).

The convolution is a register-blocked direct convolution, the kind of kernel oneDNN runs for
PyTorch: a tile of TILE output pixels times LANES filters is held in vector registers (8 AVX-512
registers of 16 float32), the filter dimension innermost and contiguous, and accumulated over the
window, C*FH*FW products, before it is written once. The image is copied per sample into an
NHWC layout (channels innermost) with its zero border, so that one row of a window is FW*C
contiguous numbers, and the weights into (FH, FW*C, filters). No column matrix is built.

- forward: out[p, f] = sum_k x_window[p, k] * wt[k, f]; per tile, each step loads one vector of
  16 filters' weights and does TILE multiply-adds with one input number each (a broadcast).
- dW: the same tile turned around: dW[k, f] = sum over pixels of x_window[p, k] * dout[p, f],
  a tile of K_TILE window positions k times 16 filters accumulated over all pixels of the samples
  of one thread; the threads' sums are added at the end.
- dx: with stride 1, a convolution of dout with the filters flipped and C and FN swapped (see
  zerodl.kernels.conv), so the forward kernel again.

The compiled functions work on the samples they are given, and release Python's lock (nogil):
the caller runs them on pieces of the batch on zerodl's own threads (zerodl.kernels.threads),
as the fast kernels do. Numba's parallel loops are not used: their OpenMP threads keep spinning
after each loop, and made PyTorch in the same process 6 times slower (measured: a DeepConvNet
step of PyTorch took 426 ms of CPU time after a jit step, 67-71 ms before).

Getting LLVM to keep the tile in registers. The tile is a stack array (_stack_tile) indexed only
by loop counters with constant bounds, so that LLVM unrolls those loops and then holds each
element in a register; its SLP vectorizer then joins the 16 filters into one vector. Numba
leaves the SLP vectorizer off by default, and its loop vectorizer would vectorize the wrong loop
here (the pixels, with gathers), so these functions are compiled with the SLP vectorizer on and
the loop vectorizer off (_register_tiles). Indices inside the tile loops are unsigned, so that
Numba adds no negative-index checks there. benchmarks/jit_one_layer.py --asm prints the
multiply-adds of the compiled code: vfmadd231ps on zmm registers, each with a {1to16} broadcast.
"""

import threading
from contextlib import contextmanager

import llvmlite.binding
import numba
import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

LANES = 16  # filters per vector: one AVX-512 register of float32 (two of float64)
# Register tiles: TILE output pixels (forward) or K_TILE window positions (dW) times LANES
# filters, in accumulators that must fit in the 32 AVX-512 registers with room for the weights
# (with AVX2's 16 registers of 8 float32: 6 x 2 registers; not measured yet). 8 pixels cover the
# widths of the book's networks (28, 24, 16, 14, 8) with little waste. dW keeps 14: with 8,
# LLVM left that tile in memory, as scalar code (benchmarks/jit_one_layer.py --asm shows it).
_AVX512 = llvmlite.binding.get_host_cpu_features().get("avx512f", False)
TILE = 8 if _AVX512 else 6
K_TILE = 14 if _AVX512 else 6


def _stack_array(count):
    """An intrinsic: a pointer to `count` elements of like's dtype on the stack.

    Indexed only by loop counters with constant bounds, LLVM keeps its elements in registers.
    """

    @intrinsic
    def stack_array(typingctx, like):
        def codegen(context, builder, signature, args):
            element = context.get_value_type(like.dtype)
            return cgutils.alloca_once(builder, element, size=count)

        return types.CPointer(like.dtype)(like), codegen

    return stack_array


_stack_tile = _stack_array(TILE * LANES)
_stack_k_tile = _stack_array(K_TILE * LANES)


@contextmanager
def _register_tiles():
    """Compile with the SLP vectorizer on and the loop vectorizer off (see the docstring).

    Numba reads these two settings when it compiles; they are put back at once, so other Numba
    code in the process compiles as it would have.
    """
    previous = numba.config.SLP_VECTORIZE, numba.config.LOOP_VECTORIZE
    numba.config.SLP_VECTORIZE, numba.config.LOOP_VECTORIZE = 1, 0
    try:
        yield
    finally:
        numba.config.SLP_VECTORIZE, numba.config.LOOP_VECTORIZE = previous


_ARGUMENT_TYPES = {
    "a4": lambda t: t[:, :, :, ::1],  # a C-contiguous 4-d array of dtype t
    "a3": lambda t: t[:, :, ::1],
    "a1": lambda t: t[::1],
    "b1": lambda t: types.boolean[::1],  # a mask
    "u4": lambda t: types.uint8[:, :, :, ::1],  # max pooling's winning offsets
    "i": lambda t: types.int64,
    "s": lambda t: t,  # a number of dtype t
}
_compiled = set()
_compiling = threading.Lock()  # one thread compiles; _register_tiles' settings are global


def _call(function, arguments, *args, tiles=True):
    """function(*args), compiled first (or loaded from the cache) for args[0]'s dtype.

    tiles=True: compiled within _register_tiles (the convolution's register tiles); False:
    with Numba's own settings (the loop vectorizer on), for the elementwise loops.
    """
    dtype = args[0].dtype
    if (function, dtype) not in _compiled:
        with _compiling:
            if (function, dtype) not in _compiled:
                t = numba.from_dtype(dtype)
                signature = tuple(_ARGUMENT_TYPES[a](t) for a in arguments.split())
                if tiles:
                    with _register_tiles():
                        function.compile(signature)
                else:
                    function.compile(signature)
                _compiled.add((function, dtype))
    return function(*args)


@njit(nogil=True, fastmath=True, cache=True)
def conv_forward(x, wt, b, pad, out):
    """out (N, FN, OH, OW) = stride-1 convolution of x (N, C, H, W).

    wt (FH, FW*C, FNp): the filters, FNp a multiple of LANES (zero filters at the end);
    b (FNp,).
    """
    N, C, H, W = x.shape
    FH, FWC, FNp = wt.shape
    FW = FWC // C
    FN, OH, OW = out.shape[1], out.shape[2], out.shape[3]
    tiles = (OW + TILE - 1) // TILE
    Wp = tiles * TILE + FW - 1
    Hp = H + 2 * pad
    for n in range(N):
        xp = np.zeros((Hp, Wp * C), dtype=x.dtype)  # NHWC, a row of pixels one row
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    xp[h + pad, (w + pad) * C + c] = x[n, c, h, w]
        tile = np.empty((TILE, LANES), dtype=x.dtype)
        acc = numba.carray(_stack_tile(x), (TILE, LANES))
        uC = numba.uint64(C)  # unsigned indices: no wraparound checks in the inner loop
        for fb in range(0, FNp, LANES):
            for oh in range(OH):
                for t in range(tiles):
                    ow0 = t * TILE
                    for p in range(TILE):
                        for f in range(LANES):
                            acc[p, f] = 0
                    for i in range(FH):
                        row = xp[oh + i]
                        base = numba.uint64(ow0 * C)
                        for k in range(numba.uint64(FW * C)):  # a window's row: contiguous
                            for p in range(numba.uint64(TILE)):
                                v = row[base + p * uC + k]
                                for f in range(LANES):
                                    acc[p, f] += v * wt[i, k, fb + f]
                    for p in range(TILE):  # plain stores: acc stays in registers
                        for f in range(LANES):
                            tile[p, f] = acc[p, f]
                    for f in range(min(LANES, FN - fb)):  # into NCHW, the bias added
                        for p in range(min(TILE, OW - ow0)):
                            out[n, fb + f, oh, ow0 + p] = tile[p, f] + b[fb + f]
    return out

@njit(nogil=True, fastmath=True, cache=True)
def conv_weight_grad(x, dout, pad, FH, FW, dwt):
    """dwt (FH, K, FNp) += the sum over x's samples and pixels of x's windows times dout.

    K = ceil(FW*C / K_TILE) * K_TILE: row i of a window is FW*C contiguous elements of the
    padded NHWC image; dwt[i, j*C + c, f] is dW[f, c, i, j] (the rest is junk).
    """
    N, C, H, W = x.shape
    FN, OH, OW = dout.shape[1], dout.shape[2], dout.shape[3]
    FNp = dwt.shape[2]
    K = dwt.shape[1]
    Hp = H + 2 * pad
    Wp = W + 2 * pad
    xp = np.zeros((Hp, Wp * C + K), dtype=x.dtype)  # + K: room for the junk columns' reads
    d = np.zeros((OH, OW, FNp), dtype=x.dtype)  # dout of one sample, NHWC
    tile = np.empty((K_TILE, LANES), dtype=x.dtype)
    acc = numba.carray(_stack_k_tile(x), (K_TILE, LANES))
    for n in range(N):
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    xp[h + pad, (w + pad) * C + c] = x[n, c, h, w]
        for f in range(FN):
            for oh in range(OH):
                for ow in range(OW):
                    d[oh, ow, f] = dout[n, f, oh, ow]
        for fb in range(0, FNp, LANES):
            for i in range(FH):
                for k0 in range(0, K, K_TILE):
                    for q in range(K_TILE):
                        for f in range(LANES):
                            acc[q, f] = 0
                    for oh in range(OH):
                        for ow in range(OW):
                            row = xp[oh + i]
                            base = numba.uint64(ow * C + k0)  # unsigned: no wraparound
                            for q in range(numba.uint64(K_TILE)):
                                v = row[base + q]
                                for f in range(LANES):
                                    acc[q, f] += v * d[oh, ow, fb + f]
                    for q in range(K_TILE):  # plain stores: acc stays in registers
                        for f in range(LANES):
                            tile[q, f] = acc[q, f]
                    for q in range(K_TILE):
                        for f in range(LANES):
                            dwt[i, k0 + q, fb + f] += tile[q, f]
    return dwt


def _lanes(n):
    return -(-n // LANES) * LANES


def forward_filters(W, b=None):
    """W (FN, C, FH, FW) as wt (FH, FW*C, FNp) and b as (FNp,), zero-padded."""
    FN, C, FH, FW = W.shape
    wt = np.zeros((FH, FW, C, _lanes(FN)), dtype=W.dtype)
    wt[:, :, :, :FN] = W.transpose(2, 3, 1, 0)
    wt = wt.reshape(FH, FW * C, -1)
    bp = np.zeros(_lanes(FN), dtype=W.dtype)
    if b is not None:
        bp[:FN] = b
    return wt, bp


def _compiled_layout(a):
    """a as the compiled functions' signatures take it: C-contiguous and writeable (Numba
    would compile a read-only array's function again, without _register_tiles)."""
    a = np.ascontiguousarray(a)
    return a if a.flags.writeable else a.copy()


def _serial(part, n, sample_size=None):
    return [part(0, n)]


def forward(x, W, b, pad, parallel=_serial):
    """out (N, FN, OH, OW): the stride-1 convolution of x (N, C, H, W) with W, b and pad.

    parallel(part, N) runs part(start, stop) over pieces of the batch (on threads: the compiled
    loops release Python's lock) and returns their results in a list.
    """
    N, C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    x = _compiled_layout(x)
    wt, bp = forward_filters(W, b)
    out = np.empty((N, FN, H + 2 * pad - FH + 1, Wd + 2 * pad - FW + 1), dtype=x.dtype)

    def part(start, stop):
        _call(conv_forward, "a4 a3 a1 i a4", x[start:stop], wt, bp, pad, out[start:stop])

    parallel(part, N)
    return out


def backward(x, W, dout, pad, need_dx=True, parallel=_serial):
    """(dx or None, dW, db) of the stride-1 convolution out = forward(x, W, b, pad)."""
    N, C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    x, dout = _compiled_layout(x), _compiled_layout(dout)
    K = -(-(FW * C) // K_TILE) * K_TILE

    def part(start, stop):  # this piece's sum of dW, in the kernel's layout
        dwt = np.zeros((FH, K, _lanes(FN)), dtype=x.dtype)
        _call(conv_weight_grad, "a4 a4 i i i a3", x[start:stop], dout[start:stop], pad, FH, FW, dwt)
        return dwt

    dwt = sum(parallel(part, N))[:, : FW * C, :FN].reshape(FH, FW, C, FN)
    dW = np.ascontiguousarray(dwt.transpose(3, 2, 0, 1))
    db = dout.sum(axis=(0, 2, 3))
    dx = None
    if need_dx:
        # dx is the convolution of dout, padded by FH-1-pad, with the filters flipped and
        # their FN and C axes swapped (see zerodl.kernels.conv).
        flipped = np.ascontiguousarray(W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, FN, ..)
        dx = forward(dout, flipped, None, FH - 1 - pad, parallel)
    return dx, dW, db


# --- ReLU and max pooling: one pass each, forward and backward -----------------------------------
# Plain loops over C-contiguous arrays, which LLVM's loop vectorizer turns into vector code
# (compiled with Numba's own settings: tiles=False). No fastmath: they only compare and copy.


@njit(nogil=True, cache=True)
def relu_forward(x, y, positive):
    """y = max(x, 0) and positive = x > 0, in one pass over x (1-d, as long as y and positive).

    A NaN stays NaN in y, as in the book's method (its mask x <= 0 is False there)."""
    for i in range(x.size):
        v = x[i]
        positive[i] = v > 0
        y[i] = 0 if v <= 0 else v


@njit(nogil=True, cache=True)
def relu_inference(x, y):
    """y = max(x, 0), without the mask (inference keeps nothing for backward)."""
    for i in range(x.size):
        v = x[i]
        y[i] = 0 if v <= 0 else v


@njit(nogil=True, cache=True)
def relu_backward(dout, positive, dx):
    """dx = dout where x > 0, else 0 (the book's dx[mask] = 0)."""
    for i in range(dout.size):
        dx[i] = dout[i] if positive[i] else 0


@njit(nogil=True, cache=True)
def max_pool_forward(x, pool_h, pool_w, stride, out, offset, keep):
    """out (N, C, OH, OW) = each window's maximum; with keep, offset (same shape, uint8) = the
    position i*pool_w + j of its first maximum (np.argmax's; a NaN is a maximum, the first one).

    The windows do not overlap and there is no padding (stride >= window)."""
    N, C, OH, OW = out.shape
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                top = oh * stride
                for ow in range(OW):
                    left = ow * stride
                    best = x[n, c, top, left]
                    k = 0
                    for i in range(pool_h):
                        for j in range(pool_w):
                            v = x[n, c, top + i, left + j]
                            better = (v > best) | ((v != v) & (best == best))
                            best = v if better else best
                            k = i * pool_w + j if better else k
                    out[n, c, oh, ow] = best
                    if keep:
                        offset[n, c, oh, ow] = k


@njit(nogil=True, cache=True)
def max_pool_forward_2x2(x, out, offset, keep):
    """max_pool_forward for the book's 2x2 windows with stride 2, its four reads unrolled.

    Without branches (| and &, not `or`): a row's last outputs, after the vector loop, then
    run as selects; with branches on random data they took 3 times as long (28x28 inputs)."""
    N, C, OH, OW = out.shape
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    best = x[n, c, 2 * oh, 2 * ow]
                    k = 0
                    v = x[n, c, 2 * oh, 2 * ow + 1]
                    better = (v > best) | ((v != v) & (best == best))
                    best, k = (v, 1) if better else (best, k)
                    v = x[n, c, 2 * oh + 1, 2 * ow]
                    better = (v > best) | ((v != v) & (best == best))
                    best, k = (v, 2) if better else (best, k)
                    v = x[n, c, 2 * oh + 1, 2 * ow + 1]
                    better = (v > best) | ((v != v) & (best == best))
                    best, k = (v, 3) if better else (best, k)
                    out[n, c, oh, ow] = best
                    if keep:
                        offset[n, c, oh, ow] = k


@njit(nogil=True, cache=True)
def max_pool_backward(dout, offset, pool_h, pool_w, stride, dx):
    """dx (N, C, H, W): each window's dout at its first maximum, 0 everywhere else; written
    row by row, once each (pixels in no window, leftover rows and gaps, get 0)."""
    N, C, H, W = dx.shape
    OH, OW = dout.shape[2], dout.shape[3]
    for n in range(N):
        for c in range(C):
            for h in range(H):
                oh = h // stride
                i = h - oh * stride
                if oh >= OH or i >= pool_h:
                    for w in range(W):
                        dx[n, c, h, w] = 0
                    continue
                for ow in range(OW):
                    d = dout[n, c, oh, ow]
                    won = offset[n, c, oh, ow] - i * pool_w  # the winning column, if in row i
                    for j in range(min(stride, W - ow * stride)):  # the gap ends at W
                        dx[n, c, h, ow * stride + j] = d if j == won and j < pool_w else 0
                for w in range(min(OW * stride, W), W):
                    dx[n, c, h, w] = 0


def _flat_samples(a):
    """a (N, ...) C-contiguous as (N, rest): a[a:z] of it is one contiguous run."""
    return a.reshape(len(a), -1)


def relu(x, positive=None, parallel=_serial):
    """y = max(x, 0) for a C-contiguous x (N, ...); with `positive` (bool, x's shape), also
    positive = x > 0, in the same pass. parallel: as for `forward` (pieces of the batch)."""
    y = np.empty_like(x)
    xs, ys = _flat_samples(x), _flat_samples(y)
    ps = None if positive is None else _flat_samples(positive)

    def part(start, stop):
        xp, yp = xs[start:stop].reshape(-1), ys[start:stop].reshape(-1)
        if ps is None:
            _call(relu_inference, "a1 a1", xp, yp, tiles=False)
        else:
            _call(relu_forward, "a1 a1 b1", xp, yp, ps[start:stop].reshape(-1), tiles=False)

    parallel(part, len(x), x[:1].size)
    return y


def relu_grad(dout, positive, parallel=_serial):
    """dx = dout where positive (x > 0), else 0."""
    dout = _compiled_layout(dout)
    dx = np.empty_like(dout)
    ds, ps, xs = _flat_samples(dout), _flat_samples(positive), _flat_samples(dx)

    def part(start, stop):
        d, p, out = (a[start:stop].reshape(-1) for a in (ds, ps, xs))
        _call(relu_backward, "a1 b1 a1", d, p, out, tiles=False)

    parallel(part, len(dout), dout[:1].size)
    return dx


def _is_book_window(pool_h, pool_w, stride):
    """The book's 2x2 windows with stride 2, which have loops of their own (unrolled)."""
    return pool_h == pool_w == stride == 2


def max_pool(x, pool_h, pool_w, stride, keep=True, offset=None, parallel=_serial):
    """(out (N, C, OH, OW), offset or None) for windows that do not overlap, no padding.

    offset (uint8, out's shape): each window's first maximum, i*pool_w + j, when keep; an
    `offset` array given is written into (last step's memory)."""
    N, C, H, W = x.shape
    x = _compiled_layout(x)
    OH, OW = (H - pool_h) // stride + 1, (W - pool_w) // stride + 1
    out = np.empty((N, C, OH, OW), dtype=x.dtype)
    if offset is None or offset.shape != out.shape:
        offset = np.empty(out.shape if keep else (0, 0, 0, 0), dtype=np.uint8)
    book = _is_book_window(pool_h, pool_w, stride)

    def part(start, stop):
        xp, op = x[start:stop], out[start:stop]
        kp = offset[start:stop] if keep else offset
        if book:
            _call(max_pool_forward_2x2, "a4 a4 u4 i", xp, op, kp, int(keep), tiles=False)
        else:
            window = (pool_h, pool_w, stride)
            _call(max_pool_forward, "a4 i i i a4 u4 i", xp, *window, op, kp, int(keep), tiles=False)

    parallel(part, N, x[:1].size)
    return out, (offset if keep else None)


def max_pool_grad(dout, offset, x_shape, pool_h, pool_w, stride, parallel=_serial):
    """dx (x_shape): each window's dout at its first maximum (offset), 0 elsewhere."""
    dout = _compiled_layout(dout)
    dx = np.empty(x_shape, dtype=dout.dtype)

    book = _is_book_window(pool_h, pool_w, stride)

    def part(start, stop):
        d, o, out = dout[start:stop], offset[start:stop], dx[start:stop]
        if book:
            _call(max_pool_backward_2x2, "a4 u4 a4", d, o, out, tiles=False)
        else:
            window = (pool_h, pool_w, stride)
            _call(max_pool_backward, "a4 u4 i i i a4", d, o, *window, out, tiles=False)

    parallel(part, len(dout), dx[:1].size)
    return dx


@njit(nogil=True, cache=True)
def max_pool_backward_2x2(dout, offset, dx):
    """max_pool_backward for 2x2 windows with stride 2: the four pixels of each window at once."""
    N, C, H, W = dx.shape
    OH, OW = dout.shape[2], dout.shape[3]
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                for ow in range(OW):
                    d = dout[n, c, oh, ow]
                    k = offset[n, c, oh, ow]
                    dx[n, c, 2 * oh, 2 * ow] = d if k == 0 else 0
                    dx[n, c, 2 * oh, 2 * ow + 1] = d if k == 1 else 0
                    dx[n, c, 2 * oh + 1, 2 * ow] = d if k == 2 else 0
                    dx[n, c, 2 * oh + 1, 2 * ow + 1] = d if k == 3 else 0
                for w in range(2 * OW, W):  # an odd width: its last column is in no window
                    dx[n, c, 2 * oh, w] = 0
                    dx[n, c, 2 * oh + 1, w] = 0
            for h in range(2 * OH, H):  # an odd height: its last row
                for w in range(W):
                    dx[n, c, h, w] = 0


# --- Adam's update: one pass over a parameter, its gradient and its state -----------------------
# The book's rule (zerodl.optimizers) element by element, with the same operations in the
# same order and its numbers of the parameter's dtype (as NumPy computes float32 arrays times
# Python floats: in float32). No fastmath, so the arithmetic is the book's, operation for
# operation (no fused multiply-adds).


# error_model="numpy": x / 0 gives inf or nan as in NumPy, with no check for zero in the loop
# (Numba's default raises ZeroDivisionError, and that check kept the loop scalar: 2-3x slower).
@njit(nogil=True, cache=True, error_model="numpy")
def adam_update(p, g, m, v, beta1, rest1, beta2, rest2, bias2, eps, lr_t):
    """m <- beta1 m + rest1 g;  v <- beta2 v + rest2 g^2  (rest = 1 - beta);
    p <- p - m / (sqrt(v / bias2) + eps) * lr_t,  bias2 = 1 - beta2^t, lr_t = lr / (1 - beta1^t)."""
    for i in range(p.size):
        gi = g[i]
        mi = m[i] * beta1 + rest1 * gi
        vi = v[i] * beta2 + rest2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        p[i] -= mi / (np.sqrt(vi / bias2) + eps) * lr_t


def adam(p, g, m, v, beta1, beta2, t, eps, lr):
    """One Adam step of p and its moving averages m and v, in place, at step t (from 1)."""
    bias1, bias2 = 1.0 - beta1**t, 1.0 - beta2**t
    flat = (a.reshape(-1) for a in (p, g, m, v))
    numbers = (beta1, 1.0 - beta1, beta2, 1.0 - beta2, bias2, eps, lr / bias1)
    scalars = (p.dtype.type(n) for n in numbers)  # in p's dtype, as NumPy takes Python floats
    _call(adam_update, "a1 a1 a1 a1 s s s s s s s", *flat, *scalars, tiles=False)
