"""zerodl visualize: the first layer's weights as a PNG grid."""

from pathlib import Path

from zerodl.cli.common import CliError, add_model_arguments, load_model, output_folder
from zerodl.i18n import N_, _
from zerodl.plots import first_layer_images, image_grid

HELP = N_(
    "Draw the first layer's weights as a PNG grid: the convolution filters of a CNN, or each "
    "hidden unit's weights as a 28x28 image for an MLP."
)
EXAMPLES = N_("""\
examples:
  zerodl visualize runs/latest
  zerodl visualize net.npz --out filters.png""")


def add_arguments(parser):
    add_model_arguments(parser)
    parser.add_argument(
        "--out",
        help=_(
            "the PNG to write (default: filters.png beside the checkpoint; for --pretrained "
            "NAME, filters-NAME.png here)"
        ),
    )
    parser.add_argument("--max", type=int, default=100, help=_("draw at most this many (100)"))


def run(args):
    model = load_model(args)
    try:
        images, title = first_layer_images(model.network, args.max)  # the picture's words
        _images, what = first_layer_images(model.network, args.max, translate=_)  # the line's
    except ValueError as err:
        raise CliError(_("{path}: {message}").format(path=model.path, message=err)) from err
    # A shipped model's picture goes to the current folder, named after the model, so that
    # another model's never replaces it; a run's goes into its folder.
    name = f"filters-{model.name}.png" if model.from_zoo else "filters.png"
    out = Path(args.out) if args.out else output_folder(None, model) / name
    image_grid(images, out, title=title)
    print(_("wrote {path}: {what}").format(path=out, what=what))
    return 0
