"""README.ja.md is README.md in Japanese: it must stay in step with it.

What "in step" means, and what each README may do its own way:

- headings: the same levels in the same order (the titles are translated);
- fenced code blocks: the same blocks in the same order, with the same language tag and the
  same code. In ```bash and ```python blocks a comment may be translated: a comment is a line
  that starts with `#`, or the end of a line from a `#` that follows a space (a `#` inside a
  string would count too: keep those out of the READMEs). Everything else in a block, and every
  line of ```text blocks (a program's output, a picture of the code), is identical;
- pictures: the same files in the same order, except that README.ja.md shows docs/NAME-ja.png
  where that Japanese twin of README.md's docs/NAME.png exists; the alt text is translated;
- tables: as many, in the same order, each with as many rows and columns, and each row with the
  same `code` spans (the commands, options and names; the words around them are translated);
- each README links to the other at its top, names the book (title, author, publisher) and its
  code repository, and every #anchor link of each lands on one of its own headings.

When README.md gains a section, the failure says which headings, blocks or pictures README.ja.md
lacks and under which heading of README.md they are: translate them there.
"""

import difflib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "README.md"
JAPANESE = ROOT / "README.ja.md"

BOOK_JA = "ゼロから作るDeep Learning ― Pythonで学ぶディープラーニングの理論と実装"
BOOK_REPOSITORY = "https://github.com/oreilly-japan/deep-learning-from-scratch"


class Readme:
    """The parts of a README that the other must match, each with the heading it is under."""

    def __init__(self, path):
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.headings = []  # (level, title, line number)
        self.blocks = []  # (tag, [lines], heading title, line number)
        self.images = []  # (target, heading title, line number)
        self.tables = []  # (rows, columns, heading title, line number)
        self.table_rows = []  # (the row's `code` spans, sorted; heading title, line number)
        heading, block, table = "(top)", None, None
        for number, line in enumerate(self.text.splitlines(), 1):
            if block is not None:
                if line.startswith("```"):
                    self.blocks.append(block)
                    block = None
                else:
                    block[1].append(line)
                continue
            if line.startswith("```"):
                block = (line[3:].strip(), [], heading, number)
                continue
            if line.startswith("|"):
                if table is None:
                    table = [0, line.strip().strip("|").count("|") + 1, heading, number]
                    self.tables.append(table)
                table[0] += 1
                spans = tuple(sorted(re.findall(r"`[^`]+`", line.replace("\\|", "|"))))
                self.table_rows.append((spans, heading, number))
                continue
            table = None
            found = re.match(r"(#{1,6}) (.*)", line)
            if found:
                heading = found.group(2).strip()
                self.headings.append((len(found.group(1)), heading, number))
            for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", line):
                self.images.append((target, heading, number))
        self.tables = [tuple(t) for t in self.tables]

    def where(self, heading, number):
        return f"{self.path.name}:{number} (under '{heading}')"


def code_of(tag, lines):
    """The lines of a block that must be equal in both READMEs: comments out, where allowed."""
    if tag not in ("bash", "python"):
        return lines
    kept = []
    for line in lines:
        if line.lstrip().startswith("#"):
            continue  # a comment line: may be translated
        kept.append(re.sub(r"\s+#.*$", "", line).rstrip())
    return kept


def slug(title):
    """GitHub's anchor for a heading: lower case, punctuation out, spaces to hyphens."""
    title = re.sub(r"[^\w\- ]", "", title.lower().replace("`", ""))
    return title.replace(" ", "-")


def english_and_japanese():
    return Readme(ENGLISH), Readme(JAPANESE)


def out_of_step(english_items, japanese_items, english, japanese, describe, detail=None):
    """Lines naming what one README has and the other lacks, aligned by content; where one item
    stands in for another, `detail(english_item, japanese_item)` adds how they differ."""
    a = [key for key, *_ in english_items]
    b = [key for key, *_ in japanese_items]
    lines = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1 and detail:
            for e, j in zip(english_items[i1:i2], japanese_items[j1:j2]):
                lines.append(f"{english.where(*e[-2:])} and {japanese.where(*j[-2:])} differ:")
                lines.extend(detail(e, j))
            continue
        for item in english_items[i1:i2]:
            lines.append(f"README.md has {describe(item)} at {english.where(*item[-2:])}; "
                         "README.ja.md has no such one there")  # fmt: skip
        for item in japanese_items[j1:j2]:
            lines.append(f"README.ja.md has {describe(item)} at {japanese.where(*item[-2:])}; "
                         "README.md has no such one")  # fmt: skip
    return lines


def test_the_headings_have_the_same_levels_in_the_same_order():
    english, japanese = english_and_japanese()
    if [h[0] for h in english.headings] == [h[0] for h in japanese.headings]:
        return
    side_by_side = []
    for k in range(max(len(english.headings), len(japanese.headings))):
        e = english.headings[k] if k < len(english.headings) else (0, "-", 0)
        j = japanese.headings[k] if k < len(japanese.headings) else (0, "-", 0)
        mark = "  " if e[0] == j[0] else "!!"
        side_by_side.append(f"{mark} {'#' * e[0]} {e[1]} (line {e[2]})  |  {'#' * j[0]} {j[1]}")
    raise AssertionError(
        f"README.md has {len(english.headings)} headings, README.ja.md "
        f"{len(japanese.headings)}; their levels differ from the first '!!':\n"
        + "\n".join(side_by_side)
    )


