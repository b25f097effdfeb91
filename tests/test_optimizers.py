"""Tests for zerodl.optimizers.

Each update rule is checked step by step against the formula written out again here, in plain
NumPy and independently of the classes; then each optimiser must solve two convex problems (a
quadratic bowl and logistic regression on separable points), keep float32 as float32, update in
place, validate its arguments and resume exactly from a state_dict.
"""

import io
import json
import math

import numpy as np
import pytest

from zerodl.optimizers import (
    OPTIMIZERS,
    SGD,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    RMSProp,
    RMSprop,
    create_optimizer,
)

ALL = [SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW]
SHAPES = {"W1": (3, 4), "b1": (4,), "W2": (4, 2)}
STEPS = 6


def make_params(rng, dtype=np.float64):
    return {k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}


def make_grads(rng, steps=STEPS, dtype=np.float64):
    return [
        {k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()} for _ in range(steps)
    ]


# --- the update rules written out again, one parameter at a time, with a learning rate per step ---


def ref_sgd(p, gs, lrs):
    out = []
    for g, lr in zip(gs, lrs, strict=True):
        p = p - lr * g
        out.append(p)
    return out


def ref_momentum(p, gs, lrs, momentum=0.9):
    v = np.zeros_like(p)
    out = []
    for g, lr in zip(gs, lrs, strict=True):
        v = momentum * v - lr * g
        p = p + v
        out.append(p)
    return out


def ref_nesterov(p, gs, lrs, momentum=0.9):
    # PyTorch's SGD(nesterov=True): a buffer b in gradient units; equal to the class while lr is
    # constant, so only the first lr is used (the tests that call this keep lr constant).
    lr = lrs[0]
    b = np.zeros_like(p)
    out = []
    for g in gs:
        b = momentum * b + g
        p = p - lr * (g + momentum * b)
        out.append(p)
    return out


def ref_adagrad(p, gs, lrs, eps=1e-7):
    h = np.zeros_like(p)
    out = []
    for g, lr in zip(gs, lrs, strict=True):
        h = h + g**2
        p = p - lr * g / (np.sqrt(h) + eps)
        out.append(p)
    return out


def ref_rmsprop(p, gs, lrs, decay_rate=0.99, eps=1e-7):
    h = np.zeros_like(p)
    out = []
    for g, lr in zip(gs, lrs, strict=True):
        h = decay_rate * h + (1 - decay_rate) * g**2
        p = p - lr * g / (np.sqrt(h) + eps)
        out.append(p)
    return out


