"""common.trainer: the book's Trainer (chapter 6), which is zerodl.trainer.BookTrainer.

    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                      optimizer="SGD", optimizer_param={"lr": 0.01},
                      evaluate_sample_num_per_epoch=None, verbose=True)
    trainer.train()
    trainer.train_loss_list, trainer.train_acc_list, trainer.test_acc_list

`network` is any network written as in the book: `params`, `gradient(x, t)`, `predict(x)`
(with train_flg or without), and usually `last_layer`, a SoftmaxWithLoss. zerodl's own networks
(MultiLayerNet, MultiLayerNetExtend) are trained as they are. The order of the samples comes from
np.random's own stream, so a script's np.random.seed(0) repeats its run. What differs from the
book's Trainer, and why: see zerodl.trainer.book, the one home of this class.
"""

import os
import sys

import numpy as np

from zerodl.book.common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from zerodl.trainer.book import BookTrainer as Trainer

# Its own name and what the book's module brings to `import *`: sys, os, np and common.optimizer.
__all__ = [
    "Trainer",
    "SGD",
    "AdaGrad",
    "Adam",
    "Momentum",
    "Nesterov",
    "RMSprop",
    "np",
    "os",
    "sys",
]
