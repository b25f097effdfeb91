"""zerodl predict: the most likely classes of image files."""

from pathlib import Path

import numpy as np

from zerodl.cli.common import (
    DEFAULT_MODEL,
    UsageError,
    add_pretrained_option,
    check_image_network,
    count,
    error_line,
    folder,
    load_model,
    say,
)
from zerodl.i18n import N_, _
from zerodl.images import ImageError, class_names, load_digit, to_network_input, unlike_a_digit

HELP = N_(
    "The most likely classes of each image (PNG, JPEG, ...), prepared the way MNIST was "
    "made: greyscale, inverted if the background is light, cropped, fitted to 20x20, "
    "centred by centre of mass. A folder stands for the images in it. An answer below one "
    "half or an input that looks nothing like a digit is marked as such."
)
# What predict reads from a folder (what Pillow opens, by the usual names).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".pgm", ".ppm")
UNSURE = 0.5  # a top probability below this is said to be unsure
EXAMPLES = N_("""\
examples:
  zerodl predict runs/latest seven.png photo_of_a_three.jpg
  zerodl predict runs/latest digit.png --top 5 --save-input prepared/
  zerodl predict runs/latest scans/             # every image in the folder""")


def add_arguments(parser):
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="[RUN_OR_CHECKPOINT] IMAGE",
        help=_(
            "a checkpoint or run folder (default: the shipped {name}, else the newest run), "
            "then image files or folders of images"
        ).format(name=DEFAULT_MODEL),
    )
    add_pretrained_option(parser)
    parser.add_argument("--top", type=count, default=3, help=_("how many classes to show (3)"))
    parser.add_argument(
        "--style",
        choices=("mnist", "fashion"),
        help=_("preprocessing (default: the model's dataset)"),
    )
    parser.add_argument(
        "--save-input", type=folder, metavar="DIR", help=_("also save each 28x28 input as PNG")
    )


def run(args):
    args.checkpoint, args.images = _split_paths(args.paths)
    model = load_model(args, default=DEFAULT_MODEL)  # a wrong model fails before any image
    network = model.network
    check_image_network(network, model.path)
    style = args.style or model.style
    if model.default:
        answered_by = _("model: {model}, as {reason}").format(
            model=model.describe(), reason=model.default
        )
    else:
        answered_by = _("model: {model}").format(model=model.describe())
    images, failures = _image_files(args.images)
    total = len(images) + failures  # the images, and the folders without any
    for name in images:
        try:
            x = load_digit(name, style=style)  # (28, 28)
        except ImageError as err:
            say(error_line("zerodl predict", err))
            failures += 1
            continue
        probs = network.predict_proba(to_network_input(x, network.input_shape))[0]  # (K,)
        names = class_names(model.dataset, len(probs))
        top = np.argsort(-probs, kind="stable")[: args.top]
        line = f"{name}: " + "  ".join(f"{names[k]} ({probs[k]:.1%})" for k in top)
        if answered_by:  # before the first answer: which model gave it
            say(answered_by)
            answered_by = None
        print(line + _remark(x, probs[top[0]], style))
        if args.save_input:
            _save_grey_png(x, Path(args.save_input) / (Path(name).stem + "_28x28.png"))
    if failures and total > 1:  # one image: its own line said it all
        say(
            _("{failures} of {total} images could not be read").format(
                failures=failures, total=total
            )
        )
    return 1 if failures else 0


def _split_paths(paths):
    """(model or None, images). Of two or more paths, the first names the model unless it is an
    image (by its suffix) or a folder without a checkpoint: so a mistyped run folder, a text
    file or a pickle in first place is refused as a model before any image is read. One path
    alone is an image (or a folder of them) for the default model."""
    first = Path(paths[0])
    if first.is_dir():
        is_model = any(first.glob("*.npz"))
    else:
        is_model = first.suffix.lower() not in IMAGE_SUFFIXES
    if len(paths) > 1:
        return (paths[0], paths[1:]) if is_model else (None, paths)
    if first.suffix == ".npz" or (first.is_dir() and is_model):
        raise UsageError(_("give one or more images to predict after {path}").format(path=paths[0]))
    return None, paths


def _image_files(names):
    """The image files named, a folder standing for the images in it (sorted by name); and the
    number of folders without any, each reported in one line."""
    images, failures = [], 0
    for name in names:
        path = Path(name)
        if not path.is_dir():
            images.append(name)
            continue
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            kinds = ", ".join(IMAGE_SUFFIXES)
            message = _("{path} is a folder without images ({kinds})").format(
                path=name, kinds=kinds
            )
            say(error_line("zerodl predict", message))
            failures += 1
        images += [str(p) for p in found]
    return images, failures


def _remark(x, top_probability, style):
    """What to add to an answer not to be trusted: a low top probability, or an input (prepared
    as a digit) that looks nothing like one. Empty for a confident answer."""
    notes = []
    if top_probability < UNSURE:
        notes.append(
            _("unsure: the most likely class has only {probability}").format(
                probability=f"{top_probability:.1%}"
            )
        )
    problem = unlike_a_digit(x) if style == "mnist" else None
    if problem:
        notes.append(_("this does not look like a digit ({problem})").format(problem=problem))
    return "".join(f"  -- {note}" for note in notes)


def _save_grey_png(x, path):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.round(x * 255).astype(np.uint8)).save(path)
