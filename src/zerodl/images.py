"""Pictures in and out: any photo of a digit made to look like MNIST, and pictures of results.

In: MNIST's digits were made in a particular way (LeCun et al., 1998): white ink on black,
the digit's bounding box scaled to fit 20x20 pixels keeping its aspect ratio, then placed in a
28x28 field so that its centre of mass sits at the centre. A network trained on MNIST expects
exactly that, so a digit from a scanner or a phone is put through the same steps:

    x = load_digit("my_seven.jpg")              # (28, 28) float32 in [0, 1], white on black
    probs = network.predict_proba(x.reshape(1, *network.input_shape))

    1. read with Pillow (PNG, JPEG, ...), turned upright by its EXIF tag, made greyscale
       (transparent pixels count as background);
    2. inverted when the background is light (dark ink on paper): MNIST is white on black;
    3. contrast stretched from the background level to the darkest ink, and faint noise
       (paper grain, shadows below `noise`) faded to black;
    4. cropped to the digit's bounding box;
    5. scaled so that its longer side is 20 pixels (aspect ratio kept, Lanczos filter);
    6. placed in 28x28 with its centre of mass at the centre.

Fashion-MNIST was made differently (the product trimmed, its longer side scaled to 28, centred):
``style="fashion"`` does that instead.

Pictures of results live elsewhere: `image_grid` and `plot_confusion_matrix` in zerodl.plots,
`confusion_matrix` in zerodl.metrics (their names still import from here).
"""

import importlib
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "CLASS_NAMES",
    "ImageError",
    "class_names",
    "load_digit",
    "preprocess_digit",
    "preprocessing_style",
    "read_image",
    "to_network_input",
    "unlike_a_digit",
]

SIZE = 28  # MNIST images are 28x28 ...
BOX = 20  # ... with the digit scaled to fit 20x20
# Reading is bounded by these, whatever a file declares (a "decompression bomb" of a few kB can
# declare gigapixels): an image is refused from its header if it has more than MAX_PIXELS pixels
# once a JPEG's reduced decoding is counted, and reduced to READ_SIDE pixels on its longer side
# as it is read (a digit ends up 20 pixels high: a phone's 4000x3000 photo loses nothing).
MAX_PIXELS = 25_000_000
READ_SIDE = 2048
# EXIF orientation tag -> the transpose that makes the picture upright (as ImageOps.exif_transpose)
_UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
            6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}  # fmt: skip
DIGIT_INK = (0.03, 0.47)  # the share of inked pixels a prepared digit may have (unlike_a_digit)
DIGIT_STROKE = 0.4  # the least mean brightness of a prepared digit's inked pixels

CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
}


class ImageError(ValueError):
    """An image that cannot be read, or in which no digit can be found."""


def preprocessing_style(dataset):
    """How images are prepared for a network trained on `dataset`: "fashion" for Fashion-MNIST
    (clothes keep their size and place), "mnist" for anything else (digits: cropped, fitted to
    20x20, centred by centre of mass)."""
    return "fashion" if str(dataset).lower().replace("_", "-") == "fashion-mnist" else "mnist"


def class_names(dataset, num_classes=10):
    """The names of the classes of `dataset` ("mnist", "fashion-mnist"), else "0", "1", ..."""
    names = CLASS_NAMES.get(str(dataset).lower().replace("_", "-"))
    if names is None or len(names) != num_classes:
        return [str(k) for k in range(num_classes)]
    return list(names)


# --- in: a picture made to look like MNIST --------------------------------------------------------


def read_image(path):
    """The image at `path` as greyscale (H, W) float32 in [0, 1] (0 black, 1 white).

    EXIF orientation is applied; transparent pixels are composited onto a background that
    contrasts with the ink, so a digit drawn on a transparent canvas stays visible. Memory is
    bounded by the size, not by what the file declares: the width and height are read from the
    header first (more than MAX_PIXELS is refused before anything is decoded), a JPEG is decoded
    directly at 1/2, 1/4 or 1/8 of its size when that still leaves READ_SIDE / 2 pixels each
    way (a 4000x3000 photo at 2000x1500), and a larger picture is reduced to READ_SIDE pixels on
    its longer side before it becomes floats.
    Raises ImageError, with the reason, for a missing, unreadable or enormous file.
    """
    from PIL import Image

    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return _pil_to_grey(_decode_bounded(image, path))
    except ImageError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as err:
        raise ImageError(f"{path}: not a readable image ({err})") from err


