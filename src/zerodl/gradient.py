"""Gradient checking: backpropagation compared with numerical differentiation.

Backprop is fast but easy to get wrong; the numerical gradient is slow but obviously right:

    df/dx_i  ~  (f(x + h e_i) - f(x - h e_i)) / (2 h)        (central difference, error O(h^2))

`gradcheck` computes both for every parameter of a layer or network (and for its input) in
float64, where the central difference is accurate to about 1e-10, and reports the error of
backprop relative to the largest gradient of that parameter.
"""

import copy

import numpy as np


def numerical_gradient(f, x, h=1e-4, indices=None):
    """The book's central-difference gradient of the scalar f(x) with respect to the array x.

    x is changed in place one element at a time (and restored), so f may ignore its argument
    and read x through a network that holds it, as `lambda W: network.loss(x, t)` does.
    `indices` limits the work to those elements (the others stay 0).
    """
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape) if indices is None else indices:
        saved = x[idx]
        x[idx] = saved + h
        f_plus = f(x)
        x[idx] = saved - h
        f_minus = f(x)
        x[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(analytic, numeric, floor=1e-4):
    """max |analytic - numeric| divided by the largest magnitude of either gradient.

    Dividing element by element would flag gradients that are tiny (1e-9) only because the
    central difference cannot resolve them; measured against the gradient's own scale, a correct
    backprop gives about 1e-9 in float64, and a wrong one gives 1e-2 or more. A scale below
    `floor` counts as `floor`: a gradient that is truly zero (a bias just before batch norm)
    differs from its numerical estimate by round-off (~1e-11), which is not an error.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0), floor)
    return float(np.abs(analytic - numeric).max(initial=0.0) / scale)


def _freeze_randomness(layers):
    """Make dropout reuse its last mask, so that every evaluation sees the same function."""
    for layer in layers:
        if hasattr(layer, "freeze_mask"):
            layer.freeze_mask = True


def _sample_indices(shape, count, rng):
    """`count` distinct element indices of an array of `shape`, or None for all of them."""
    size = int(np.prod(shape))
    if count is None or count >= size:
        return None
    flat = rng.choice(size, count, replace=False)
    return [np.unravel_index(i, shape) for i in flat]


def gradcheck(obj, x, t=None, *, h=1e-5, seed=0, sample=None, verbose=True):
    """Compare backprop with central differences for a network or a single layer, in float64.

    For a network, the function checked is its training loss `obj.loss(x, t, train=True)`; for a
    layer, it is sum(layer.forward(x) * R) for a fixed random R, so that backward receives R.
    The object is copied and cast to float64 first: the original is left untouched.

    `sample` checks only that many randomly chosen elements of each array, for networks whose
    full numerical gradient would take minutes.

    Returns {name: max relative error} for every parameter and for the input ("x"), and prints
    a table when verbose. Errors below 1e-6 mean backprop agrees with the numerical gradient.
    """
    obj = copy.deepcopy(obj)
    obj.astype(np.float64)
    x = np.array(x, dtype=np.float64)  # a private, contiguous float64 copy
    is_network = hasattr(obj, "gradient")
    layers = obj.layers if is_network else [obj]

    if is_network:
        if t is None:
            raise ValueError("gradcheck of a network needs labels t")
        obj.need_input_gradient = True
        obj.loss(x, t, train=True)  # draws the dropout masks that are then frozen
        _freeze_randomness(layers)
        analytic = {name: g.copy() for name, g in obj.gradient(x, t).items()}
        analytic["x"] = obj.input_gradient.copy()

        def f(_):
            return obj.loss(x, t, train=True)

        params = obj.params
    else:
        y = obj.forward(x, train=True)
        _freeze_randomness(layers)
        weights = np.random.default_rng(seed).standard_normal(y.shape)
        analytic = {"x": obj.backward(weights.copy())}
        analytic.update({name: g.copy() for name, g in obj.grads.items()})

        def f(_):
            return float(np.sum(obj.forward(x, train=True) * weights))

        params = obj.params

    rng = np.random.default_rng(seed)
    errors = {}
    for name, value in [*params.items(), ("x", x)]:
        where = _sample_indices(value.shape, sample, rng)
        numeric = numerical_gradient(f, value, h, where)
        if where is None:
            errors[name] = relative_error(analytic[name], numeric)
        else:
            picked = tuple(np.array(where).T)
            errors[name] = relative_error(analytic[name][picked], numeric[picked])

    if verbose:
        print(f"gradient check of {type(obj).__name__} (float64, h={h:g})")
        print(f"  {'name':<14}{'shape':<20}{'max relative error':>20}")
        for name, err in errors.items():
            shape = x.shape if name == "x" else params[name].shape
            print(f"  {name:<14}{str(shape):<20}{err:>20.2e}")
    return errors
