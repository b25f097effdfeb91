# Chapter 6: a random search of the learning rate and the weight decay, on a validation split.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.multi_layer_net import MultiLayerNet  # noqa: E402
from common.trainer import Trainer  # noqa: E402
from common.util import shuffle_dataset  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
x_train = x_train[:500]
t_train = t_train[:500]
np.random.seed(5)

validation_rate = 0.20
validation_num = int(x_train.shape[0] * validation_rate)
x_train, t_train = shuffle_dataset(x_train, t_train)
x_val = x_train[:validation_num]
t_val = t_train[:validation_num]
x_train = x_train[validation_num:]
t_train = t_train[validation_num:]


def __train(lr, weight_decay, epocs=4):
    network = MultiLayerNet(
        input_size=784,
        hidden_size_list=[100, 100, 100],
        output_size=10,
        weight_decay_lambda=weight_decay,
    )
    trainer = Trainer(
        network,
        x_train,
        t_train,
        x_val,
        t_val,
        epochs=epocs,
        mini_batch_size=100,
        optimizer="sgd",
        optimizer_param={"lr": lr},
        verbose=False,
    )
    trainer.train()
    return trainer.test_acc_list, trainer.train_acc_list


optimization_trial = 4
results = []
for _ in range(optimization_trial):
    weight_decay = 10 ** np.random.uniform(-8, -4)
    lr = 10 ** np.random.uniform(-3, -1)
    val_acc_list, train_acc_list = __train(lr, weight_decay)
    print(
        "val acc:"
        + str(val_acc_list[-1])
        + " | lr:"
        + str(lr)
        + ", weight decay:"
        + str(weight_decay)
    )
    results.append(
        {
            "lr": lr,
            "weight_decay": weight_decay,
            "val_acc_list": val_acc_list,
            "train_acc_list": train_acc_list,
        }
    )

best = max(results, key=lambda r: r["val_acc_list"][-1])
print("Best-1 (val acc:" + str(best["val_acc_list"][-1]) + ") | lr:" + str(best["lr"]))

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump({"trials": results, "validation_labels": t_val.tolist()}, f)
