"""Japanese in pictures: the font that draws it, and the labels' language.

A picture's titles, labels and legends go through `picture_text` (imported as `_` by the modules
that draw): Japanese when zerodl speaks Japanese (`zerodl.i18n.language`) and a font with Japanese
glyphs is installed, English otherwise, so that a picture never shows empty boxes. When Japanese
was asked for and no font has it, the labels are English and one warning (`MissingFontWarning`)
says what to install, once per process.

The font, in this order:

1. IPAexGothic from the PyPI package ``matplotlib-fontja`` (``pip install 'zerodl[ja]'``), read
   from the package's folder; the package itself is never imported, since importing it changes
   matplotlib's settings for the whole process;
2. a Japanese font matplotlib finds on the system: Noto Sans CJK JP (Debian's
   ``fonts-noto-cjk``), IPAexGothic or IPAGothic (``fonts-ipaexfont``, ``fonts-ipafont``), ...

`use_japanese_font(figure)` gives the font to each text of a figure that holds Japanese, as that
text's own FontProperties: matplotlib's rcParams, and its font manager, stay as they were.
"""

import functools
import importlib.util
import warnings
from pathlib import Path

from zerodl.i18n import _, language, translation

__all__ = ["MissingFontWarning", "japanese_font", "picture_language", "picture_text",
           "use_japanese_font"]

FONTJA_PACKAGE = "matplotlib_fontja"
FONTJA_FILE = "fonts/ipaexg.ttf"
SYSTEM_FONTS = (  # family names, best first
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "VL Gothic",
    "Source Han Sans JP",
    "Hiragino Sans",
    "Yu Gothic",
    "Meiryo",
)
SYSTEM_FONT_FILES = (  # the same fonts' file names, for fonts installed after matplotlib's cache
    "NotoSansCJK-Regular",
    "NotoSansCJKjp-Regular",
    "NotoSansJP-Regular",
    "ipaexg",
    "ipag",
    "TakaoGothic",
    "VL-Gothic-Regular",
)


class MissingFontWarning(UserWarning):
    """Japanese labels were asked for, but no installed font draws them: English is drawn."""


@functools.cache
def japanese_font():
    """The path of a font file with Japanese glyphs, or None when none is installed."""
    spec = importlib.util.find_spec(FONTJA_PACKAGE)  # finds the package without running it
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            path = Path(folder) / FONTJA_FILE
            if path.is_file():
                return str(path)
    return _system_font()


def _system_font():
    """A Japanese font of the system: by family name from matplotlib's font list, else by file
    name among the system's font files (matplotlib's list is a cache, made before a font that
    was installed later)."""
    from matplotlib import font_manager

    by_name = {font.name: font.fname for font in font_manager.fontManager.ttflist}
    found = next((by_name[name] for name in SYSTEM_FONTS if name in by_name), None)
    if found:
        return found
    by_file = {Path(path).stem: path for path in font_manager.findSystemFonts()}
    return next((by_file[stem] for stem in SYSTEM_FONT_FILES if stem in by_file), None)


def picture_language():
    """'ja' when pictures are drawn in Japanese now; 'en' otherwise (one warning if no font)."""
    if language() != "ja":
        return "en"
    if japanese_font() is None:
        _warn_missing_font()
        return "en"
    return "ja"


@functools.cache
def _warn_missing_font():  # once per process
    warnings.warn(
        _(
            "no font with Japanese glyphs is installed, so pictures are labelled in English: "
            "pip install 'zerodl[ja]' (or apt-get install fonts-noto-cjk)"
        ),
        MissingFontWarning,
        stacklevel=4,
    )


def picture_text(message):
    """`message` in the language pictures are drawn in (see `picture_language`)."""
    return translation(picture_language()).gettext(message)


def use_japanese_font(figure):
    """Give every text of `figure` that holds Japanese the Japanese font; return the figure.

    Each text keeps its size, weight and style; other texts (numbers, English) keep theirs.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

    path = japanese_font()
    if path is None:
        return figure
    for text in figure.findobj(Text):
        if _has_japanese(text.get_text()):
            own = text.get_fontproperties()
            text.set_fontproperties(
                FontProperties(
                    fname=path, size=own.get_size(), weight=own.get_weight(), style=own.get_style()
                )
            )
    return figure


def _has_japanese(text):
    """True when `text` holds kana, kanji or full-width forms (U+3000 and above)."""
    return any(ord(c) >= 0x3000 for c in text)
