"""zerodl summary: the layer table of a network, of a checkpoint or as `zerodl train` builds it."""

import sys

from zerodl.cli.common import UsageError, add_model_arguments, load_model
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
    network.summary(file=sys.stdout)
    return 0
