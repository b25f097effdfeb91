# Chapter 4: check the hand-written gradient against the numerical one, then train by SGD.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402
from two_layer_net import TwoLayerNet  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
np.random.seed(0)

# Gradient check on a small network and three samples.
small = TwoLayerNet(input_size=784, hidden_size=3, output_size=10)
grad_numerical = small.numerical_gradient(x_train[:3], t_train[:3])
grad_backprop = small.gradient(x_train[:3], t_train[:3])
differences = {}
for key in grad_numerical.keys():
    differences[key] = float(np.max(np.abs(grad_backprop[key] - grad_numerical[key])))
    print(key + ":" + str(differences[key]))

network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
iters_num = 100
batch_size = 100
learning_rate = 0.5
train_loss_list = []
for _ in range(iters_num):
    batch_mask = np.random.choice(x_train.shape[0], batch_size)
    x_batch = x_train[batch_mask]
    t_batch = t_train[batch_mask]
    grad = network.gradient(x_batch, t_batch)
    for key in ("W1", "b1", "W2", "b2"):
        network.params[key] -= learning_rate * grad[key]
    train_loss_list.append(float(network.loss(x_batch, t_batch)))

train_acc = float(network.accuracy(x_train[:1000], t_train[:1000]))
test_acc = float(network.accuracy(x_test[:1000], t_test[:1000]))
print("train acc, test acc | " + str(train_acc) + ", " + str(test_acc))

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(
            {
                "differences": differences,
                "train_loss_list": train_loss_list,
                "train_acc": train_acc,
                "test_acc": test_acc,
            },
            f,
        )
