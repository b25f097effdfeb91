"""The zerodl command in a Japanese locale (issue 23, point 5): every line that has a translation
is Japanese, and nothing else changes (exit codes, files written, the numbers on the lines).

Each command runs twice, in English and in Japanese, chosen by ZERODL_LANG=ja or, separately,
by LANG=ja_JP.UTF-8 (the `japanese` fixture runs each test both ways); `assert_japanese` fails on
a line printed in English that the catalogue translates, `assert_same_outcome` on a different
exit code or a different number anywhere on stdout or stderr.
"""

import argparse
import gettext
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import zerodl
from i18n_helpers import (
    LOCALE_VARIABLES,
    Result,
    assert_japanese,
    assert_same_outcome,
    environment,
    numbers,
    run_in,
)
from zerodl import fonts
from zerodl.cli import main
from zerodl.cli.parser import wrap
from zerodl.i18n import text_width

from .helpers import draw, read_metrics

CHECKS = os.path.join(os.path.dirname(__file__), os.pardir, "check")
CORRECT = os.path.join(CHECKS, "correct", "book_optimizers.py")
BUGGY = os.path.join(CHECKS, "bugs", "adam_without_bias_correction.py")


@pytest.fixture(params=["ZERODL_LANG=ja", "LANG=ja_JP.UTF-8"])
def japanese(request, capsys, monkeypatch):
    """Run `zerodl argv` in this process with Japanese chosen as the parameter says: a Result."""
    name, value = request.param.split("=")

    def use():
        for variable in LOCALE_VARIABLES:
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setenv(name, value)

    def run(*argv):
        use()
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        out, err = capsys.readouterr()
        return Result(code, out, err)

    run.use = use  # Japanese for what the test runs itself
    return run


@pytest.fixture
def english(capsys, monkeypatch):
    return lambda *argv: run_in("en", capsys, monkeypatch, *argv)


def both(english, japanese, *argv):
    """(English, Japanese) results of `zerodl argv`, checked: the Japanese has no line left in
    English that the catalogue translates, and ended as the English did."""
    en, ja = english(*argv), japanese(*argv)
    assert_japanese(ja.out + ja.err)
    assert_same_outcome(en, ja)
    return en, ja


def has_japanese(text):
    return any(ord(c) >= 0x3000 for c in text)


# --- the normal output --------------------------------------------------------------------------


def test_train_prints_its_lines_in_japanese_and_trains_the_same_network(
    english, japanese, fake_mnist, tmp_path
):
    argv = ["train", "--model", "mlp", "--hidden", "20", "--epochs", "2", "--batch-size", "10",
            "--no-progress"]  # fmt: skip
    en = english(*argv, "--out", "run_en")
    ja = japanese(*argv, "--out", "run_ja")
    assert_japanese(ja.out + ja.err)
    assert_same_outcome(en, ja)
    assert en.code == ja.code == 0
    assert "epoch 2/2  loss " in en.out and "エポック 2/2  損失 " in ja.out
    assert "検証精度" in ja.out and "最良の検証精度" in ja.out
    assert "run_ja/ に保存しました" in ja.out
    assert "を読み込んでいます" in ja.err and "で学習します" in ja.err
    written = sorted(p.name for p in (tmp_path / "run_en").iterdir())
    assert sorted(p.name for p in (tmp_path / "run_ja").iterdir()) == written
    en_rows, ja_rows = (
        read_metrics(tmp_path / "run_en/metrics.csv"),
        read_metrics(tmp_path / "run_ja/metrics.csv"),
    )
    assert list(ja_rows[0]) == list(en_rows[0])  # the machine-readable files stay English
    for a, b in zip(en_rows, ja_rows):
        assert {k: v for k, v in a.items() if k != "seconds"} == {
            k: v for k, v in b.items() if k != "seconds"
        }
    en_config, ja_config = (json.loads((tmp_path / p / "config.json").read_text())
                            for p in ("run_en", "run_ja"))  # fmt: skip
    assert en_config == ja_config
    en_net, ja_net = (zerodl.load(tmp_path / p / "last.npz") for p in ("run_en", "run_ja"))
    for key, value in en_net.params.items():
        np.testing.assert_array_equal(ja_net.params[key], value)


