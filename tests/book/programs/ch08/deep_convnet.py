# Chapter 8: a deep CNN in the book's style, smaller: conv-relu-conv-relu-pool three times, then
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
# affine-relu-dropout-affine-dropout-softmax, He initial weights.
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.layers import Affine, Convolution, Dropout, Pooling, Relu, SoftmaxWithLoss  # noqa: E402


class DeepConvNet:
    def __init__(
        self,
        input_dim=(1, 28, 28),
        channels=(8, 8, 16, 16, 32, 32),
        pads=(1, 1, 1, 2, 1, 1),
        hidden_size=50,
        output_size=10,
    ):
        self.params = {}
        self.layers = []
        pre_channel = input_dim[0]
        size = input_dim[1]
        for idx, (channel, pad) in enumerate(zip(channels, pads)):
            W = np.sqrt(2.0 / (pre_channel * 3 * 3)) * np.random.randn(channel, pre_channel, 3, 3)
            b = np.zeros(channel)
            self.params["W" + str(idx + 1)], self.params["b" + str(idx + 1)] = W, b
            self.layers.append(Convolution(W, b, stride=1, pad=pad))
            self.layers.append(Relu())
            size = size + 2 * pad - 2
            if idx % 2 == 1:
                self.layers.append(Pooling(pool_h=2, pool_w=2, stride=2))
                size = size // 2
            pre_channel = channel
        flat = pre_channel * size * size
        self.params["W7"] = np.sqrt(2.0 / flat) * np.random.randn(flat, hidden_size)
        self.params["b7"] = np.zeros(hidden_size)
        self.params["W8"] = np.sqrt(2.0 / hidden_size) * np.random.randn(hidden_size, output_size)
        self.params["b8"] = np.zeros(output_size)
        self.layers.append(Affine(self.params["W7"], self.params["b7"]))
        self.layers.append(Relu())
        self.layers.append(Dropout(0.5))
        self.layers.append(Affine(self.params["W8"], self.params["b8"]))
        self.layers.append(Dropout(0.5))
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train_flg=False):
        for layer in self.layers:
            if isinstance(layer, Dropout):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x, train_flg=True)
        return self.last_layer.forward(y, t)

    def accuracy(self, x, t, batch_size=100):
        acc = 0.0
        for i in range(int(x.shape[0] / batch_size)):
            tx = x[i * batch_size : (i + 1) * batch_size]
            tt = t[i * batch_size : (i + 1) * batch_size]
            y = self.predict(tx, train_flg=False)
            acc += np.sum(np.argmax(y, axis=1) == tt)
        return acc / x.shape[0]

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        for i, layer in enumerate([layer for layer in self.layers if hasattr(layer, "dW")]):
            grads["W" + str(i + 1)] = layer.dW
            grads["b" + str(i + 1)] = layer.db
        return grads
