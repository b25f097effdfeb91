"""zerodl check: a learner's own functions, layers, optimisers and networks against the book's.

    zerodl check two_layer_net.py                   every piece with a book's name
    zerodl check layers.py MyLoss=SoftmaxWithLoss   a piece of another name
    zerodl check net.py 'TwoLayerNet(784, 50, 10)'  a network's constructor arguments

    import zerodl
    report = zerodl.check("ch05/layers.py")         # or a module, a class, a function
    report                                           # a table in Jupyter, text elsewhere
    report["Affine"].status                          # "pass", "FAIL", "note" or "skipped"

The learner's file is loaded without running it (loading.py), with `common` and `dataset`
served as `zerodl book` serves them unless the learner has their own (book.runner.served). The
pieces are found by the book's names (finding.py) and each is checked in float64 against the
book's computation (references.py) by the checks of its kind: functions.py, layers.py,
optimizers.py, networks.py; compare.py and hints.py say what differs and its usual cause;
running.py keeps each piece within a time limit and reports the learner's own line when it
raises; report.py is what comes back, in the reader's language (wording.py: each line is kept
as its English message and its fields, translated when shown; --json stays English). Nothing is
written anywhere.

`zerodl.check` is this module, and calling it calls `check`.
"""

import sys
import types
from pathlib import Path

import numpy as np

from zerodl.book.runner import learners_own, served
from zerodl.check import running
from zerodl.check.compare import at
from zerodl.check.finding import BOOK_PIECES, UsageError, find_pieces
from zerodl.check.loading import LoadError, load_definitions
from zerodl.check.networks import NETWORKS
from zerodl.check.report import Finding, PieceResult, Report
from zerodl.check.running import CannotConstruct, LearnersError
from zerodl.check.wording import Message
from zerodl.i18n import N_

__all__ = ["BOOK_PIECES", "LoadError", "Report", "UsageError", "check"]

TIME_LIMIT = {"function": 10.0, "layer": 10.0, "optimizer": 10.0, "network": 60.0}


def check(target, *names, time_limit=None):
    """The Report of checking `target`: a path to a Python file, a module, or a class or function.

    names: the pieces to check (default: every piece with a book's name), as `Name`,
    `Alias=BookName` or `Network(arguments)`. time_limit: seconds per piece (default 10, 60
    for a network). Raises UsageError for a name that cannot be checked and LoadError for a
    file that cannot be loaded (each one line).
    """
    if isinstance(target, (str, Path)):
        path = Path(target)
        if not path.is_file():
            raise UsageError(Message(N_("no such file: {path}"), path=target))
        saved = sys.dont_write_bytecode
        sys.dont_write_bytecode = True  # the learner's imports leave no __pycache__ behind
        try:
            with served(path.resolve().parent, own=tuple(learners_own(path))):
                module = load_definitions(path)
                return check_namespace(vars(module), names, str(target), time_limit)
        finally:
            sys.dont_write_bytecode = saved
    if isinstance(target, types.ModuleType):
        return check_namespace(vars(target), names, target.__name__, time_limit)
    name = getattr(target, "__name__", None)
    if name is None:
        raise UsageError(
            Message(
                N_("cannot check a {type}: give a file, a module, a class or a function"),
                type=type(target).__name__,
            )
        )
    return check_namespace({name: target}, names or (name,), name, time_limit)


def check_namespace(namespace, names, source, limit=None):
    pieces = find_pieces(namespace, names)
    if not pieces:
        raise UsageError(
            Message(
                N_(
                    "nothing to check in {source}: no class or function of its own has one of "
                    "the book's names; name yours as ALIAS=BOOKNAME, e.g. MyLoss=SoftmaxWithLoss"
                ),
                source=source,
            )
        )
    report = Report(source)
    for piece in pieces:
        report.pieces.append(_check_piece(piece, limit or TIME_LIMIT[piece.kind]))
    return report


def _check_piece(piece, seconds):
    result = PieceResult(piece.name, piece.book_name, piece.kind)
    if piece.args is not None:
        given = [*map(repr, piece.args), *(f"{k}={v!r}" for k, v in piece.kwargs.items())]
        result.arguments = f"({', '.join(given)})"
    _, run = BOOK_PIECES[piece.book_name]
    state = np.random.get_state()  # noqa: NPY002 (the learner's code draws from it)
    try:
        with running.time_limit(seconds):
            if piece.kind == "network":
                result.findings = run(piece.obj, piece.args, piece.kwargs)
            else:
                result.findings = run(piece.obj)
    except CannotConstruct as err:
        if piece.kind == "network":
            example = NETWORKS[piece.book_name].example
            if piece.name != piece.book_name:
                example = f"{piece.name}={example}"
            result.skipped = Message(
                N_(
                    "its constructor needs arguments zerodl cannot guess ({error}); "
                    "give them on the command line: zerodl check FILE '{example}'"
                ),
                error=str(err),
                example=example,
            )
        else:
            result.skipped = Message(
                N_(
                    "its constructor needs arguments zerodl cannot guess ({error}); "
                    "zerodl check builds a {book_name} with the book's constructor"
                ),
                error=str(err),
                book_name=piece.book_name,
            )
    except running.TimeLimitExceeded as err:
        result.findings = [Finding("FAIL", err.args[0])]
    except LearnersError as err:  # the learner's code raised where a check did not expect it
        result.findings = [Finding("FAIL", err.what, at(err.where))]
    except Exception as err:  # noqa: BLE001 (what the learner's piece returned broke a check)
        where, line = running.learners_line(err.__traceback__)
        what = Message(N_("cannot be checked: {error}"), error=f"{type(err).__name__}: {err}")
        if where:
            details = at(f"{where}: {line}")
        else:
            details = [Message(N_("does it return what the book's returns?"))]
        result.findings = [Finding("FAIL", what, details)]
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return result


class _CallableModule(types.ModuleType):
    """zerodl.check(...) is check(...): the module and the function have one name."""

    def __call__(self, target, *names, time_limit=None):
        return check(target, *names, time_limit=time_limit)


sys.modules[__name__].__class__ = _CallableModule
