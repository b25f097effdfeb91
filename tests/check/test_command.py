"""The `zerodl check` command: the report on stdout, exit status 0 / 1 / 2, --json, --help."""

import json
from pathlib import Path

import pytest

from zerodl.cli import check as command
from zerodl.cli import main

BUGS = Path(__file__).parent / "bugs"
CORRECT = Path(__file__).parent / "correct"


def test_exit_status_is_0_when_all_pass_and_1_when_one_fails(capsys):
    assert main(["check", str(CORRECT / "book_optimizers.py")]) == 0
    assert capsys.readouterr().out.strip().endswith("6 of 6 pieces pass")
    assert main(["check", str(BUGS / "adam_without_bias_correction.py")]) == 1
    out = capsys.readouterr().out
    assert "FAIL    Adam" in out and "hint: a bias correction missing" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "missing.py"], "zerodl check: error: no such file: missing.py"),
        (
            ["check", str(CORRECT / "book_optimizers.py"), "Nope"],
            "zerodl check: error: Nope is not one of the book's pieces",
        ),
        (
            ["check", str(CORRECT / "book_optimizers.py"), "--time-limit", "0"],
            "zerodl check: error: --time-limit must be more than 0, got 0",
        ),
        (["check"], "zerodl check: error: the following arguments are required: FILE.py (see"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_status_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_a_file_that_does_not_load_is_one_line_with_its_file_and_line(tmp_path, capsys):
    path = tmp_path / "layers.py"
    path.write_text("import numpy as np\n\nclass Relu:\n    def forward(self, x)\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == "zerodl check: error: layers.py:4: SyntaxError: expected ':'\n"


def test_json_is_the_report_for_tools(capsys):
    assert main(["check", "--json", str(BUGS / "sgd_climbs_the_gradient.py")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["exit_code"] == 1
    (piece,) = data["pieces"]
    assert (piece["name"], piece["kind"], piece["status"]) == ("SGD", "optimizer", "FAIL")
    assert piece["findings"][0]["hint"] == "sign"


def test_the_example_in_the_help_is_a_real_report(capsys, monkeypatch):
    monkeypatch.chdir(BUGS)
    assert main(["check", "softmax_with_loss_not_divided_by_the_batch.py"]) == 1
    real = capsys.readouterr().out.splitlines()
    shown = command.EXAMPLES.split("$ zerodl check ")[1].splitlines()[1:]
    shown = [line[2:] for line in shown[: shown.index("")]]
    for line, real_line in zip(shown, real):
        assert real_line.startswith(line.removesuffix("..."))
    assert main(["check", "--help"]) == 0
    assert "$ zerodl check softmax_with_loss_not_divided_by_the_batch.py" in capsys.readouterr().out


def test_the_readme_shows_a_real_report(capsys, monkeypatch):
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Check your own code")[1].split("```console\n")[1].split("```")[0]
    command, *shown = block.splitlines()
    monkeypatch.chdir(root)
    code = main(command.removeprefix("$ zerodl ").split())
    assert code == 1
    assert capsys.readouterr().out.splitlines() == shown
