"""The parser of the ``zerodl`` command, built from the command modules, and `main`."""

import argparse
import os
import sys

from zerodl import __version__, kernels
from zerodl.cli import (
    book,
    check,
    compare,
    evaluate,
    gradcheck,
    models,
    predict,
    serve,
    summary,
    train,
    visualize,
)
from zerodl.cli.common import CliError, error_report, library_checks, say

# Each module adds its arguments and runs: HELP, EXAMPLES, add_arguments(parser), run(args), and
# where the library checks its options' values, OPTIONS: the library's name of each value -> the
# option (see common.library_checks).
COMMANDS = {
    "train": train,
    "evaluate": evaluate,
    "predict": predict,
    "gradcheck": gradcheck,
    "compare": compare,
    "visualize": visualize,
    "summary": summary,
    "serve": serve,
    "book": book,
    "check": check,
    "models": models,
}


class Parser(argparse.ArgumentParser):
    """argparse, with a wrong command line reported in one line instead of usage + error."""

    def error(self, message):
        raise CliError(f"{message} (see '{self.prog} --help')", code=2)


def build_parser():
    parser = Parser(
        prog="zerodl",
        description="Deep learning from zero: train, evaluate and inspect the book's networks.",
        epilog="Example: zerodl train --epochs 1 --limit 5000, then zerodl evaluate runs/latest. "
        "Each command has its own --help.",
    )
    parser.add_argument("--version", action="version", version=f"zerodl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, module in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=module.HELP,
            description=module.HELP,
            epilog=module.EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
    return parser


def main(argv=None):
    """Run the ``zerodl`` command with `argv` (default sys.argv[1:]); return the exit code."""
    kernels.tune_process()  # the command tunes its own process; importing zerodl never does
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    name = "zerodl"
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        name = f"zerodl {args.command}"
        module = COMMANDS[args.command]
        with library_checks(getattr(module, "OPTIONS", {})):
            return int(module.run(args) or 0)
    except SystemExit as exit:  # --help and --version
        return exit.code if isinstance(exit.code, int) else 0
    except BrokenPipeError:  # `zerodl ... | head` closed the pipe: not an error worth a line
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (Exception, KeyboardInterrupt) as err:  # every error: one line, never a traceback
        if os.environ.get("ZERODL_DEBUG") and not isinstance(err, (CliError, KeyboardInterrupt)):
            raise
        line, code = error_report(name, err)
        say(line)
        return code
