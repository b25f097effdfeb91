# Chapter 6: the same deep network with and without batch normalisation, from a poor initial
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
# weight scale, on 1000 training images.
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.multi_layer_net_extend import MultiLayerNetExtend  # noqa: E402
from common.optimizer import SGD  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
x_train = x_train[:1000]
t_train = t_train[:1000]
np.random.seed(3)

max_epochs = 4
train_size = x_train.shape[0]
batch_size = 100
learning_rate = 0.01


def train(weight_init_std):
    bn_network = MultiLayerNetExtend(
        input_size=784,
        hidden_size_list=[100, 100, 100, 100],
        output_size=10,
        weight_init_std=weight_init_std,
        use_batchnorm=True,
    )
    network = MultiLayerNetExtend(
        input_size=784,
        hidden_size_list=[100, 100, 100, 100],
        output_size=10,
        weight_init_std=weight_init_std,
    )
    optimizer = SGD(lr=learning_rate)
    train_acc_list = []
    bn_train_acc_list = []
    iter_per_epoch = max(train_size / batch_size, 1)
    epoch_cnt = 0
    for i in range(1000000000):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]
        for _network in (bn_network, network):
            grads = _network.gradient(x_batch, t_batch)
            optimizer.update(_network.params, grads)
        if i % iter_per_epoch == 0:
            train_acc_list.append(float(network.accuracy(x_train, t_train)))
            bn_train_acc_list.append(float(bn_network.accuracy(x_train, t_train)))
            print(
                "epoch:"
                + str(epoch_cnt)
                + " | "
                + str(train_acc_list[-1])
                + " - "
                + str(bn_train_acc_list[-1])
            )
            epoch_cnt += 1
            if epoch_cnt >= max_epochs:
                break
    return train_acc_list, bn_train_acc_list, sorted(bn_network.params)


results = {}
for w in (0.05, "he"):
    results[str(w)] = train(w)

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(results, f)
