"""Running `zerodl` in Japanese in a test, and checking what it printed.

    from i18n_helpers import assert_japanese, assert_same_outcome, run_in, run_zerodl

    english = run_in("en", capsys, monkeypatch, "summary", "--model", "simple_cnn")
    japanese = run_in("ja", capsys, monkeypatch, "summary", "--model", "simple_cnn")
    assert_japanese(japanese.out + japanese.err)  # no line left in English that has a translation
    assert_same_outcome(english, japanese)         # same exit code, same numbers in the same order

    result = run_zerodl("evaluate", "runs/cnn", lang="ja")   # a separate process: python -m zerodl

A line "is English" when it is, whole, a message of the catalogue (its {fields} matching anything),
optionally after a prefix that ends in ": " (`zerodl train: error: ...`, `warning: ...`), and the
catalogue has a Japanese translation for it; a message with no English word outside its fields
("{label} ({name})") judges nothing. Lines the catalogue does not know are not judged:
numbers, paths, tables, and messages still waiting to be marked.
"""

import functools
import gettext
import os
import re
import string
import subprocess
import sys
from dataclasses import dataclass

from zerodl.cli import main
from zerodl.i18n import DOMAIN, LOCALE_DIR

LOCALE_VARIABLES = ("ZERODL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@dataclass
class Result:
    """What one run of zerodl did: its exit code and what it wrote."""

    code: int
    out: str
    err: str


@functools.cache
def catalogue(lang="ja"):
    """{English message: translation} as zerodl ships it (the compiled .mo), header left out."""
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as f:
        messages = gettext.GNUTranslations(f)._catalog
    out = {}
    for key, text in messages.items():
        if isinstance(key, tuple):  # (msgid, n) of a plural: the singular and plural forms
            continue
        if key and text:
            out[key] = text
    return out


def _pattern(message):
    """A regex matching `message` with each {field} standing for any text."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(message):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".+?")
    return "".join(parts)


@functools.cache
def _english_patterns(lang="ja"):
    """[(compiled regex of a whole line, English message, translation)], longest first."""
    found = []
    for message, translation in catalogue(lang).items():
        literal = "".join(part for part, *_ in string.Formatter().parse(message))
        if message == translation or not re.search(r"[A-Za-z]{2}", literal):
            continue  # "{label} ({name})" holds no word to tell English from Japanese by
        kept = {line.strip() for line in translation.splitlines()}
        for line in message.splitlines():  # a message of several lines: each line on its own
            if line.strip() and line.strip() not in kept:  # a command line the translation keeps
                regex = re.compile(r"(?:.*?: )?" + _pattern(line.strip()))
                found.append((regex, message, translation))
    return sorted(found, key=lambda item: -len(item[1]))


def english_lines(text, lang="ja"):
    """The lines of `text` that are English messages the catalogue translates, each with the
    message it matched and its translation: what a Japanese run should not print."""
    wrong = []
    for line in text.splitlines():
        stripped = line.strip()
        for regex, message, translation in _english_patterns(lang):
            if regex.fullmatch(stripped):
                wrong.append(f"{line!r} is English: {message!r} is translated as {translation!r}")
                break
    return wrong


def assert_japanese(text, lang="ja"):
    """Fail, naming each line, when `text` holds a line in English that has a translation."""
    wrong = english_lines(text, lang)
    assert not wrong, "lines not in Japanese:\n" + "\n".join(wrong)


def numbers(text, ignore=r"\d+(?:\.\d+)?s\b"):
    """The numbers in `text`, in order (durations like 9.3s left out: they change run to run)."""
    if ignore:
        text = re.sub(ignore, "", text)
    return re.findall(r"\d+(?:[.,]\d+)*(?:e[-+]?\d+)?", text)


def assert_same_outcome(english, japanese, ignore=r"\d+(?:\.\d+)?s\b"):
    """The Japanese run ended as the English one: same exit code, same numbers on stdout and on
    stderr, in the same order (a translation moves words, never a figure)."""
    assert japanese.code == english.code, (english, japanese)
    assert numbers(japanese.out, ignore) == numbers(english.out, ignore)
    assert numbers(japanese.err, ignore) == numbers(english.err, ignore)


def environment(lang, base=None):
    """os.environ (or `base`) with zerodl's language set to `lang` and no locale variable."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in LOCALE_VARIABLES}  # fmt: skip
    env["ZERODL_LANG"] = lang
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_in(lang, capsys, monkeypatch, *argv):
    """`zerodl argv` in this process with ZERODL_LANG=lang: a Result."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZERODL_LANG", lang)
    capsys.readouterr()  # what came before is not this run's
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:  # argparse's --help and usage errors
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return Result(code, out, err)


def run_zerodl(*argv, lang="ja", cwd=None, env=None, timeout=600):
    """`python -m zerodl argv` in a process of its own with ZERODL_LANG=lang: a Result."""
    result = subprocess.run(
        [sys.executable, "-m", "zerodl", *(str(a) for a in argv)],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd,
        env=environment(lang, env), timeout=timeout,
    )  # fmt: skip
    return Result(result.returncode, result.stdout, result.stderr)
