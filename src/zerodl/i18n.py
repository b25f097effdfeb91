"""What zerodl says to a person, in English or in Japanese (the book's language).

    from zerodl.i18n import _, ngettext
    print(_("saved {folder}").format(folder=folder))
    print(ngettext("{n} image", "{n} images", n).format(n=n))

The language is read at each call from the environment, in this order (the first one set wins):

1. ``ZERODL_LANG``: ``ja`` (or ``ja_JP`` ...) for Japanese, anything else (``en``) for English;
2. the locale variables, in the order GNU gettext and Python's ``gettext`` read them:
   ``LANGUAGE`` (its first entry), ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; a value starting with
   ``ja`` (``ja_JP.UTF-8``) means Japanese;
3. English otherwise.

The translations are the catalogue ``locale/ja/LC_MESSAGES/zerodl.po`` beside this file, compiled
to ``zerodl.mo`` (``python scripts/translations.py compile``); a message the catalogue lacks is
shown in English. Nothing here is process-wide: no ``gettext.install``, no builtins, no
``locale.setlocale``; the catalogue is read the first time a Japanese message is asked for.

Mark a message with ``_()`` where it is shown, and with ``N_()`` where it is only defined (a
table of labels at module level) and ``translate()`` is applied later: ``translate(LABELS[key])``
(``_()`` itself takes only a string literal, the message that Babel extracts). Messages are
format strings with named fields, translated before ``.format`` fills them, so that a translator
can move the fields: ``_("epoch {epoch}/{epochs}").format(...)``, never ``_(f"...")``.
"""

import functools
import gettext
import os
import unicodedata
from pathlib import Path

__all__ = ["DOMAIN", "LOCALE_DIR", "LANGUAGES", "language", "translation", "_", "ngettext", "N_",
           "translate", "text_width"]  # fmt: skip

DOMAIN = "zerodl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "ja")  # English, the source language, and the translations there are
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")  # gettext's order


def language(environ=None):
    """'ja' or 'en': the language zerodl speaks now, from `environ` (default: os.environ)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("ZERODL_LANG", "").strip()
    if chosen:
        return _language_of(chosen)
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").strip()
        if name == "LANGUAGE":
            value = value.split(":")[0].strip()  # a list of preferences: ja:en
        if value:
            return _language_of(value)
    return "en"


def _language_of(value):
    """'ja' for ja, ja_JP, ja_JP.UTF-8, ja-JP; 'en' for everything else (C, POSIX, en_US, fr)."""
    return "ja" if value.lower().replace("-", "_").split("_")[0].split(".")[0] == "ja" else "en"


@functools.cache
def translation(lang):
    """The gettext translations for `lang` ('en' or 'ja'), read once; English passes through."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def _(message):
    """`message` in the current language (itself where there is no translation)."""
    return translation(language()).gettext(message)


def ngettext(singular, plural, n):
    """The singular or plural form for `n`, in the current language."""
    return translation(language()).ngettext(singular, plural, n)


def N_(message):
    """Marks `message` for translation where it is defined; `translate()` translates it where
    shown."""
    return message


def translate(message):
    """`message`, marked with `N_()` where it was defined, in the current language."""
    return translation(language()).gettext(message)


def text_width(text):
    """The columns `text` takes in a terminal: two for a kanji, a kana or a full-width sign, one
    for the rest; what a table with Japanese headings is aligned by (len() counts one)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
