"""Calling the learner's code: a time limit on each piece, the learner's own line when it raises.

    with time_limit(10):
        out = call(layer.forward, x)        # LearnersError if it raises or runs too long

A LearnersError carries one line for the report: where in the learner's file it happened
(`two_layer_net.py:42: dx = np.dot(dout, self.W)`) and what (`ValueError: shapes ...`), never a
frame of zerodl or NumPy. The time limit is SIGALRM in the main thread (a loop in NumPy is
interrupted as soon as it returns to Python); elsewhere (a notebook's worker thread, Windows) a
trace function checks the clock on every line of Python the learner runs.
"""

import linecache
import os
import signal
import sys
import sysconfig
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import zerodl
from zerodl.check.wording import Message
from zerodl.i18n import N_

__all__ = [
    "CannotConstruct",
    "LearnersError",
    "TimeLimitExceeded",
    "call",
    "is_learners",
    "learners_line",
    "time_limit",
]

# Frames from these folders are not the learner's: zerodl itself, NumPy, the standard library.
_NOT_THE_LEARNERS = tuple(
    str(Path(p).resolve()) + os.sep
    for p in (
        Path(zerodl.__file__).parent,
        Path(np.__file__).parent,
        sysconfig.get_paths()["stdlib"],
    )
)


class TimeLimitExceeded(Exception):
    """Raised inside the learner's code when a piece runs longer than its time limit."""


class LearnersError(Exception):
    """The learner's code raised (or ran too long): `where` is the learner's line, `what` the
    exception in one line, `code` the learner's source line (for hints)."""

    def __init__(self, what, where="", code="", timed_out=False):
        super().__init__(f"{what} ({where})" if where else what)
        self.what, self.where, self.code, self.timed_out = what, where, code, timed_out


class CannotConstruct(Exception):
    """The piece's constructor refused the book's arguments: zerodl cannot guess its own."""

    @classmethod
    def raise_for(cls, err):
        """Raise CannotConstruct when the LearnersError `err` of a constructor is about its
        arguments (a TypeError naming them)."""
        if err.what.startswith("TypeError") and "argument" in err.what and not err.timed_out:
            raise cls(err.what) from None


def is_learners(filename):
    """True for a file of the learner's (not zerodl's, NumPy's or the standard library's)."""
    path = str(Path(filename).resolve()) if not filename.startswith("<") else filename
    return not path.startswith("<") and not path.startswith(_NOT_THE_LEARNERS)


def learners_line(tb):
    """(file:line, the source line) of the learner's innermost frame in traceback `tb`."""
    found = ("", "")
    while tb is not None:
        code = tb.tb_frame.f_code
        if is_learners(code.co_filename):
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            found = (f"{Path(code.co_filename).name}:{tb.tb_lineno}", line)
        tb = tb.tb_next
    return found


def call(function, *args, **kwargs):
    """function(*args, **kwargs), with NumPy's floating-point warnings silenced (the results
    are checked for inf and nan instead) and any exception turned into a LearnersError."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args, **kwargs)
    except TimeLimitExceeded as err:
        where, code = learners_line(err.__traceback__)
        what = err.args[0]  # a Message: the report says it in the reader's language
        raise LearnersError(what, f"{where}: {code}" if where else "", code, True) from None
    except Exception as err:  # noqa: BLE001 (the learner's code may raise anything)
        where, code = learners_line(err.__traceback__)
        what = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}".rstrip(": ")
        raise LearnersError(what, f"{where}: {code}" if where else "", code) from None


@contextmanager
def time_limit(seconds):
    """Within the block, the learner's code may run `seconds`; then TimeLimitExceeded."""
    message = Message(N_("ran longer than the time limit of {seconds:g} s"), seconds=seconds)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):

        def alarm(signum, frame):
            raise TimeLimitExceeded(message)

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    deadline = time.monotonic() + seconds

    def tracer(frame, event, arg):  # a trace function: checked on every line of Python
        if time.monotonic() > deadline:
            raise TimeLimitExceeded(message)
        return tracer

    previous_trace = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous_trace)
