"""zerodl check: a learner's own functions, layers, optimisers and networks against the book's."""

import json

from zerodl.check import LoadError, UsageError, check
from zerodl.cli.common import CliError
from zerodl.i18n import N_, _

HELP = N_(
    "Check your own functions, layers, optimisers and networks (written from the book) against "
    "zerodl's float64 references: what differs, on the smallest input, and its usual cause."
)
EXAMPLES = N_("""\
examples:
  zerodl check ch05/layers.py                       every class and function with a book's name
  zerodl check my_layers.py MyLoss=SoftmaxWithLoss  yours under another name
  zerodl check ch05/two_layer_net.py 'TwoLayerNet(784, 50, 10)'   a network's arguments
  zerodl check --json ch07/simple_convnet.py        the report as JSON, for tools

  $ zerodl check softmax_with_loss_not_divided_by_the_batch.py
  zerodl check softmax_with_loss_not_divided_by_the_batch.py
    FAIL    SoftmaxWithLoss  layer
      FAIL  backward: dx differs
            shape (2, 3); 6 of 6 elements differ, first at [0, 0]: yours 0.186497, ...
            yours = 2 x expected: the batch size N = 2
            smallest input: x (2, 3), one-hot t (2, 3)
            hint: off by the batch size: divide by N = x.shape[0] once, ...

The file is loaded without running it: imports, classes, functions and constants only (no
training loop, nothing under `if __name__ == "__main__":`), with `common` and `dataset` served
as `zerodl book` serves them unless you have your own. Nothing is written.
Exit status: 0 every piece passes, 1 a piece fails, 2 a wrong command line, a file that does
not load, or a piece that could not be built.""")


def add_arguments(parser):
    parser.add_argument("file", metavar="FILE.py", help=_("your Python file"))
    parser.add_argument(
        "names",
        nargs="*",
        default=[],
        metavar="NAME",
        help=_(
            "pieces to check (default: every one with a book's name): Name, Alias=BookName, "
            "or a network with its arguments, 'TwoLayerNet(784, 50, 10)'"
        ),
    )
    parser.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    parser.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help=_("the longest one piece may run (default 10 s, 60 s for a network)"),
    )


def run(args):
    if args.time_limit is not None and args.time_limit <= 0:
        raise CliError(
            _("--time-limit must be more than 0, got {value}").format(value=f"{args.time_limit:g}"),
            code=2,
        )
    try:
        report = check(args.file, *args.names, time_limit=args.time_limit)
    except (UsageError, LoadError) as err:
        raise CliError(str(err), code=2) from None
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.text())
    return report.exit_code