def ref_adam(p, gs, lrs, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    # Kingma and Ba, Algorithm 1; with weight_decay, Loshchilov and Hutter's AdamW as in PyTorch.
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    out = []
    for t, (g, lr) in enumerate(zip(gs, lrs, strict=True), start=1):
        p = p - lr * weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def ref_adamw(p, gs, lrs, weight_decay=0.01, **kw):
    return ref_adam(p, gs, lrs, weight_decay=weight_decay, **kw)


# (class, its keyword arguments, the reference, the reference's keyword arguments)
CASES = [
    (SGD, {"lr": 0.1}, ref_sgd, {}),
    (Momentum, {"lr": 0.05, "momentum": 0.8}, ref_momentum, {"momentum": 0.8}),
    (Nesterov, {"lr": 0.05, "momentum": 0.8}, ref_nesterov, {"momentum": 0.8}),
    (AdaGrad, {"lr": 0.3, "eps": 1e-6}, ref_adagrad, {"eps": 1e-6}),
    (
        RMSProp,
        {"lr": 0.02, "decay_rate": 0.9, "eps": 1e-6},
        ref_rmsprop,
        {"decay_rate": 0.9, "eps": 1e-6},
    ),
    (
        Adam,
        {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6},
        ref_adam,
        {"beta1": 0.8, "beta2": 0.95, "eps": 1e-6},
    ),
    (
        AdamW,
        {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6, "weight_decay": 0.3},
        ref_adamw,
        {"beta1": 0.8, "beta2": 0.95, "eps": 1e-6, "weight_decay": 0.3},
    ),
]
CASE_IDS = [c[0].__name__ for c in CASES]
DEFAULT_REFS = {
    SGD: ref_sgd,
    Momentum: ref_momentum,
    Nesterov: ref_nesterov,
    AdaGrad: ref_adagrad,
    RMSProp: ref_rmsprop,
    Adam: ref_adam,
    AdamW: ref_adamw,
}


def run(opt, params, grads_seq):
    """Apply every gradient dict in turn; return a copy of the parameters after each step."""
    history = []
    for grads in grads_seq:
        opt.update(params, grads)
        history.append({k: p.copy() for k, p in params.items()})
    return history


@pytest.mark.parametrize(("cls", "kwargs", "ref", "ref_kwargs"), CASES, ids=CASE_IDS)
def test_each_step_matches_the_formula(cls, kwargs, ref, ref_kwargs):
    rng = np.random.default_rng(0)
    params = make_params(rng)
    start = {k: p.copy() for k, p in params.items()}
    grads_seq = make_grads(rng)
    history = run(cls(**kwargs), params, grads_seq)
    lrs = [kwargs["lr"]] * STEPS
    for key in SHAPES:
        expected = ref(start[key], [g[key] for g in grads_seq], lrs, **ref_kwargs)
        for step in range(STEPS):
            np.testing.assert_allclose(
                history[step][key], expected[step], rtol=1e-12, atol=1e-14, err_msg=f"{key} {step}"
            )


@pytest.mark.parametrize("cls", ALL)
def test_default_hyper_parameters_match_the_formula(cls):
    rng = np.random.default_rng(1)
    params = make_params(rng)
    start = {k: p.copy() for k, p in params.items()}
    grads_seq = make_grads(rng)
    history = run(cls(), params, grads_seq)
    lr = {SGD: 0.01, Momentum: 0.01, Nesterov: 0.01, AdaGrad: 0.01, RMSProp: 0.01}.get(cls, 0.001)
    for key in SHAPES:
        expected = DEFAULT_REFS[cls](start[key], [g[key] for g in grads_seq], [lr] * STEPS)
        np.testing.assert_allclose(history[-1][key], expected[-1], rtol=1e-12, atol=1e-14)


# Not Nesterov: its PyTorch reference form equals the class only while lr is constant.
@pytest.mark.parametrize(
    ("cls", "kwargs", "ref", "ref_kwargs"),
    [c for c in CASES if c[0] is not Nesterov],
    ids=[i for i in CASE_IDS if i != "Nesterov"],
)
def test_lr_set_between_steps_is_used(cls, kwargs, ref, ref_kwargs):
    rng = np.random.default_rng(2)
    params = make_params(rng)
    start = {k: p.copy() for k, p in params.items()}
    grads_seq = make_grads(rng)
    lrs = [kwargs["lr"] * f for f in (1.0, 0.5, 2.0, 0.0, 1.5, 0.25)]
    opt = cls(**kwargs)
    for grads, lr in zip(grads_seq, lrs, strict=True):
        opt.lr = lr
        opt.update(params, grads)
    for key in SHAPES:
        expected = ref(start[key], [g[key] for g in grads_seq], lrs, **ref_kwargs)
        np.testing.assert_allclose(params[key], expected[-1], rtol=1e-12, atol=1e-14)


def test_nesterov_is_momentum_evaluated_at_the_look_ahead_point():
    # Sutskever et al. 2013: v <- mu v - lr grad f(theta + mu v); theta <- theta + v. The class
    # tracks the look-ahead point phi = theta + mu v and needs only the gradient at its own p.
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 4))
    hessian = a @ a.T + np.eye(4)
    grad = lambda x: hessian @ x  # noqa: E731
    mu, lr = 0.9, 0.02
    theta = rng.standard_normal(4)
    v = np.zeros(4)
    params = {"x": theta.copy()}
    opt = Nesterov(lr=lr, momentum=mu)
    for _ in range(20):
        v = mu * v - lr * grad(theta + mu * v)
        theta = theta + v
        opt.update(params, {"x": grad(params["x"])})
        np.testing.assert_allclose(params["x"], theta + mu * v, rtol=1e-10, atol=1e-12)