def test_evaluate_in_japanese(english, japanese, fake_mnist, mlp_checkpoint, tmp_path):
    en = english("evaluate", mlp_checkpoint, "--out", "en")
    ja = japanese("evaluate", mlp_checkpoint, "--out", "ja")
    assert_japanese(ja.out + ja.err)
    assert_same_outcome(en, ja)
    assert "テストデータの認識精度" in ja.out and "クラスごとの認識精度:" in ja.out
    assert "混同行列" in ja.out and "書き出しました" in ja.err
    assert sorted(os.listdir("en")) == sorted(os.listdir("ja")) == [
        "confusion_matrix.png", "misclassified.png"
    ]  # fmt: skip


def test_predict_in_japanese(english, japanese, mlp_checkpoint, tmp_path):
    draw(tmp_path / "seven.png")
    en, ja = both(english, japanese, "predict", mlp_checkpoint, "seven.png", "--top", "2")
    assert en.code == ja.code == 0 and ja.out.startswith("seven.png: ")
    assert ja.err.startswith("モデル: ")


def test_summary_in_japanese(english, japanese, cnn_checkpoint):
    for argv in (["--model", "simple_cnn"], [cnn_checkpoint]):
        en, ja = both(english, japanese, "summary", *argv)
        assert en.code == ja.code == 0
        assert "パラメータの総数: " in ja.out and "レイヤ" in ja.out
    assert en.out == zerodl.load(cnn_checkpoint).summary(file=open(os.devnull, "w")) + "\n"


def test_models_in_japanese(english, japanese):
    en, ja = both(english, japanese, "models")
    assert en.code == ja.code == 0
    if zerodl.zoo.available():
        assert ja.out.splitlines()[0].split()[:2] == ["名前", "ネットワーク"]
        assert "エポック" in ja.out


@pytest.mark.parametrize(("path", "status"), [(CORRECT, 0), (BUGGY, 1)])
def test_check_in_japanese(english, japanese, path, status):
    """Its report is zerodl.check's (translated there); here: its shell, and the same outcome."""
    en, ja = both(english, japanese, "check", path)
    assert en.code == ja.code == status


COMMANDS = [None, "train", "evaluate", "predict", "summary", "models", "visualize", "gradcheck",
            "compare", "serve", "book", "check"]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_is_japanese(english, japanese, command):
    argv = ([command] if command else []) + ["--help"]
    en, ja = english(*argv), japanese(*argv)
    assert_japanese(ja.out + ja.err)
    assert en.code == ja.code == 0 and ja.err == en.err == ""
    assert sorted(numbers(ja.out)) == sorted(numbers(en.out))  # a sentence may move its figures
    assert ja.out.startswith("使い方: zerodl") and "オプション:" in ja.out
    assert "このヘルプを表示して終了する" in ja.out
    commands = [line.strip().split("  ")[0] for line in en.out.splitlines()
                if line.lstrip().startswith("zerodl ")]  # fmt: skip
    for command_line in commands:  # the examples' command lines stay as they are
        assert command_line in ja.out


# --- errors: one line, in Japanese, with the same exit code and figures -------------------------

ERRORS = {
    "unknown option": ["train", "--bogus"],
    "unknown option, nearest": ["train", "--epoch", "3"],
    "unknown command": ["evalute", "runs"],
    "missing argument": ["predict"],
    "expected one argument": ["train", "--epochs"],
    "bad value": ["train", "--epochs", "0"],
    "not a number": ["train", "--epochs", "many"],
    "invalid choice": ["train", "--model", "cnn"],
    "unknown model": ["evaluate", "--pretrained", "no-such-model"],
    "missing file": ["evaluate", "missing.npz"],
    "options that do not go together": ["train", "--model", "simple_cnn", "--dropout", "0.5"],
    "a file for a folder": ["train", "--out", "a_file"],
    "bad time limit": ["check", CORRECT, "--time-limit", "0"],
    "no such script": ["book", "no_such_script.py"],
}


