"""zerodl visualize: the first layer's weights as a PNG grid."""

from pathlib import Path

from zerodl.cli.common import CliError, add_model_arguments, load_model, output_folder
from zerodl.plots import first_layer_images, image_grid

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
    try:
        images, what = first_layer_images(model.network, args.max)
    except ValueError as err:
        raise CliError(f"{model.path}: {err}") from err
    # A shipped model's picture goes to the current folder, named after the model, so that
    # another model's never replaces it; a run's goes into its folder.
    name = f"filters-{model.name}.png" if model.from_zoo else "filters.png"
    out = Path(args.out) if args.out else output_folder(None, model) / name
    image_grid(images, out, title=what)
    print(f"wrote {out}: {what}")
    return 0
