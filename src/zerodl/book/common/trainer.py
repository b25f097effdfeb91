"""common.trainer: the book's Trainer (chapter 6), zerodl's BookTrainer (zerodl.trainer.book).

    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                      optimizer="SGD", optimizer_param={"lr": 0.01},
                      evaluate_sample_num_per_epoch=None, verbose=True)
    trainer.train()
    trainer.train_loss_list, trainer.train_acc_list, trainer.test_acc_list

`network` is any network written as in the book: `params`, `gradient(x, t)`, `predict(x)`
(with train_flg or without), and usually `last_layer`, a SoftmaxWithLoss. zerodl's own networks
(MultiLayerNet, MultiLayerNetExtend) are trained as they are.

What differs from the book's Trainer, and why: each epoch visits every training sample once, in
an order drawn from np.random's stream (the book draws every mini-batch at random, with
replacement, so some samples are seen twice and others never); one line per epoch instead of one
per step; train_loss_list holds the loss of each mini-batch as the forward pass of gradient()
computed it (the book runs one more forward pass after the update); the accuracies of an epoch
are measured in test mode (no dropout), on `evaluate_sample_num_per_epoch` random samples when
it is given (the book takes the first ones).
"""

import inspect
import os
import sys

import numpy as np

from zerodl.book.common.layers import SoftmaxWithLoss
from zerodl.book.common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from zerodl.book.global_rng import global_rng
from zerodl.networks import Sequential
from zerodl.trainer import BookTrainer

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


class Trainer(BookTrainer):
    """The book's Trainer: trains `network` for `epochs` epochs of mini-batches.

    Args:
        network, x_train, t_train, x_test, t_test: as in the book.
        epochs, mini_batch_size: the number of epochs and the batch size.
        optimizer: "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop" or "Adam" (any case).
        optimizer_param: the optimiser's arguments (default {"lr": 0.01}).
        evaluate_sample_num_per_epoch: measure the accuracies on this many samples per epoch.
        verbose: print one line per epoch and the final test accuracy.
    """

    def __init__(
        self,
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=20,
        mini_batch_size=100,
        optimizer="SGD",
        optimizer_param=None,
        evaluate_sample_num_per_epoch=None,
        verbose=True,
    ):
        trained = network if isinstance(network, Sequential) else LearnersNetwork(network)
        super().__init__(
            trained,
            x_train,
            t_train,
            x_test,
            t_test,
            epochs=epochs,
            mini_batch_size=mini_batch_size,
            optimizer=optimizer,
            optimizer_param={"lr": 0.01} if optimizer_param is None else optimizer_param,
            evaluate_sample_num_per_epoch=evaluate_sample_num_per_epoch,
            verbose=verbose,
            seed=global_rng(),
        )
        self.network = network  # the learner's own object, as in the book


class LearnersNetwork:
    """A network written as in the book, with the face zerodl's Trainer expects of a network:
    `gradient(x, t)` that leaves the batch's loss in `last_loss` and its scores in
    `last_scores`, and `loss(x, t, train)` for evaluation.

    The loss and the scores of a training step are those the network's own last layer computed
    in gradient() (no second forward pass), when that layer is a SoftmaxWithLoss of
    common.layers; otherwise they are computed once more from predict().
    """

    def __init__(self, network):
        self.network = network
        self._predict_takes_train_flg = "train_flg" in _parameters(network.predict)
        self._loss_layer = SoftmaxWithLoss()

    @property
    def params(self):
        return self.network.params

    def gradient(self, x, t):
        last = getattr(self.network, "last_layer", None)
        if isinstance(last, SoftmaxWithLoss):
            last.y = None  # set again by the forward pass inside gradient()
        grads = self.network.gradient(x, t)
        if isinstance(last, SoftmaxWithLoss) and last.y is not None and len(last.y) == len(x):
            self.last_loss, self.last_scores = float(last.loss), last.y
        else:
            self.last_loss = self.loss(x, t, train=True)
        return grads

    def predict(self, x, train=False):
        if self._predict_takes_train_flg:
            return self.network.predict(x, train_flg=train)
        return self.network.predict(x)

    def loss(self, x, t, train=True):
        """The cross-entropy of predict(x) against t; the scores are kept in `last_scores`."""
        self.last_scores = self.predict(x, train=train)
        return self._loss_layer.forward(self.last_scores, t)

    def accuracy(self, x, t):
        return self.network.accuracy(x, t)

    def __repr__(self):
        return type(self.network).__name__


def _parameters(function):
    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        return {}
