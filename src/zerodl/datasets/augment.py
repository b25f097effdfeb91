"""Data augmentation: small random shifts, rotations, scalings (and mirrorings) of a whole batch.

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
    augment = augmentation_for("fashion-mnist")   # what suits each dataset (below)

Which moves help depends on the images. A digit turned by 10 degrees or a little larger is still
that digit, but a mirrored 2 is no digit. Fashion-MNIST's clothes are photographed upright,
centred and scaled to fill the frame, and look the same mirrored: there, mirroring left to right
and small shifts give new images of the kind the test set holds, while turned or rescaled
clothes do not occur in it (on Fashion-MNIST, a DeepConvNet with rotations and scalings ended
its training at 92.5% on its own training batches: the moves made the task harder, not the
network better).
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

    Returns a new array of x's shape and dtype; pixels that come from outside the image are 0
    (the background of MNIST).
    """
    N, C, H, W = x.shape
    dtype = np.float32 if x.dtype == np.float32 else np.float64  # coordinates to 1e-6 px
    angles = np.radians(np.asarray(angles, dtype=dtype)).reshape(N, 1, 1)
    scales = np.asarray(scales, dtype=dtype).reshape(N, 1, 1)
    shifts = np.asarray(shifts, dtype=dtype).reshape(N, 2, 1, 1)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    rows = np.arange(H, dtype=dtype).reshape(H, 1)  # (H, 1)
    cols = np.arange(W, dtype=dtype).reshape(1, W)  # (1, W)
    dy = rows - cy - shifts[:, 0]  # (N, H, W) the output pixel, relative to the moved centre
    dx = cols - cx - shifts[:, 1]
    # "Up" is -y on the screen, so a counter-clockwise turn by a reads back with (cos, -sin).
    cos, sin = np.cos(angles) / scales, np.sin(angles) / scales
    src_x = cos * dx - sin * dy + cx  # (N, H, W) where to read in the input
    src_y = sin * dx + cos * dy + cy
    return bilinear(x, src_y, src_x)


def bilinear(x, src_y, src_x):
    """x (N, C, H, W) read at the real coordinates (src_y, src_x) (N, H', W'), zeros outside.

    The images get a border of zeros (1 pixel before, 2 after), and coordinates outside the
    image are clipped onto it, so that every point reads its four neighbours without a check.
    """
    N, C, H, W = x.shape
    Hp, Wp = H + 3, W + 3
    padded = np.zeros((N, C, Hp, Wp), dtype=x.dtype)
    padded[:, :, 1 : H + 1, 1 : W + 1] = x
    sy = np.clip(src_y, -1, H) + 1  # (N, H', W') in the padded image
    sx = np.clip(src_x, -1, W) + 1
    y0, x0 = np.floor(sy), np.floor(sx)
    wy, wx = (sy - y0).astype(x.dtype), (sx - x0).astype(x.dtype)  # (N, H', W')
    # The flat index of each top-left neighbour in padded, for every image and channel.
    corner = y0.astype(np.intp) * Wp + x0.astype(np.intp)  # (N, H', W')
    image = np.arange(N * C, dtype=np.intp).reshape(N, C, 1, 1) * (Hp * Wp)
    index = image + corner[:, None]  # (N, C, H', W')
    flat = padded.reshape(-1)
    wy, wx = wy[:, None], wx[:, None]  # (N, 1, H', W'), the same for every channel
    top = flat[index] * (1 - wx) + flat[index + 1] * wx
    bottom = flat[index + Wp] * (1 - wx) + flat[index + Wp + 1] * wx
    return top * (1 - wy) + bottom * wy


class RandomAffine:
    """A random shift, rotation and scaling of every image, drawn anew for each batch.

    Args:
        max_shift: the largest move in pixels, down and right each drawn from
            [-max_shift, max_shift].
        max_rotation: the largest turn in degrees, drawn from [-max_rotation, max_rotation].
        scale: (smallest, largest) zoom factor, drawn uniformly.
        flip: mirror each image left to right with probability 1/2 (after the other moves).

    Calling it with a batch and a numpy Generator returns the distorted batch (a new array,
    x's shape and dtype). Flat batches (N, D) are treated as square images of side sqrt(D).
    """

    def __init__(self, max_shift=2.0, max_rotation=10.0, scale=(0.9, 1.1), flip=False):
        self.max_shift = non_negative("max_shift", max_shift)
        self.max_rotation = non_negative("max_rotation", max_rotation)
        low, high = (float(s) for s in scale)
        if not 0 < low <= high:
            raise ValueError(f"invalid scale: {scale!r} (must be 0 < smallest <= largest)")
        self.scale = (low, high)
        self.flip = bool(flip)

    def __call__(self, x, rng):
        images = _as_images(x)  # (N, C, H, W), a view
        n = len(images)
        angles = rng.uniform(-self.max_rotation, self.max_rotation, size=n)
        scales = rng.uniform(*self.scale, size=n)
        shifts = rng.uniform(-self.max_shift, self.max_shift, size=(n, 2))
        out = affine_transform(images, angles, scales, shifts)  # (N, C, H, W)
        if self.flip:  # drawn only here, so that runs without flips keep their random stream
            mirrored = rng.random(n) < 0.5
            out[mirrored] = out[mirrored, :, :, ::-1]
        return out.reshape(x.shape)

    def get_config(self):
        return {
            "max_shift": self.max_shift,
            "max_rotation": self.max_rotation,
            "scale": list(self.scale),
            "flip": self.flip,
        }

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"RandomAffine({args})"


# What `zerodl train --augment` uses for each dataset (see the module's docstring).
AUGMENTATIONS = {
    "mnist": {"max_shift": 2.0, "max_rotation": 10.0, "scale": [0.9, 1.1], "flip": False},
    "fashion-mnist": {"max_shift": 2.0, "max_rotation": 0.0, "scale": [1.0, 1.0], "flip": True},
}


def augmentation_for(dataset):
    """The RandomAffine that suits `dataset` ("mnist" or "fashion-mnist")."""
    if dataset not in AUGMENTATIONS:
        raise ValueError(f"no augmentation for {dataset!r}; known: {', '.join(AUGMENTATIONS)}")
    return RandomAffine(**AUGMENTATIONS[dataset])


def _as_images(x):
    if x.ndim == 4:
        return x
    side = math.isqrt(x.shape[1]) if x.ndim == 2 else 0
    if x.ndim != 2 or side * side != x.shape[1]:
        raise ValueError(
            f"augmentation needs images (N, C, H, W) or flat square images (N, H*W), got {x.shape}"
        )
    return x.reshape(len(x), 1, side, side)
