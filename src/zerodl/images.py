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

Out: `image_grid` draws many small images with captions (misclassified digits, convolution
filters, first-layer weights) into one PNG; `confusion_matrix` counts which class was taken for
which, and `plot_confusion_matrix` draws it.
"""

import math
import warnings
from pathlib import Path

import numpy as np

from zerodl.fonts import picture_text as _  # English where no font draws Japanese
from zerodl.fonts import use_japanese_font
from zerodl.plots import new_figure, save_figure

__all__ = [
    "CLASS_NAMES",
    "ImageError",
    "class_names",
    "confusion_matrix",
    "format_confusion_matrix",
    "image_grid",
    "load_digit",
    "plot_confusion_matrix",
    "preprocess_digit",
    "read_image",
    "to_network_input",
    "unlike_a_digit",
]

SIZE = 28  # MNIST images are 28x28 ...
BOX = 20  # ... with the digit scaled to fit 20x20
MAX_PIXELS = 50_000_000  # a larger image is refused (a "decompression bomb" guard)
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
    contrasts with the ink, so a digit drawn on a transparent canvas stays visible.
    Raises ImageError, with the reason, for a missing, unreadable or enormous file.
    """
    from PIL import Image, ImageOps

    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ImageError(
                        f"{path}: {image.width}x{image.height} pixels is too large "
                        f"(at most {MAX_PIXELS:,})"
                    )
                return _pil_to_grey(ImageOps.exif_transpose(image))
    except ImageError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as err:
        raise ImageError(f"{path}: not a readable image ({err})") from err


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


# --- out: pictures of results ---------------------------------------------------------------------


def image_grid(images, path, *, titles=None, ncols=None, title=None, normalize="each", cmap="gray"):
    """Draw small images in a grid with optional captions, and save the figure as a PNG.

    Args:
        images: (N, H, W) greyscale, or (N, C, H, W) with C = 1 or 3 (convolution filters).
        path: the PNG to write (its folder is created).
        titles: N captions, e.g. "true 4 / predicted 9".
        ncols: images per row (default: about the square root of N, at most 10).
        title: a title above the grid.
        normalize: "each" stretches every image to its own min..max (weights, filters);
            None shows values in [0, 1] as they are (digits).

    Returns the path written.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        if images.shape[1] not in (1, 3):
            images = images[:, :1]  # filters over many channels: show the first channel
        images = images.transpose(0, 2, 3, 1)  # (N, H, W, C)
        if images.shape[-1] == 1:
            images = images[..., 0]
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"expected a non-empty stack of images, got shape {images.shape}")
    n = len(images)
    ncols = ncols or min(10, math.ceil(math.sqrt(n)))
    nrows = math.ceil(n / ncols)
    caption = 0.35 if titles is not None else 0.0
    height = (1.2 + caption) * nrows + (0.4 if title else 0.0)
    figure = new_figure(1.2 * ncols, height, layout=None)
    for i in range(nrows * ncols):
        ax = figure.add_subplot(nrows, ncols, i + 1)
        ax.set_axis_off()
        if i >= n:
            continue
        image = images[i]
        if normalize == "each":
            low, high = float(image.min()), float(image.max())
            image = (image - low) / (high - low) if high > low else np.zeros_like(image)
        ax.imshow(np.clip(image, 0, 1), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
    use_japanese_font(figure)  # before the layout measures the texts
    figure.tight_layout()
    return save_figure(figure, path)


def confusion_matrix(t_true, t_pred, num_classes=None):
    """(K, K) int64 counts: row i, column j = how many samples of class i were predicted j.

    The diagonal holds the correct answers; `cm.diagonal() / cm.sum(axis=1)` is the accuracy
    of each class.
    """
    t_true = np.asarray(t_true, dtype=np.int64).reshape(-1)
    t_pred = np.asarray(t_pred, dtype=np.int64).reshape(-1)
    if t_true.shape != t_pred.shape:
        raise ValueError(f"{len(t_true)} true labels but {len(t_pred)} predictions")
    if num_classes is None:
        num_classes = int(max(t_true.max(initial=-1), t_pred.max(initial=-1))) + 1
    if t_true.size and (min(t_true.min(), t_pred.min()) < 0 or
                        max(t_true.max(), t_pred.max()) >= num_classes):  # fmt: skip
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    counts = np.bincount(t_true * num_classes + t_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def format_confusion_matrix(cm, labels=None):
    """The confusion matrix as a text table (rows: true class, columns: predicted class)."""
    cm = np.asarray(cm)
    k = len(cm)
    labels = [str(s) for s in (labels if labels is not None else range(k))]
    short = [s if len(s) <= 6 else s[:5] + "." for s in labels]
    width = max(5, *(len(str(int(v))) for v in cm.ravel()), *(len(s) for s in short))
    head = max(len(s) for s in labels)
    lines = [" " * (head + 2) + " ".join(f"{s:>{width}}" for s in short) + "   <- predicted"]
    for label, row in zip(labels, cm):
        lines.append(f"{label:>{head}}  " + " ".join(f"{int(v):>{width}}" for v in row))
    return "\n".join(lines)


def plot_confusion_matrix(cm, path, *, labels=None, title=None):
    """Draw the confusion matrix as a heat map with the counts written in, and save a PNG."""
    cm = np.asarray(cm)
    k = len(cm)
    labels = [str(s) for s in (labels if labels is not None else range(k))]
    figure = new_figure(1.0 + 0.6 * k, 0.8 + 0.55 * k, layout=None)
    ax = figure.add_subplot(1, 1, 1)
    # Colour by the share of each true class, so that small classes are as visible as big ones.
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            colour = "white" if share[i, j] > 0.5 else "black"
            ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(k), labels, rotation=45 if max(map(len, labels)) > 2 else 0, ha="right")
    ax.set_yticks(range(k), labels)
    ax.set_xlabel(_("predicted"))
    ax.set_ylabel(_("true"))
    ax.set_title(_("Confusion matrix") if title is None else title)
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=_("share of the true class"))
    use_japanese_font(figure)  # before the layout measures the texts
    figure.tight_layout()
    return save_figure(figure, path)
