"""SoftmaxWithLoss with its own softmax that does not subtract the maximum."""
import numpy as np


def _softmax(x):
    return np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = self.y = self.t = None

    def forward(self, x, t):
        self.y = _softmax(x)
        self.t = t if t.size == self.y.size else np.eye(x.shape[1])[t]
        self.loss = -np.sum(self.t * np.log(self.y + 1e-7)) / x.shape[0]
        return self.loss

    def backward(self, dout=1):
        return (self.y - self.t) / self.t.shape[0]
