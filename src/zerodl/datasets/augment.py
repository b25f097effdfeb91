"""Data augmentation: small random shifts, rotations and scalings of a whole batch at once.

A network that sees each training digit a little moved, turned or resized every epoch learns
what does not change under those moves, and overfits less: the classic route past 99.5% on
MNIST (Simard, Steinkraus and Platt 2003, "Best practices for convolutional neural networks
applied to visual document analysis").

Every output pixel p of an image is read from the input at

    q = R(-angle) (p - c - shift) / scale + c          c = the image's centre

by bilinear interpolation (zeros outside the image): the inverse of "scale and rotate about the
centre, then shift". The coordinates of all pixels of all images are computed as arrays, and one
gather reads them: no Python loop over images or pixels.

    augment = RandomAffine(max_shift=2, max_rotation=10, scale=(0.9, 1.1))
    x_batch = augment(x_batch, rng)       # (N, C, H, W) or flat (N, H*W) square images
"""

import math

import numpy as np

from zerodl._checks import non_negative


def affine_transform(x, angles, scales, shifts):
    """Each image of x turned by angles[n] degrees (counter-clockwise), scaled by scales[n]
    about its centre, then moved by shifts[n] = (down, right) pixels.

    Args:
        x: images (N, C, H, W).
        angles, scales: (N,) each; shifts: (N, 2).

    Returns a new float array of x's shape and dtype; pixels that come from outside the image
    are 0 (the background of MNIST).
    """
    N, C, H, W = x.shape
    angles = np.radians(np.asarray(angles, dtype=np.float64)).reshape(N, 1, 1)
    scales = np.asarray(scales, dtype=np.float64).reshape(N, 1, 1)
    shifts = np.asarray(shifts, dtype=np.float64).reshape(N, 2, 1, 1)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    rows, cols = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")  # (H, W) each
    dy = rows - cy - shifts[:, 0]  # (N, H, W) the output pixel, relative to the moved centre
    dx = cols - cx - shifts[:, 1]
    # "Up" is -y on the screen, so a counter-clockwise turn by a reads back with (cos, -sin).
    cos, sin = np.cos(angles), np.sin(angles)
    src_x = (cos * dx - sin * dy) / scales + cx  # (N, H, W) where to read in the input
    src_y = (sin * dx + cos * dy) / scales + cy
    return bilinear(x, src_y, src_x)


def bilinear(x, src_y, src_x):
    """x (N, C, H, W) read at the real coordinates (src_y, src_x) (N, H', W'), zeros outside."""
    N, C, H, W = x.shape
    y0, x0 = np.floor(src_y), np.floor(src_x)
    wy, wx = (src_y - y0).astype(x.dtype), (src_x - x0).astype(x.dtype)  # (N, H', W')
    y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
    flat = x.reshape(N, C, H * W)
    out = np.zeros((N, C, *src_y.shape[1:]), dtype=x.dtype)
    for ty, tx, weight in (
        (y0, x0, (1 - wy) * (1 - wx)),
        (y0, x0 + 1, (1 - wy) * wx),
        (y0 + 1, x0, wy * (1 - wx)),
        (y0 + 1, x0 + 1, wy * wx),
    ):  # the four neighbours of every sampled point
        inside = (ty >= 0) & (ty < H) & (tx >= 0) & (tx < W)  # (N, H', W')
        index = np.where(inside, ty * W + tx, 0).reshape(N, 1, -1)  # (N, 1, H'*W')
        values = np.take_along_axis(flat, index, axis=2).reshape(out.shape)  # (N, C, H', W')
        out += values * (weight * inside)[:, None]
    return out


class RandomAffine:
    """A random shift, rotation and scaling of every image, drawn anew for each batch.

    Args:
        max_shift: the largest move in pixels, down and right each drawn from
            [-max_shift, max_shift].
        max_rotation: the largest turn in degrees, drawn from [-max_rotation, max_rotation].
        scale: (smallest, largest) zoom factor, drawn uniformly.

    Calling it with a batch and a numpy Generator returns the distorted batch (a new array,
    x's shape and dtype). Flat batches (N, D) are treated as square images of side sqrt(D).
    """

    def __init__(self, max_shift=2.0, max_rotation=10.0, scale=(0.9, 1.1)):
        self.max_shift = non_negative("max_shift", max_shift)
        self.max_rotation = non_negative("max_rotation", max_rotation)
        low, high = (float(s) for s in scale)
        if not 0 < low <= high:
            raise ValueError(f"invalid scale: {scale!r} (must be 0 < smallest <= largest)")
        self.scale = (low, high)

    def __call__(self, x, rng):
        images = _as_images(x)  # (N, C, H, W), a view
        n = len(images)
        angles = rng.uniform(-self.max_rotation, self.max_rotation, size=n)
        scales = rng.uniform(*self.scale, size=n)
        shifts = rng.uniform(-self.max_shift, self.max_shift, size=(n, 2))
        return affine_transform(images, angles, scales, shifts).reshape(x.shape)

    def get_config(self):
        return {
            "max_shift": self.max_shift,
            "max_rotation": self.max_rotation,
            "scale": list(self.scale),
        }

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"RandomAffine({args})"


def _as_images(x):
    if x.ndim == 4:
        return x
    side = math.isqrt(x.shape[1]) if x.ndim == 2 else 0
    if x.ndim != 2 or side * side != x.shape[1]:
        raise ValueError(
            f"augmentation needs images (N, C, H, W) or flat square images (N, H*W), got {x.shape}"
        )
    return x.reshape(len(x), 1, side, side)
