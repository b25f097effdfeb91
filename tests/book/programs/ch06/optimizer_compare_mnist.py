# Chapter 6: SGD, Momentum, AdaGrad and Adam train the same five-layer network on MNIST.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.multi_layer_net import MultiLayerNet  # noqa: E402
from common.optimizer import SGD, AdaGrad, Adam, Momentum  # noqa: E402
from common.util import smooth_curve  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
np.random.seed(6)
train_size = x_train.shape[0]
batch_size = 128
max_iterations = 30

optimizers = {}
optimizers["SGD"] = SGD()
optimizers["Momentum"] = Momentum()
optimizers["AdaGrad"] = AdaGrad()
optimizers["Adam"] = Adam()

networks = {}
train_loss = {}
for key in optimizers.keys():
    networks[key] = MultiLayerNet(
        input_size=784, hidden_size_list=[100, 100, 100, 100], output_size=10
    )
    train_loss[key] = []

for _ in range(max_iterations):
    batch_mask = np.random.choice(train_size, batch_size)
    x_batch = x_train[batch_mask]
    t_batch = t_train[batch_mask]
    for key in optimizers.keys():
        grads = networks[key].gradient(x_batch, t_batch)
        optimizers[key].update(networks[key].params, grads)
        loss = networks[key].loss(x_batch, t_batch)
        train_loss[key].append(float(loss))

for key in optimizers.keys():
    print(key + ":" + str(train_loss[key][-1]), "smoothed:", smooth_curve(train_loss[key])[-1])

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(train_loss, f)
