"""zerodl book: run a script written for the book, with its `common` and `dataset` from zerodl."""

import argparse
import sys
import traceback
from pathlib import Path

from zerodl.book.runner import SERVED, learners_own, run_script
from zerodl.cli.common import CliError, say
from zerodl.i18n import N_, _

HELP = N_("Run a script from the book (chNN/script.py) with common and dataset served by zerodl.")
EXAMPLES = N_("""\
examples:
  zerodl book ch05/train_neuralnet.py
  zerodl book --own dataset ch07/train_convnet.py     your own dataset/, zerodl's common
  python -m zerodl.book ch06/optimizer_compare_mnist.py

For that run only, `import common.layers` and `from dataset.mnist import load_mnist` find
zerodl's modules (nothing is installed under those names). The script runs from its own folder,
as after `cd chNN`, with that folder and its parent on sys.path.""")


def add_arguments(parser):
    parser.add_argument("script", metavar="SCRIPT.py", help=_("the script to run"))
    parser.add_argument(
        "args", nargs=argparse.REMAINDER, metavar="ARGS", help=_("passed to the script (sys.argv)")
    )
    parser.add_argument(
        "--own",
        action="append",
        default=[],
        choices=tuple(SERVED),
        help=_(
            "use your own common/ or dataset/ (beside the script or in its parent folder) "
            "instead of zerodl's; may be given twice"
        ),
    )
    parser.add_argument(
        "--no-chdir",
        action="store_true",
        help=_("run in the current folder instead of the script's own"),
    )


def run(args):
    script = Path(args.script)
    if not script.is_file():
        raise CliError(_("no such script: {path}").format(path=args.script), code=2)
    misplaced = [a for a in args.args if a.split("=")[0] in ("--own", "--no-chdir")]
    if misplaced:  # the book's scripts read no options: this one was meant for zerodl book
        raise CliError(
            _(
                "{option} after {script} would go to the script: put zerodl book's options "
                "first, zerodl book {option} ... {script}"
            ).format(option=misplaced[0], script=args.script),
            code=2,
        )
    own = learners_own(script)
    missing = [name for name in args.own if name not in own]
    if missing:
        raise CliError(
            _("--own {name}: there is no {name}/ beside {script} or in its parent folder").format(
                name=missing[0], script=script
            ),
            code=2,
        )
    for name, where in own.items():
        if name in args.own:
            say(_("zerodl book: {name} is your own, {where}").format(name=name, where=where))
        else:
            say(
                _(
                    "zerodl book: {name} is zerodl's, not your {where} (--own {name} uses yours)"
                ).format(name=name, where=where)
            )
    try:
        run_script(script, args.args, own=args.own, chdir=not args.no_chdir)
    except SystemExit as exit:  # the script's sys.exit(...): Python's own rules
        if exit.code is None or isinstance(exit.code, int):
            return exit.code or 0
        print(exit.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 (the script's error: its traceback, as Python)
        _print_script_traceback(err, script.resolve())
        return 1
    return 0


def _print_script_traceback(err, script):
    """The traceback from the script's own frames on, as `python script.py` would print it."""
    tb = err.__traceback__
    while tb is not None and Path(tb.tb_frame.f_code.co_filename) != script:
        tb = tb.tb_next
    traceback.print_exception(type(err), err, tb or err.__traceback__, file=sys.stderr)
