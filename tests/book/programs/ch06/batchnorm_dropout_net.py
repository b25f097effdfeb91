# A learner's own network from common.layers: Affine - BatchNorm - Relu - Dropout, twice, then
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
# Affine - softmax; the gradient gathered from dW, db, dgamma and dbeta.
import os
import sys
from collections import OrderedDict

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.gradient import numerical_gradient  # noqa: E402
from common.layers import Affine, BatchNormalization, Dropout, Relu, SoftmaxWithLoss  # noqa: E402


class BatchNormDropoutNet:
    def __init__(self, input_size, hidden_size, output_size, dropout_ratio=0.2):
        sizes = [input_size, hidden_size, hidden_size, output_size]
        self.params = {}
        for i in range(1, 4):
            scale = np.sqrt(2.0 / sizes[i - 1])
            self.params["W" + str(i)] = scale * np.random.randn(sizes[i - 1], sizes[i])
            self.params["b" + str(i)] = np.zeros(sizes[i])
        for i in range(1, 3):
            self.params["gamma" + str(i)] = np.ones(hidden_size)
            self.params["beta" + str(i)] = np.zeros(hidden_size)

        self.layers = OrderedDict()
        for i in range(1, 3):
            self.layers["Affine" + str(i)] = Affine(
                self.params["W" + str(i)], self.params["b" + str(i)]
            )
            self.layers["BatchNorm" + str(i)] = BatchNormalization(
                self.params["gamma" + str(i)], self.params["beta" + str(i)]
            )
            self.layers["Relu" + str(i)] = Relu()
            self.layers["Dropout" + str(i)] = Dropout(dropout_ratio)
        self.layers["Affine3"] = Affine(self.params["W3"], self.params["b3"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train_flg=False):
        for key, layer in self.layers.items():
            if "Dropout" in key or "BatchNorm" in key:
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        return self.last_layer.forward(self.predict(x, train_flg), t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x, train_flg=False), axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def numerical_gradient(self, x, t):
        def loss_W(W):
            return self.loss(x, t, train_flg=True)

        return {key: numerical_gradient(loss_W, self.params[key]) for key in self.params}

    def gradient(self, x, t):
        self.loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {}
        for i in range(1, 4):
            grads["W" + str(i)] = self.layers["Affine" + str(i)].dW
            grads["b" + str(i)] = self.layers["Affine" + str(i)].db
        for i in range(1, 3):
            grads["gamma" + str(i)] = self.layers["BatchNorm" + str(i)].dgamma
            grads["beta" + str(i)] = self.layers["BatchNorm" + str(i)].dbeta
        return grads