def test_adam_first_step_is_lr_times_sign_of_gradient():
    # Bias correction makes m_hat = g and v_hat = g^2 at t = 1 (Kingma and Ba, section 3).
    g = np.array([1e-3, -5.0, 200.0])
    params = {"p": np.zeros(3)}
    Adam(lr=0.01, eps=1e-12).update(params, {"p": g})
    np.testing.assert_allclose(params["p"], -0.01 * np.sign(g), rtol=1e-8)


def test_adamw_decay_is_decoupled_from_the_gradient():
    # Zero gradient: Adam leaves p alone; AdamW shrinks it by (1 - lr * weight_decay) per step.
    p0 = np.array([2.0, -4.0])
    params = {"p": p0.copy()}
    opt = AdamW(lr=0.1, weight_decay=0.2)
    for _ in range(5):
        opt.update(params, {"p": np.zeros(2)})
    np.testing.assert_allclose(params["p"], p0 * (1 - 0.1 * 0.2) ** 5, rtol=1e-12)
    params = {"p": p0.copy()}
    Adam(lr=0.1).update(params, {"p": np.zeros(2)})
    np.testing.assert_array_equal(params["p"], p0)


# --- convex problems ----------------------------------------------------------------------------

# lr and steps for each optimiser; the adaptive ones take steps of about lr and need a small one
# to settle close to the minimum.
SOLVERS = {
    SGD: ({"lr": 0.1}, 500),
    Momentum: ({"lr": 0.05}, 500),
    Nesterov: ({"lr": 0.05}, 500),
    AdaGrad: ({"lr": 0.5}, 2000),
    RMSProp: ({"lr": 0.01}, 2000),
    Adam: ({"lr": 0.05}, 2000),
    AdamW: ({"lr": 0.05, "weight_decay": 0.0}, 2000),
}


@pytest.mark.parametrize("cls", ALL)
def test_minimises_a_quadratic_bowl(cls):
    # f(x) = 0.5 x^T A x - b^T x with A symmetric positive definite: the minimum is A^-1 b.
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    a = q @ np.diag([1.0, 1.5, 2.0, 3.0, 4.0]) @ q.T
    b = rng.standard_normal(5)
    kwargs, steps = SOLVERS[cls]
    opt = cls(**kwargs)
    params = {"x": np.zeros(5)}
    for step in range(steps):
        if isinstance(opt, (RMSProp, Adam)):  # decay lr at the end so that they settle
            opt.lr = kwargs["lr"] * (0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.update(params, {"x": a @ params["x"] - b})
    np.testing.assert_allclose(params["x"], np.linalg.solve(a, b), atol=1e-3)


def logistic_loss_and_grads(w, bias, x, t):
    z = x @ w + bias  # (N,)
    loss = np.mean(np.logaddexp(0.0, z) - t * z)  # binary cross-entropy, computed stably
    y = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z)
    dz = (y - t) / len(t)
    return loss, {"w": x.T @ dz, "b": np.array([dz.sum()])}


@pytest.mark.parametrize("cls", ALL)
def test_logistic_regression_on_separable_points(cls):
    rng = np.random.default_rng(5)
    n = 100
    x = np.concatenate([rng.normal(2.0, 0.6, (n, 2)), rng.normal(-2.0, 0.6, (n, 2))])  # (2N, 2)
    t = np.concatenate([np.ones(n), np.zeros(n)])
    assert np.all(x[:n].sum(axis=1) > 0) and np.all(x[n:].sum(axis=1) < 0)  # separable
    params = {"w": np.zeros(2), "b": np.zeros(1)}
    kwargs = {"lr": 0.5} if cls in (SGD, Momentum, Nesterov, AdaGrad) else {"lr": 0.05}
    if cls is AdamW:
        kwargs["weight_decay"] = 0.0
    opt = cls(**kwargs)
    loss0, _ = logistic_loss_and_grads(params["w"], params["b"], x, t)
    for _ in range(300):
        loss, grads = logistic_loss_and_grads(params["w"], params["b"], x, t)
        opt.update(params, grads)
    loss, _ = logistic_loss_and_grads(params["w"], params["b"], x, t)
    accuracy = np.mean(((x @ params["w"] + params["b"]) > 0) == (t == 1))
    assert accuracy == 1.0
    assert loss < 0.05 < loss0


