"""Checks of the book's networks: TwoLayerNet (chapters 4, 5), MultiLayerNet (6), SimpleConvNet
(7), DeepConvNet (8), built small unless the command line gives arguments (`Net(784, 50, 10)`).

params has the keys and shapes the book's constructor gives; predict and loss equal the book's
computation on those params (TwoLayerNet with ReLU or sigmoid, the scores or their softmax, as
in chapter 5 or 4); gradient(x, t) equals the float64 numerical gradient of loss(x, t) (every
element of a small array, a sample of a large one); numerical_gradient(x, t), where the network
is small, equals it too; accuracy(x, t) counts predict's correct answers; a second gradient
gives the same. Dropout draws the same masks for every loss (np.random is seeded for each call
and put back afterwards).
"""

import inspect
from dataclasses import dataclass

import numpy as np

from zerodl.check import references as ref
from zerodl.check.compare import compare, raised
from zerodl.check.report import FAIL, NOTE, Finding
from zerodl.check.running import CannotConstruct, LearnersError, call
from zerodl.check.wording import Message
from zerodl.gradient import numerical_gradient
from zerodl.i18n import N_

__all__ = ["CHECKS", "NETWORKS", "check_network"]

SMALL = 40  # elements: an array of more is checked on a sample
WHOLE_NUMERICAL_GRADIENT = 600  # parameters, at most, for calling the network's own


# The book's constructors (their signatures bind the arguments given) -----------------------


def two_layer_net(input_size, hidden_size, output_size, weight_init_std=0.01):
    return {
        "W1": (input_size, hidden_size),
        "b1": (hidden_size,),
        "W2": (hidden_size, output_size),
        "b2": (output_size,),
    }


