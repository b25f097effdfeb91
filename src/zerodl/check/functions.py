"""Checks of the book's functions (chapters 2 to 4 and 7): step_function, sigmoid, relu,
softmax, cross_entropy_error, mean_squared_error, numerical_gradient, im2col, col2im.

Each check calls the learner's function on inputs from the smallest up, compares the result
with references.py and stops at the first failure (the smallest input that shows it). Each
returns a list of Findings; an empty list is a pass.
"""

import numpy as np

from zerodl.check import references as ref
from zerodl.check.compare import at, close, compare, constant_factor, raised, shape_of
from zerodl.check.report import FAIL, NOTE, Finding
from zerodl.check.running import LearnersError, call
from zerodl.check.wording import Message
from zerodl.i18n import N_

__all__ = ["CHECKS"]


def _rng():
    return np.random.default_rng(0)


def _run(findings, piece, what, function, *args, input=""):
    """function(*args), or None with a FAIL Finding when it raises."""
    try:
        return call(function, *args)
    except LearnersError as err:
        findings.append(raised(what, err, piece, input))
        return None


def _elementwise(piece, reference, suspects=(), extra=()):
    """A check of an elementwise function: 1-D, 2-D and 4-D inputs, input left unchanged."""

    def check(function):
        rng = _rng()
        inputs = [
            np.array([-1.0, 0.0, 2.0]),
            rng.normal(size=(3, 4)) * 3,
            rng.normal(size=(2, 3, 2, 2)),
            *extra,
        ]
        inputs[1][0, 0] = 0.0  # the boundary x = 0
        for x in inputs:
            findings, given = [], x.copy()
            got = _run(findings, piece, piece, function, given, input=shape_of(("x", x)))
            if findings:
                return findings
            found = compare(
                piece,
                got,
                reference(x),
                suspects=[(hint, lambda g, s=s, x=x: np.allclose(g, s(x))) for hint, s in suspects],
                input=f"x = {np.array2string(x, precision=3)}"
                if x.size <= 6
                else shape_of(("x", x)),
            )
            if found:
                return [found]
            if not np.array_equal(given, x):
                return [
                    Finding(
                        FAIL,
                        Message(N_("{piece} changed its input x in place"), piece=piece),
                        [],
                        "in_place",
                        shape_of(("x", x)),
                    )
                ]
        return []

    return check


def _softmax(function):
    rng = _rng()
    cases = [
        np.array([0.3, 2.9, 4.0]),  # the book's example
        rng.normal(size=(2, 3)),
        rng.normal(size=(4, 5)) * 3,
        np.array([1010.0, 1000.0, 990.0]),  # the book's example of overflow
        np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]]),
    ]
    for x in cases:
        findings, given = [], x.copy()
        label = f"x = {np.array2string(x, precision=3)}" if x.size <= 6 else shape_of(("x", x))
        got = _run(findings, "softmax", "softmax", function, given, input=label)
        if findings:
            return findings
        whole = np.exp(x - x.max()) / np.exp(x - x.max()).sum()  # over every element at once
        columns = ref.softmax(x.T).T if x.ndim == 2 else whole
        found = compare(
            "softmax",
            got,
            ref.softmax(x),
            suspects=[("axis", whole), ("axis", columns)],
            nonfinite_hint="softmax_max",
            input=label,
        )
        if found:
            return [found]
        if not np.array_equal(given, x):
            what = Message(N_("{piece} changed its input x in place"), piece="softmax")
            return [Finding(FAIL, what, [], "in_place", label)]
    return []


