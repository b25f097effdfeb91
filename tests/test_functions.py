"""Stable numerics: softmax, cross-entropy and sigmoid on extreme inputs."""

import warnings

import numpy as np
import pytest

from zerodl.functions import cross_entropy_error, log_softmax, sigmoid, softmax

EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [0.0, 0.0, 0.0]])


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_extreme_scores_is_finite_and_sums_to_one(dtype):
    y = softmax(EXTREME.astype(dtype))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(y[0], [1.0, 0.0, 0.0], atol=1e-7)
    np.testing.assert_allclose(y[2], [1 / 3] * 3, rtol=1e-6)


def test_log_softmax_matches_the_obvious_formula_on_moderate_inputs():
    x = np.random.default_rng(0).standard_normal((4, 5))
    expected = np.log(np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(log_softmax(x), expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_finite_and_exact_at_extremes(dtype):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype)
    y = sigmoid(x)
    assert y.dtype == dtype
    assert np.all(np.isfinite(y))
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    moderate = np.linspace(-10, 10, 21)
    np.testing.assert_allclose(sigmoid(moderate), 1 / (1 + np.exp(-moderate)), rtol=1e-12)


def test_cross_entropy_of_confident_predictions():
    y = softmax(EXTREME)
    assert cross_entropy_error(y[:1], np.array([0])) == pytest.approx(0.0, abs=1e-6)
    wrong = cross_entropy_error(y[:1], np.array([1]))
    assert np.isfinite(wrong) and wrong > 10
    one_hot = np.eye(3)[[0]]
    assert cross_entropy_error(y[:1], one_hot) == pytest.approx(0.0, abs=1e-6)


def test_cross_entropy_of_one_sample_with_a_one_hot_label_as_in_the_book():
    # The book's 4.2.2: y and t are single (10,) vectors; t is one-hot for the class "2".
    t = np.zeros(10)
    t[2] = 1
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    assert cross_entropy_error(y, t) == pytest.approx(-np.log(0.6 + 1e-7))  # 0.5108
    assert cross_entropy_error(y, 2) == pytest.approx(-np.log(0.6 + 1e-7))  # a class number
