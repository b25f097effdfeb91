"""The parser of the ``zerodl`` command, built from the command modules, and `main`."""

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
from zerodl.cli.common import UsageError, error_report, library_checks, one_line_warnings, say
from zerodl.cli.parser import Parser, RawDescriptionHelpFormatter
from zerodl.i18n import _, translate

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


def build_parser():
    parser = Parser(
        prog="zerodl",
        description=_("Deep learning from zero: train, evaluate and inspect the book's networks."),
        epilog=_(
            "Example: zerodl train --epochs 1 --limit 5000, then zerodl evaluate runs/latest. "
            "Each command has its own --help."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"zerodl {__version__}",
        help=_("show program's version number and exit"),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    parser.commands = {}
    for name, module in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=translate(module.HELP),
            description=translate(module.HELP),
            epilog=translate(module.EXAMPLES),
            formatter_class=RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        parser.commands[name] = sub
    return parser


def parse(parser, argv):
    """The options of `argv`; an unknown option is a UsageError naming the nearest known one."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command = parser.commands.get(getattr(args, "command", None), parser)
        option = next((word for word in unknown if word.startswith("-")), None)
        if option is None:
            raise UsageError(_("unrecognized arguments: {words}").format(words=" ".join(unknown)))
        raise UsageError.unknown_option(option.split("=")[0], command.known_options())
    return args


def main(argv=None):
    """Run the ``zerodl`` command with `argv` (default sys.argv[1:]); return the exit code."""
    kernels.tune_process()  # the command tunes its own process; importing zerodl never does
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    name = "zerodl"
    try:
        command = next((word for word in argv if not word.startswith("-")), None)
        if command in COMMANDS:  # a wrong command line then names the command
            name = f"zerodl {command}"
        args = parse(parser, argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        name = f"zerodl {args.command}"
        module = COMMANDS[args.command]
        with library_checks(getattr(module, "OPTIONS", {})), one_line_warnings():
            return int(module.run(args) or 0)
    except SystemExit as exit:  # --help and --version
        return exit.code if isinstance(exit.code, int) else 0
    except BrokenPipeError:  # `zerodl ... | head` closed the pipe: not an error worth a line
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (Exception, KeyboardInterrupt) as err:  # every error: one line, never a traceback
        if os.environ.get("ZERODL_DEBUG") and not isinstance(err, (UsageError, KeyboardInterrupt)):
            raise
        line, code = error_report(name, err)
        say(line)
        return code
