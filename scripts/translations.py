"""zerodl's Japanese catalogue: extract the marked messages, update the .po, compile the .mo, check.

    pip install -e '.[test]'                    # brings Babel
    python scripts/translations.py extract     # src/zerodl -> locale/zerodl.pot (not committed)
    python scripts/translations.py update      # the .po gains new messages (empty), loses unused
    #   ... translate the empty msgstr "" entries in src/zerodl/locale/ja/LC_MESSAGES/zerodl.po ...
    python scripts/translations.py compile     # zerodl.po -> zerodl.mo, committed beside it
    python scripts/translations.py check       # what tests/test_i18n.py checks, one line a problem

A message is marked where zerodl shows it: `_("...")`, `ngettext("...", "...", n)`, or `N_("...")`
for one defined before it is shown (zerodl.i18n). The .po keeps the file of each message, not its
line, so that moving code does not change the catalogue. The .mo is committed because it is what
an installed zerodl reads; `check` fails when it differs from the .po.
"""

import argparse
import gettext
import io
import os
import string
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "zerodl"
LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / "zerodl.pot"
LANGUAGES = ("ja",)


def po_path(lang):
    return LOCALE / lang / "LC_MESSAGES" / "zerodl.po"


def mo_path(lang):
    return po_path(lang).with_suffix(".mo")


def shown(path):
    """`path` relative to the checkout where it lies inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def extract():
    """A Catalog of every message marked in src/zerodl, each with the files that use it."""
    catalog = Catalog(project="zerodl", charset="utf-8")
    found = extract_from_dir(PACKAGE, method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS)
    for filename, lineno, message, comments, context in found:
        path = (Path("src/zerodl") / filename).as_posix()
        catalog.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return catalog


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


def write_atomically(path, data):
    """Write bytes to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


def po_bytes(catalog, **options):
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, include_lineno=False, **options)
    return out.getvalue()


def mo_bytes(catalog):
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def command_extract():
    write_atomically(TEMPLATE, po_bytes(extract()))
    print(f"wrote {shown(TEMPLATE)}")


def command_update():
    template = extract()
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            catalog = read(path)
        else:
            catalog = Catalog(locale=lang, project="zerodl", charset="utf-8", fuzzy=False)
        created = catalog.creation_date  # kept: a date that changed at every update would
        catalog.update(template, no_fuzzy_matching=True)  # make every update a merge conflict
        catalog.creation_date = created
        write_atomically(path, po_bytes(catalog, ignore_obsolete=True))
        empty = sum(1 for m in catalog if m.id and not translated(m))
        print(f"updated {shown(path)}: {len(catalog)} messages, {empty} to translate")


def command_compile():
    for lang in LANGUAGES:
        write_atomically(mo_path(lang), mo_bytes(read(po_path(lang))))
        print(f"wrote {shown(mo_path(lang))}")


def translated(message):
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not message.fuzzy and all(strings)


def fields(text):
    """The names of the {fields} of a format string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def used_and_held(lang):
    """({msgid: Message} marked in the code, {msgid: Message} in the .po of `lang`)."""
    used = {m.id: m for m in extract() if m.id}
    held = {m.id: m for m in read(po_path(lang)) if m.id}
    return used, held


def untranslated(lang="ja"):
    """A line for each message marked in the code that the .po lacks or leaves untranslated."""
    used, held = used_and_held(lang)
    po = shown(po_path(lang))
    out = []
    for key, message in sorted(used.items(), key=lambda item: str(item[0])):
        where = ", ".join(sorted({path for path, _ in message.locations}))
        if key not in held:
            out.append(f"{po}: no entry for {key!r} ({where}): run scripts/translations.py update")
        elif not translated(held[key]):
            out.append(f"{po}: {key!r} ({where}) has no translation (empty or fuzzy)")
    return out


def unused(lang="ja"):
    """A line for each entry of the .po that no code marks any more."""
    used, held = used_and_held(lang)
    po = shown(po_path(lang))
    return [
        f"{po}: {key!r} is no longer used by the code: run scripts/translations.py update"
        for key in sorted(set(held) - set(used), key=str)
    ]


def mismatched_fields(lang="ja"):
    """A line for each translation whose {fields} are not those of its message."""
    _, held = used_and_held(lang)
    po = shown(po_path(lang))
    out = []
    for key, message in held.items():
        sources = key if isinstance(key, tuple) else (key,)
        targets = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for target in filter(None, targets):
            if fields(target) != set().union(*(fields(s) for s in sources)):
                out.append(f"{po}: {key!r} and its translation {target!r} differ in their fields")
    return out


def problems(lang="ja"):
    """Every way the catalogue of `lang` is out of step with the code, one line each."""
    return untranslated(lang) + unused(lang) + mismatched_fields(lang) + stale_mo(lang)


def stale_mo(lang="ja"):
    """A line when the committed .mo does not hold exactly the .po's translations."""
    path = mo_path(lang)
    if not path.exists():
        return [f"{shown(path)} is missing: run scripts/translations.py compile"]
    with open(path, "rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog  # {msgid: msgstr}, header included
    expected = gettext.GNUTranslations(io.BytesIO(mo_bytes(read(po_path(lang)))))._catalog
    if compiled != expected:
        return [f"{shown(path)} is older than its .po: run scripts/translations.py compile"]
    return []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["extract", "update", "compile", "check"])
    command = parser.parse_args(argv).command
    if command == "check":
        found = problems()
        print("\n".join(found) or "the catalogue is complete and the .mo is current")
        return 1 if found else 0
    {"extract": command_extract, "update": command_update, "compile": command_compile}[command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