def _cross_entropy_error(function):
    rng = _rng()
    y1 = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])  # the book's example
    t1 = np.eye(10)[2]
    y = ref.softmax(rng.normal(size=(3, 4)))
    labels = np.array([1, 0, 3])
    onehot = np.eye(4)[labels]
    y_zeros = np.array([[0.0, 1.0, 0.0], [0.2, 0.8, 0.0]])
    cases = [
        (Message(N_("y (10,) and one-hot t (10,), the book's example")), y1, t1, False),
        (Message(N_("y (3, 4) and one-hot t (3, 4)")), y, onehot, False),
        (Message(N_("y (2, 3) with zeros, one-hot t (2, 3)")), y_zeros, np.eye(3)[[1, 1]], False),
        (Message(N_("y (3, 4) and labels t (3,)")), y, labels, True),
        (Message(N_("y (2, 3) with y = 0 for the correct class")), y_zeros, np.array([0, 2]), True),
    ]
    findings = []
    for label, y_, t_, labels_case in cases:
        try:
            got = call(function, y_.copy(), t_.copy())
        except LearnersError as err:
            if labels_case and not err.timed_out:  # the book's first version takes one-hot t
                what = Message(
                    N_("{piece} does not take labels: {error}"),
                    piece="cross_entropy_error",
                    error=err.what,
                )
                findings.append(Finding(NOTE, what, at(err.where), "labels", label))
                return findings
            return [raised("cross_entropy_error", err, "cross_entropy_error", label)]
        want = ref.cross_entropy_error(y_, t_)
        if label.endswith("correct class"):
            if not np.all(np.isfinite(np.asarray(got, dtype=np.float64))):
                what = Message(N_("cross_entropy_error is {value}, not a number"), value=got)
                return [Finding(FAIL, what, [], "log_zero", label)]
            continue
        found = compare(
            "cross_entropy_error",
            got,
            want,
            batch_size=len(np.atleast_2d(y_)),
            nonfinite_hint="log_zero",
            input=label,
        )
        if found:
            if labels_case and found.hint is None:
                found.hint = "labels"
            return [found]
    return findings


def _mean_squared_error(function):
    rng = _rng()
    y1 = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    cases = [(y1, np.eye(10)[2]), (rng.random((3, 4)), np.eye(4)[[1, 0, 3]])]
    for y, t in cases:
        label = shape_of(("y", y), ("t", t))
        findings = []
        got = _run(
            findings,
            "mean_squared_error",
            "mean_squared_error",
            function,
            y.copy(),
            t.copy(),
            input=label,
        )
        if findings:
            return findings
        found = compare("mean_squared_error", got, ref.mean_squared_error(y, t), input=label)
        if found:
            return [found]
    return []


def _numerical_gradient(function):
    rng = _rng()
    findings = []
    for shape in ((3,), (2, 3)):
        c = rng.normal(size=shape)
        x = rng.normal(size=shape) + 2.0
        given = x.copy()
        label = f"f(x) = sum(c * x**3), x {shape}"

        def f(v, c=c):
            return float(np.sum(c * v**3))

        try:
            got = call(function, f, given)
        except LearnersError as err:
            if len(shape) > 1 and not err.timed_out:  # the book's first version: 1-D x only
                what = Message(N_("numerical_gradient takes 1-D x only: {error}"), error=err.what)
                details = [
                    *at(err.where),
                    Message(N_("the book's common/gradient.py takes any shape")),
                ]
                findings.append(Finding(NOTE, what, details, None, label))
                return findings
            return [raised("numerical_gradient", err, "numerical_gradient", label)]
        want = 3 * c * x**2
        forward = [(f(x + h) - f(x)) / 1e-4 for h in np.eye(x.size).reshape(-1, *shape) * 1e-4]
        found = compare(
            "numerical_gradient",
            got,
            want,
            suspects=[
                ("step_size", lambda g: np.all(g == 0)),
                (
                    "central_difference",
                    lambda g, forward=forward, shape=shape: np.allclose(
                        g, np.reshape(forward, shape), rtol=1e-3
                    ),
                ),
                (
                    "central_difference",  # divided by h, not 2h (or by 4h)
                    lambda g, want=want: any(
                        abs((constant_factor(g, want) or 0) - k) < 1e-3 for k in (2, 0.5)
                    ),
                ),
            ],
            rtol=1e-5,
            input=label,
        )
        if found:
            return [found]
        if not np.all(close(given, x, 1e-12)):
            return [
                Finding(
                    FAIL,
                    Message(N_("numerical_gradient did not put x back as it was")),
                    [
                        Message(
                            N_("x changed by up to {change:.3g}"),
                            change=np.max(np.abs(given - x)),
                        )
                    ],
                    "restore",
                    label,
                )
            ]
    return findings


