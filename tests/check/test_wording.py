"""zerodl.check.wording: a Message is its English as a str and its translation when shown, a
field that is a Message is translated too, and Japanese lines are filled by terminal columns."""

import copy
import pickle
import textwrap

import pytest

from i18n_helpers import LOCALE_VARIABLES
from zerodl.check.wording import Clauses, Message, shown, width, wrap
from zerodl.i18n import N_


@pytest.fixture
def japanese(monkeypatch):
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZERODL_LANG", "ja")


def test_a_message_is_its_english_and_is_shown_translated(japanese):
    what = Message(N_("backward: {name}"), name="dx")
    line = Message(N_("{what} differs"), what=what)
    assert line == "backward: dx differs" and isinstance(line, str)
    assert line.startswith("backward") and "dx differs" in line
    assert shown(line) == "逆伝播 (backward) の dx が正しい値と違います"
    assert shown("forward(x, train_flg=False)") == "forward(x, train_flg=False)"  # code: as it is


def test_fields_keep_their_format_in_both_languages(japanese):
    line = Message(N_("{dropped:.0%} dropped, expected about {ratio:.0%}"), dropped=0.3, ratio=0.5)
    assert line == "30% dropped, expected about 50%"
    assert shown(line) == "30% を落としています (正しくは約 50%)"
    factor = Message(N_("yours = {n:g} x expected: the batch size N = {n}"), n=4)
    assert factor == "yours = 4 x expected: the batch size N = 4"
    assert shown(factor) == "あなたの値 = 正しい値の 4 倍: バッチサイズ N = 4"


def test_a_message_nobody_translated_is_shown_in_english(japanese):
    assert shown(Message("{n} apples", n=3)) == "3 apples"


def test_clauses_are_joined_as_each_language_joins_them(japanese, monkeypatch):
    summary = Clauses(
        N_(", "),
        [
            Message(N_("{passed} of {total} pieces pass"), passed=3, total=4),
            Message(N_("{failed} FAIL"), failed=1),
        ],
    )
    assert summary == "3 of 4 pieces pass, 1 FAIL"
    assert shown(summary) == "pass 3 個 (全 4 個)、FAIL 1 個"
    monkeypatch.setenv("ZERODL_LANG", "en")
    assert shown(summary) == "3 of 4 pieces pass, 1 FAIL"


def test_english_is_filled_as_textwrap_fills_it():
    line = "shape (2, 3); 6 of 6 elements differ, first at [0, 0]: yours 0.186497, expected " * 3
    assert wrap(line, 60, "    ", "  ") == textwrap.fill(
        line, 60, initial_indent="    ", subsequent_indent="  "
    )


def test_japanese_is_filled_by_columns_between_wide_characters():
    line = (
        "ヒント: バッチサイズの分だけずれています: N = x.shape[0] で割るのは、損失を平均するレイヤ"
        "で一度だけです (SoftmaxWithLoss.backward は (y - t) / batch_size を返します)。"
        "ほかの場所では割りません"
    )
    filled = wrap(line, 40, "    ", "      ").splitlines()
    assert len(filled) > 3
    assert all(width(each) <= 40 for each in filled)
    assert filled[0].startswith("    ヒント") and all(f.startswith("      ") for f in filled[1:])
    assert "".join(f.strip() for f in filled).replace(" ", "") == line.replace(" ", "")
    for word in ("x.shape[0]", "SoftmaxWithLoss.backward", "batch_size"):  # code is never split
        assert any(word in each for each in filled), word
    assert not any(each.strip()[0] in "、。)" for each in filled)  # 行頭禁則


def test_width_counts_two_columns_for_a_wide_character():
    assert width("FAIL") == 4 and width("レイヤ") == 6 and width("x (2, 3)、t") == 11


def test_a_message_survives_copy_and_pickle(japanese):
    line = Message(N_("{what} differs"), what=Message(N_("backward: {name}"), name="dx"))
    summary = Clauses(N_(", "), [Message(N_("{failed} FAIL"), failed=2), line])
    for again in (copy.deepcopy(summary), pickle.loads(pickle.dumps(summary))):
        assert again == "2 FAIL, backward: dx differs"
        assert shown(again) == "FAIL 2 個、逆伝播 (backward) の dx が正しい値と違います"
