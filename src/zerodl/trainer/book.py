"""BookTrainer: the book's Trainer (common/trainer.py), its signature and its names.

    trainer = BookTrainer(network, x_train, t_train, x_test, t_test, epochs=20,
                          mini_batch_size=100, optimizer="Adam", optimizer_param={"lr": 0.001},
                          evaluate_sample_num_per_epoch=1000)
    trainer.train()
    trainer.train_loss_list, trainer.train_acc_list, trainer.test_acc_list

This is the one home of the book's Trainer: under ``zerodl book``, ``from common.trainer import
Trainer`` gives this very class under the book's name. A BookTrainer holds the data and the
book's settings, and a zerodl Trainer (``.trainer``) that does the training. `network` is any
network written as in the book (``params``, ``gradient(x, t)``, ``predict(x)``, with train_flg
or without), or one of zerodl's.

What differs from the book's Trainer, and why: each epoch visits every training sample once, in
an order drawn from np.random's stream (the book draws every mini-batch at random, with
replacement, so some samples are seen twice and others never); one line per epoch instead of one
per step; train_loss_list holds the loss of each mini-batch as the forward pass of gradient()
computed it (the book runs one more forward pass after the update); the accuracies of an epoch
are measured in test mode (no dropout), on `evaluate_sample_num_per_epoch` random samples when
it is given (the book takes the first ones).
"""

import inspect

import numpy as np

from zerodl.layers import SoftmaxWithLoss
from zerodl.networks import Sequential
from zerodl.optimizers import Optimizer
from zerodl.trainer.loop import Trainer

__all__ = ["BookTrainer", "LearnersNetwork"]


class BookTrainer:
    """The book's Trainer, on top of zerodl's.

    Args:
        network, x_train, t_train, x_test, t_test: as in the book.
        epochs, mini_batch_size: the number of epochs and the batch size.
        optimizer, optimizer_param: the optimizer's name ("SGD", "Momentum", "Nesterov",
            "AdaGrad", "RMSprop", "Adam", any case) and arguments; the book's default is SGD
            with lr 0.01.
        evaluate_sample_num_per_epoch: evaluate accuracy on this many samples per epoch.
        verbose: print the per-epoch lines and the final test accuracy.
        seed: an int or a numpy Generator for the order of the samples; None (the default)
            draws from np.random's own stream, as the book does, so that a script's
            np.random.seed(0) repeats its run.
        **options: any other keyword argument of Trainer (callbacks, print_fn, ...).

    Attributes:
        network: the network given (the learner's own object).
        trainer: the zerodl Trainer doing the work (its history, state_dict, ...).
        train_loss_list, train_acc_list, test_acc_list: the book's lists (step losses, then
            the training and test accuracy of each epoch).
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
        seed=None,
        **options,
    ):
        if optimizer_param is None and not isinstance(optimizer, Optimizer):
            optimizer_param = {"lr": 0.01}
        trained = network if isinstance(network, Sequential) else LearnersNetwork(network)
        self.trainer = Trainer(
            trained,
            optimizer,
            batch_size=mini_batch_size,
            optimizer_param=optimizer_param,
            verbose=verbose,
            seed=_numpy_global_generator() if seed is None else seed,
            **options,
        )
        self.network = network
        self.x_train, self.t_train = x_train, t_train
        self.x_test, self.t_test = x_test, t_test
        self.epochs = epochs
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        self.verbose = verbose

    def train(self):
        """Run all the epochs, then print the accuracy on the whole test set, as the book does."""
        self.trainer.fit(
            self.x_train,
            self.t_train,
            self.epochs,
            validation_data=(self.x_test, self.t_test),
            evaluate_sample_num_per_epoch=self.evaluate_sample_num_per_epoch,
        )
        test_acc = self.trainer.evaluate(self.x_test, self.t_test)["acc"]  # the whole test set
        if self.verbose:
            self.trainer.print_fn("=============== Final Test Accuracy ===============")
            self.trainer.print_fn(f"test acc:{test_acc}")
        return test_acc

    # The book's attribute names, read from the Trainer.

    @property
    def optimizer(self):
        return self.trainer.optimizer

    @property
    def batch_size(self):
        return self.trainer.batch_size

    @property
    def current_epoch(self):
        return self.trainer.epoch

    @property
    def train_loss_list(self):
        return self.trainer.train_loss_list

    @property
    def train_acc_list(self):
        return self.trainer.train_acc_list

    @property
    def test_acc_list(self):
        return self.trainer.test_acc_list

    def __repr__(self):
        return f"{type(self).__name__}({self.trainer!r}, epochs={self.epochs})"


class LearnersNetwork:
    """A network written as in the book, with the face zerodl's Trainer expects of a network:
    `gradient(x, t)` that leaves the batch's loss in `last_loss` and its scores in
    `last_scores`, and `loss(x, t, train)` for evaluation.

    The loss and the scores of a training step are those the network's own last layer computed
    in gradient() (no second forward pass), when that layer keeps them as the book's
    SoftmaxWithLoss does (`loss`, `y`); otherwise they are computed once more from predict().
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
        keeps_scores = hasattr(last, "y") and hasattr(last, "loss")
        if keeps_scores:
            last.y = None  # set again by the forward pass inside gradient()
        grads = self.network.gradient(x, t)
        if keeps_scores and last.y is not None and len(last.y) == len(x):
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
        t = np.asarray(t)
        if t.ndim == 2 and t.shape[1] == 1 and self.last_scores.shape[-1] != 1:
            t = t.reshape(len(t))  # class numbers as a column, as the book sometimes writes
        return self._loss_layer.forward(self.last_scores, t)

    def accuracy(self, x, t):
        return self.network.accuracy(x, t)

    def __repr__(self):
        return type(self.network).__name__


def _numpy_global_generator():
    """A Generator over np.random's own bit generator (reseeded in place by np.random.seed):
    the stream the book's Trainer draws from. (The book package's global_rng gives the same one
    to the modules it serves; that package sits above this one, so it is not imported here.)"""
    get = getattr(np.random, "get_bit_generator", None)  # NumPy >= 1.25
    bit_generator = get() if get is not None else np.random.mtrand._rand._bit_generator
    return np.random.Generator(bit_generator)


def _parameters(function):
    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        return {}
