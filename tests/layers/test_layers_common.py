"""What every layer shares: gradients that match central differences, dtypes, no side effects.

Each layer's own behaviour is tested in tests/test_<layer module>.py; this file runs the same
checks over all of them so that a new layer only needs a line in CASES.
"""

import numpy as np
import pytest

from zerodl.gradient import gradcheck
from zerodl.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Flatten,
    Pooling,
    ReLU,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)


def away_from_zero(shape, seed=0):
    """Random inputs with |x| >= 0.1, so that ReLU's kink is never within the step h."""
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(x >= 0, x + 0.1, x - 0.1)


def strided(x):
    """A non-contiguous view holding the same values as x."""
    doubled = np.repeat(x, 2, axis=-1)
    return doubled[..., ::2]


CASES = {
    "affine-batch1": (lambda: Affine(5, 3, seed=0), (1, 5)),
    "affine-odd": (lambda: Affine(7, 4, seed=0), (3, 7)),
    "affine-image": (lambda: Affine(2 * 3 * 5, 4, seed=0), (2, 2, 3, 5)),
    "relu": (lambda: ReLU(), (3, 2, 5, 3)),
    "relu-batch1": (lambda: ReLU(), (1, 4)),
    "sigmoid": (lambda: Sigmoid(), (3, 7)),
    "tanh": (lambda: Tanh(), (2, 3, 4, 5)),
    "flatten": (lambda: Flatten(), (3, 2, 3, 5)),
    "dropout": (lambda: Dropout(0.4, seed=1), (3, 11)),
    "batchnorm-features": (lambda: BatchNormalization(5), (4, 5)),
    "batchnorm-batch2": (lambda: BatchNormalization(3), (2, 3)),
    "batchnorm-channels": (lambda: BatchNormalization(3), (3, 3, 4, 5)),
}


@pytest.mark.parametrize("name", CASES)
def test_backward_matches_numerical_gradient(name):
    make, shape = CASES[name]
    errors = gradcheck(make(), away_from_zero(shape), verbose=False)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("name", ["affine-image", "relu", "tanh", "batchnorm-channels"])
def test_non_contiguous_input_gives_the_same_result(name):
    make, shape = CASES[name]
    x = away_from_zero(shape)
    view = strided(x)
    assert not view.flags.c_contiguous
    np.testing.assert_allclose(make().forward(view), make().forward(x), rtol=1e-6)
    errors = gradcheck(make(), view, verbose=False)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_dout_is_not_modified(name, dtype):
    make, shape = CASES[name]
    layer = make().astype(dtype)
    x = away_from_zero(shape).astype(dtype)
    y = layer.forward(x)
    assert y.dtype == dtype
    dout = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    saved = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, saved)
    assert dx.shape == x.shape and dx.dtype == dtype
    for key, grad in layer.grads.items():
        assert grad.shape == layer.params[key].shape and grad.dtype == dtype


@pytest.mark.parametrize("name", CASES)
def test_inputs_of_plus_minus_1000_give_finite_outputs(name):
    make, shape = CASES[name]
    x = np.full(shape, 1000.0)
    x.reshape(-1)[::2] = -1000.0
    assert np.all(np.isfinite(make().forward(x)))


def test_the_books_names_for_the_state_forward_keeps(kernel_mode):
    """Each layer keeps what its backward needs under the book's names, in either kernel mode
    (with the fast kernels the kernel's context answers for them: tests/kernels/test_protocol)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 6, 6)).astype(np.float32)

    affine = Affine(72, 3, seed=0)
    affine.backward(np.ones_like(affine.forward(x)))
    assert affine.original_x_shape == x.shape and affine.x.shape == (4, 72)
    assert affine.dW is affine.grads["W"] and affine.db is affine.grads["b"]

    relu = ReLU()
    relu.forward(x)
    np.testing.assert_array_equal(relu.mask, x <= 0)

    sigmoid = Sigmoid()
    assert sigmoid.forward(x) is sigmoid.out

    loss = SoftmaxWithLoss()
    t = np.array([0, 1, 2, 0])
    value = loss.forward(x[:, 0, 0, :3], t)
    assert loss.loss == value and loss.t is t and loss.y.shape == (4, 3)

    dropout = Dropout(0.5, seed=0)
    y = dropout.forward(x)
    np.testing.assert_array_equal(y, x * dropout.mask)

    norm = BatchNormalization(2)
    norm.forward(x)
    assert norm.batch_size == 4
    np.testing.assert_allclose(norm.xc, x - x.mean(axis=(0, 2, 3), keepdims=True), atol=1e-6)
    np.testing.assert_allclose(norm.xn, norm.xc / norm.std, rtol=1e-6)
    assert norm.running_mean is norm.buffers["running_mean"]
    assert norm.running_var is norm.buffers["running_var"]

    pool = Pooling(2)
    pool.forward(x)
    assert pool.x is x and pool.arg_max.shape == (4 * 3 * 3 * 2,)

    conv = Convolution(2, 3, 3, pad=1, seed=0)
    conv.backward(np.ones_like(conv.forward(x)))
    assert conv.x is x and conv.dW is conv.grads["W"] and conv.db is conv.grads["b"]
    if kernel_mode == "reference":
        assert conv.col.shape == (4 * 6 * 6, 2 * 9) and conv.col_W.shape == (2 * 9, 3)
