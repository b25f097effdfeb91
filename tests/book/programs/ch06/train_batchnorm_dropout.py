# The learner's batch-norm-and-dropout network: a gradient check without dropout, then Adam.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from batchnorm_dropout_net import BatchNormDropoutNet  # noqa: E402
from common.optimizer import Adam  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
np.random.seed(4)

checked = BatchNormDropoutNet(784, 4, 10, dropout_ratio=0.0)
grad_numerical = checked.numerical_gradient(x_train[:5], t_train[:5])
grad_backprop = checked.gradient(x_train[:5], t_train[:5])
differences = {}
for key in grad_numerical.keys():
    differences[key] = float(np.max(np.abs(grad_backprop[key] - grad_numerical[key])))
    print(key + ":" + str(differences[key]))

network = BatchNormDropoutNet(784, 50, 10, dropout_ratio=0.2)
optimizer = Adam(lr=0.01)
train_loss_list = []
for _ in range(60):
    batch_mask = np.random.choice(x_train.shape[0], 100)
    grads = network.gradient(x_train[batch_mask], t_train[batch_mask])
    optimizer.update(network.params, grads)
    train_loss_list.append(float(network.last_layer.loss))

test_acc = float(network.accuracy(x_test[:1000], t_test[:1000]))
running_mean = network.layers["BatchNorm1"].running_mean.tolist()
print("test acc:", test_acc)

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(
            {
                "differences": differences,
                "train_loss_list": train_loss_list,
                "test_acc": test_acc,
                "running_mean": running_mean,
            },
            f,
        )
