"""zerodl check's report in Japanese: the same pieces, statuses, numbers and exit codes as in
English, every line that has a translation in Japanese, --json in English whatever the language,
and zerodl.check(...) in Python (text and Jupyter's table) in the reader's language."""

import json
import textwrap
from pathlib import Path

import pytest

import zerodl
from i18n_helpers import LOCALE_VARIABLES, assert_japanese, assert_same_outcome, run_in
from zerodl.check import report as report_module

BUGS = Path(__file__).parent / "bugs"
CORRECT = Path(__file__).parent / "correct"


@pytest.fixture
def unwrapped(monkeypatch):
    """Reports with no line wrapped, so that each line is one whole message: a line left in
    English cannot hide by being split in two."""
    monkeypatch.setattr(report_module, "WIDTH", 10_000)


def in_both(capsys, monkeypatch, *argv):
    return (
        run_in("en", capsys, monkeypatch, "check", *argv),
        run_in("ja", capsys, monkeypatch, "check", *argv),
    )


def status_lines(out):
    """(status, piece) of each piece's line: '  FAIL    Adam  ...' -> ('FAIL', 'Adam')."""
    return [
        tuple(line.split()[:2])
        for line in out.splitlines()
        if line.startswith("  ") and not line.startswith("    ")
    ]


# bug file -> lines the Japanese report holds, whole (the translation is really used)
BUG_REPORTS = {
    "softmax_with_loss_not_divided_by_the_batch": [
        "FAIL  逆伝播 (backward) の dx が正しい値と違います",
        "あなたの値 = 正しい値の 2 倍: バッチサイズ N = 2",
        "違いが分かる最小の入力: x (2, 3)、one-hot 表現の t (2, 3)",
        "ヒント: バッチサイズの分だけずれています: N = x.shape[0] で割るのは、"
        "損失を平均するレイヤで一度だけです "
        "(SoftmaxWithLoss.backward は (y - t) / batch_size を返します)。"
        "ほかの場所では割りません",
        "pass 0 個 (全 1 個)、FAIL 1 個",
    ],
    "affine_dx_missing_transpose": [
        "FAIL  逆伝播 (backward) で例外が発生しました: ValueError: shapes (1,2) and (3,2) not "
        "aligned: 2 (dim 1) != 3 (dim 0)",
        "発生箇所 affine_dx_missing_transpose.py:15: dx = np.dot(dout, self.W)",
        "ヒント: 転置を忘れています: dx = np.dot(dout, W.T)、dW = np.dot(x.T, dout) です",
    ],
    "adam_without_bias_correction": [
        "FAIL  ステップ 1: params['W1'] の変化量 が正しい値と違います",
        "形状 (3, 2): 違う要素 6 個 (全 6 個)、最初は [0, 0]: あなたの値 -0.316226、"
        "正しい値 -0.0999994",
        "違いが分かる最小の入力: パラメータ W1 (3, 2)、b1 (2,)、5 ステップ、Adam(0.1, 0.9, 0.999)",
    ],
    "two_layer_net_gradient_not_divided_by_the_batch": [],
    "convolution_output_in_the_wrong_order": ["値は同じですが、並び順が違います"],
    "dropout_mask_in_forward_only": [],
    "cross_entropy_labels_pick_columns": [],
    "numerical_gradient_does_not_restore_x": [],
}


@pytest.mark.parametrize("name", sorted(BUG_REPORTS))
def test_a_bug_is_reported_in_japanese_as_in_english(name, capsys, monkeypatch, unwrapped):
    path = BUGS / f"{name}.py"
    english, japanese = in_both(capsys, monkeypatch, path)
    assert english.code == 1
    assert_same_outcome(english, japanese)  # exit code, every number in the same order
    assert status_lines(japanese.out) == status_lines(english.out)  # the piece, its status
    assert_japanese(japanese.out + japanese.err)
    lines = [line.strip() for line in japanese.out.splitlines()]
    for expected in BUG_REPORTS[name]:
        assert expected in lines, japanese.out
    assert len(japanese.out.splitlines()) == len(english.out.splitlines())