def test_the_code_blocks_are_the_same_commands():
    english, japanese = english_and_japanese()

    def items(readme):
        return [((tag, tuple(code_of(tag, lines))), heading, number)
                for tag, lines, heading, number in readme.blocks]  # fmt: skip

    def describe(item):
        (tag, code), _, _ = item
        first = next((line for line in code if line.strip()), "")
        return f"the ```{tag} block starting {first!r}"

    def detail(e, j):  # the lines that differ, comments left out
        (e_tag, e_code), (j_tag, j_code) = e[0], j[0]
        diff = difflib.unified_diff(
            [f"```{e_tag}", *e_code], [f"```{j_tag}", *j_code], "README.md", "README.ja.md", n=0,
            lineterm="",
        )  # fmt: skip
        return ["    " + line for line in diff]

    lines = out_of_step(items(english), items(japanese), english, japanese, describe, detail)
    assert not lines, "the code blocks differ:\n" + "\n".join(lines)


def test_the_pictures_are_the_same_or_their_japanese_twins():
    english, japanese = english_and_japanese()

    def twin(target):  # what README.ja.md shows for README.md's target
        path = Path(target)
        japanese_twin = path.with_name(f"{path.stem}-ja{path.suffix}")
        return japanese_twin.as_posix() if (ROOT / japanese_twin).exists() else target

    expected = [(twin(t), h, n) for t, h, n in english.images]
    lines = out_of_step(expected, japanese.images, english, japanese, lambda i: f"picture {i[0]}")
    assert not lines, "the pictures differ:\n" + "\n".join(lines)
    for target, _, number in english.images + japanese.images:
        assert (ROOT / target).is_file(), f"line {number}: {target} does not exist"
    assert "docs/serve-ja.png" in [t for t, _, _ in japanese.images]


def test_the_tables_have_the_same_shapes():
    english, japanese = english_and_japanese()

    def describe(item):
        rows, columns, _, _ = item
        return f"a table of {rows} lines x {columns} columns"

    shapes = lambda r: [((rows, cols), h, n) for rows, cols, h, n in r.tables]  # noqa: E731
    lines = out_of_step(
        shapes(english), shapes(japanese), english, japanese,
        lambda item: describe((*item[0], None, None)),
    )  # fmt: skip
    assert not lines, "the tables differ:\n" + "\n".join(lines)
    lines = out_of_step(
        english.table_rows, japanese.table_rows, english, japanese,
        lambda item: f"a table row with {' '.join(item[0]) or 'no code'}",
    )  # fmt: skip
    assert not lines, "the tables' rows hold different `code`:\n" + "\n".join(lines)


def test_each_readme_links_to_the_other_at_its_top():
    english, japanese = english_and_japanese()
    assert "[日本語](README.ja.md)" in "\n".join(english.text.splitlines()[:5])
    assert "[English](README.md)" in "\n".join(japanese.text.splitlines()[:5])


def test_both_readmes_name_the_book_its_author_publisher_and_code():
    english, japanese = english_and_japanese()
    for readme in (english, japanese):
        for needed in (BOOK_JA, "斎藤 康毅", "オライリー・ジャパン", "2016", BOOK_REPOSITORY):
            assert needed in readme.text, f"{readme.path.name} does not name {needed!r}"
    for needed in ("*Deep Learning from Scratch*", "Koki Saitoh", "O'Reilly Japan"):
        assert needed in english.text and needed in japanese.text, needed


def test_every_anchor_link_lands_on_a_heading_of_its_own_readme():
    for readme in english_and_japanese():
        anchors = {slug(title) for _, title, _ in readme.headings}
        wrong = [
            f"{readme.path.name}: #{target} is no heading (headings: see {sorted(anchors)})"
            for target in re.findall(r"\]\(#([^)]+)\)", readme.text)
            if target not in anchors
        ]
        assert not wrong, "\n".join(wrong)


def test_the_checks_name_what_is_out_of_step():
    """A README.md that gained a section: the failure names the block and where it is."""
    english, japanese = english_and_japanese()
    english.blocks.insert(3, ("bash", ["zerodl check runs/cnn   # new"], "## Check", 99))
    items = lambda r: [((t, tuple(code_of(t, b))), h, n) for t, b, h, n in r.blocks]  # noqa: E731
    lines = out_of_step(items(english), items(japanese), english, japanese,
                        lambda i: f"the ```{i[0][0]} block starting {i[0][1][0]!r}")  # fmt: skip
    assert lines == [
        "README.md has the ```bash block starting 'zerodl check runs/cnn' at README.md:99 "
        "(under '## Check'); README.ja.md has no such one there"
    ]
    assert code_of("bash", ["ls   # list", "# a comment", "cd x"]) == ["ls", "cd x"]
    assert code_of("text", ["a  # b"]) == ["a  # b"]  # output is output