_CONV_CASES = [  # (x shape, filter_h, filter_w, stride, pad), the first with windows apart
    ((1, 1, 4, 4), 2, 2, 2, 0),
    ((2, 3, 5, 5), 3, 3, 1, 1),
    ((1, 2, 5, 7), 3, 3, 2, 1),
]


def _im2col(function):
    rng = _rng()
    for shape, fh, fw, stride, pad in _CONV_CASES:
        x = rng.normal(size=shape)
        label = Message(
            N_("x {shape}, filter {fh}x{fw}, stride {stride}, pad {pad}"),
            shape=shape,
            fh=fh,
            fw=fw,
            stride=stride,
            pad=pad,
        )
        findings = []
        got = _run(
            findings, "im2col", "im2col", function, x.copy(), fh, fw, stride, pad, input=label
        )
        if findings:
            return findings
        found = compare(
            "im2col",
            got,
            ref.im2col(x, fh, fw, stride, pad),
            order_hint="im2col_order",
            input=label,
        )
        if found:
            return [found]
    return []


def _col2im_assigning(col, shape, fh, fw, stride, pad):
    """col2im with `=` where the book adds: the later window wins (a usual mistake)."""
    N, C, H, W = shape
    OH, OW = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    col = col.reshape(N, OH, OW, C, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(fh):
        for x in range(fw):
            img[:, :, y : y + stride * OH : stride, x : x + stride * OW : stride] = col[:, :, y, x]
    return img[:, :, pad : H + pad, pad : W + pad]


def _col2im(function):
    rng = _rng()
    for shape, fh, fw, stride, pad in _CONV_CASES:
        N, C, H, W = shape
        rows = N * ((H + 2 * pad - fh) // stride + 1) * ((W + 2 * pad - fw) // stride + 1)
        col = rng.normal(size=(rows, C * fh * fw))
        label = Message(
            N_("col {col}, input_shape {shape}, filter {fh}x{fw}, stride {stride}, pad {pad}"),
            col=col.shape,
            shape=shape,
            fh=fh,
            fw=fw,
            stride=stride,
            pad=pad,
        )
        findings = []
        got = _run(
            findings,
            "col2im",
            "col2im",
            function,
            col.copy(),
            shape,
            fh,
            fw,
            stride,
            pad,
            input=label,
        )
        if findings:
            return findings
        want = ref.col2im(col, shape, fh, fw, stride, pad)
        found = compare(
            "col2im",
            got,
            want,
            suspects=[
                (
                    "col2im_padding",
                    lambda g, want=want, pad=pad, H=H, W=W: (
                        g.ndim == 4
                        and g.shape[2] > H
                        and np.allclose(g[:, :, pad : pad + H, pad : pad + W], want)
                    ),
                ),
                ("col2im_add", _col2im_assigning(col, shape, fh, fw, stride, pad)),
            ],
            order_hint="im2col_order",
            input=label,
        )
        if found:
            return [found]
    return []


CHECKS = {
    "step_function": _elementwise(
        "step_function", ref.step_function, [("threshold", lambda x: (x >= 0).astype(float))]
    ),
    "sigmoid": _elementwise(
        "sigmoid",
        ref.sigmoid,
        [("sign", lambda x: ref.sigmoid(-x))],
        extra=(np.array([-1000.0, 1000.0]),),
    ),
    "relu": _elementwise("relu", ref.relu),
    "softmax": _softmax,
    "cross_entropy_error": _cross_entropy_error,
    "mean_squared_error": _mean_squared_error,
    "numerical_gradient": _numerical_gradient,
    "im2col": _im2col,
    "col2im": _col2im,
}