def test_the_wrapped_japanese_report_holds_the_same_numbers(capsys, monkeypatch):
    """Wrapped to 100 columns, Japanese breaks between wide characters but never inside a number
    or a word of code, so the numbers stay whole."""
    english, japanese = in_both(capsys, monkeypatch, BUGS / "adam_without_bias_correction.py")
    assert_same_outcome(english, japanese)
    assert all(report_module.width(line) <= 100 for line in japanese.out.splitlines())
    assert "lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)" in japanese.out.replace("\n", "")


def test_a_correct_file_passes_with_a_japanese_summary(capsys, monkeypatch, unwrapped):
    english, japanese = in_both(capsys, monkeypatch, CORRECT / "book_optimizers.py")
    assert english.code == japanese.code == 0
    assert_same_outcome(english, japanese)
    assert english.out.splitlines()[-1] == "6 of 6 pieces pass"
    assert japanese.out.splitlines()[-1] == "pass 6 個 (全 6 個)"
    assert status_lines(japanese.out) == status_lines(english.out)
    assert "  pass    SGD       最適化手法" in japanese.out.splitlines()


def test_notes_and_their_count_are_japanese(capsys, monkeypatch, unwrapped):
    english, japanese = in_both(capsys, monkeypatch, CORRECT / "book_layers.py")
    assert english.code == japanese.code == 0
    assert_same_outcome(english, japanese)
    assert_japanese(japanese.out)
    assert japanese.out.splitlines()[-1] == "pass 10 個 (全 10 個)、note 2 個"
    assert status_lines(japanese.out) == status_lines(english.out)


def test_a_piece_over_its_time_limit_is_a_japanese_fail(tmp_path, capsys, monkeypatch, unwrapped):
    path = tmp_path / "slow.py"
    path.write_text("def relu(x):\n    while True:\n        x = x + 0\n")
    english, japanese = in_both(capsys, monkeypatch, path, "--time-limit", "0.3")
    assert english.code == 1
    assert_same_outcome(english, japanese, ignore=None)  # 0.3 s is a figure here, not a duration
    assert_japanese(japanese.out)
    assert "FAIL  relu の実行が長すぎます: 制限時間 0.3 秒を過ぎても終わりません" in japanese.out


def test_a_piece_that_cannot_be_built_says_so_in_japanese(tmp_path, capsys, monkeypatch):
    path = tmp_path / "net.py"
    path.write_text("class TwoLayerNet:\n    def __init__(self, a, b, c, d, e):\n        pass\n")
    monkeypatch.setattr(report_module, "WIDTH", 10_000)
    english, japanese = in_both(capsys, monkeypatch, path)
    assert english.code == japanese.code == 2
    assert_same_outcome(english, japanese)
    assert_japanese(japanese.out)
    assert "コマンドラインで指定してください: zerodl check FILE 'TwoLayerNet(784,50,10)'" in (
        japanese.out
    )
    assert japanese.out.splitlines()[-1] == "pass 0 個 (全 1 個)、確認できず 1 個"


@pytest.mark.parametrize(
    ("source", "japanese_words"),
    [
        ("import nosuchmodule\n", "(行: import nosuchmodule)"),  # an import that fails
        (None, "ファイルがありません: "),  # no such file
    ],
)
def test_a_file_that_does_not_load_is_one_japanese_line(
    tmp_path, capsys, monkeypatch, source, japanese_words
):
    path = tmp_path / "mine.py"
    if source is not None:
        path.write_text(source)
    english, japanese = in_both(capsys, monkeypatch, path)
    assert english.code == japanese.code == 2
    assert_same_outcome(english, japanese)
    assert japanese.out == "" and japanese.err.count("\n") == 1
    assert japanese_words in japanese.err
    assert_japanese(japanese.err)