def _decode_bounded(image, name):
    """An opened (not yet decoded) PIL image decoded upright, at most READ_SIDE on its longer
    side; ImageError before decoding when it has more than MAX_PIXELS pixels."""
    from PIL import Image

    if image.format == "JPEG":  # the decoder itself scales by 1/2, 1/4 or 1/8: cheap
        keep = (READ_SIDE // 2, READ_SIDE // 2)  # at least this many pixels each way
        image.draft(image.mode if image.mode in ("L", "RGB") else None, keep)
    if image.width * image.height > MAX_PIXELS:
        raise ImageError(
            f"{name}: {image.width}x{image.height} pixels is too large (at most "
            f"{MAX_PIXELS:,}): make it smaller first"
        )
    image.load()  # the only place the pixels are decompressed
    orientation = image.getexif().get(0x0112)  # (a PNG may keep it after its pixels)
    factor = -(-max(image.size) // READ_SIDE)  # ceil: the whole factor that fits READ_SIDE
    if factor > 1:
        if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):  # 1-bit, palette: no reduce
            image = image.convert("RGBA")
        image = image.reduce(factor)  # a box filter over factor x factor blocks
    if orientation in _UPRIGHT:
        image = image.transpose(getattr(Image.Transpose, _UPRIGHT[orientation]))
    return image


def _pil_to_grey(image):
    """A PIL image as greyscale (H, W) float32 in [0, 1], transparency flattened."""
    return _flatten_alpha(np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0)


def _flatten_alpha(rgba):
    """(H, W, 4) RGBA in [0, 1] -> (H, W) grey, composited onto a contrasting background."""
    rgb, alpha = rgba[..., :3], rgba[..., 3]
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601 luma
    if alpha.min() >= 1.0:
        return grey
    # The ink is what is opaque; put it on white if it is dark, on black if it is light.
    weight = alpha.sum()
    ink_level = float((grey * alpha).sum() / weight) if weight > 0 else 0.0
    background = np.float32(1.0 if ink_level < 0.5 else 0.0)
    return (alpha * grey + (1 - alpha) * background).astype(np.float32)


def preprocess_digit(image, *, style="mnist", noise=0.1, name="image"):
    """Turn a picture of one digit into a 28x28 MNIST-like image (see the module docstring).

    Args:
        image: a path, a PIL image, or a greyscale (H, W) array in [0, 1] (or 0..255 uint8).
        style: "mnist" (fit 20x20, centre of mass at the centre) or "fashion" (fit 28x28,
            bounding box centred), the way each dataset was made.
        noise: after contrast stretching, ink fainter than this is faded to black.
        name: what to call the image in error messages.

    Returns a (28, 28) float32 array in [0, 1], white on black.

    Raises ImageError when the image is blank (no ink to be found).
    """
    grey = _as_grey(image, name)  # (H, W) in [0, 1]
    if style not in ("mnist", "fashion"):
        raise ValueError(f"style must be 'mnist' or 'fashion', got {style!r}")
    if not 0.0 <= noise < 1.0:
        raise ValueError(f"noise must lie in [0, 1), got {noise!r}")

    # 2. white ink on black: the border tells the background
    background = float(np.median(_border(grey)))
    if background > 0.5:
        grey, background = 1.0 - grey, 1.0 - background
    # 3. stretch from the background to the strongest ink, then fade faint noise away
    top = float(grey.max())
    if top - background < 0.1:
        raise ImageError(f"{name}: no digit found (the image is blank or has almost no contrast)")
    ink = np.clip((grey - background) / (top - background), 0.0, 1.0)
    ink = np.clip((ink - noise) / (1.0 - noise), 0.0, 1.0)
    # 4. crop to the bounding box of the ink
    rows, cols = np.nonzero(ink)
    ink = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]  # (h, w)
    # 5. scale the longer side to 20 (28 for fashion), keeping the aspect ratio
    box = BOX if style == "mnist" else SIZE
    h, w = ink.shape
    scale = box / max(h, w)
    ink = _resize(ink, max(1, round(h * scale)), max(1, round(w * scale)))
    # 6. into 28x28: centre of mass at the centre (mnist) or the box centred (fashion)
    h, w = ink.shape
    if style == "mnist" and ink.sum() > 0:
        ys, xs = np.indices(ink.shape)
        cy, cx = (ys * ink).sum() / ink.sum(), (xs * ink).sum() / ink.sum()
        top_row, left = round(SIZE / 2 - cy), round(SIZE / 2 - cx)
    else:
        top_row, left = (SIZE - h) // 2, (SIZE - w) // 2
    top_row, left = min(max(top_row, 0), SIZE - h), min(max(left, 0), SIZE - w)
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[top_row : top_row + h, left : left + w] = ink
    return out


