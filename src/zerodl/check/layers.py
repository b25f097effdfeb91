"""Checks of the book's layers (chapters 5 to 7), built with the book's constructors:
MulLayer(), AddLayer(), Relu(), Sigmoid(), Affine(W, b), SoftmaxWithLoss(), Dropout(ratio),
BatchNormalization(gamma, beta), Convolution(W, b, stride, pad),
Pooling(pool_h, pool_w, stride, pad).

For each input, from the smallest up: forward equals the reference (references.py); x is left
as it was; backward's dx and every parameter gradient (dW, db, dgamma, dbeta) equal float64
numerical gradients of the reference forward; dout is left as it was unless the book's own
layer changes it (Relu: then a note); a second forward and backward give the same results. The
first failure ends the layer's check: its input is the smallest that shows it.
"""

from dataclasses import dataclass, field

import numpy as np

from zerodl.check import references as ref
from zerodl.check.compare import RTOL, at, close, compare, raised, shape_of
from zerodl.check.report import FAIL, NOTE, Finding
from zerodl.check.running import CannotConstruct, LearnersError, call
from zerodl.check.wording import Message
from zerodl.i18n import N_

__all__ = ["CHECKS"]

FORWARD = Message(N_("forward"))  # the forward pass (順伝播), the layer's forward method
BACKWARD = Message(N_("backward"))


_X_CHANGED = Message(N_("forward changed its input x in place"))


def _backward(name):
    """'backward: dx': what backward gives for `name` (dx, dW, db, ...)."""
    return Message(N_("backward: {name}"), name=name)


@dataclass
class Case:
    """One input of a layer: `make(params)` builds the learner's layer from copies of `params`
    (in the constructor's order), `reference(x, params)` is the book's forward."""

    label: str
    x: np.ndarray
    params: dict
    make: object
    reference: object
    grads: dict = field(default_factory=dict)  # parameter -> the book's attribute (W -> dW)
    forward: object = None  # (layer, x) -> out; default layer.forward(x)
    batch_size: int = 0


class _Stop(Exception):
    """The check of this layer ends with `finding`."""

    def __init__(self, finding):
        self.finding = finding


def _call(piece, what, function, *args, input=""):
    try:
        return call(function, *args)
    except LearnersError as err:
        raise _Stop(raised(what, err, piece, input)) from None


