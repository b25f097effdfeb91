"""The README against the code it describes: options, recipes and paths that must stay true."""

import re
from pathlib import Path

import numpy as np

from zerodl.cli.dispatch import build_parser
from zerodl.cli.train import TRAIN_DEFAULTS, build_network
from zerodl.networks import SimpleConvNet

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def options_of(command):
    """The options of `zerodl command` as its --help lists them (--help itself left out)."""
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    return {o for a in sub._actions for o in a.option_strings if o.startswith("--")} - {"--help"}


def test_the_train_options_in_the_readme_are_those_of_its_help():
    row = next(line for line in README.splitlines() if line.startswith("| `zerodl train "))
    listed = set(re.findall(r"\[(--[a-z-]+)", row))
    assert listed == options_of("train")


def test_the_python_snippet_builds_the_network_zerodl_train_builds():
    line = next(line for line in README.splitlines() if line.startswith("network = SimpleConv"))
    network = eval(line.split("=", 1)[1].split("#")[0], {"SimpleConvNet": SimpleConvNet})
    trained = build_network(dict(TRAIN_DEFAULTS))
    for key, p in trained.params.items():
        np.testing.assert_array_equal(network.params[key], p)


def test_every_zerodl_data_in_the_readme_is_a_path_that_works_anywhere():
    values = re.findall(r"ZERODL_DATA=([^\s`'\")]+)", README)
    assert values
    for value in values:
        assert not value.startswith("."), f"ZERODL_DATA={value} works in one layout only"


def test_the_zerodl_book_usage_puts_the_options_before_the_script():
    """After SCRIPT.py everything goes to the script, so --own there would be the script's."""
    row = next(line for line in README.splitlines() if line.startswith("| `zerodl book "))
    usage = row.split("`")[1]
    assert usage.index("--own") < usage.index("SCRIPT.py")
    assert usage.index("--no-chdir") < usage.index("SCRIPT.py")


def test_every_zerodl_book_command_in_the_readme_gives_its_options_to_zerodl():
    """No example passes the book's scripts options they never read (they read none)."""
    commands = re.findall(r"^zerodl book ([^#\n]+)", README, flags=re.MULTILINE)
    assert commands
    for command in commands:
        args = build_parser().parse_args(["book", *command.split()])
        assert args.args == [], command