# --- dtype, in-place updates, lazy state ----------------------------------------------------------


@pytest.mark.parametrize(("cls", "kwargs", "ref", "ref_kwargs"), CASES, ids=CASE_IDS)
def test_float32_stays_float32_in_place(cls, kwargs, ref, ref_kwargs):
    rng = np.random.default_rng(6)
    params = make_params(rng, np.float32)
    start = {k: p.astype(np.float64) for k, p in params.items()}
    arrays = dict(params)
    grads_seq = make_grads(rng, dtype=np.float32)
    opt = cls(**kwargs)
    for grads in grads_seq:
        opt.update(params, grads)
    for key in SHAPES:
        assert params[key] is arrays[key]  # the same array, changed in place
        assert params[key].dtype == np.float32
        for slot in opt.state.values():
            assert slot[key].dtype == np.float32
        gs = [g[key].astype(np.float64) for g in grads_seq]
        expected = ref(start[key], gs, [kwargs["lr"]] * STEPS, **ref_kwargs)[-1]
        np.testing.assert_allclose(params[key], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", ALL)
def test_state_is_created_lazily_per_parameter_name(cls):
    opt = cls()
    assert all(arrays == {} for arrays in opt.state.values())
    params = {"W": np.ones((2, 3), np.float32)}
    opt.update(params, {"W": np.ones((2, 3), np.float32)})
    params["b"] = np.zeros(3, np.float32)
    opt.update(params, {"W": np.ones((2, 3), np.float32), "b": np.ones(3, np.float32)})
    assert set(opt.state) == set(cls.slot_names)
    for arrays in opt.state.values():
        assert set(arrays) == {"W", "b"}
        assert arrays["W"].shape == (2, 3) and arrays["b"].shape == (3,)


def test_update_reports_bad_inputs():
    opt = SGD()
    with pytest.raises(KeyError, match="no gradient for parameter 'b'"):
        opt.update({"W": np.ones(2), "b": np.ones(2)}, {"W": np.ones(2)})
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        opt.update({"W": np.ones(2)}, {"W": np.ones(3)})
    with pytest.raises(TypeError, match="floating-point numpy array"):
        opt.update({"W": np.ones(2, np.int64)}, {"W": np.ones(2)})
    with pytest.raises(TypeError, match="floating-point numpy array"):
        opt.update({"W": 1.0}, {"W": np.ones(())})


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (SGD, {"lr": -0.1}, "invalid learning rate: -0.1 (must be >= 0)"),
        (Adam, {"lr": -1e-3}, "invalid learning rate: -0.001"),
        (SGD, {"lr": float("nan")}, "invalid learning rate: nan"),
        (AdaGrad, {"lr": float("inf")}, "invalid learning rate: inf"),
        (SGD, {"lr": "0.1"}, "invalid learning rate: '0.1'"),
        (SGD, {"lr": None}, "invalid learning rate: None"),
        (Momentum, {"momentum": 1.0}, "invalid momentum: 1.0"),
        (Nesterov, {"momentum": -0.5}, "invalid momentum: -0.5"),
        (RMSProp, {"decay_rate": 1.5}, "invalid decay_rate: 1.5"),
        (Adam, {"beta1": 1.0}, "invalid beta1: 1.0"),
        (AdamW, {"beta2": -0.1}, "invalid beta2: -0.1"),
        (Adam, {"eps": 0.0}, "invalid epsilon: 0.0"),
        (AdaGrad, {"eps": -1e-7}, "invalid epsilon: -1e-07"),
        (AdamW, {"weight_decay": -0.01}, "invalid weight decay: -0.01"),
    ],
)
def test_invalid_arguments_show_the_value(cls, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cls(**kwargs)


def test_zero_learning_rate_is_allowed():
    params = {"W": np.ones(2)}
    SGD(lr=0).update(params, {"W": np.ones(2)})
    np.testing.assert_array_equal(params["W"], np.ones(2))


# --- get_config, state_dict ----------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "kwargs", "ref", "ref_kwargs"), CASES, ids=CASE_IDS)
def test_get_config_is_json_and_rebuilds(cls, kwargs, ref, ref_kwargs):
    config = cls(**kwargs).get_config()
    assert config == {**cls().get_config(), **kwargs}
    assert json.loads(json.dumps(config)) == config
    assert cls(**config).get_config() == config


def save_like_a_checkpoint(state):
    """Arrays into an .npz, the rest through JSON, and back: what a checkpoint module does."""
    arrays = {f"{slot}/{key}": a for slot, d in state["slots"].items() for key, a in d.items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    meta = json.dumps({k: state[k] for k in ("type", "config", "step")})
    buffer.seek(0)
    with np.load(buffer) as npz:
        slots = {slot: {} for slot in state["slots"]}
        for name in npz.files:
            slot, key = name.split("/")
            slots[slot][key] = npz[name]
    return {**json.loads(meta), "slots": slots}


@pytest.mark.parametrize(("cls", "kwargs", "ref", "ref_kwargs"), CASES, ids=CASE_IDS)
def test_state_dict_resumes_exactly(cls, kwargs, ref, ref_kwargs):
    rng = np.random.default_rng(7)
    params = make_params(rng, np.float32)
    grads_seq = make_grads(rng, steps=7, dtype=np.float32)
    k = 3
    opt = cls(**kwargs)
    run(opt, params, grads_seq[:k])
    state = opt.state_dict()
    assert state["type"] == cls.__name__ and state["step"] == k
    assert state["config"] == opt.get_config()
    assert set(state["slots"]) == set(cls.slot_names)
    saved_slots = {s: {key: a.copy() for key, a in d.items()} for s, d in state["slots"].items()}
    resumed_params = {key: p.copy() for key, p in params.items()}

    first = run(opt, params, grads_seq[k:])  # the original run goes on

    resumed = cls()  # default hyper-parameters: load_state_dict restores them
    resumed.load_state_dict(save_like_a_checkpoint(state))
    assert resumed.get_config() == opt.get_config() and resumed.t == k
    second = run(resumed, resumed_params, grads_seq[k:])
    for a, b in zip(first, second, strict=True):
        for key in SHAPES:
            np.testing.assert_array_equal(a[key], b[key])
            assert b[key].dtype == np.float32
    for s, d in state["slots"].items():  # the state_dict was a snapshot, not a view
        for key, a in d.items():
            np.testing.assert_array_equal(a, saved_slots[s][key])


def test_load_state_dict_copies_the_arrays():
    opt = Momentum()
    params = {"W": np.ones(2)}
    opt.update(params, {"W": np.ones(2)})
    state = opt.state_dict()
    other = Momentum()
    other.load_state_dict(state)
    other.update({"W": np.ones(2)}, {"W": np.ones(2)})
    np.testing.assert_array_equal(state["slots"]["v"]["W"], opt.state["v"]["W"])


def test_load_state_dict_rejects_mismatches():
    state = Adam(lr=0.01).state_dict()
    with pytest.raises(ValueError, match="cannot load a 'Adam' state_dict into a SGD optimiser"):
        SGD().load_state_dict(state)
    with pytest.raises(ValueError, match="'AdamW'"):
        Adam().load_state_dict({**AdamW().state_dict()})
    with pytest.raises(ValueError, match="not an optimiser state_dict"):
        Adam().load_state_dict({"m": {}})
    with pytest.raises(ValueError, match=r"unknown hyper-parameters for Adam: \['momentum'\]"):
        Adam().load_state_dict({**state, "config": {"lr": 0.1, "momentum": 0.9}})
    with pytest.raises(ValueError, match="invalid learning rate: -1.0"):
        Adam().load_state_dict({**state, "config": {"lr": -1.0}})
    with pytest.raises(ValueError, match="invalid step"):
        Adam().load_state_dict({**state, "step": -1})
    with pytest.raises(ValueError, match=r"keeps the state \['m', 'v'\]"):
        Adam().load_state_dict({**state, "slots": {"m": {}}})
    with pytest.raises(ValueError, match="must be a numpy array"):
        Adam().load_state_dict({**state, "slots": {"m": {"W": [1.0]}, "v": {}}})
    opt = Adam()  # a failed load leaves the optimiser as it was
    with pytest.raises(ValueError):
        opt.load_state_dict({**state, "slots": {"m": {"W": [1.0]}, "v": {}}})
    assert opt.lr == 0.001


def test_state_from_another_network_is_reported_at_update():
    opt = Momentum()
    opt.load_state_dict(
        {"type": "Momentum", "config": {}, "step": 1, "slots": {"v": {"W": np.ones(3)}}}
    )
    with pytest.raises(ValueError, match=r"state 'v' of parameter 'W' has shape \(3,\)"):
        opt.update({"W": np.ones(2)}, {"W": np.ones(2)})


# --- the factory --------------------------------------------------------------------------------


# The names the book's scripts and zerodl's command line use, and the class each must give:
# written out here, not read from OPTIMIZERS.
BY_NAME = [
    ("sgd", SGD), ("SGD", SGD), ("Momentum", Momentum), ("nesterov", Nesterov),
    ("AdaGrad", AdaGrad), ("RMSprop", RMSProp), ("rmsprop", RMSProp), ("Adam", Adam),
    ("ADAMW", AdamW),
]  # fmt: skip


@pytest.mark.parametrize(("name", "cls"), BY_NAME)
def test_create_optimizer_by_name(name, cls):
    opt = create_optimizer(name, lr=0.02)
    assert type(opt) is cls and opt.lr == 0.02


def test_an_unknown_optimizer_is_an_argument_error_naming_it():
    from zerodl.errors import ArgumentError

    with pytest.raises(ArgumentError, match="unknown optimizer 'lbfgs': choose one of") as caught:
        create_optimizer("lbfgs")
    assert caught.value.argument == "optimizer" and caught.value.value == "lbfgs"


def test_create_optimizer_like_the_books_trainer():
    opt = create_optimizer("Adam", **{"lr": 0.01})
    assert isinstance(opt, Adam) and opt.get_config()["lr"] == 0.01
    opt = create_optimizer("Momentum", lr=0.1, momentum=0.5)
    assert opt.momentum == 0.5
    state = opt.state_dict()
    assert create_optimizer(state["type"], **state["config"]).get_config() == opt.get_config()


def test_create_optimizer_errors():
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'.*sgd, momentum, nesterov"):
        create_optimizer("adamax")
    with pytest.raises(ValueError, match="unknown optimizer None"):
        create_optimizer(None)
    with pytest.raises(ValueError, match="invalid learning rate: -1"):
        create_optimizer("sgd", lr=-1)
    with pytest.raises(TypeError):
        create_optimizer("sgd", momentum=0.9)  # SGD has no momentum


def test_create_optimizer_passes_an_instance_through():
    opt = Adam()
    assert create_optimizer(opt) is opt
    with pytest.raises(ValueError, match="one or the other"):
        create_optimizer(opt, lr=0.1)


def test_names_and_alias():
    assert set(OPTIMIZERS) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}
    assert RMSprop is RMSProp
    assert repr(SGD(lr=0.5)) == "SGD(lr=0.5)"
