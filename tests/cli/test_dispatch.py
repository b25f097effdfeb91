"""The zerodl command as a whole: its commands, their help, exit codes, one-line errors."""

import os
import re
import subprocess
import sys

import pytest

import zerodl
import zerodl.cli.summary
from zerodl import kernels
from zerodl.cli import main

from .helpers import draw, one_error_line, run

COMMANDS = [
    "train",
    "evaluate",
    "predict",
    "gradcheck",
    "compare",
    "visualize",
    "summary",
    "serve",
    "book",
    "check",
    "models",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    epilog = out.lower().split("example", 1)
    assert len(epilog) == 2 and f"  zerodl {command}" in epilog[1]  # an example after the usage


def test_no_command_shows_the_commands_and_only_those(capsys):
    code, _, err = run(capsys)
    assert code == 2
    listed = re.findall(r"^    (\w+)", err, flags=re.MULTILINE)  # the help's command column
    assert listed == COMMANDS  # and no bench: the benchmark lives in benchmarks/


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"zerodl {zerodl.__version__}"


@pytest.mark.parametrize("argv", [["frobnicate"], ["bench"], ["--bogus"], ["train", "--bogus"]])
def test_a_wrong_command_line_is_one_line_and_exit_code_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and one_error_line(err), err
    assert "--help" in err and out == ""


def test_an_unexpected_error_is_one_line_without_a_traceback(capsys, monkeypatch):
    def boom(args):
        raise KeyError("surprise")

    monkeypatch.setattr(zerodl.cli.summary, "run", boom)
    code, _, err = run(capsys, "summary", "--model", "mlp")
    assert code == 1 and one_error_line(err) and "KeyError" in err and "ZERODL_DEBUG" in err

    monkeypatch.setenv("ZERODL_DEBUG", "1")
    with pytest.raises(KeyError, match="surprise"):
        main(["summary", "--model", "mlp"])


def test_the_command_tunes_its_own_process(capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(kernels, "tune_process", lambda *args: calls.append(args))
    run(capsys, "--version")
    assert calls == [()]


@pytest.mark.slow
def test_python_dash_m_zerodl_runs_the_same_program(tmp_path, cnn_checkpoint):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "zerodl", "predict", str(cnn_checkpoint),
         str(draw(tmp_path / "7.png"))],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{tmp_path / '7.png'}: ")
