"""zerodl summary: the layer table of a network, of a checkpoint or as `zerodl train` builds it."""

from zerodl.cli.common import UsageError, add_model_arguments, load_model, pad, text_width
from zerodl.i18n import N_, _
from zerodl.networks import registry

HELP = N_("The layer table of a network: output shapes and parameter counts.")
EXAMPLES = N_("""\
examples:
  zerodl summary runs/latest
  zerodl summary --model deep_cnn""")


def add_arguments(parser):
    add_model_arguments(parser)
    parser.add_argument(
        "--model",
        choices=tuple(registry.MODELS),
        help=_("the network `zerodl train --model` builds"),
    )


def run(args):
    given = [a for a in (args.checkpoint, args.model, args.pretrained) if a is not None]
    if len(given) != 1:
        raise UsageError(_("give a CHECKPOINT, --model NAME or --pretrained NAME (one of them)"))
    if args.model:
        network = registry.from_options(args.model, seed=0)  # as `zerodl train --model` does
    else:
        network = load_model(args).network
    print(layer_table(network))
    return 0


def layer_table(network):
    """The network's table of layers (as network.summary prints it), in the current language."""
    layers, total = network.summary_rows()
    rows = [(_("Layer"), _("Output shape"), _("Params"))]
    rows += [(name, out, f"{count:,}") for name, out, count in layers]
    width = [max(text_width(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"{pad(name, width[0])}  {pad(out, width[1])}  {pad(count, width[2], right=True)}"
        for name, out, count in rows
    ]
    rule = "-" * text_width(lines[0])
    total = _("Total parameters: {total}").format(total=f"{total:,}")
    return "\n".join([type(network).__name__, rule, lines[0], rule, *lines[1:], rule, total])