def test_a_name_that_cannot_be_checked_is_one_japanese_line(capsys, monkeypatch):
    english, japanese = in_both(capsys, monkeypatch, CORRECT / "book_optimizers.py", "Nope")
    assert english.code == japanese.code == 2
    assert "Nope は zerodl が確認できる本の部品ではありません" in japanese.err
    assert_japanese(japanese.err)


def test_json_is_english_whatever_the_language(capsys, monkeypatch):
    path = BUGS / "softmax_with_loss_not_divided_by_the_batch.py"
    english, japanese = in_both(capsys, monkeypatch, "--json", path)
    assert japanese.code == english.code == 1
    assert japanese.out == english.out
    data = json.loads(japanese.out)
    assert data["summary"] == "0 of 1 pieces pass, 1 FAIL"
    assert data["pieces"][0]["findings"][0]["what"] == "backward: dx differs"
    assert data["pieces"][0]["findings"][0]["hint_text"].startswith("off by the batch size")


def test_the_locale_chooses_japanese_too(capsys, monkeypatch):
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert zerodl.cli.main(["check", str(CORRECT / "book_optimizers.py")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "pass 6 個 (全 6 個)"


def test_the_python_report_follows_the_language(monkeypatch):
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    report = zerodl.check(BUGS / "affine_db_averaged_over_the_batch.py")
    finding = report["Affine"].findings[0]
    english_text, english_html = repr(report), report._repr_html_()
    assert finding.what == "backward: db differs"  # a str: the English, in any language

    monkeypatch.setenv("ZERODL_LANG", "ja")
    assert finding.what == "backward: db differs"
    assert repr(report) == str(report) == report.text()
    assert "逆伝播 (backward) の db が正しい値と違います" in repr(report)
    assert "あなたの値 = 正しい値 / 3: バッチサイズ N = 3" in repr(report)
    assert repr(report).splitlines()[-1] == "pass 0 個 (全 1 個)、FAIL 1 個"
    assert "逆伝播 (backward) の db" in repr(report["Affine"])
    table = report._repr_html_()
    assert "<th>部品</th><th>種類</th><th>違い</th>" in table
    assert "レイヤ" in table and "ヒント: " in table and "バッチサイズ" in table
    assert report.to_dict()["summary"] == "0 of 1 pieces pass, 1 FAIL"

    monkeypatch.setenv("ZERODL_LANG", "en")  # read at each call: back to English
    assert repr(report) == english_text and report._repr_html_() == english_html


def test_an_alias_is_shown_in_japanese(tmp_path, monkeypatch, capsys):
    path = tmp_path / "mine.py"
    path.write_text(
        textwrap.dedent(
            """
            import numpy as np
            def my_relu(x):
                return np.maximum(0, x)
            """
        )
    )
    english, japanese = in_both(capsys, monkeypatch, path, "my_relu=relu")
    assert english.code == japanese.code == 0
    assert "  pass    my_relu (as relu)  function" in english.out.splitlines()
    assert "  pass    my_relu (relu として)  関数" in japanese.out.splitlines()


@pytest.mark.parametrize("folder", [BUGS, CORRECT])
def test_every_line_of_every_report_is_translated(folder, capsys, monkeypatch, unwrapped):
    """Over every file of bugs/ and correct/, each line of a report but its first (the command)
    reads differently in Japanese: no line is left in English because its words were never
    marked for translation, as the catalogue's own tests cannot see."""
    for path in sorted(folder.glob("*.py")):
        english, japanese = in_both(capsys, monkeypatch, path)
        assert_same_outcome(english, japanese)
        assert status_lines(japanese.out) == status_lines(english.out)
        pairs = list(zip(english.out.splitlines(), japanese.out.splitlines(), strict=True))
        assert pairs[0][0] == pairs[0][1] == f"zerodl check {path}"
        same = [line for line, translated in pairs[1:] if line == translated]
        assert same == [], path.name