def _differentiable(
    piece,
    cases,
    *,
    dout_in_place_is_books=False,
    suspects=None,
    order_hint=None,
    rtol=RTOL,
    dx_rtol=None,
):
    """The checks of a layer whose backward is a gradient: see the module's docstring.

    suspects(case, x, dout) -> {what: [(hint, array or test)]} for 'forward', 'dx', 'W', ...
    """
    notes = []
    for case in cases:
        x, label = case.x, case.label
        params = {key: p.copy() for key, p in case.params.items()}
        try:
            layer = call(case.make, *params.values())
        except LearnersError as err:
            CannotConstruct.raise_for(err)
            return [raised(f"{piece}(...)", err, piece, label)]
        forward = case.forward or (lambda layer, x: layer.forward(x))
        try:
            given = x.copy()
            out = _call(piece, FORWARD, forward, layer, given, input=label)
            want = case.reference(x, case.params)
            named = suspects(case, x, None) if suspects else {}
            found = compare(
                FORWARD,
                out,
                want,
                batch_size=case.batch_size,
                suspects=named.get("forward", ()),
                order_hint=order_hint,
                rtol=rtol,
                input=label,
            )
            if found:
                raise _Stop(found)
            if not np.array_equal(given, x):
                raise _Stop(Finding(FAIL, _X_CHANGED, [], "in_place", label))
            again = _call(piece, FORWARD, forward, layer, x.copy(), input=label)
            if not np.array_equal(np.asarray(again), np.asarray(out)):
                raise _Stop(
                    Finding(
                        FAIL,
                        Message(N_("a second forward of the same x gives another result")),
                        [],
                        "accumulate",
                        label,
                    )
                )
            dout = np.random.default_rng(1).normal(size=want.shape)
            given_dout = dout.copy()
            dx = _call(piece, BACKWARD, layer.backward, given_dout, input=label)
            named = suspects(case, x, dout) if suspects else {}
            x_var = x.copy()
            want_dx = ref.gradient_of(
                lambda case=case, x_var=x_var: case.reference(x_var, case.params), x_var, dout
            )
            found = compare(
                _backward("dx"),
                dx,
                want_dx,
                batch_size=case.batch_size,
                suspects=named.get("dx", ()),
                order_hint=order_hint,
                rtol=dx_rtol or rtol,
                input=label,
            )
            if found:
                raise _Stop(found)
            grads = {}
            for key, attribute in case.grads.items():
                grads[key] = _gradient_attribute(layer, attribute, label)
                p_var = {k: (v.copy() if k == key else v) for k, v in case.params.items()}
                want_grad = ref.gradient_of(
                    lambda p=p_var, case=case, x=x: case.reference(x, p), p_var[key], dout
                )
                found = compare(
                    _backward(attribute),
                    grads[key],
                    want_grad,
                    batch_size=case.batch_size,
                    suspects=named.get(key, ()),
                    order_hint=order_hint,
                    rtol=rtol,
                    input=label,
                )
                if found:
                    raise _Stop(found)
            if not np.array_equal(given_dout, dout):
                if not dout_in_place_is_books:
                    raise _Stop(
                        Finding(
                            FAIL,
                            Message(N_("backward changed its input dout in place")),
                            [],
                            "in_place",
                            label,
                        )
                    )
                if not notes:
                    notes.append(
                        Finding(
                            NOTE,
                            Message(
                                N_(
                                    "backward changes dout in place (the book's Relu does too): "
                                    "fine unless your code reads dout after backward"
                                )
                            ),
                            [],
                            None,
                            label,
                        )
                    )
            grads = {key: np.array(g, dtype=np.float64, copy=True) for key, g in grads.items()}
            dx = np.array(dx, dtype=np.float64, copy=True)
            _call(piece, FORWARD, forward, layer, x.copy(), input=label)
            dx2 = _call(piece, BACKWARD, layer.backward, dout.copy(), input=label)
            again = [np.array(dx2, dtype=np.float64)] + [
                np.asarray(_gradient_attribute(layer, a, label)) for a in case.grads.values()
            ]
            if not all(np.array_equal(a, b) for a, b in zip(again, [dx, *grads.values()])):
                raise _Stop(
                    Finding(
                        FAIL,
                        Message(N_("a second backward of the same dout gives another result")),
                        [],
                        "accumulate",
                        label,
                    )
                )
        except _Stop as stop:
            return [stop.finding]
    return notes


def _gradient_attribute(layer, attribute, label):
    if not hasattr(layer, attribute):
        raise _Stop(
            Finding(
                FAIL,
                Message(
                    N_(
                        "after backward the layer has no attribute {attribute} "
                        "(the book's name for the gradient)"
                    ),
                    attribute=attribute,
                ),
                [],
                None,
                label,
            )
        )
    return getattr(layer, attribute)


def _rng():
    return np.random.default_rng(0)


def _away_from_zero(x):
    """x with no element within 1e-3 of 0 (ReLU's kink would upset the numerical gradient)."""
    return np.where(np.abs(x) < 1e-3, 0.1, x)


def _elementwise_cases(make):
    rng = _rng()
    shapes = ((1, 3), (3, 7), (2, 3, 4, 5))
    return [
        Case(shape_of(("x", np.empty(s))), _away_from_zero(rng.normal(size=s) * 2), {}, make, None)
        for s in shapes
    ]


def _relu(cls):
    cases = _elementwise_cases(cls)
    for case in cases:
        case.reference = lambda x, p: ref.relu(x)
    return _differentiable(
        "Relu",
        cases,
        dout_in_place_is_books=True,
        suspects=lambda case, x, dout: {"dx": [("mask", dout)]} if dout is not None else {},
    )


def _sigmoid(cls):
    cases = _elementwise_cases(cls)
    for case in cases:
        case.reference = lambda x, p: ref.sigmoid(x)
    return _differentiable(
        "Sigmoid",
        cases,
        suspects=lambda case, x, dout: {"forward": [("sign", ref.sigmoid(-x))]},
    )


