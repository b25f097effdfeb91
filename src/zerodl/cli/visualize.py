"""zerodl visualize: the first layer's weights as a PNG grid."""

from pathlib import Path

import numpy as np

from zerodl.cli.common import CliError, add_model_arguments, load_model, output_folder
from zerodl.plots import image_grid

HELP = (
    "Draw the first layer's weights as a PNG grid: the convolution filters of a CNN, or each "
    "hidden unit's weights as a 28x28 image for an MLP."
)
EXAMPLES = """\
examples:
  zerodl visualize runs/latest
  zerodl visualize net.npz --out filters.png"""


def add_arguments(parser):
    add_model_arguments(parser)
    parser.add_argument(
        "--out",
        help="the PNG to write (default: filters.png beside the checkpoint; for --pretrained "
        "NAME, filters-NAME.png here)",
    )
    parser.add_argument("--max", type=int, default=100, help="draw at most this many (100)")


def run(args):
    model = load_model(args)
    network = model.network
    first = next((layer for layer in network.layers if "W" in layer.params), None)
    if first is None:
        raise CliError(f"{model.path}: the network has no weights to draw")
    w = first.params["W"]
    limit = max(args.max, 1)
    if w.ndim == 4:  # (FN, C, FH, FW): the convolution filters
        images, what = w[:limit], f"{len(w)} filters {w.shape[2]}x{w.shape[3]} of the first layer"
    else:  # (D, M): unit j's weights are column j, an image when D is a square
        side = int(round(np.sqrt(w.shape[0])))
        if side * side != w.shape[0]:
            raise CliError(f"{model.path}: the first layer's {w.shape[0]} inputs are no image")
        images = w.T[:limit].reshape(-1, side, side)  # (M, side, side)
        what = f"weights of {min(limit, w.shape[1])} of {w.shape[1]} hidden units, {side}x{side}"
    # A shipped model's picture goes to the current folder, named after the model, so that
    # another model's never replaces it; a run's goes into its folder.
    name = f"filters-{model.name}.png" if model.from_zoo else "filters.png"
    out = Path(args.out) if args.out else output_folder(None, model) / name
    image_grid(images, out, title=what)
    print(f"wrote {out}: {what}")
    return 0
