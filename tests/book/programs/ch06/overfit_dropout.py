# Chapter 6: a seven-layer network with dropout on 300 training images, trained by the Trainer.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.multi_layer_net_extend import MultiLayerNetExtend  # noqa: E402
from common.trainer import Trainer  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
x_train = x_train[:300]
t_train = t_train[:300]
x_test = x_test[:500]
t_test = t_test[:500]
np.random.seed(2)

use_dropout = True
dropout_ratio = 0.2
network = MultiLayerNetExtend(
    input_size=784,
    hidden_size_list=[100, 100, 100, 100, 100, 100],
    output_size=10,
    use_dropout=use_dropout,
    dropout_ration=dropout_ratio,
)
trainer = Trainer(
    network,
    x_train,
    t_train,
    x_test,
    t_test,
    epochs=10,
    mini_batch_size=100,
    optimizer="sgd",
    optimizer_param={"lr": 0.1},
    verbose=True,
)
trainer.train()

train_acc_list, test_acc_list = trainer.train_acc_list, trainer.test_acc_list

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(
            {
                "train_acc_list": train_acc_list,
                "test_acc_list": test_acc_list,
                "train_loss_list": trainer.train_loss_list,
            },
            f,
        )
