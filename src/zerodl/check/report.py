"""What `zerodl check` found: one line per piece (pass / FAIL / note), and for each finding what
differs, the smallest input that shows it and the usual cause.

    report = zerodl.check("two_layer_net.py")
    report                       # the text in a terminal, a table in Jupyter (_repr_html_)
    report.exit_code             # 0 all pass, 1 a FAIL, 2 a piece that could not be checked
    report.to_dict()             # what --json prints
    report["Affine"].findings[0].what   # "backward: dx differs": a str, the English

The text and the table are in the language zerodl speaks when they are shown (ZERODL_LANG=ja,
or a Japanese locale: zerodl.i18n); to_dict() is English in every language. The statuses are
tokens, the same in both.
"""

import html
from dataclasses import dataclass, field

from zerodl.check.hints import HINTS
from zerodl.check.wording import Clauses, Message, shown, translated, width, wrap
from zerodl.i18n import N_, _

__all__ = ["FAIL", "NOTE", "PASS", "SKIPPED", "Finding", "PieceResult", "Report"]

# The statuses are tokens, the same in every language: the report's first column, --json,
# report["Affine"].status and a learner's grep for FAIL all read the same word.
PASS, FAIL, NOTE, SKIPPED = "pass", "FAIL", "note", "skipped"
WIDTH = 100  # the text report's lines, in terminal columns
KINDS = {
    "function": N_("function"),
    "layer": N_("layer"),
    "optimizer": N_("optimizer"),
    "network": N_("network"),
}

HTML_HEADERS = (N_("piece"), N_("kind"), N_("what differs"))  # Jupyter's table


def _fill(line, first):
    return wrap(shown(line), WIDTH, first, " " * 12)


def _pad(text, columns):
    """`text` followed by spaces up to `columns` terminal columns (a wide character takes two)."""
    return text + " " * max(0, columns - width(text))


@dataclass
class Finding:
    """One thing found wrong (FAIL) or worth knowing (note) about a piece."""

    status: str  # FAIL or note
    what: str  # "backward: dx differs", "forward raised"
    details: list = field(default_factory=list)  # lines: shape, first wrong element, factor
    hint: str | None = None  # a key of HINTS
    input: str = ""  # the smallest input that shows it

    def lines(self):
        """The finding's lines, in the language zerodl speaks now."""
        out = [shown(self.what), *map(shown, self.details)]
        if self.input:
            out.append(_("smallest input: {input}").format(input=shown(self.input)))
        if self.hint:
            out.append(_("hint: {hint}").format(hint=translated(HINTS[self.hint])))
        return out

    def to_dict(self):
        """The finding for tools: English, whatever the language (str() of a Message)."""
        return {
            "status": self.status,
            "what": str(self.what),
            "details": [str(d) for d in self.details],
            "input": str(self.input),
            "hint": self.hint,
            "hint_text": HINTS[self.hint] if self.hint else None,
        }


@dataclass(repr=False)
class PieceResult:
    """The checks of one piece: `name` in the learner's file, checked as the book's `book_name`."""

    name: str
    book_name: str
    kind: str  # function, layer, optimizer, network
    findings: list = field(default_factory=list)
    skipped: str = ""  # why the piece could not be checked (a constructor's arguments)
    arguments: str = ""  # a network's constructor arguments, as given: "(784, 50, 10)"

    @property
    def status(self):
        if self.skipped:
            return SKIPPED
        if any(f.status == FAIL for f in self.findings):
            return FAIL
        return NOTE if self.findings else PASS

    @property
    def hints(self):
        return [f.hint for f in self.findings if f.status == FAIL and f.hint]

    @property
    def label(self):
        """The piece's name as the report shows it: `Net(784, 50, 10) (as TwoLayerNet)`."""
        name = self.name + self.arguments
        if self.name == self.book_name:
            return name
        return Message(N_("{name} (as {book_name})"), name=name, book_name=self.book_name)

    def text(self, columns=0):
        """The piece's line (status, name, kind) and the lines of its findings, in the
        language zerodl speaks now; the name padded to `columns`."""
        label = _pad(shown(self.label), columns)
        lines = [f"  {self.status:<7} {label}  {translated(KINDS[self.kind])}"]
        if self.skipped:
            lines.append(_fill(self.skipped, " " * 10))
        for finding in self.findings:
            for i, line in enumerate(finding.lines()):
                lines.append(_fill(line, f"    {finding.status:<5} " if i == 0 else " " * 10))
        return "\n".join(lines)

    def __repr__(self):
        return self.text()

    def to_dict(self):
        return {
            "name": self.name,
            "book_name": self.book_name,
            "kind": self.kind,
            "arguments": self.arguments or None,
            "status": self.status,
            "skipped": str(self.skipped) or None,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(repr=False)
class Report:
    """Every piece checked in `source` (a file or a module), in the order checked."""

    source: str
    pieces: list = field(default_factory=list)

    def __getitem__(self, name):
        for piece in self.pieces:
            if name in (piece.name, piece.book_name):
                return piece
        raise KeyError(f"no piece named {name!r} was checked (checked: {self.names()})")

    def names(self):
        return ", ".join(p.name for p in self.pieces)

    def count(self, status):
        return sum(piece.status == status for piece in self.pieces)

    @property
    def exit_code(self):
        """0 when every piece passes, 1 when any fails, 2 when one could not be checked."""
        if self.count(FAIL):
            return 1
        return 2 if self.count(SKIPPED) else 0

    def summary(self):
        """'0 of 1 pieces pass, 1 FAIL': a Message, each count a clause of its own."""
        failed, notes, skipped = self.count(FAIL), self.count(NOTE), self.count(SKIPPED)
        total = len(self.pieces)
        passed = total - failed - skipped
        parts = [Message(N_("{passed} of {total} pieces pass"), passed=passed, total=total)]
        if failed:
            parts.append(Message(N_("{failed} FAIL"), failed=failed))
        if notes:
            parts.append(Message(N_("{notes} with a note"), notes=notes))
        if skipped:
            parts.append(Message(N_("{skipped} not checked"), skipped=skipped))
        return Clauses(N_(", "), parts)  # Japanese joins them with 、

    def text(self):
        """The report in the language zerodl speaks now (str() and repr() give it too)."""
        columns = max((width(shown(p.label)) for p in self.pieces), default=0)
        lines = [f"zerodl check {self.source}"]
        lines += [piece.text(columns) for piece in self.pieces]
        lines.append(shown(self.summary()))
        return "\n".join(lines)

    def to_dict(self):
        """The report for tools (--json): English, whatever the language."""
        return {
            "source": self.source,
            "exit_code": self.exit_code,
            "summary": str(self.summary()),
            "pieces": [p.to_dict() for p in self.pieces],
        }

    __str__ = text

    def __repr__(self):
        return self.text()

    def _repr_html_(self):
        """The report as a table for Jupyter, in the language zerodl speaks now."""
        colour = {PASS: "#2a7d2a", FAIL: "#c62828", NOTE: "#8a6d00", SKIPPED: "#555"}
        rows = []
        for piece in self.pieces:
            details = [html.escape(shown(piece.skipped))] if piece.skipped else []
            for finding in piece.findings:
                details.append(
                    f"<b>{finding.status}</b> "
                    + "<br>".join(html.escape(line) for line in finding.lines())
                )
            rows.append(
                f'<tr><td style="color:{colour[piece.status]};font-weight:bold">'
                f"{piece.status}</td><td><code>{html.escape(shown(piece.label))}</code></td>"
                f'<td>{html.escape(translated(KINDS[piece.kind]))}</td><td style="text-align:left">'
                f"{'<br>'.join(details)}</td></tr>"
            )
        headers = "".join(f"<th>{html.escape(translated(h))}</th>" for h in HTML_HEADERS)
        return (
            f"<p><code>zerodl check {html.escape(self.source)}</code></p>"
            f"<table><tr><th></th>{headers}</tr>"
            + "".join(rows)
            + f"</table><p>{html.escape(shown(self.summary()))}</p>"
        )