def load_digit(path, *, style="mnist", noise=0.1):
    """`read_image` then `preprocess_digit`: a (28, 28) float32 MNIST-like image."""
    return preprocess_digit(read_image(path), style=style, noise=noise, name=str(path))


def unlike_a_digit(x):
    """None when the prepared 28x28 image `x` could be a handwritten digit; else why not.

    Two measures of the ink (the pixels above 0.1), each with its range in MNIST's 60,000
    training digits and a margin around it:

    * how bright it is on average (DIGIT_STROKE): a digit is drawn in strokes whose pixels
      average 0.51 to 0.74, while noise, once prepared, is a faint haze averaging 0.13 to 0.23;
    * how much of the 28x28 it covers (DIGIT_INK): 4.3% (a thin 1) to 44% (the fattest 0s and
      8s); noise fills the whole 20x20 box (51%), a few specks almost nothing.

    What passes is not therefore a digit: this catches what is plainly none.
    """
    x = np.asarray(x)
    ink = x[x > 0.1]
    share = ink.size / x.size
    if ink.size and ink.mean() < DIGIT_STROKE:
        return (
            f"its ink is a faint haze, {ink.mean():.2f} on average where a digit's strokes are "
            f"{DIGIT_STROKE} or more"
        )
    low, high = DIGIT_INK
    if not low <= share <= high:
        return (
            f"ink covers {share:.0%} of the prepared 28x28 input, a handwritten digit's "
            f"{low:.0%} to {high:.0%}"
        )
    return None


def to_network_input(images, input_shape):
    """Stack 28x28 images (N, 28, 28) into what a network takes: (N, 784) or (N, 1, 28, 28)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:
        images = images[None]
    shape = tuple(input_shape) if input_shape else (images[0].size,)
    return images.reshape(len(images), *shape)


def _as_grey(image, name):
    if isinstance(image, (str, Path)):
        return read_image(image)
    if hasattr(image, "convert") and hasattr(image, "size"):  # a PIL image
        return _pil_to_grey(image)
    array = np.asarray(image)
    if array.ndim != 2 or array.size == 0:
        raise ImageError(f"{name}: expected a greyscale (H, W) image, got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    array = array.astype(np.float32)
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ImageError(f"{name}: pixel values must lie in [0, 1] (or be uint8 0..255)")
    return array


def _border(grey):
    """The pixels of a frame around the image, a few pixels wide for large images."""
    k = max(1, min(grey.shape) // 20)
    return np.concatenate(
        [grey[:k].ravel(), grey[-k:].ravel(), grey[:, :k].ravel(), grey[:, -k:].ravel()]
    )


def _resize(array, height, width):
    """Resize a float (h, w) array with Pillow's Lanczos filter, clipped back to [0, 1]."""
    from PIL import Image

    if array.shape == (height, width):
        return array.astype(np.float32)
    image = Image.fromarray(array.astype(np.float32))  # mode "F"
    resized = image.resize((width, height), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


# Names that lived here before: each now has the module its concept belongs to.
_MOVED = {
    "confusion_matrix": "zerodl.metrics",
    "format_confusion_matrix": "zerodl.metrics",
    "image_grid": "zerodl.plots",
    "plot_confusion_matrix": "zerodl.plots",
}


def __getattr__(name):
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
