"""BookTrainer: the book's Trainer (common/trainer.py), its signature and its names.

    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                      optimizer="Adam", optimizer_param={"lr": 0.001},
                      evaluate_sample_num_per_epoch=1000)
    trainer.train()
    trainer.train_loss_list, trainer.train_acc_list, trainer.test_acc_list

The book's scripts call ``Trainer`` with data where zerodl's Trainer takes an optimiser; that
call gives a BookTrainer (see Trainer.__new__ in loop.py). A BookTrainer holds the data and the
book's settings, and a zerodl Trainer (``.trainer``) that does the training.
"""

from zerodl.optimizers import Optimizer
from zerodl.trainer.loop import Trainer

__all__ = ["BookTrainer"]


class BookTrainer:
    """The book's Trainer, on top of zerodl's.

    The differences from the book: each epoch visits every sample once (the book samples
    batches with replacement), the evaluation samples are random (the book takes the first
    ones), and the training loss is printed once per epoch, not once per step.

    Args:
        network, x_train, t_train, x_test, t_test: as in the book.
        epochs, mini_batch_size: the number of epochs and the batch size.
        optimizer, optimizer_param: the optimizer's name and arguments; the book's default is
            SGD with lr 0.01.
        evaluate_sample_num_per_epoch: evaluate accuracy on this many samples per epoch.
        verbose: print the per-epoch lines and the final test accuracy.
        **options: any keyword argument of Trainer (seed, callbacks, print_fn, ...).

    Attributes:
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
        **options,
    ):
        if optimizer_param is None and not isinstance(optimizer, Optimizer):
            optimizer_param = {"lr": 0.01}
        self.trainer = Trainer(
            network,
            optimizer,
            batch_size=mini_batch_size,
            optimizer_param=optimizer_param,
            verbose=verbose,
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
        return f"BookTrainer({self.trainer!r}, epochs={self.epochs})"


# Trainer(network, x_train, t_train, x_test, t_test, ...) makes one of these (Trainer.__new__).
Trainer.book_trainer = BookTrainer
