"""im2col and col2im against plain nested loops, and col2im as the adjoint of im2col."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodl.im2col import col2im, conv_output_size, im2col


def im2col_loops(x, fh, fw, stride, pad):
    """The obvious definition: one row per window, pixels in (c, i, j) order."""
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    xp[:, :, pad : pad + H, pad : pad + W] = x
    OH = (H + 2 * pad - fh) // stride + 1
    OW = (W + 2 * pad - fw) // stride + 1
    col = np.zeros((N * OH * OW, C * fh * fw), dtype=x.dtype)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                row = (n * OH + oh) * OW + ow
                for c in range(C):
                    for i in range(fh):
                        for j in range(fw):
                            value = xp[n, c, oh * stride + i, ow * stride + j]
                            col[row, (c * fh + i) * fw + j] = value
    return col


def col2im_loops(col, shape, fh, fw, stride, pad):
    """Every entry of col added back to the pixel it came from; padding dropped."""
    N, C, H, W = shape
    OH = (H + 2 * pad - fh) // stride + 1
    OW = (W + 2 * pad - fw) // stride + 1
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=col.dtype)
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                row = (n * OH + oh) * OW + ow
                for c in range(C):
                    for i in range(fh):
                        for j in range(fw):
                            value = col[row, (c * fh + i) * fw + j]
                            xp[n, c, oh * stride + i, ow * stride + j] += value
    return xp[:, :, pad : pad + H, pad : pad + W]


CASES = [
    # (N, C, H, W, FH, FW, stride, pad)
    (1, 1, 4, 4, 2, 2, 1, 0),
    (2, 3, 5, 5, 3, 3, 1, 1),
    (3, 2, 7, 9, 3, 3, 2, 0),
    (2, 2, 7, 9, 2, 3, 2, 2),
    (1, 3, 6, 5, 1, 1, 1, 0),
    (2, 1, 8, 8, 5, 5, 3, 2),
]


def test_conv_output_size():
    assert conv_output_size(28, 5) == 24
    assert conv_output_size(28, 3, stride=1, pad=1) == 28
    assert conv_output_size(7, 2, stride=2) == 3  # the last row is left over
    assert conv_output_size(7, 3, stride=2, pad=1) == 4


@pytest.mark.parametrize("N, C, H, W, fh, fw, stride, pad", CASES)
def test_im2col_matches_loops(N, C, H, W, fh, fw, stride, pad):
    x = np.random.default_rng(0).standard_normal((N, C, H, W))
    col = im2col(x, fh, fw, stride, pad)
    OH = conv_output_size(H, fh, stride, pad)
    OW = conv_output_size(W, fw, stride, pad)
    assert col.shape == (N * OH * OW, C * fh * fw)
    np.testing.assert_array_equal(col, im2col_loops(x, fh, fw, stride, pad))


@pytest.mark.parametrize("N, C, H, W, fh, fw, stride, pad", CASES)
def test_col2im_matches_loops(N, C, H, W, fh, fw, stride, pad):
    OH = conv_output_size(H, fh, stride, pad)
    OW = conv_output_size(W, fw, stride, pad)
    col = np.random.default_rng(1).standard_normal((N * OH * OW, C * fh * fw))
    expected = col2im_loops(col, (N, C, H, W), fh, fw, stride, pad)
    np.testing.assert_allclose(col2im(col, (N, C, H, W), fh, fw, stride, pad), expected)
    # The layout im2col produces (the transpose of a contiguous array) gives the same result.
    col_t = np.ascontiguousarray(col.T).T
    np.testing.assert_allclose(col2im(col_t, (N, C, H, W), fh, fw, stride, pad), expected)


def test_im2col_pad_value():
    x = np.ones((1, 1, 2, 2))
    col = im2col(x, 2, 2, stride=1, pad=1, pad_value=-np.inf)
    assert col.shape == (9, 4)
    assert np.isneginf(col[0]).sum() == 3  # the top-left window holds one pixel of x
    assert np.all(np.isfinite(col[4]))  # the centre window is x itself


@st.composite
def conv_geometry(draw):
    fh = draw(st.integers(1, 4))
    fw = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    pad = draw(st.integers(0, 2))
    H = draw(st.integers(max(1, fh - 2 * pad), 9))
    W = draw(st.integers(max(1, fw - 2 * pad), 9))
    N = draw(st.integers(1, 3))
    C = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return N, C, H, W, fh, fw, stride, pad, seed


@settings(max_examples=150, deadline=None)
@given(conv_geometry())
def test_col2im_is_the_adjoint_of_im2col(geometry):
    """<col2im(y), x> == <y, im2col(x)>: what makes col2im the right backward for im2col."""
    N, C, H, W, fh, fw, stride, pad, seed = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    col = im2col(x, fh, fw, stride, pad)
    y = rng.standard_normal(col.shape)
    lhs = np.sum(col2im(y, x.shape, fh, fw, stride, pad) * x)
    rhs = np.sum(y * col)
    assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(dtype)
    col = im2col(x, 3, 3, stride=1, pad=1)
    assert col.dtype == dtype
    assert col2im(col, x.shape, 3, 3, stride=1, pad=1).dtype == dtype


def test_non_contiguous_inputs():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((6, 9, 2, 3))  # (H, W, N, C)
    x = base.transpose(2, 3, 0, 1)  # (N, C, H, W), a transposed view
    assert not x.flags.c_contiguous
    expected = im2col_loops(np.ascontiguousarray(x), 3, 2, 2, 1)
    np.testing.assert_array_equal(im2col(x, 3, 2, stride=2, pad=1), expected)

    big = rng.standard_normal((4, 6, 14, 18))
    x = big[::2, ::2, ::2, ::2]  # a strided view (2, 3, 7, 9)
    expected = im2col_loops(np.ascontiguousarray(x), 3, 3, 1, 0)
    np.testing.assert_array_equal(im2col(x, 3, 3), expected)

    col = rng.standard_normal((2 * 5 * 7 * 2, 3 * 9))[::2]  # a strided view of rows
    expected = col2im_loops(np.ascontiguousarray(col), (2, 3, 7, 9), 3, 3, 1, 0)
    np.testing.assert_allclose(col2im(col, (2, 3, 7, 9), 3, 3), expected)


def test_im2col_does_not_touch_its_input():
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    saved = x.copy()
    col = im2col(x, 3, 3, pad=1)
    col2im(col, x.shape, 3, 3, pad=1)
    np.testing.assert_array_equal(x, saved)
