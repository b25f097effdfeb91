"""Comparing the learner's array with the reference, and describing the difference for a learner.

    finding = compare("backward: dx", got, want, batch_size=2)   # None when they agree

The description names the shape, the first element that differs with both values, and the
constant factor when the two differ by one; the hint comes from the pattern of the difference:
a factor of the batch size, -1, a transpose, the same values in another order, or one of the
`suspects` the check passes (what a usual mistake computes, as an array or a test).
"""

import numpy as np

from zerodl.check.hints import hint_from_the_line
from zerodl.check.report import FAIL, Finding
from zerodl.check.wording import Message
from zerodl.i18n import N_

__all__ = ["at", "close", "compare", "constant_factor", "describe_factor", "raised", "shape_of"]

RTOL = 1e-5


def close(got, want, rtol=RTOL):
    """Equal up to `rtol` of the larger of each element and 1/100 of the array's largest
    magnitude (an element near 0 is not judged by its own tiny size: a gradient's error is
    measured against the gradient's scale, as zerodl.gradient.relative_error does)."""
    scale = max(float(np.max(np.abs(want), initial=0.0)), 1e-12)
    return np.abs(got - want) <= rtol * np.maximum(np.abs(want), 1e-2 * scale) + 1e-12 * scale


def constant_factor(got, want, rtol=RTOL):
    """k when got == k * want (k != 1) up to rtol, else None."""
    norm = float(np.sum(want * want))
    if norm == 0 or not np.all(np.isfinite(got)):
        return None
    k = float(np.sum(got * want)) / norm
    if abs(k - 1) < 1e-3 or abs(k) < 1e-12 or not np.all(close(got, k * want, rtol * 10)):
        return None
    return k


def describe_factor(k, batch_size=None, array_like=True):
    """(the line naming factor k, the hint it suggests)."""
    if batch_size and batch_size > 1 and (abs(k - batch_size) < 1e-6 * batch_size):
        line = Message(N_("yours = {n:g} x expected: the batch size N = {n}"), n=batch_size)
        return line, "batch_size"
    if batch_size and batch_size > 1 and abs(k * batch_size - 1) < 1e-6:
        line = Message(N_("yours = expected / {n}: the batch size N = {n}"), n=batch_size)
        return line, "batch_size"
    if abs(k + 1) < 1e-6:
        return Message(N_("yours = -1 x expected")), "sign"
    line = Message(N_("yours = {k} x expected"), k=f"{k:.6g}")
    if not array_like:  # one number: any two differ by a factor, a round one is a clue
        ratio = max(abs(k), 1 / abs(k))
        return line, "factor" if abs(ratio - round(ratio)) < 1e-6 else None
    return line, "factor"


def _index(idx):
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _value(v):
    return f"{v:.6g}"


def compare(
    what,
    got,
    want,
    *,
    batch_size=None,
    suspects=(),
    order_hint=None,
    nonfinite_hint=None,
    rtol=RTOL,
    input="",
):
    """None when the learner's `got` equals the reference `want`; else a FAIL Finding.

    suspects: (hint, array or test(got) -> bool), what a usual mistake gives, tried first.
    order_hint: the hint when got holds want's values in another order (im2col's axes).
    nonfinite_hint: the hint when got has inf or nan where want has none.
    """
    want = np.asarray(want, dtype=np.float64)
    if got is None:
        return Finding(
            FAIL, Message(N_("{what}: returned None (a missing return?)"), what=what), input=input
        )
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        line = Message(
            N_("{what}: returned {type}, not an array of numbers"),
            what=what,
            type=type(got).__name__,
        )
        return Finding(FAIL, line, input=input)
    if got.shape == want.shape and np.all(close(got, want, rtol)):
        return None
    hint = None
    for name, suspect in suspects:
        try:
            if callable(suspect):
                matched = bool(suspect(got))
            else:
                suspect = np.asarray(suspect, dtype=np.float64)
                matched = suspect.shape == got.shape and bool(np.all(close(got, suspect, rtol)))
        except (ValueError, TypeError, IndexError):
            matched = False
        if matched:
            hint = name
            break
    details = []
    if got.shape != want.shape:
        details.append(
            Message(N_("shape {shape}, expected {expected}"), shape=got.shape, expected=want.shape)
        )
        if hint is None and got.ndim == 2 and got.shape == want.T.shape:
            if np.all(close(got, want.T, rtol)):
                details.append(Message(N_("yours is the transpose of the expected")))
                hint = "transpose"
        if hint is None and got.size < want.size and want.ndim >= 1 and got.ndim < want.ndim:
            hint = "axis"
        if hint is None and got.size == want.size and order_hint and _same_values(got, want):
            details.append(Message(N_("the same values, in another order")))
            hint = order_hint
        return Finding(FAIL, Message(N_("{what} differs"), what=what), details, hint, input)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        bad = tuple(np.argwhere(~np.isfinite(got))[0])
        if got.ndim:
            line = Message(
                N_("shape {shape}; {value} at {index}, expected {expected}"),
                shape=got.shape,
                value=_value(got[bad]),
                index=_index(bad),
                expected=_value(want[bad]),
            )
        else:
            line = Message(
                N_("{value}, expected {expected}"), value=_value(got), expected=_value(want)
            )
        details.append(line)
        what = Message(N_("{what} has inf or nan"), what=what)
        return Finding(FAIL, what, details, hint or nonfinite_hint, input)
    wrong = ~close(got, want, rtol)
    if got.ndim == 0:
        details.append(
            Message(N_("yours {value}, expected {expected}"), value=_value(got),
                    expected=_value(want))
        )  # fmt: skip
    else:
        first = tuple(np.argwhere(wrong)[0])
        details.append(
            Message(
                N_(
                    "shape {shape}; {wrong} of {size} elements differ, first at {index}: "
                    "yours {value}, expected {expected}"
                ),
                shape=got.shape,
                wrong=int(wrong.sum()),
                size=wrong.size,
                index=_index(first),
                value=_value(got[first]),
                expected=_value(want[first]),
            )
        )
    k = constant_factor(got, want, rtol)
    if k is not None:
        line, factor_hint = describe_factor(k, batch_size, got.size > 1)
        details.append(line)
        hint = hint or factor_hint
    if hint is None and order_hint and _same_values(got, want):
        details.append(Message(N_("the same values, in another order")))
        hint = order_hint
    return Finding(FAIL, Message(N_("{what} differs"), what=what), details, hint, input)


def _same_values(got, want):
    return np.allclose(np.sort(got, axis=None), np.sort(want, axis=None), rtol=1e-9, atol=1e-12)


def raised(what, err, piece, input=""):
    """The FAIL Finding for the learner's code raising (or running too long): their own line."""
    from_the_line = hint_from_the_line(piece, err.code, err.what)
    if err.timed_out:
        line = Message(N_("{what} ran too long: {error}"), what=what, error=err.what)
    else:
        line = Message(N_("{what} raised: {error}"), what=what, error=err.what)
    return Finding(FAIL, line, at(err.where), from_the_line, input)


def at(where):
    """[the line naming where in the learner's file it happened] ([] when nowhere known)."""
    return [Message(N_("at {where}"), where=where)] if where else []


def shape_of(*arrays):
    """'x (2, 3), t (2,)' style description of named arrays: pairs (name, array)."""
    return ", ".join(f"{name} {np.shape(a)}" for name, a in arrays)
