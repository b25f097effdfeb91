# Chapter 7: the gradient check of the simple CNN on small images, then training by the Trainer.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.trainer import Trainer  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402
from simple_convnet import SimpleConvNet  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
np.random.seed(7)

checked = SimpleConvNet(
    input_dim=(1, 10, 10),
    conv_param={"filter_num": 4, "filter_size": 3, "pad": 0, "stride": 1},
    hidden_size=10,
    output_size=10,
    weight_init_std=0.01,
)
X = np.random.rand(100).reshape((1, 1, 10, 10))
T = np.array([[1]])  # the class of the one image, as a column
grad_num = checked.numerical_gradient(X, T)
grad = checked.gradient(X, T)
differences = {}
for key in grad_num.keys():
    differences[key] = float(np.abs(grad_num[key] - grad[key]).mean())
    print(key, differences[key])

x_train, t_train = x_train[:500], t_train[:500]
x_test, t_test = x_test[:100], t_test[:100]
network = SimpleConvNet(
    input_dim=(1, 28, 28),
    conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
    hidden_size=100,
    output_size=10,
    weight_init_std=0.01,
)
trainer = Trainer(
    network,
    x_train,
    t_train,
    x_test,
    t_test,
    epochs=2,
    mini_batch_size=100,
    optimizer="Adam",
    optimizer_param={"lr": 0.001},
    evaluate_sample_num_per_epoch=100,
)
trainer.train()

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(
            {
                "differences": differences,
                "train_loss_list": trainer.train_loss_list,
                "train_acc_list": trainer.train_acc_list,
                "test_acc_list": trainer.test_acc_list,
                "final_test_acc": float(network.accuracy(x_test, t_test)),
            },
            f,
        )
