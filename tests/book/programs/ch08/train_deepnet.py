# Chapter 8: the deep CNN trained by the Trainer with Adam, for one epoch on 300 images.
# ruff: noqa: NPY002, B006 (the book's idiom: np.random.seed, a dict as a default)
import json
import os
import sys

sys.path.append(os.pardir)
import numpy as np  # noqa: E402
from common.trainer import Trainer  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402
from deep_convnet import DeepConvNet  # noqa: E402

(x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
np.random.seed(8)

network = DeepConvNet()
trainer = Trainer(
    network,
    x_train[:300],
    t_train[:300],
    x_test[:100],
    t_test[:100],
    epochs=1,
    mini_batch_size=50,
    optimizer="Adam",
    optimizer_param={"lr": 0.001},
    evaluate_sample_num_per_epoch=100,
)
trainer.train()

if len(sys.argv) > 1:
    with open(sys.argv[1], "w") as f:
        json.dump(
            {
                "train_loss_list": trainer.train_loss_list,
                "train_acc_list": trainer.train_acc_list,
                "test_acc_list": trainer.test_acc_list,
                "W1": network.params["W1"][0, 0].tolist(),
            },
            f,
        )
