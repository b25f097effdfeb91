"""What the commands share: library errors named by option, checkpoints and data as arguments."""

import logging
import sys

import pooch
import pytest

from mnist_fakes import FILE_NAMES, no_local_data, write_fake_dataset
from zerodl.cli.common import UsageError, library_checks
from zerodl.datasets import download
from zerodl.errors import ArgumentError

from .helpers import draw, one_error_line, run

OPTIONS = {"batch_size": "--batch-size", "learning rate": "--lr"}


def test_a_library_complaint_about_an_option_names_the_option_and_is_code_2():
    from zerodl.trainer import Trainer

    with pytest.raises(UsageError) as caught, library_checks(OPTIONS):
        Trainer(object(), "sgd", batch_size=0)  # the library's own check, not a message here
    assert str(caught.value) == "argument --batch-size: must be an integer >= 1, got 0"
    assert caught.value.code == 2 and caught.value.option == "--batch-size"
    with pytest.raises(UsageError, match=r"^argument --lr: must be >= 0, got -1.0$"):
        with library_checks(OPTIONS):
            raise ArgumentError("learning rate", -1.0, "must be >= 0")


def test_the_option_comes_from_the_errors_argument_not_from_its_words():
    # the message mentions batch_size, the argument is another: not the option's complaint
    with pytest.raises(ArgumentError), library_checks(OPTIONS):
        raise ArgumentError("eval_batch_size", 0, "must be an integer >= 1 (like batch_size)")
    with pytest.raises(ValueError, match="^invalid batch_size: 0$"), library_checks(OPTIONS):
        raise ValueError("invalid batch_size: 0")  # untyped: passed on as it is
    with pytest.raises(RuntimeError), library_checks(OPTIONS):
        raise RuntimeError("batch_size")  # not a complaint about an argument


def test_a_missing_checkpoint_is_one_line(capsys, tmp_path):
    for command in ("evaluate", "visualize", "summary"):
        code, _, err = run(capsys, command, tmp_path / "nothing.npz")
        assert code == 1 and one_error_line(err) and "no such checkpoint" in err


def test_a_corrupt_checkpoint_is_one_line(capsys, tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 but nothing more")
    code, _, err = run(capsys, "predict", tmp_path / "bad.npz", draw(tmp_path / "7.png"))
    assert code == 1 and one_error_line(err) and "damaged or truncated" in err


def test_an_empty_run_folder_says_to_train_first(capsys, tmp_path):
    (tmp_path / "run").mkdir()
    code, _, err = run(capsys, "evaluate", tmp_path / "run")
    assert code == 1 and one_error_line(err) and "train one first" in err


def test_a_missing_dataset_says_where_it_looked_and_what_to_do(capsys, tmp_path, monkeypatch):
    """ZERODL_DATA set, but to a folder lacking a file; no network: the mirrors refuse."""
    no_local_data(tmp_path, monkeypatch)
    write_fake_dataset(tmp_path / "shared" / "mnist")
    (tmp_path / "shared" / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    monkeypatch.setitem(
        download.MIRRORS, "mnist", ["http://127.0.0.1:9/a/", "http://127.0.0.1:9/b/"]
    )
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setattr(pooch.get_logger(), "handlers", [logging.StreamHandler(sys.stderr)])

    code, _, err = run(capsys, "train", "--epochs", "1")
    assert code == 1 and "Traceback" not in err
    lines = err.splitlines()
    error = next(i for i, line in enumerate(lines) if "error:" in line)
    attempts = [line for line in lines[:error] if "127.0.0.1:9" in line]
    assert len(attempts) == 2 and all(len(line) < 160 for line in attempts)  # one line each
    assert "zerodl train: error: MNIST was not found" in lines[error]
    places = "\n".join(lines[error + 1 :])
    shared = tmp_path / "shared"
    assert f"{shared / 'mnist'}  (ZERODL_DATA={shared}; it has 3 of the 4 files, missing " \
        "t10k-labels-idx1-ubyte)" in places  # fmt: skip
    assert f"{shared}  (ZERODL_DATA={shared}; it holds none of the 4 files)" in places
    assert "could not download them" in places and "--data-dir FOLDER" in places
    for name in FILE_NAMES.values():
        assert f"{name}.gz" in places


def test_a_data_dir_without_the_files_is_one_warning_line(capsys, tmp_path, fake_mnist):
    (tmp_path / "empty").mkdir()
    code, _, err = run(
        capsys, "train", "--model", "mlp", "--epochs", "1", "--data-dir", tmp_path / "empty"
    )
    assert code == 0
    warned = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warned) == 1 and "not in data_dir" in warned[0]
    assert str(fake_mnist) in warned[0]
