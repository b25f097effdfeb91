"""The zerodl command as a whole: its commands, their help, exit codes, one-line errors."""

import os
import re
import subprocess
import sys

import pytest

import zerodl
import zerodl.cli.summary
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


# Whether a 20 MiB array comes from its own mmap (glibc's default) or from the heap, where the
# command's tuning (kernels.memory.keep_freed_memory) keeps arrays up to 32 MiB.
MMAP_PROBE = """
import ctypes, sys
import numpy as np
from zerodl.cli import main
class Info(ctypes.Structure):
    names = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
    _fields_ = [(n, ctypes.c_size_t) for n in names.split()]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
if sys.argv[1:] == ["zerodl"]:
    main(["--version"])
before = libc.mallinfo2().hblkhd
array = np.ones(20 << 20, np.uint8)
print("mmap" if libc.mallinfo2().hblkhd - before >= 20 << 20 else "heap")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_the_command_tunes_its_own_process_and_importing_zerodl_does_not():
    def where(*argv):
        done = subprocess.run(
            [sys.executable, "-c", MMAP_PROBE, *argv], capture_output=True, text=True, timeout=60
        )
        if "mallinfo2" in done.stderr:
            pytest.skip("glibc older than 2.33 (no mallinfo2)")
        assert done.returncode == 0, done.stderr
        return done.stdout.split()[-1]

    assert where() == "mmap"  # zerodl imported, the command not run: malloc as it was
    assert where("zerodl") == "heap"  # `zerodl --version` ran: the command tuned its process


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


# --- options as written, and the nearest one for a mistyped one ----------------------------------


def test_an_option_is_not_taken_by_its_prefix(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "train", "--epoch", "1")
    assert code == 2 and one_error_line(err) and out == ""
    assert "unrecognized option --epoch (did you mean --epochs?)" in err
    assert not (tmp_path / "runs").exists()


def test_an_unknown_option_suggests_the_nearest_and_the_help(capsys):
    code, _, err = run(capsys, "train", "--batchsize", "10")
    assert code == 2 and one_error_line(err)
    assert err.strip() == (
        "zerodl train: error: unrecognized option --batchsize (did you mean --batch-size?) "
        "(see 'zerodl train --help')"
    )
    code, _, err = run(capsys, "predict", "--pretraned=mnist-cnn", "seven.png")
    assert code == 2 and "did you mean --pretrained?" in err
    code, _, err = run(capsys, "train", "--zzz")
    assert code == 2 and "unrecognized option --zzz (see" in err


def test_epochs_and_batch_size_0_are_worded_alike(capsys):
    lines = []
    for option in ("--epochs", "--batch-size"):
        code, _, err = run(capsys, "train", option, "0")
        assert code == 2 and one_error_line(err)
        lines.append(err.strip().replace(option, "OPTION"))
    assert (
        lines[0]
        == lines[1]
        == (
            "zerodl train: error: argument OPTION: must be an integer >= 1, got 0 "
            "(see 'zerodl train --help')"
        )
    )
