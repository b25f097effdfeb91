"""zerodl book's command line: its own options come before the script."""

import pytest

from cli.helpers import one_error_line, run


@pytest.mark.parametrize("option", [["--own", "common"], ["--own=dataset"], ["--no-chdir"]])
def test_an_option_of_zerodl_book_after_the_script_is_a_wrong_command_line(
    tmp_path, capsys, option
):
    script = tmp_path / "script.py"
    script.write_text("open('ran', 'w').close()\n")
    code, _, err = run(capsys, "book", script, *option)
    assert code == 2 and one_error_line(err)
    assert f"{option[0].split('=')[0]}" in err and "put zerodl book's options first" in err
    assert not (tmp_path / "ran").exists()


def test_options_before_the_script_are_zerodl_books_and_arguments_after_are_the_scripts(
    tmp_path, capsys
):
    script = tmp_path / "script.py"
    script.write_text("import sys\nprint(sys.argv[1:])\n")
    code, out, _ = run(capsys, "book", "--no-chdir", script, "--epochs", "3")
    assert code == 0 and "['--epochs', '3']" in out
