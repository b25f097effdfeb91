"""im2col and col2im: convolution and pooling turned into matrix operations (book, section 7.4).

A convolution slides a (C, FH, FW) filter over the image. `im2col` copies every window the filter
visits into one row of a matrix, so that all the filters are applied to all the windows by a
single matrix product:

    x (N, C, H, W)  --im2col-->  col (N*OH*OW, C*FH*FW)          one row per window
    out = col @ W.reshape(FN, -1).T                               (N*OH*OW, FN)

    OH = (H + 2*pad - FH) // stride + 1,   OW = (W + 2*pad - FW) // stride + 1

Row r = (n*OH + oh)*OW + ow holds the window of sample n at output pixel (oh, ow), and column
(c*FH + i)*FW + j holds the pixel x[n, c, oh*stride + i - pad, ow*stride + j - pad]: the book's
ordering. `col2im` goes back: it adds every row to the pixels its window came from. Windows overlap,
so a pixel receives a contribution from every window it belongs to; col2im is the adjoint
(transpose) of im2col, which is exactly what backpropagation needs:

    <col2im(dcol), x> == <dcol, im2col(x)>      for all x and dcol.

How it works without Python loops over pixels (the book loops over the FH*FW offsets):

- im2col never loops. A window is a *strided view* of the padded image: moving one output pixel to
  the right moves `stride` pixels in memory, moving one filter column moves one pixel. NumPy's
  `as_strided` describes all windows at once without copying; one reshape then copies them out.
- That one copy is written as the transpose of a contiguous (C*FH*FW, N*OH*OW) matrix (the same
  values, "Fortran order"). Copying whole image rows (OW neighbours that are adjacent in x) is 3 to
  4 times faster than gathering FW-pixel pieces one window at a time, and BLAS multiplies either
  layout at the same speed.
- col2im loops only over the FH*FW kernel offsets (9 or 25 iterations); each iteration adds a whole
  (N, C, OH, OW) slab of the columns to a strided view of the image (fastest when `col` is laid
  out as im2col lays it out: then those slabs are contiguous).

The convolution's fast kernel (zerodl.kernels.conv) uses a variant of im2col for stride 1, in
cache-sized chunks; this module is the book's general method, for any stride and padding.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_output_size(size, filter_size, stride=1, pad=0):
    """The number of positions a filter of `filter_size` takes along an axis of `size` pixels.

    (size + 2*pad - filter_size) // stride + 1, the book's formula (a window that does not fit
    entirely is dropped, like PyTorch's default floor mode).
    """
    return (size + 2 * pad - filter_size) // stride + 1


def pad_image(x, pad, value=0.0):
    """x (N, C, H, W) surrounded by `pad` pixels of `value` on each side: (N, C, H+2p, W+2p).

    Returns x itself when pad == 0 (no copy).
    """
    if pad == 0:
        return x
    N, C, H, W = x.shape
    padded = np.full((N, C, H + 2 * pad, W + 2 * pad), value, dtype=x.dtype)
    padded[:, :, pad : pad + H, pad : pad + W] = x
    return padded


def window_views(img, filter_h, filter_w, stride, out_h, out_w):
    """The FH*FW strided views of img (N, C, H, W), one per kernel offset (i, j), in book order.

    View (i, j) has shape (N, C, OH, OW) and holds, for every window, the pixel at offset (i, j)
    inside that window: img[:, :, i + stride*oh, j + stride*ow]. No data is copied. Looping over
    these FH*FW views (instead of over samples or pixels) is how col2im and the pooling layers
    touch all windows at once.
    """
    views = []
    for i in range(filter_h):
        i_end = i + stride * out_h
        for j in range(filter_w):
            j_end = j + stride * out_w
            views.append(img[:, :, i:i_end:stride, j:j_end:stride])  # (N, C, OH, OW)
    return views


def im2col(x, filter_h, filter_w, stride=1, pad=0, *, pad_value=0.0):
    """Unfold the windows of x (N, C, H, W) into the rows of a matrix (N*OH*OW, C*FH*FW).

    Args:
        x: the images, any strides (a transposed or sliced view works too).
        filter_h, filter_w: the window (filter) size FH, FW.
        stride: the step between windows; pad: zero pixels added on each side.
        pad_value: the value of the padding pixels (max pooling pads with -inf).

    Returns the matrix in x's dtype. Its memory is the transpose of a contiguous
    (C*FH*FW, N*OH*OW) array (see the module docstring for why).
    """
    N, C, H, W = x.shape
    OH = conv_output_size(H, filter_h, stride, pad)
    OW = conv_output_size(W, filter_w, stride, pad)
    img = pad_image(x, pad, pad_value)  # (N, C, H+2p, W+2p)
    sN, sC, sH, sW = img.strides
    # Every window as a view, no copy: element [c, i, j, n, oh, ow] sits at
    # img[n, c, oh*stride + i, ow*stride + j].
    windows = as_strided(
        img,
        shape=(C, filter_h, filter_w, N, OH, OW),
        strides=(sC, sH, sW, sN, sH * stride, sW * stride),
        writeable=False,
    )
    # The one copy: contiguous runs of OW pixels, then a free transpose to the book's layout.
    return windows.reshape(C * filter_h * filter_w, N * OH * OW).T  # (N*OH*OW, C*FH*FW)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Fold the rows of col (N*OH*OW, C*FH*FW) back into images (N, C, H, W): im2col's adjoint.

    Each row is added to the pixels of the window it came from, so a pixel in several windows
    receives the sum of their values. Padding pixels are dropped at the end. The result has
    col's dtype (and may be a view into a padded array when pad > 0).
    """
    N, C, H, W = input_shape
    OH = conv_output_size(H, filter_h, stride, pad)
    OW = conv_output_size(W, filter_w, stride, pad)
    # (C, FH, FW, N, OH, OW): a free view when col is laid out as im2col makes it, a copy otherwise.
    col = col.T.reshape(C, filter_h, filter_w, N, OH, OW)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=col.dtype)
    # The image with channels first, so that each view below matches a (C, N, OH, OW) slab of col.
    views = window_views(img.transpose(1, 0, 2, 3), filter_h, filter_w, stride, OH, OW)
    for k, view in enumerate(views):  # FH*FW strided adds, no loop over samples or pixels
        i, j = divmod(k, filter_w)
        view += col[:, i, j]  # (C, N, OH, OW)
    return img[:, :, pad : pad + H, pad : pad + W]  # (N, C, H, W)