def _affine(cls):
    rng = _rng()
    cases = []
    for x_shape, M in (((1, 3), 2), ((3, 4), 4), ((5, 3), 3), ((2, 3, 2, 2), 5)):
        D = int(np.prod(x_shape[1:]))
        x = rng.normal(size=x_shape)
        params = {"W": rng.normal(size=(D, M)), "b": rng.normal(size=M)}
        cases.append(
            Case(
                shape_of(("x", x), ("W", params["W"]), ("b", params["b"])),
                x,
                params,
                cls,
                lambda x, p: ref.affine(x, p["W"], p["b"]),
                {"W": "dW", "b": "db"},
                batch_size=x_shape[0],
            )
        )

    def suspects(case, x, dout):
        if dout is None:
            return {}
        W, x2 = case.params["W"], x.reshape(len(x), -1)
        named = {
            "dx": [("transpose", dout @ W if W.shape[0] == W.shape[1] else None)],
            "W": [("transpose", (x2 @ dout) if len(x2) == x2.shape[1] else None)],
            "b": [("axis", np.sum(dout)), ("axis", dout.sum(axis=1))],
        }
        return {k: [(h, a) for h, a in v if a is not None] for k, v in named.items()}

    findings = _differentiable("Affine", cases[:3], suspects=suspects)
    if findings and findings[0].status == FAIL:
        return findings
    four_d = _differentiable("Affine", cases[3:], suspects=suspects)
    if four_d and four_d[0].status == FAIL and " raised" in four_d[0].what:
        four_d[0].status = NOTE
        four_d[0].details.append(
            Message(
                N_(
                    "the book's common/layers.py Affine flattens a 4-D x (N, C, H, W) and gives "
                    "dx back in x's shape (SimpleConvNet needs that)"
                )
            )
        )
        four_d[0].hint = None
    return findings + four_d


def _convolution(cls):
    rng = _rng()
    cases = []
    for x_shape, w_shape, stride, pad in (
        ((1, 1, 4, 4), (2, 1, 2, 2), 2, 0),
        ((1, 2, 4, 4), (2, 2, 3, 3), 1, 0),
        ((2, 3, 5, 5), (4, 3, 3, 3), 2, 1),
        ((2, 2, 5, 6), (3, 2, 3, 2), 1, 1),
    ):
        x = rng.normal(size=x_shape)
        params = {"W": rng.normal(size=w_shape), "b": rng.normal(size=w_shape[0])}
        label = Message(
            N_("{arrays}, stride {stride}, pad {pad}"),
            arrays=shape_of(("x", x), ("W", params["W"])),
            stride=stride,
            pad=pad,
        )
        cases.append(
            Case(
                label,
                x,
                params,
                lambda W, b, s=stride, p=pad: cls(W, b, s, p),
                lambda x, p, s=stride, q=pad: ref.convolution(x, p["W"], p["b"], s, q),
                {"W": "dW", "b": "db"},
                batch_size=x_shape[0],
            )
        )

    def suspects(case, x, dout):
        if dout is None:
            return {}
        return {"b": [("axis", np.sum(dout)), ("axis", dout.sum(axis=(0, 2, 3)).sum())]}

    return _differentiable(
        "Convolution", cases, suspects=suspects, order_hint="im2col_order", rtol=1e-5
    )


