# ruff: noqa: NPY002
"""Chapter 4's TwoLayerNet.gradient with dy = y - t, not (y - t) / batch_num."""
import numpy as np
from common.functions import cross_entropy_error, sigmoid, sigmoid_grad, softmax


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def predict(self, x):
        z1 = sigmoid(np.dot(x, self.params["W1"]) + self.params["b1"])
        return softmax(np.dot(z1, self.params["W2"]) + self.params["b2"])

    def loss(self, x, t):
        return cross_entropy_error(self.predict(x), t)

    def accuracy(self, x, t):
        return np.sum(np.argmax(self.predict(x), axis=1) == np.argmax(t, axis=1)) / x.shape[0]

    def gradient(self, x, t):
        W1, W2, b1 = self.params["W1"], self.params["W2"], self.params["b1"]
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        y = softmax(np.dot(z1, W2) + self.params["b2"])
        dy = y - t
        grads = {"W2": np.dot(z1.T, dy), "b2": np.sum(dy, axis=0)}
        dz1 = np.dot(dy, W2.T)
        da1 = sigmoid_grad(a1) * dz1
        grads["W1"], grads["b1"] = np.dot(x.T, da1), np.sum(da1, axis=0)
        return grads
