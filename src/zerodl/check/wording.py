"""The words of zerodl check's report: each line kept as its English message and its fields, so
that the report is shown in the reader's language (zerodl.i18n) while --json, the tests and
`finding.what == "..."` see the English.

    what = Message(N_("backward: {name}"), name="dx")
    line = Message(N_("{what} differs"), what=what)
    line == "backward: dx differs"      # a str: the English
    shown(line)                         # in Japanese: 逆伝播 (backward) の dx が正しい値と違います

A field that is itself a Message is shown in the reader's language too; any other field (a
number, a shape, a piece's name, a line of the learner's code) is shown as it is. The message is
translated whole, then filled, so a translation puts the fields where its language wants them.
"""

import textwrap
import unicodedata

from zerodl.i18n import language, translation

__all__ = ["Clauses", "Message", "shown", "translated", "width", "wrap"]


class Message(str):
    """A line for the learner: the English (this str's value) and how to say it in another
    language (`message`, a format string marked with N_(), and its `fields`)."""

    def __new__(cls, message, **fields):
        self = super().__new__(cls, message.format(**fields) if fields else message)
        self.message, self.fields = message, fields
        return self

    def __getnewargs_ex__(self):  # copy and pickle build it again from its message and fields
        return (self.message,), self.fields

    def shown(self):
        """The line in the language zerodl speaks now."""
        if not self.fields:
            return translated(self.message)
        return translated(self.message).format(
            **{key: shown(value) for key, value in self.fields.items()}
        )


class Clauses(Message):
    """Messages joined by a separator marked with N_() (", ", which Japanese writes 、): a
    list of clauses each whole in itself, such as the counts of the summary line."""

    def __new__(cls, separator, parts):
        self = str.__new__(cls, separator.join(parts))
        self.message, self.fields = str(self), {}
        self.separator, self.parts = separator, list(parts)
        return self

    def __getnewargs_ex__(self):
        return (self.separator, self.parts), {}

    def shown(self):
        return translated(self.separator).join(shown(part) for part in self.parts)


def translated(message):
    """`message`, marked with N_() where it was defined, in the language zerodl speaks now
    (what _() does for a message written where it is shown)."""
    return translation(language()).gettext(message)


def shown(text):
    """`text` in the language zerodl speaks now when it is a Message; anything else as it is."""
    return text.shown() if isinstance(text, Message) else text


def width(text):
    """The columns `text` takes in a terminal: two for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_WHITESPACE = str.maketrans("\n\r\x0b\x0c", "    ")
# A line may not start with these (Japanese line breaking: 行頭禁則).
_NO_BREAK_BEFORE = set("、。，．）」』】〕：；！？ー)]},.:;!?")


def wrap(line, columns, first, rest):
    """`line` filled to `columns` terminal columns, `first` before its first line and `rest`
    before the others. English breaks between words (textwrap); a line with wide characters
    also breaks between two of them, as Japanese does, never inside a word of Latin letters
    (code such as np.dot(dout, W.T) stays whole where it can)."""
    if width(line) == len(line):
        return textwrap.fill(line, columns, initial_indent=first, subsequent_indent=rest)
    line = line.expandtabs().translate(_WHITESPACE)  # as textwrap does: one line in, then filled
    lines, current, room = [], first, columns - width(first)
    for piece in _breakable_pieces(line):
        if width(piece) > room and current.strip() and piece[:1] not in _NO_BREAK_BEFORE:
            lines.append(current.rstrip())
            current, room = rest, columns - width(rest)
            piece = piece.lstrip()
        current += piece
        room -= width(piece)
    lines.append(current.rstrip())
    return "\n".join(lines)


def _breakable_pieces(line):
    """`line` cut where a Japanese line may break: after each wide character and before each
    space (a space stays with the word after it)."""
    pieces, current = [], ""
    for c in line:
        if c == " " and current:
            pieces.append(current)
            current = ""
        current += c
        if unicodedata.east_asian_width(c) in "WF":
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces
