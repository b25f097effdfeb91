"""What `zerodl check` found: one line per piece (pass / FAIL / note), and for each finding what
differs, the smallest input that shows it and the usual cause.

    report = zerodl.check("two_layer_net.py")
    report                       # the text in a terminal, a table in Jupyter (_repr_html_)
    report.exit_code             # 0 all pass, 1 a FAIL, 2 a piece that could not be checked
    report.to_dict()             # what --json prints
"""

import html
import textwrap
from dataclasses import dataclass, field

from zerodl.check.hints import HINTS

__all__ = ["FAIL", "NOTE", "PASS", "SKIPPED", "Finding", "PieceResult", "Report"]

PASS, FAIL, NOTE, SKIPPED = "pass", "FAIL", "note", "skipped"
WIDTH = 100  # the text report's lines


def _fill(line, first):
    return textwrap.fill(line, WIDTH, initial_indent=first, subsequent_indent=" " * 12)


@dataclass
class Finding:
    """One thing found wrong (FAIL) or worth knowing (note) about a piece."""

    status: str  # FAIL or note
    what: str  # "backward: dx differs", "forward raised"
    details: list = field(default_factory=list)  # lines: shape, first wrong element, factor
    hint: str | None = None  # a key of HINTS
    input: str = ""  # the smallest input that shows it

    def lines(self):
        out = [self.what, *self.details]
        if self.input:
            out.append(f"smallest input: {self.input}")
        if self.hint:
            out.append(f"hint: {HINTS[self.hint]}")
        return out

    def to_dict(self):
        return {
            "status": self.status,
            "what": self.what,
            "details": list(self.details),
            "input": self.input,
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
        name = self.name + self.arguments
        return name if self.name == self.book_name else f"{name} (as {self.book_name})"

    def text(self, width=0):
        """The piece's line (status, name, kind) and the lines of its findings."""
        lines = [f"  {self.status:<7} {self.label:<{width}}  {self.kind}"]
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
            "skipped": self.skipped or None,
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
        failed, notes, skipped = self.count(FAIL), self.count(NOTE), self.count(SKIPPED)
        parts = [f"{len(self.pieces) - failed - skipped} of {len(self.pieces)} pieces pass"]
        if failed:
            parts.append(f"{failed} FAIL")
        if notes:
            parts.append(f"{notes} with a note")
        if skipped:
            parts.append(f"{skipped} not checked")
        return ", ".join(parts)

    def text(self):
        width = max((len(p.label) for p in self.pieces), default=0)
        lines = [f"zerodl check {self.source}"]
        lines += [piece.text(width) for piece in self.pieces]
        lines.append(self.summary())
        return "\n".join(lines)

    def to_dict(self):
        return {
            "source": self.source,
            "exit_code": self.exit_code,
            "summary": self.summary(),
            "pieces": [p.to_dict() for p in self.pieces],
        }

    __str__ = text

    def __repr__(self):
        return self.text()

    def _repr_html_(self):
        colour = {PASS: "#2a7d2a", FAIL: "#c62828", NOTE: "#8a6d00", SKIPPED: "#555"}
        rows = []
        for piece in self.pieces:
            details = [piece.skipped] if piece.skipped else []
            for finding in piece.findings:
                details.append(
                    f"<b>{finding.status}</b> "
                    + "<br>".join(html.escape(line) for line in finding.lines())
                )
            rows.append(
                f'<tr><td style="color:{colour[piece.status]};font-weight:bold">'
                f"{piece.status}</td><td><code>{html.escape(piece.label)}</code></td>"
                f'<td>{piece.kind}</td><td style="text-align:left">'
                f"{'<br>'.join(d if d.startswith('<b>') else html.escape(d) for d in details)}"
                "</td></tr>"
            )
        return (
            f"<p><code>zerodl check {html.escape(self.source)}</code></p>"
            "<table><tr><th></th><th>piece</th><th>kind</th><th>what differs</th></tr>"
            + "".join(rows)
            + f"</table><p>{html.escape(self.summary())}</p>"
        )
