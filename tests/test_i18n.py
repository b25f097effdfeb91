"""zerodl.i18n and its catalogue: the language chosen from the environment, the Japanese read from
the compiled catalogue, nothing changed process-wide, and a catalogue in step with the code: every
marked message translated, no entry the code no longer uses, the committed .mo compiled from the
.po (scripts/translations.py check says the same)."""

import ast
import importlib.util
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest

from zerodl import i18n
from zerodl.i18n import _, language, ngettext

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "zerodl"


def load_translations_script():
    spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts/translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


translations = load_translations_script()


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "ja"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_ALL": "C", "LC_MESSAGES": "ja_JP.UTF-8"}, "en"),  # LC_ALL comes first
        ({"LC_ALL": "ja_JP.eucJP", "LANG": "C"}, "ja"),
        ({"LANGUAGE": "ja:en", "LANG": "en_US.UTF-8"}, "ja"),  # gettext's order
        ({"LANGUAGE": "", "LANG": "ja_JP.UTF-8"}, "ja"),  # empty is unset
        ({"ZERODL_LANG": "ja", "LANG": "en_US.UTF-8"}, "ja"),  # ZERODL_LANG wins
        ({"ZERODL_LANG": "en", "LC_ALL": "ja_JP.UTF-8"}, "en"),
        ({"ZERODL_LANG": "ja-JP"}, "ja"),
        ({"ZERODL_LANG": "de"}, "en"),  # no German catalogue: English
        ({"ZERODL_LANG": "jav"}, "en"),  # Javanese is not Japanese
    ],
)
def test_the_language_comes_from_zerodl_lang_then_the_locale(environ, expected):
    assert language(environ) == expected


def test_messages_are_japanese_when_the_locale_asks_and_english_otherwise(monkeypatch):
    for name in ("ZERODL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert _("loss per step") == "loss per step"
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert _("loss per step") == "ステップごとの損失"
    assert _("smoothed over {window} steps").format(window=11) == "11 ステップで平滑化"
    assert _("a message nobody translated") == "a message nobody translated"
    assert ngettext("{n} image", "{n} images", 2) == "{n} images"  # no entry: English
    monkeypatch.setenv("ZERODL_LANG", "en")
    assert _("loss per step") == "loss per step"


def test_importing_and_translating_changes_nothing_process_wide():
    """No gettext.install (no `_` in builtins), no setlocale, gettext's own domain untouched."""
    program = """
import builtins, gettext, locale, os
before = (locale.setlocale(locale.LC_ALL), locale.setlocale(locale.LC_MESSAGES),
          gettext.textdomain(), sorted(vars(builtins)))
import zerodl, zerodl.i18n, zerodl.plots, zerodl.images, zerodl.fonts
assert zerodl.i18n._("loss per step") == "ステップごとの損失"
after = (locale.setlocale(locale.LC_ALL), locale.setlocale(locale.LC_MESSAGES),
         gettext.textdomain(), sorted(vars(builtins)))
assert before == after, (before, after)
assert "_" not in vars(builtins)
print("ok")
"""
    env = {"ZERODL_LANG": "ja", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_compiled_catalogue_is_package_data():
    mo = PACKAGE / "locale/ja/LC_MESSAGES/zerodl.mo"
    assert mo.is_file()
    assert i18n.LOCALE_DIR == PACKAGE / "locale"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    patterns = [
        line.split("=", 1)[1].strip().strip("[]").strip('"')
        for line in pyproject.splitlines()
        if line.startswith('"zerodl" =')
    ]
    assert any(fnmatch(str(mo.relative_to(PACKAGE)), p) for p in patterns), patterns


# --- the catalogue in step with the code -----------------------------------------------------


def test_every_marked_message_has_a_japanese_translation():
    assert translations.untranslated() == []


def test_the_catalogue_holds_no_entry_the_code_no_longer_uses():
    assert translations.unused() == []


def test_every_translation_keeps_the_fields_of_its_message():
    assert translations.mismatched_fields() == []


def test_the_committed_mo_is_compiled_from_the_po():
    assert translations.stale_mo() == []


def test_messages_are_marked_as_plain_strings():
    """`_(f"...")` or `_(text)` is never in the catalogue (Babel skips it without a word):
    a marked message is a string literal, its fields filled by .format after translation."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_", "ngettext")
            ):
                count = 2 if node.func.id == "ngettext" else 1
                literal = all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str)
                    for a in node.args[:count]
                )
                if not literal or len(node.args) < count:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == []


def test_the_checks_catch_a_new_message_an_unused_entry_and_a_stale_mo(tmp_path, monkeypatch):
    """The checks above can fail: a copy of the catalogue against code that changed."""
    package = tmp_path / "zerodl"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(translations, "PACKAGE", package)
    monkeypatch.setattr(translations, "LOCALE", package / "locale")
    assert translations.problems() == []

    (package / "new.py").write_text('from zerodl.i18n import _\nprint(_("a new message"))\n')
    plots = package / "plots.py"
    plots.write_text(plots.read_text().replace('_("loss per step")', '"loss per step"'))
    po = translations.po_path("ja")
    po.write_text(po.read_text().replace('msgstr "損失"', 'msgstr "ロス"'))

    assert translations.untranslated() == [
        f"{po}: no entry for 'a new message' (src/zerodl/new.py): "
        "run scripts/translations.py update"
    ]
    assert translations.unused() == [
        f"{po}: 'loss per step' is no longer used by the code: run scripts/translations.py update"
    ]
    assert translations.stale_mo() == [
        f"{translations.mo_path('ja')} is older than its .po: run scripts/translations.py compile"
    ]

    # update and compile put it right, but for the new message, which waits for its translation
    translations.command_update()
    translations.command_compile()
    assert "loss per step" not in po.read_text()
    assert translations.unused() == [] and translations.stale_mo() == []
    assert translations.untranslated() == [
        f"{po}: 'a new message' (src/zerodl/new.py) has no translation (empty or fuzzy)"
    ]


def test_update_leaves_the_committed_catalogue_as_it_is(tmp_path, monkeypatch):
    """The .po is written as the script writes it (sorted, files without lines), so that a
    later update shows only real changes in a diff. (The .mo: see the test above.)"""
    locale = tmp_path / "locale"
    shutil.copytree(PACKAGE / "locale", locale, ignore=shutil.ignore_patterns("*.pot"))
    monkeypatch.setattr(translations, "LOCALE", locale)
    translations.command_update()
    committed = PACKAGE / "locale/ja/LC_MESSAGES/zerodl.po"
    assert (locale / "ja/LC_MESSAGES/zerodl.po").read_text() == committed.read_text()
