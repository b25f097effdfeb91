"""Japanese in pictures: drawn as glyphs, never as empty boxes (matplotlib's "Glyph ... missing"
warning fails these tests), with matplotlib's settings left as they were; English, with one
warning, when no font has the glyphs."""

import sys
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.text import Text

from zerodl import fonts
from zerodl.images import plot_confusion_matrix
from zerodl.plots import loss_figure, new_figure, plot_accuracy, plot_runs

MISSING_GLYPH = r"Glyph .* missing from"


def history(epochs=3, steps=30):
    rng = np.random.default_rng(0)
    step_loss = np.exp(-np.arange(epochs * steps) / 30) + rng.uniform(0, 0.2, epochs * steps)
    return {
        "epoch": list(range(1, epochs + 1)),
        "acc": [0.6, 0.7, 0.8],
        "val_acc": [0.58, 0.69, 0.77],
        "val_loss": [0.9, 0.7, 0.6],
        "step_loss": [float(v) for v in step_loss],
    }


def texts(figure):
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


@pytest.fixture
def japanese(monkeypatch):
    monkeypatch.setenv("ZERODL_LANG", "ja")
    if fonts.japanese_font() is None:
        reason = "no Japanese font: pip install matplotlib-fontja (the test extra has it)"
        pytest.fail(reason) if "CI" in __import__("os").environ else pytest.skip(reason)


def test_a_japanese_plot_draws_every_glyph(japanese, tmp_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)  # an empty box fails the test
        figure = loss_figure(history(), title="損失")
        figure.canvas.draw()
        written = [
            plot_accuracy(history(), tmp_path / "accuracy.png", title="認識精度"),
            plot_runs({"SGD": history(), "Adam": history()}, tmp_path / "runs.png"),
            plot_confusion_matrix(np.eye(3, dtype=int) * 5, tmp_path / "cm.png"),
        ]
    shown = texts(figure)
    assert "ステップ" in shown and "損失" in shown  # the axes' labels, in Japanese
    assert "ステップごとの損失（生の値）" in shown and "11 ステップで平滑化" in shown  # legend
    assert "検証データの損失（エポックごと）" in shown
    japanese_texts = [t for t in figure.findobj(Text) if fonts._has_japanese(t.get_text())]
    assert japanese_texts
    for text in japanese_texts:
        assert text.get_fontproperties().get_file() == fonts.japanese_font()
    assert all(path.stat().st_size > 1000 for path in written)


def test_without_the_font_the_same_text_is_missing_glyphs():
    """The check above can fail: Japanese in matplotlib's default font is empty boxes."""
    figure = new_figure()
    figure.add_subplot().set_xlabel("ステップ")
    with pytest.warns(UserWarning, match=MISSING_GLYPH):
        figure.canvas.draw()


def test_drawing_in_japanese_changes_no_matplotlib_setting(japanese):
    from matplotlib import font_manager

    before = dict(matplotlib.rcParams)
    known = len(font_manager.fontManager.ttflist)
    loss_figure(history()).canvas.draw()
    assert dict(matplotlib.rcParams) == before
    assert len(font_manager.fontManager.ttflist) == known
    assert "matplotlib_fontja" not in sys.modules  # importing it would change rcParams


def test_without_matplotlib_fontja_a_japanese_font_of_the_system_is_used(monkeypatch, tmp_path):
    """Debian's fonts-noto-cjk (or IPAex, Takao ...), found even when installed after matplotlib
    made its font cache; its glyphs are real (skipped where the system has no such font)."""
    from matplotlib.ft2font import FT2Font

    real_find_spec = fonts.importlib.util.find_spec
    monkeypatch.setattr(
        fonts.importlib.util, "find_spec",
        lambda name, *a: None if name == fonts.FONTJA_PACKAGE else real_find_spec(name, *a),
    )  # fmt: skip
    fonts.japanese_font.cache_clear()
    try:
        path = fonts.japanese_font()
    finally:
        fonts.japanese_font.cache_clear()
    if path is None:
        pytest.skip("no Japanese font on this system (apt-get install fonts-noto-cjk)")
    assert "matplotlib_fontja" not in path
    font = FT2Font(path)
    assert all(font.get_char_index(ord(c)) for c in "ステップごとの損失認識精度")
    monkeypatch.setenv("ZERODL_LANG", "ja")
    monkeypatch.setattr(fonts, "japanese_font", lambda: path)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        figure = loss_figure(history())
        figure.savefig(tmp_path / "loss.png")
    assert "ステップ" in texts(figure)


def test_english_labels_in_an_english_locale(monkeypatch):
    monkeypatch.setenv("ZERODL_LANG", "en")
    shown = texts(loss_figure(history()))
    assert "step" in shown and "loss" in shown and "smoothed over 11 steps" in shown
    assert not any(fonts._has_japanese(t) for t in shown)


def test_no_japanese_font_draws_english_and_says_so_once(monkeypatch):
    monkeypatch.setenv("ZERODL_LANG", "ja")
    monkeypatch.setattr(fonts, "japanese_font", lambda: None)
    fonts._warn_missing_font.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        first = loss_figure(history())
        first.canvas.draw()
        second = loss_figure(history())
    fonts._warn_missing_font.cache_clear()
    said = [w for w in caught if issubclass(w.category, fonts.MissingFontWarning)]
    assert len(said) == 1  # once per process, however many pictures
    message = str(said[0].message)
    assert "\n" not in message and "zerodl[ja]" in message
    assert message.startswith("日本語のグリフを持つフォントがない")  # said in the asked language
    for figure in (first, second):
        shown = texts(figure)
        assert "step" in shown and "loss" in shown
        assert not any(fonts._has_japanese(t) for t in shown)
