"""What the Trainer records of an epoch: the history, the epoch's metrics, the printed line.

The history a Trainer returns is a dict of plain lists (JSON-ready), one entry per epoch under
HISTORY_KEYS, and one per step under "step_loss": a zerodl.history.History, which can plot
itself and shows as a table in Jupyter.
"""

from zerodl.history import History
from zerodl.i18n import N_, _, translate

__all__ = ["HISTORY_KEYS", "EpochMetrics", "empty_history", "format_record"]

# One entry per epoch in the history; "step_loss" has one per step.
HISTORY_KEYS = ("epoch", "loss", "acc", "val_loss", "val_acc", "seconds", "lr")


def empty_history():
    return History({key: [] for key in (*HISTORY_KEYS, "step_loss")})


class EpochMetrics:
    """The mean training loss and the accuracy of one epoch, from the steps' own forward passes.

    Every sample counts once, so a short last batch weighs less than a full one. Counting
    correct answers from the training passes is free (and what Keras reports); it lags slightly
    behind the network at the end of the epoch and includes dropout.
    """

    def __init__(self):
        self.loss_sum, self.correct, self.samples = 0.0, 0, 0

    def add_loss(self, loss, size):
        """One step's mean loss over its `size` samples."""
        self.loss_sum += loss * size
        self.samples += size

    def add_correct(self, correct):
        """One step's number of correct answers."""
        self.correct += int(correct)

    @property
    def loss(self):
        return self.loss_sum / self.samples

    @property
    def acc(self):
        return self.correct / self.samples


# The labels of the figures on the per-epoch line, "loss 0.0623": a table of label and value,
# the labels in the book's terms in Japanese (損失, 訓練精度, 検証精度, 学習率).
LABELS = {
    "loss": N_("loss"),
    "acc": N_("acc"),
    "val_loss": N_("val_loss"),
    "val_acc": N_("val_acc"),
    "lr": N_("lr"),
}


def epoch_text(epoch, last_epoch=None):
    """ "epoch 3/10" (or "epoch 3" without `last_epoch`), in the current language."""
    if last_epoch is None:
        return _("epoch {epoch}").format(epoch=epoch)
    return _("epoch {epoch}/{epochs}").format(epoch=epoch, epochs=last_epoch)


def format_record(record, last_epoch=None, show_lr=False):
    """The per-epoch line: ``epoch 3/10  loss 0.0623  acc 0.9812  val_acc 0.9790  4.1s``.

    Figures that are None (no validation data) are left out; ``show_lr`` adds the learning
    rate (the trainer shows it when a schedule changes it).
    """
    parts = [epoch_text(record["epoch"], last_epoch)]
    for key in ("loss", "acc", "val_loss", "val_acc"):
        if record.get(key) is not None:
            parts.append(f"{translate(LABELS[key])} {record[key]:.4f}")
    if show_lr and record.get("lr") is not None:
        parts.append(f"{translate(LABELS['lr'])} {record['lr']:.3g}")
    seconds = record["seconds"]
    parts.append(f"{seconds:.1f}s" if seconds >= 1 else f"{seconds:.2f}s")
    return "  ".join(parts)
