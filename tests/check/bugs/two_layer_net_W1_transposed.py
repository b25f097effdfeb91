# ruff: noqa: NPY002
"""TwoLayerNet keeps W1 as (hidden_size, input_size) and multiplies by W1.T."""
import numpy as np
from common.functions import cross_entropy_error, sigmoid, softmax


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(hidden_size, input_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def predict(self, x):
        a1 = np.dot(x, self.params["W1"].T) + self.params["b1"]
        return softmax(np.dot(sigmoid(a1), self.params["W2"]) + self.params["b2"])

    def loss(self, x, t):
        return cross_entropy_error(self.predict(x), t)
