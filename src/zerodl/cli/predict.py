"""zerodl predict: the most likely classes of image files."""

from pathlib import Path

import numpy as np

from zerodl.cli.common import check_image_network, count, load, say
from zerodl.images import ImageError, class_names, load_digit, to_network_input

HELP = (
    "The most likely classes of each image (PNG, JPEG, ...), prepared the way MNIST was "
    "made: greyscale, inverted if the background is light, cropped, fitted to 20x20, "
    "centred by centre of mass."
)
EXAMPLES = """\
examples:
  zerodl predict runs/latest seven.png photo_of_a_three.jpg
  zerodl predict runs/latest digit.png --top 5 --save-input prepared/"""


def add_arguments(parser):
    parser.add_argument("checkpoint", help="a checkpoint (.npz) or a run folder")
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    parser.add_argument("--top", type=count, default=3, help="how many classes to show (3)")
    parser.add_argument("--style", choices=("mnist", "fashion"), help="preprocessing (from data)")
    parser.add_argument("--save-input", metavar="DIR", help="also save each 28x28 input as PNG")


def run(args):
    ckpt = load(args.checkpoint)
    network = ckpt.network
    check_image_network(network, ckpt.path)
    dataset = ckpt.extra.get("dataset") or "mnist"
    style = args.style or ("fashion" if dataset == "fashion-mnist" else "mnist")
    failures = 0
    for name in args.images:
        try:
            x = load_digit(name, style=style)  # (28, 28)
        except ImageError as err:
            say(f"zerodl predict: error: {err}")
            failures += 1
            continue
        probs = network.predict_proba(to_network_input(x, network.input_shape))[0]  # (K,)
        names = class_names(dataset, len(probs))
        top = np.argsort(-probs, kind="stable")[: args.top]
        print(f"{name}: " + "  ".join(f"{names[k]} ({probs[k]:.1%})" for k in top))
        if args.save_input:
            _save_grey_png(x, Path(args.save_input) / (Path(name).stem + "_28x28.png"))
    if failures:
        say(f"{failures} of {len(args.images)} images could not be read")
        return 1
    return 0


def _save_grey_png(x, path):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.round(x * 255).astype(np.uint8)).save(path)
