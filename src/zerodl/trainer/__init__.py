"""Training: the Trainer (loop.py), what it records (metrics.py), its divergence guard
(divergence.py), the callbacks around its loop (callbacks.py), the book's Trainer (book.py,
BookTrainer) and resuming from a checkpoint (resume.py).

    trainer = Trainer(network, "adam", optimizer_param={"lr": 0.001}, batch_size=100, seed=0)
    history = trainer.fit(x_train, t_train, epochs=10, validation_data=(x_test, t_test))

prints one line per epoch, in the spirit of Keras's ``fit``::

    epoch 3/10  loss 0.0623  acc 0.9812  val_loss 0.0712  val_acc 0.9790  4.1s

and returns ``trainer.history``, a dict of plain lists (JSON-ready; a zerodl.history.History,
whose ``.plot()`` draws it and which Jupyter shows as a table):

    "epoch"       the epoch number, counted from 1
    "loss"        the mean training loss of the epoch (every sample counted once)
    "acc"         the training accuracy of the epoch
    "val_loss"    the validation loss, None without validation data
    "val_acc"     the validation accuracy, None without validation data
    "seconds"     the time the epoch took, evaluation included
    "lr"          the learning rate used during the epoch
    "step_loss"   the loss of every mini-batch, one entry per step (not per epoch)

The training accuracy is counted from the scores of the epoch's own forward passes (free, and
what Keras reports), so it lags slightly behind the network at the end of the epoch, and
includes dropout when the network has it. Pass ``evaluate_sample_num_per_epoch=n`` to measure it
instead, as the book does, on n random training samples in evaluation mode after the epoch.

A run saved with ``zerodl.checkpoint.save(network, path, trainer=trainer)`` continues with
``resume(path)``, giving the same result as a run that was never interrupted. The book's
signature is BookTrainer's, so that the book's scripts run unchanged (see book.py).
"""

from zerodl.history import History
from zerodl.trainer.book import BookTrainer
from zerodl.trainer.callbacks import MONITORS, StopTraining
from zerodl.trainer.divergence import TrainingDivergedError, check_finite
from zerodl.trainer.loop import Trainer
from zerodl.trainer.resume import resume

__all__ = [
    "MONITORS",
    "BookTrainer",
    "History",
    "StopTraining",
    "Trainer",
    "TrainingDivergedError",
    "check_finite",
    "resume",
]
