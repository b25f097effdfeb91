"""zerodl compare: the chapter 6 experiments, a PNG and a table."""

import pytest

from .helpers import is_png, run


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--iterations", "0"], "argument --iterations: must be an integer >= 1, got 0"),
        (
            ["--batch-size", "31"],
            "argument --batch-size: must be in [1, 30], the data size, got 31",
        ),
    ],
)
def test_a_wrong_option_is_one_line_naming_it(capsys, fake_mnist, argv, message):
    code, out, err = run(capsys, "compare", "init", *argv)
    assert code == 2 and err.count("error:") == 1 and "Traceback" not in err, err
    assert message in err.strip().splitlines()[-1] and out == ""  # after the notes on progress


@pytest.mark.slow
def test_compare_writes_a_png_and_a_table(capsys, tmp_path, mnist_dir):
    code, out, err = run(
        capsys, "compare", "optimizers", "--iterations", "20", "--data-dir", mnist_dir,
        "--out", "figs",
    )  # fmt: skip
    assert code == 0, err
    for name in ("SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"):
        assert name in out
    assert is_png(tmp_path / "figs" / "compare_optimizers.png")