def _pooling(cls):
    rng = _rng()
    cases = []
    for x_shape, ph, pw, stride, pad in (
        ((1, 1, 4, 4), 2, 2, 2, 0),
        ((2, 3, 4, 4), 2, 2, 2, 0),
        ((2, 2, 7, 7), 3, 3, 2, 0),
        ((1, 2, 5, 4), 2, 2, 1, 0),
        ((1, 2, 4, 4), 2, 2, 2, 1),  # last: the book's Pooling leaves pad out of its output size
    ):
        x = rng.permutation(np.prod(x_shape)).reshape(x_shape) / 7.0 - 3.0  # no ties
        if pad:  # every element > 0: padding with 0 (the book's im2col) or -inf, the same max
            x = x + 10.0
        label = Message(
            N_("x {shape}, pool {ph}x{pw}, stride {stride}, pad {pad}"),
            shape=x_shape,
            ph=ph,
            pw=pw,
            stride=stride,
            pad=pad,
        )
        cases.append(
            Case(
                label,
                x,
                {},
                lambda a=ph, b=pw, s=stride, p=pad: cls(a, b, s, p),
                lambda x, p, a=ph, b=pw, s=stride, q=pad: ref.pooling(x, a, b, s, q),
            )
        )

    def suspects(case, x, dout):
        if dout is None:  # a max over the wrong axis gives the wrong shape
            want = case.reference(x, {})
            return {"forward": [("pool_argmax", lambda g: g.shape != want.shape)]}
        total = float(np.sum(dout))
        return {
            "dx": [
                (
                    "pool_argmax",
                    lambda g: (
                        g.shape == x.shape
                        and abs(float(np.sum(g)) - total) < 1e-8 * max(1.0, abs(total))
                        and np.count_nonzero(g) <= dout.size
                    ),
                )
            ]
        }

    findings = _differentiable("Pooling", cases[:-1], suspects=suspects)
    if any(f.status == FAIL for f in findings):
        return findings
    padded = _differentiable("Pooling", cases[-1:], suspects=suspects)
    if padded and padded[0].status == FAIL and " raised" in padded[0].what:
        padded[0].status, padded[0].hint = NOTE, None  # as the book's own Pooling does
        padded[0].details.append(
            Message(
                N_(
                    "the book's Pooling takes pad but leaves it out of its output size, so "
                    "pad > 0 fails there too"
                )
            )
        )
    return findings + padded


def _batch_normalization(cls):
    rng = _rng()
    cases = []
    for x_shape in ((4, 3), (5, 4), (4, 2, 2, 2)):  # a batch of 1 has no variance to learn
        D = int(np.prod(x_shape[1:]))
        x = _with_variance_9(rng.normal(size=x_shape))
        params = {"gamma": rng.normal(size=D) + 1.5, "beta": rng.normal(size=D)}
        label = shape_of(("x", x), ("gamma", params["gamma"]))
        cases.append(
            Case(
                label,
                x,
                params,
                cls,
                lambda x, p: ref.batch_norm(x, p["gamma"], p["beta"]),
                {"gamma": "dgamma", "beta": "dbeta"},
                forward=lambda layer, x: layer.forward(x, True),
                batch_size=x_shape[0],
            )
        )

    def suspects(case, x, dout):
        if dout is None:
            return {}
        d = dout.reshape(len(dout), -1)
        return {
            "beta": [("axis", np.sum(d)), ("axis", d.sum(axis=1))],
            "gamma": [("axis", lambda g: np.ndim(g) == 0 or np.shape(g)[0] == len(d))],
        }

    findings = _differentiable("BatchNormalization", cases, suspects=suspects, rtol=1e-4)
    if any(f.status == FAIL for f in findings):
        return findings
    return findings + _batch_norm_at_test_time(cls, rng)


def _with_variance_9(x):
    """x with each feature's mean 1 and variance 9 over the batch: eps (1e-7 in the book, 1e-5
    elsewhere) then moves the result by less than 1e-6."""
    flat = x.reshape(len(x), -1)
    flat = (flat - flat.mean(axis=0)) / flat.std(axis=0) * 3 + 1
    return flat.reshape(x.shape)


def _batch_norm_at_test_time(cls, rng):
    x, x_test = _with_variance_9(rng.normal(size=(6, 3))), rng.normal(size=(2, 3))
    gamma, beta = rng.normal(size=3) + 1.5, rng.normal(size=3)
    label = Message(N_("x (6, 3) while training, then x (2, 3) with train_flg=False"))
    try:
        layer = call(cls, gamma.copy(), beta.copy())
        call(layer.forward, x.copy(), True)
        got = call(layer.forward, x_test.copy(), False)
    except LearnersError as err:
        return [raised("forward(x, train_flg=False)", err, "BatchNormalization", label)]
    mu, var = x.mean(axis=0), x.var(axis=0)
    answers = [  # running values from zeros (the book) or from 0 and 1 (PyTorch's way)
        gamma * (x_test - 0.1 * mu) / np.sqrt(0.1 * var + v0 + ref.DELTA) + beta
        for v0 in (0.0, 0.9)
    ]
    # eps (1e-7 in the book, 1e-5 elsewhere) weighs more beside the small running variance
    if any(np.shape(got) == a.shape and np.all(close(np.asarray(got), a, 1e-3)) for a in answers):
        return []
    found = compare("forward(x, train_flg=False)", got, answers[0], rtol=1e-3, input=label)
    if found:
        found.hint = found.hint or "running_stats"
    return [found] if found else []


