import warnings

import numpy as np
import pytest

from zerodl.gradient import numerical_gradient, relative_error
from zerodl.layers import SoftmaxWithLoss


def loss_gradcheck(x, t):
    """Check SoftmaxWithLoss's backward against central differences of its loss."""
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    analytic = layer.backward(1.0)
    numeric = numerical_gradient(lambda _: layer.forward(x, t), x, h=1e-5)
    return relative_error(analytic, numeric)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_gradient_with_index_and_one_hot_labels(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, 4))
    t = rng.integers(0, 4, n)
    assert loss_gradcheck(x, t) < 1e-6
    assert loss_gradcheck(x, np.eye(4)[t]) < 1e-6


def test_loss_is_the_mean_cross_entropy_computed_by_hand():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    t = np.array([2, 0])
    expected = -(np.log(np.exp(3) / np.exp([1, 2, 3]).sum()) + np.log(1 / 3)) / 2
    assert SoftmaxWithLoss().forward(x, t) == pytest.approx(expected, rel=1e-12)
    assert SoftmaxWithLoss().forward(x, np.eye(3)[t]) == pytest.approx(expected, rel=1e-12)


def test_without_labels_it_is_softmax():
    x = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(SoftmaxWithLoss().forward(x), np.exp(x) / np.exp(x).sum())


def test_extreme_scores_give_finite_losses_and_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32)
        assert SoftmaxWithLoss().forward(x, np.array([0])) == pytest.approx(0.0, abs=1e-6)
        wrong = SoftmaxWithLoss().forward(x, np.array([1]))
        assert np.isfinite(wrong) and wrong > 100
        layer = SoftmaxWithLoss()
        layer.forward(x, np.array([1]))
        assert np.all(np.isfinite(layer.backward()))


@pytest.mark.parametrize(
    "t, message",
    [
        (np.array([0, 3]), r"labels must lie in 0..2 for 3 classes"),
        (np.array([-1, 0]), r"labels must lie in 0..2"),
        (np.array([0, 1, 2]), r"got 3 labels for 2 samples"),
        (np.array([0.0, 1.0]), r"must be integers, got dtype float64"),
        (np.zeros((2, 4)), r"one-hot labels must have shape \(N, K\) = \(2, 3\)"),
    ],
)
def test_bad_labels_are_rejected_with_a_clear_message(t, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxWithLoss().forward(np.zeros((2, 3)), t)
