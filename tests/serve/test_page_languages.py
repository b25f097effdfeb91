"""The page's words (zerodl/serve/static/i18n.js): the English and the Japanese table hold the
same keys, and every key the page and app.js ask for is in them. (The browser test shows them.)"""

import re
from importlib import resources

STATIC = resources.files("zerodl.serve") / "static"


def tables():
    """{language: set of keys} of STRINGS in i18n.js (one `key:` a line, four spaces in)."""
    source = (STATIC / "i18n.js").read_text(encoding="utf-8")
    body = source[source.index("const STRINGS = {") : source.index("\n};\n")]
    parts = re.split(r"^  (\w+): \{$", body, flags=re.M)[1:]  # [name, block, name, block]
    return {
        name: set(re.findall(r"^    (\w+):", block, re.M))
        for name, block in zip(*[iter(parts)] * 2)
    }


def test_both_languages_have_every_key():
    found = tables()
    assert set(found) == {"en", "ja"}
    assert found["en"] == found["ja"]
    assert len(found["en"]) > 30


def test_every_key_the_page_asks_for_is_in_the_tables():
    keys = tables()["en"]
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    asked = set(re.findall(r'data-i18n(?:-aria-label)?="(\w+)"', page))
    asked |= set(re.findall(r'\bt\("(\w+)"', script))
    assert len(asked) > 25
    assert asked - keys == set()


def test_the_page_starts_in_english_and_offers_japanese():
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert re.search(r'<button id="language"[^>]*lang="ja"[^>]*>日本語</button>', page, re.S)
    assert page.index('src="/static/i18n.js"') < page.index('src="/static/app.js"')  # t() first