def _mul_layer(cls):
    return _two_inputs("MulLayer", cls, lambda x, y: x * y, lambda x, y, d: (d * y, d * x))


def _add_layer(cls):
    return _two_inputs("AddLayer", cls, lambda x, y: x + y, lambda x, y, d: (d, d))


def _two_inputs(piece, cls, forward, backward):
    """MulLayer and AddLayer: forward(x, y), backward(dout) -> (dx, dy), on the book's numbers
    (apple 100 yen, 2 apples) and on arrays."""
    rng = _rng()
    cases = [
        (100.0, 2.0, 1.0),
        (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))),
    ]
    for x, y, dout in cases:
        label = "x = 100.0, y = 2.0, dout = 1.0" if np.ndim(x) == 0 else "x, y, dout (2, 3)"
        try:
            layer = call(cls)
            out = call(layer.forward, np.copy(x), np.copy(y))
            found = compare(FORWARD, out, forward(x, y), input=label)
            if found:
                return [found]
            grads = call(layer.backward, np.copy(dout))
        except LearnersError as err:
            return [raised(piece, err, piece, label)]
        if not isinstance(grads, tuple) or len(grads) != 2:
            what = Message(N_("backward must return two gradients, dx, dy"))
            return [Finding(FAIL, what, [], None, label)]
        want = backward(x, y, dout)
        for name, got, w, other in zip(("dx", "dy"), grads, want, reversed(want)):
            found = compare(_backward(name), got, w, suspects=[("swap", other)], input=label)
            if found:
                return [found]
    return []


def _softmax_with_loss(cls):
    rng = _rng()
    findings = []
    cases = []
    for N, K in ((1, 3), (2, 3), (4, 5)):
        labels = rng.integers(0, K, size=N)
        x = rng.normal(size=(N, K))
        one_hot = Message(N_("x ({N}, {K}), one-hot t ({N}, {K})"), N=N, K=K)
        cases.append((one_hot, x, np.eye(K)[labels], False))
        if N > 1:  # code for one-hot t only raises on these (t * log(y) cannot broadcast)
            cases.append((Message(N_("x ({N}, {K}), labels t ({N},)"), N=N, K=K), x, labels, True))
    x_big = np.array([[1000.0, 1001.0, 990.0], [-5.0, 3.0, 2.0]])
    big = Message(N_("x (2, 3) with logits near 1000, one-hot t (2, 3)"))
    cases.append((big, x_big, np.eye(3)[[1, 2]], False))
    for label, x, t, labels_case in cases:
        try:
            layer = call(cls)
            given = x.copy()
            loss = call(layer.forward, given, t.copy())
        except LearnersError as err:
            if labels_case and not err.timed_out and "1000" not in label:
                if not findings:
                    findings.append(
                        Finding(
                            NOTE,
                            Message(
                                N_("{piece} does not take labels: {error}"),
                                piece="SoftmaxWithLoss",
                                error=err.what,
                            ),
                            at(err.where),
                            "labels",
                            label,
                        )
                    )
                continue
            return [raised(FORWARD, err, "SoftmaxWithLoss", label)]
        want = ref.cross_entropy_error(ref.softmax(x), t)
        found = compare(
            Message(N_("forward (the loss)")),
            loss,
            want,
            batch_size=len(x),
            rtol=1e-5,
            nonfinite_hint="softmax_max",
            input=label,
        )
        if found:
            if labels_case and found.hint is None:
                found.hint = "labels"
            return [found]
        if not np.array_equal(given, x):
            return [Finding(FAIL, _X_CHANGED, [], "in_place", label)]
        try:
            dx = call(layer.backward)  # the book's backward(dout=1)
        except LearnersError as err:
            return [raised(BACKWARD, err, "SoftmaxWithLoss", label)]
        x_var = x.copy()
        want_dx = ref.gradient_of(
            lambda x_var=x_var, t=t: ref.log_softmax_loss(x_var, t), x_var, 1.0
        )
        found = compare(
            _backward("dx"),
            dx,
            want_dx,
            batch_size=len(x),
            nonfinite_hint="softmax_max",
            input=label,
        )
        if found:
            return [found]
    return findings