def multi_layer_net(
    input_size,
    hidden_size_list,
    output_size,
    activation="relu",
    weight_init_std="relu",
    weight_decay_lambda=0,
):
    sizes = [input_size, *hidden_size_list, output_size]
    shapes = {}
    for i, (a, b) in enumerate(zip(sizes, sizes[1:]), 1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (a, b), (b,)
    return shapes


_SIMPLE_CONV = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


def simple_conv_net(
    input_dim=(1, 28, 28),
    conv_param=_SIMPLE_CONV,
    hidden_size=100,
    output_size=10,
    weight_init_std=0.01,
):
    FN, FS = conv_param["filter_num"], conv_param["filter_size"]
    pad, stride = conv_param["pad"], conv_param["stride"]
    conv_out = (input_dim[1] - FS + 2 * pad) // stride + 1
    pool_out = FN * (conv_out // 2) * (conv_out // 2)
    return {
        "W1": (FN, input_dim[0], FS, FS),
        "b1": (FN,),
        "W2": (pool_out, hidden_size),
        "b2": (hidden_size,),
        "W3": (hidden_size, output_size),
        "b3": (output_size,),
    }


def deep_conv_net(
    input_dim=(1, 28, 28),
    conv_param_1=None,
    conv_param_2=None,
    conv_param_3=None,
    conv_param_4=None,
    conv_param_5=None,
    conv_param_6=None,
    hidden_size=50,
    output_size=10,
):
    if any(
        p is not None
        for p in (
            conv_param_1,
            conv_param_2,
            conv_param_3,
            conv_param_4,
            conv_param_5,
            conv_param_6,
        )
    ) or tuple(input_dim)[1:] != (28, 28):
        raise TypeError("shapes known for the book's layers on 28x28 images only")
    channels = (input_dim[0], 16, 16, 32, 32, 64, 64)
    shapes = {}
    for i in range(6):
        shapes[f"W{i + 1}"] = (channels[i + 1], channels[i], 3, 3)
        shapes[f"b{i + 1}"] = (channels[i + 1],)
    shapes.update(
        W7=(64 * 4 * 4, hidden_size),
        b7=(hidden_size,),
        W8=(hidden_size, output_size),
        b8=(output_size,),
    )
    return shapes


@dataclass
class Network:
    shapes: object  # the book's constructor: arguments -> {param: shape}
    small: tuple  # the arguments zerodl gives by default
    example: str  # the command line that gives arguments
    one_hot: bool  # the targets the book's scripts give it
    batch: int
    sample: int = 8  # elements checked per array larger than SMALL


NETWORKS = {
    "TwoLayerNet": Network(two_layer_net, (6, 5, 3), "TwoLayerNet(784,50,10)", True, 3),
    "MultiLayerNet": Network(
        multi_layer_net, (6, [5, 4], 3), "MultiLayerNet(784,[100,100],10)", True, 3
    ),
    "SimpleConvNet": Network(
        simple_conv_net,
        ((1, 6, 6), {"filter_num": 2, "filter_size": 3, "pad": 0, "stride": 1}, 4, 3),
        "SimpleConvNet((1,28,28),{'filter_num':30,'filter_size':5,'pad':0,'stride':1},100,10)",
        False,
        2,
    ),
    "DeepConvNet": Network(deep_conv_net, (), "DeepConvNet()", False, 2, sample=3),
}


def _predict_variants(book_name, params, x, args):
    """The scores the book's predict gives on `params`, for each accepted variant."""
    p = params
    if book_name == "TwoLayerNet":
        variants = []
        for activation in (ref.relu, ref.sigmoid):
            scores = ref.affine(activation(ref.affine(x, p["W1"], p["b1"])), p["W2"], p["b2"])
            variants += [(scores, scores), (ref.softmax(scores), scores)]  # ch05, ch04
        return variants
    if book_name == "MultiLayerNet":
        count = len([k for k in p if k.startswith("W")])
        h = x
        for i in range(1, count):
            h = ref.relu(ref.affine(h, p[f"W{i}"], p[f"b{i}"]))
        scores = ref.affine(h, p[f"W{count}"], p[f"b{count}"])
        return [(scores, scores)]
    if book_name == "SimpleConvNet":
        conv_param = (
            inspect.signature(simple_conv_net).bind(*args).arguments.get("conv_param", _SIMPLE_CONV)
        )
        h = ref.relu(ref.convolution(x, p["W1"], p["b1"], conv_param["stride"], conv_param["pad"]))
        h = ref.relu(ref.affine(ref.pooling(h, 2, 2, 2), p["W2"], p["b2"]))
        scores = ref.affine(h, p["W3"], p["b3"])
        return [(scores, scores)]
    return []


class _SeededLoss:
    """network.loss with np.random seeded for each call: the same dropout masks every time."""

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, *args, **kwargs):
        np.random.seed(0)  # noqa: NPY002 (the book's Dropout draws from np.random)
        return self.loss(*args, **kwargs)


def check_network(book_name, cls, args=None, kwargs=None):
    """The findings on the learner's network class `cls`; CannotConstruct when its constructor
    refuses the book's arguments."""
    spec = NETWORKS[book_name]
    args, kwargs = (spec.small, {}) if args is None else (tuple(args), dict(kwargs or {}))
    state = np.random.get_state()  # noqa: NPY002 (the book's networks draw from np.random)
    np.random.seed(0)  # noqa: NPY002
    try:
        return _check_network(book_name, spec, cls, args, kwargs)
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _check_network(book_name, spec, cls, args, kwargs):
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    label = f"{book_name}({shown})"
    try:
        network = call(cls, *args, **kwargs)
    except LearnersError as err:
        CannotConstruct.raise_for(err)
        return [raised(f"{book_name}({shown})", err, book_name, label)]
    try:
        shapes = spec.shapes(*args, **kwargs)
    except TypeError:
        shapes = None  # arguments of the learner's own: no shapes to expect
    params = getattr(network, "params", None)
    if not isinstance(params, dict):
        what = Message(N_("the network has no dict params (the book's W1, b1, ...)"))
        return [Finding(FAIL, what, [], None, label)]
    shapes_finding = _check_shapes(params, shapes, label) if shapes is not None else None
    if shapes_finding and shapes_finding.what.startswith("params has no"):
        return [shapes_finding]
    params = {k: v for k, v in params.items() if isinstance(v, np.ndarray)}
    rng = np.random.default_rng(0)
    for key, p in params.items():  # biases of 0 put a ReLU's kink at 0 for a sample whose units
        if key.startswith("b") and p.dtype.kind == "f":  # are all off: move them off 0, in place
            p += rng.choice((-1.0, 1.0), size=p.shape) * rng.uniform(0.05, 0.15, size=p.shape)
    input_dim = _input_dim(spec, params, args, kwargs)
    classes = params[_last_weight(params)].shape[-1]
    x = rng.normal(size=(spec.batch, *input_dim))
    labels = rng.integers(0, classes, size=spec.batch)
    t = np.eye(classes)[labels] if spec.one_hot else labels
    if spec.one_hot:
        data = Message(N_("x {x}, t {t} (one-hot)"), x=x.shape, t=t.shape)
    else:
        data = Message(N_("x {x}, t {t} (labels)"), x=x.shape, t=t.shape)
    missing = [m for m in ("predict", "loss", "gradient", "accuracy") if not hasattr(network, m)]
    notes = [
        Finding(
            NOTE,
            Message(
                N_("no method {name}: not checked (the book's {book_name} has one)"),
                name=name,
                book_name=book_name,
            ),
        )
        for name in missing
    ]
    findings = [shapes_finding] if shapes_finding else []
    if not shapes_finding and not {"predict", "loss"} & set(missing):
        findings = _check_predict_and_loss(book_name, network, params, x, t, args, data)
        if findings:
            return findings
    if not {"loss", "gradient"} & set(missing):
        network.loss = _SeededLoss(network.loss)  # an instance attribute: gradient() calls it
        try:
            findings += _check_gradients(book_name, network, params, x, t, data, spec.sample)
        finally:
            del network.loss
    if not findings and not {"predict", "accuracy"} & set(missing):
        findings = _check_accuracy(book_name, network, x, classes, spec.one_hot)
    return findings + notes


def _last_weight(params):
    return max((k for k in params if k[0] == "W" and k[1:].isdigit()), key=lambda k: int(k[1:]))


def _input_dim(spec, params, args, kwargs):
    """The shape of one input: from the book's arguments, else from W1."""
    try:
        bound = inspect.signature(spec.shapes).bind(*args, **kwargs)
        bound.apply_defaults()
        given = bound.arguments
    except TypeError:
        given = {}
    if "input_size" in given:
        return (given["input_size"],)
    if "input_dim" in given:
        return tuple(given["input_dim"])
    W1 = params["W1"]
    return (W1.shape[0],) if W1.ndim == 2 else (W1.shape[1], 28, 28)


def _check_shapes(params, shapes, label):
    missing = [k for k in shapes if k not in params]
    if missing:
        return Finding(
            FAIL,
            Message(N_("params has no {keys}"), keys=", ".join(missing)),
            [Message(N_("the book's constructor makes {keys}"), keys=", ".join(shapes))],
            None,
            label,
        )
    for key, shape in shapes.items():
        got = np.shape(params[key])
        if got != tuple(shape):
            hint = "transpose" if got == tuple(reversed(shape)) else None
            what = Message(
                N_("params[{key!r}] has shape {shape}, expected {expected}"),
                key=key,
                shape=got,
                expected=tuple(shape),
            )
            return Finding(FAIL, what, [], hint, label)
    return None


def _check_predict_and_loss(book_name, network, params, x, t, args, data):
    try:
        scores = call(network.predict, x.copy())
        loss = call(network.loss, x.copy(), t.copy())
    except LearnersError as err:
        return [raised(Message(N_("predict or loss")), err, book_name, data)]
    variants = _predict_variants(book_name, params, x, args)
    matched = None
    for out, pre_softmax in variants:
        if np.shape(scores) == out.shape and np.allclose(scores, out, rtol=1e-6, atol=1e-10):
            matched = pre_softmax
    if variants and matched is None:
        return [compare("predict(x)", scores, variants[0][0], input=data)]
    if matched is None:  # no reference predict (DeepConvNet): its shape
        want_shape = (len(x), params[_last_weight(params)].shape[-1])
        if np.shape(scores) != want_shape:
            return [
                Finding(
                    FAIL,
                    Message(N_("{what} differs"), what="predict(x)"),
                    [
                        Message(
                            N_("shape {shape}, expected {expected}"),
                            shape=np.shape(scores),
                            expected=want_shape,
                        )
                    ],
                    None,
                    data,
                )
            ]
        return []
    want = ref.cross_entropy_error(ref.softmax(matched), t)
    found = compare("loss(x, t)", loss, want, batch_size=len(x), rtol=1e-5, input=data)
    return [found] if found else []


def _check_gradients(book_name, network, params, x, t, data, sample):
    try:
        grads = call(network.gradient, x.copy(), t.copy())
        grads = {k: np.array(v, dtype=np.float64) for k, v in dict(grads).items()}
    except LearnersError as err:
        return [raised("gradient(x, t)", err, book_name, data)]
    except (TypeError, ValueError):
        what = Message(N_("gradient(x, t) does not return a dict of arrays"))
        return [Finding(FAIL, what, [], None, data)]
    missing = [k for k in params if k not in grads]
    if missing:
        what = Message(N_("gradient(x, t) has no {keys}"), keys=", ".join(missing))
        return [Finding(FAIL, what, [], None, data)]
    rng = np.random.default_rng(0)
    numeric = {}
    for key, p in params.items():
        indices = None
        if p.size > SMALL:
            flat = rng.choice(p.size, size=sample, replace=False)
            indices = [np.unravel_index(i, p.shape) for i in flat]

        def f(_):
            return float(call(network.loss, x, t))

        try:
            numeric[key] = numerical_gradient(f, p, 1e-5, indices)
        except LearnersError as err:
            return [raised("loss(x, t)", err, book_name, data)]
        got = grads[key]
        if got.shape == p.shape and indices is not None:  # only the sampled elements count
            mask = np.zeros(p.shape, dtype=bool)
            mask[tuple(np.transpose(indices))] = True
            got = np.where(mask, got, 0.0)
        found = compare(
            f"gradient(x, t)[{key!r}]",
            got,
            numeric[key],
            batch_size=len(x),
            rtol=1e-4,
            input=data
            if indices is None
            else Message(
                N_("{data}; {sample} sampled elements of {key}"), data=data, sample=sample, key=key
            ),
        )
        if found:
            return [found]
    try:
        again = call(network.gradient, x.copy(), t.copy())
    except LearnersError as err:
        return [raised("gradient(x, t)", err, book_name, data)]
    if not all(np.array_equal(np.asarray(again[k]), grads[k]) for k in params):
        return [
            Finding(
                FAIL,
                Message(N_("a second gradient(x, t) gives another result")),
                [],
                "accumulate",
                data,
            )
        ]
    total = sum(p.size for p in params.values())
    if hasattr(network, "numerical_gradient") and total <= WHOLE_NUMERICAL_GRADIENT:
        try:
            theirs = call(network.numerical_gradient, x.copy(), t.copy())
        except LearnersError as err:
            return [raised("numerical_gradient(x, t)", err, book_name, data)]
        for key in params:
            found = compare(
                f"numerical_gradient(x, t)[{key!r}]",
                theirs.get(key),
                grads[key],
                batch_size=len(x),
                rtol=1e-3,
                input=data,
            )
            if found and compare(
                "", theirs.get(key), _books_numerical(network, params[key], x, t), rtol=1e-4
            ):
                return [found]  # neither the gradient nor what the book's h = 1e-4 gives
    return []


def _books_numerical(network, p, x, t):
    """The book's numerical gradient of loss(x, t) with respect to p (h = 1e-4): with the weights
    of 0.01 the book starts from, a unit's input is about 1e-4 and h crosses ReLU's kink, so
    the book's own numerical_gradient differs from the analytic gradient by a few percent."""
    return numerical_gradient(lambda _: float(call(network.loss, x, t)), p, 1e-4)


def _check_accuracy(book_name, network, x, classes, one_hot):
    rng = np.random.default_rng(2)
    # 100 images: the book's SimpleConvNet and DeepConvNet count whole batches of 100 only
    x = rng.normal(size=(100, *x.shape[1:]))
    try:
        predicted = np.argmax(call(network.predict, x.copy()), axis=1)
    except LearnersError as err:
        return [raised("predict", err, book_name, f"x {x.shape}")]
    labels = predicted.copy()
    wrong = rng.choice(len(x), size=len(x) * 2 // 5, replace=False)
    labels[wrong] = (labels[wrong] + 1) % classes
    t = np.eye(classes)[labels] if one_hot else labels
    data = Message(
        N_("x {x}, t {t}, {right} of {total} answers right"),
        x=x.shape,
        t=t.shape,
        right=len(x) - len(wrong),
        total=len(x),
    )
    try:
        got = call(network.accuracy, x.copy(), t.copy())
    except LearnersError as err:
        return [raised("accuracy(x, t)", err, book_name, data)]
    found = compare("accuracy(x, t)", got, (len(x) - len(wrong)) / len(x), input=data)
    return [found] if found else []


CHECKS = {
    name: lambda cls, args=None, kwargs=None, n=name: check_network(n, cls, args, kwargs)
    for name in NETWORKS
}
