"""zerodl summary: the layer table of a network, of a checkpoint or as `zerodl train` builds it."""

import sys

from zerodl.cli.common import CliError, load
from zerodl.cli.train import TRAIN_DEFAULTS, build_network
from zerodl.networks import registry

HELP = "The layer table of a network: output shapes and parameter counts."
EXAMPLES = """\
examples:
  zerodl summary runs/latest
  zerodl summary --model deep_cnn"""


def add_arguments(parser):
    parser.add_argument("checkpoint", nargs="?", help="a checkpoint (.npz) or a run folder")
    parser.add_argument(
        "--model", choices=tuple(registry.MODELS), help="the network `zerodl train --model` builds"
    )


def run(args):
    if (args.checkpoint is None) == (args.model is None):
        raise CliError("give a CHECKPOINT or --model NAME (one of them)", code=2)
    if args.model:
        network = build_network({**TRAIN_DEFAULTS, "model": args.model})
    else:
        network = load(args.checkpoint).network
    network.summary(file=sys.stdout)
    return 0