def _dropout(cls):
    """Dropout: each training output is 0 or the input times one scale (1, or 1 / (1 - ratio));
    about `ratio` of them 0; backward lets dout through exactly where forward let x through,
    with the same scale; at test time the output is x * (1 - ratio) (the book) or x."""
    ratio = 0.5
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002 (the book's Dropout draws from np.random; put back after)
    try:
        x = _away_from_zero(np.random.default_rng(0).normal(size=(40, 50)))
        label = f"x {x.shape}, dropout_ratio {ratio}"
        layer = call(cls, ratio)
        out = np.asarray(call(layer.forward, x.copy(), True), dtype=np.float64)
        dout = np.random.default_rng(1).normal(size=x.shape)
        dx = np.asarray(call(layer.backward, dout.copy()), dtype=np.float64)
        test = np.asarray(call(layer.forward, x.copy(), False), dtype=np.float64)
    except LearnersError as err:
        return [raised("Dropout", err, "Dropout", label)]
    finally:
        np.random.set_state(state)  # noqa: NPY002
    if out.shape != x.shape or dx.shape != x.shape or test.shape != x.shape:
        return [
            Finding(
                FAIL,
                Message(N_("forward or backward changes the shape")),
                [
                    Message(
                        N_("forward {out}, backward {dx}, expected {x}"),
                        out=out.shape,
                        dx=dx.shape,
                        x=x.shape,
                    )
                ],
                None,
                label,
            )
        ]
    kept = out != 0
    scale = np.median(out[kept] / x[kept]) if kept.any() else 1.0
    if not np.allclose(out[kept], scale * x[kept]):
        return [
            Finding(
                FAIL,
                Message(N_("forward (training): the kept elements are not x times one scale")),
                [],
                "dropout_scale",
                label,
            )
        ]
    dropped = 1 - kept.mean()
    if abs(dropped - ratio) > 0.1:
        return [
            Finding(
                FAIL,
                Message(N_("forward (training) drops the wrong share of elements")),
                [
                    Message(
                        N_("{dropped:.0%} dropped, expected about {ratio:.0%}"),
                        dropped=dropped,
                        ratio=ratio,
                    )
                ],
                "mask",
                label,
            )
        ]
    if not np.allclose(dx, np.where(kept, scale * dout, 0.0)):
        return [
            Finding(
                FAIL,
                Message(N_("backward: dx differs from dout * mask (times the forward's scale)")),
                [
                    Message(
                        N_("{count} dropped elements let dout through"),
                        count=np.count_nonzero(dx[~kept]),
                    )
                ]
                if np.any(dx[~kept])
                else [],
                "mask",
                label,
            )
        ]
    test_scale = 1 - ratio if np.isclose(scale, 1.0) else 1.0
    if not np.allclose(test, x * test_scale):
        return [
            Finding(
                FAIL,
                Message(N_("{what} differs"), what="forward(x, train_flg=False)"),
                [
                    Message(
                        N_("training keeps x * {scale:.3g}, so test time should give x * {test:g}"),
                        scale=scale,
                        test=test_scale,
                    )
                ],
                "dropout_scale",
                label,
            )
        ]
    return []


CHECKS = {
    "MulLayer": _mul_layer,
    "AddLayer": _add_layer,
    "Relu": _relu,
    "Sigmoid": _sigmoid,
    "Affine": _affine,
    "SoftmaxWithLoss": _softmax_with_loss,
    "Dropout": _dropout,
    "BatchNormalization": _batch_normalization,
    "Convolution": _convolution,
    "Pooling": _pooling,
}
