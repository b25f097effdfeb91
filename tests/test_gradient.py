"""The gradient checker itself: right on known functions, and it catches a wrong backward."""

import numpy as np
import pytest

from zerodl.gradient import gradcheck, numerical_gradient, relative_error
from zerodl.layers import Affine, Layer
from zerodl.networks import TwoLayerNet


def test_numerical_gradient_of_a_known_function():
    x = np.array([3.0, 4.0, -1.5])
    grad = numerical_gradient(lambda v: np.sum(v**2) + v[0] * v[1], x)
    np.testing.assert_allclose(grad, [2 * 3 + 4, 2 * 4 + 3, -3.0], rtol=1e-7)
    np.testing.assert_array_equal(x, [3.0, 4.0, -1.5])  # restored


def test_relative_error_is_scaled_by_the_largest_gradient():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.1]) == pytest.approx(0.1 / 2.1)
    assert relative_error([1e-17], [1e-12]) < 1e-6  # both zero up to round-off


class WrongAffine(Affine):
    """An Affine whose dW is 1% too large."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["W"] *= 1.01  # a 1% error, the size of a subtle bug
        return dx


class WrongInputGradient(Layer):
    """y = x^2 with a backward that returns x instead of 2x."""

    def forward(self, x, train=True):
        self._x = x
        return x * x

    def backward(self, dout):
        return dout * self._x


def test_gradcheck_catches_a_one_percent_error_in_a_parameter_gradient():
    errors = gradcheck(WrongAffine(4, 3, seed=0), np.ones((2, 4)), verbose=False)
    assert errors["W"] > 1e-3
    assert errors["b"] < 1e-6 and errors["x"] < 1e-6


def test_gradcheck_catches_a_wrong_input_gradient():
    errors = gradcheck(WrongInputGradient(), np.linspace(0.5, 2, 6).reshape(2, 3), verbose=False)
    assert errors["x"] > 0.1


def test_gradcheck_leaves_the_float32_original_untouched_and_prints_a_table(capsys):
    net = TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    errors = gradcheck(net, np.ones((2, 5)), np.array([0, 2]))
    assert max(errors.values()) < 1e-6
    assert all(v.dtype == np.float32 for v in net.params.values())
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k])
    out = capsys.readouterr().out
    assert "W1" in out and "max relative error" in out


def test_gradcheck_of_a_network_needs_labels():
    with pytest.raises(ValueError, match="needs labels"):
        gradcheck(TwoLayerNet(5, 4, 3), np.ones((2, 5)))
