"""tests/i18n_helpers.py, which the CLI's Japanese tests use, catches what it should."""

import pytest

from i18n_helpers import (
    Result,
    assert_japanese,
    assert_same_outcome,
    catalogue,
    english_lines,
    run_in,
    run_zerodl,
)


def test_the_catalogue_is_the_shipped_one():
    assert catalogue()["loss per step"] == "ステップごとの損失"


def test_an_english_line_with_a_translation_is_caught():
    text = "ステップごとの損失\nsmoothed over 11 steps\nwarning: loss per step\n0.1234  (976/980)\n"
    wrong = english_lines(text)
    assert len(wrong) == 2
    assert "'smoothed over 11 steps' is English" in wrong[0] and "平滑化" in wrong[0]
    assert "'warning: loss per step' is English" in wrong[1]
    with pytest.raises(AssertionError, match="lines not in Japanese"):
        assert_japanese(text)
    assert_japanese("11 ステップで平滑化\nSimpleConvNet\nloss per step, and more\n")


def test_the_same_outcome_means_the_same_exit_code_and_numbers():
    english = Result(0, "epoch 1/5  loss 0.1598  9.3s\n", "")
    assert_same_outcome(english, Result(0, "エポック 1/5  損失 0.1598  8.1s\n", ""))
    with pytest.raises(AssertionError):
        assert_same_outcome(english, Result(0, "エポック 1/5  損失 0.1599  9.3s\n", ""))
    with pytest.raises(AssertionError):
        assert_same_outcome(english, Result(1, "エポック 1/5  損失 0.1598  9.3s\n", ""))


def test_zerodl_runs_in_japanese_in_this_process_and_in_another(capsys, monkeypatch):
    english = run_in("en", capsys, monkeypatch, "summary", "--model", "simple_cnn")
    japanese = run_in("ja", capsys, monkeypatch, "summary", "--model", "simple_cnn")
    assert english.code == 0 and "433,890" in english.out
    assert_japanese(japanese.out + japanese.err)
    assert_same_outcome(english, japanese)
    usage = run_in("ja", capsys, monkeypatch, "summary", "--no-such-option")
    assert usage.code == 2 and "--no-such-option" in usage.err
    separate = run_zerodl("summary", "--model", "two_layer", lang="ja", timeout=120)
    assert separate.code == 0 and "TwoLayerNet" in separate.out