@pytest.mark.parametrize("argv", ERRORS.values(), ids=ERRORS.keys())
def test_a_wrong_command_line_is_one_japanese_line(english, japanese, argv, tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    en, ja = both(english, japanese, *argv)
    assert en.code == ja.code == (1 if argv == ERRORS["missing file"] else 2)
    lines = ja.err.splitlines()
    assert len(lines) == 1 and "エラー: " in lines[0]
    assert has_japanese(lines[0].split("エラー: ")[1])  # the message too, not only the frame
    assert ja.out == en.out == ""


def test_a_corrupt_checkpoint(english, japanese, tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip file")
    en, ja = both(english, japanese, "evaluate", "bad.npz")
    assert en.code == ja.code == 1
    assert ja.err.startswith("zerodl evaluate: エラー: ") and len(ja.err.splitlines()) == 1


def test_a_wrong_image(english, japanese, mlp_checkpoint, tmp_path):
    (tmp_path / "note.png").write_text("this is text, not a picture")
    (tmp_path / "empty").mkdir()
    en, ja = both(english, japanese, "predict", mlp_checkpoint, "note.png", "empty")
    assert en.code == ja.code == 1
    assert ja.err.count("zerodl predict: エラー: ") == 2
    assert "2 枚の画像を読めませんでした（全 2 枚中）" in ja.err


def test_no_data(english, japanese, no_mnist_anywhere):
    en, ja = both(english, japanese, "train", "--epochs", "1")
    assert en.code == ja.code == 1
    assert "が見つかりません" in ja.err and "対処: " in ja.err
    assert len(ja.err.splitlines()) == len(en.err.splitlines())


def test_divergence(english, japanese, fake_mnist):
    argv = ["train", "--model", "two_layer", "--lr", "1e6", "--epochs", "5", "--no-progress"]
    en = english(*argv, "--out", "en")
    ja = japanese(*argv, "--out", "ja")
    assert_japanese(ja.out + ja.err)
    assert_same_outcome(en, ja)
    assert en.code == ja.code == 1
    assert "エポック 2 で学習が発散しました（ステップ 1/1）" in ja.err
    assert "最初のステップ" in ja.err and "--lr を下げてください（現在 1e+06）" in ja.err
    assert "ja/last.npz には最後の正常なエポック 1 が残っています" in ja.err
    assert sorted(os.listdir("en")) == sorted(os.listdir("ja"))


def test_resuming_with_changed_options_and_a_finished_run(english, japanese, fake_mnist):
    assert main(["train", "--model", "mlp", "--epochs", "1", "--out", "run", "--no-progress"]) == 0
    en, ja = both(english, japanese, "train", "--resume", "run", "--lr", "0.1")
    assert en.code == ja.code == 2 and "再開するときは --lr を変えられません" in ja.err
    en, ja = both(english, japanese, "train", "--resume", "run", "--epochs", "1")
    assert en.code == ja.code == 0 and "することはありません" in ja.out


# --- nothing process-wide; a process of its own; the pictures' font --------------------------


def test_argparse_itself_stays_english_after_a_japanese_run(japanese):
    japanese("train", "--help")
    japanese("train", "--bogus")
    assert argparse._ is gettext.gettext
    plain = argparse.ArgumentParser(prog="other").format_help()
    assert plain.startswith("usage: other") and "show this help message and exit" in plain


def test_lang_ja_jp_reaches_a_zerodl_process_of_its_own(tmp_path):
    env = {k: v for k, v in environment("en").items() if k not in LOCALE_VARIABLES}
    env["LANG"] = "ja_JP.UTF-8"
    result = subprocess.run(
        [sys.executable, "-m", "zerodl", "train", "--epochs", "0"], capture_output=True,
        text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    expected = "zerodl train: エラー: 引数 --epochs: 1 以上の整数にしてください"
    assert result.stderr.startswith(expected)


def test_the_pictures_titles_follow_the_font(japanese, mlp_checkpoint, fake_mnist, monkeypatch):
    """With a Japanese font (the [ja] extra's) the titles of evaluate's pictures are Japanese;
    without one they are English, and one `warning:` line (in Japanese) says so."""
    from zerodl.cli import evaluate

    titles = []  # the misclassified images' titles, then the grid's
    real_grid = evaluate.image_grid

    def grid(images, path, **kwargs):
        titles.extend([*kwargs["titles"], kwargs["title"]])
        return real_grid(images, path, **kwargs)

    monkeypatch.setattr(evaluate, "image_grid", grid)
    if fonts.japanese_font() is not None:  # pip install 'zerodl[ja]' brings one
        ja = japanese("evaluate", mlp_checkpoint, "--out", "with_font")
        assert ja.code == 0 and "誤認識" in titles[-1] and titles[0].startswith("正解 ")
        assert "警告" not in ja.err

    titles.clear()
    fonts._warn_missing_font.cache_clear()
    monkeypatch.setattr(fonts, "japanese_font", lambda: None)
    ja = japanese("evaluate", mlp_checkpoint, "--out", "without_font")
    fonts._warn_missing_font.cache_clear()
    assert ja.code == 0 and "misclassified of" in titles[-1] and titles[0].startswith("true ")
    warnings = [line for line in ja.err.splitlines() if "警告" in line or "arning" in line]
    assert len(warnings) == 1 and "Glyph" not in ja.err
    assert warnings[0].startswith("警告: 日本語のグリフを持つフォントがない")


def test_gradcheck_visualize_and_compare_in_japanese(english, japanese, mlp_checkpoint, fake_mnist):
    en, ja = both(english, japanese, "gradcheck", "--model", "two_layer")
    assert en.code == ja.code == 0 and ja.out.startswith("モデル") and "すべて一致" in ja.out
    en, ja = both(english, japanese, "visualize", mlp_checkpoint, "--out", "filters.png")
    assert en.code == ja.code == 0 and "隠れ層のニューロン 30 個の重み" in ja.out
    argv = ["compare", "init", "--iterations", "3", "--batch-size", "10"]
    en, ja = both(english, japanese, *argv)
    assert en.code == ja.code == 0 and ja.out.startswith("手法") and "書き出しました" in ja.err


def test_japanese_help_is_wrapped_by_the_columns_it_takes():
    text = "ゼロから作る Deep Learning: 本のネットワークを学習し、評価し、調べます。" * 3
    lines = wrap(text, 30)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(text_width(line) <= 30 + 2 for line in lines)  # a closing sign may overhang
    assert not any(line[0] in "、。）" for line in lines)
    english = "the run folder (default runs/<model>-<dataset>-<date>-<time>) " * 3
    assert wrap(english, 30) == textwrap.wrap(english, 30)


def test_the_progress_bar_speaks_japanese(japanese, capsys, monkeypatch):
    """The bar of `zerodl train` (shown on a terminal): its epoch and its figures."""
    from zerodl.networks import TwoLayerNet
    from zerodl.trainer import Trainer

    japanese.use()
    rng = np.random.default_rng(0)
    x, t = rng.random((20, 784)), rng.integers(0, 10, 20)
    trainer = Trainer(TwoLayerNet(784, 10, 10, seed=0), "sgd", batch_size=10, progress=True)
    trainer.fit(x, t, 2)
    out, err = capsys.readouterr()
    assert "エポック 2/2" in err and "サンプル/秒" in err and "損失 " in err
    assert "epoch" not in err and "samples/s" not in err
    assert "エポック 1/2  損失 " in out
