"""Which pieces of a learner's file to check, and as which of the book's pieces.

    find_pieces(namespace)                                  every piece with a book's name
    find_pieces(namespace, ["MyLoss=SoftmaxWithLoss", "TwoLayerNet(784, 50, 10)"])

Without names, every class or function defined by the learner (not imported from zerodl or
NumPy) whose name is one of the book's is checked. A name on the command line picks a piece,
`Alias=BookName` checks the learner's Alias as the book's BookName, and `(...)` after a
network's name gives its constructor's arguments, as Python literals.
"""

import ast
import inspect
import re
from dataclasses import dataclass, field

from zerodl.check import functions, layers, networks, optimizers
from zerodl.check.running import is_learners
from zerodl.check.wording import Message, shown
from zerodl.i18n import N_

__all__ = ["BOOK_PIECES", "Piece", "UsageError", "find_pieces", "parse_name"]

# The book's name of each piece -> (kind, its check).
BOOK_PIECES = {
    **{name: ("function", check) for name, check in functions.CHECKS.items()},
    **{name: ("layer", check) for name, check in layers.CHECKS.items()},
    **{name: ("optimizer", check) for name, check in optimizers.CHECKS.items()},
    **{name: ("network", check) for name, check in networks.CHECKS.items()},
}


class UsageError(Exception):
    """A name that cannot be checked as given: one line that says what to write (str() says it
    in the language zerodl speaks, as the command prints it)."""

    def __str__(self):
        return shown(self.args[0]) if self.args else ""


@dataclass
class Piece:
    name: str  # in the learner's file
    book_name: str
    obj: object
    args: tuple | None = None  # a network's constructor arguments, when given
    kwargs: dict = field(default_factory=dict)

    @property
    def kind(self):
        return BOOK_PIECES[self.book_name][0]


_NAME = re.compile(r"^\s*(?:([A-Za-z_]\w*)\s*=\s*)?([A-Za-z_]\w*)\s*(\(.*\))?\s*$", re.DOTALL)


def parse_name(text):
    """(name, book name, args or None, kwargs) from 'Name', 'Alias=BookName' and either
    followed by '(arguments)'."""
    match = _NAME.match(text)
    if not match:
        raise UsageError(
            Message(
                N_(
                    "cannot read {text!r}: write NAME, ALIAS=BOOKNAME or NAME(ARGUMENTS), "
                    "e.g. MyLoss=SoftmaxWithLoss or 'TwoLayerNet(784, 50, 10)'"
                ),
                text=text,
            )
        )
    alias, book_name, arguments = match.groups()
    name = book_name if alias is None else alias
    if book_name not in BOOK_PIECES:
        known = ", ".join(BOOK_PIECES)
        raise UsageError(
            Message(
                N_(
                    "{book_name} is not one of the book's pieces zerodl checks ({known}); "
                    "name yours as {name}=BOOKNAME"
                ),
                book_name=book_name,
                known=known,
                name=name,
            )
        )
    if arguments is None:
        return name, book_name, None, {}
    try:
        call = ast.parse(f"f{arguments}", mode="eval").body
        args = tuple(ast.literal_eval(a) for a in call.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError, AttributeError):
        raise UsageError(
            Message(
                N_(
                    "cannot read the arguments in {text!r}: give Python literals, "
                    "e.g. 'TwoLayerNet(784, 50, 10)'"
                ),
                text=text,
            )
        ) from None
    if BOOK_PIECES[book_name][0] != "network":
        raise UsageError(
            Message(
                N_(
                    "{text}: arguments are for networks; zerodl builds a {book_name} with the "
                    "book's constructor"
                ),
                text=text,
                book_name=book_name,
            )
        )
    return name, book_name, args, kwargs


def _fits(obj, kind):
    if kind == "function":
        return callable(obj) and not inspect.isclass(obj)
    return inspect.isclass(obj)


def _learners(obj):
    """True unless obj comes from zerodl, NumPy or the standard library: defined in the
    learner's file, or in a notebook's cell (no file, or one named like <ipython-input-1>)."""
    try:
        filename = inspect.getfile(obj)
    except (TypeError, OSError):
        return True
    return filename.startswith("<") or is_learners(filename)


def find_pieces(namespace, names=()):
    """[Piece] of `namespace` (a module's dict), in the book's order without names, else in
    the order named."""
    if not names:
        return [
            Piece(name, name, namespace[name])
            for name, (kind, _) in BOOK_PIECES.items()
            if name in namespace and _fits(namespace[name], kind) and _learners(namespace[name])
        ]
    pieces = []
    for text in names:
        name, book_name, args, kwargs = parse_name(text)
        if name not in namespace:
            defined = sorted(
                k
                for k, v in namespace.items()
                if (inspect.isclass(v) or inspect.isfunction(v)) and _learners(v)
            )
            if defined:
                error = Message(
                    N_("there is no {name} in the file (it defines: {defined})"),
                    name=name,
                    defined=", ".join(defined),
                )
            else:
                error = Message(
                    N_("there is no {name} in the file (it defines: no class or function)"),
                    name=name,
                )
            raise UsageError(error)
        kind = BOOK_PIECES[book_name][0]
        if not _fits(namespace[name], kind):
            if kind == "function":
                error = N_("{name} is not a function, as the book's {book_name} is")
            else:
                error = N_("{name} is not a class, as the book's {book_name} is")
            raise UsageError(Message(error, name=name, book_name=book_name))
        pieces.append(Piece(name, book_name, namespace[name], args, kwargs))
    return pieces
