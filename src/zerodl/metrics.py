"""Scoring a classifier's answers: the correct ones counted, the confusion matrix counted and
written as a table.

    count_correct(scores, t)                      # rows whose largest score is at the label
    cm = confusion_matrix(t_test, network.predict(x_test).argmax(axis=1), 10)   # (K, K)
    cm.diagonal() / cm.sum(axis=1)                # the accuracy of each class
    print(format_confusion_matrix(cm, labels))

zerodl.plots.plot_confusion_matrix draws one.
"""

import numpy as np

from zerodl.i18n import N_, translate

__all__ = ["confusion_matrix", "count_correct", "format_confusion_matrix"]


def count_correct(scores, labels):
    """The number of rows of `scores` (N, K) whose largest score is at the row's label (N,).

    The one place where zerodl counts correct answers: a network's accuracy, the Trainer's
    epoch figures, and each process's share of a distributed step.
    """
    return int(np.count_nonzero(np.asarray(scores).argmax(axis=1) == labels))


def confusion_matrix(t_true, t_pred, num_classes=None):
    """(K, K) int64 counts: row i, column j = how many samples of class i were predicted j.

    The diagonal holds the correct answers; `cm.diagonal() / cm.sum(axis=1)` is the accuracy
    of each class.
    """
    t_true = np.asarray(t_true, dtype=np.int64).reshape(-1)
    t_pred = np.asarray(t_pred, dtype=np.int64).reshape(-1)
    if t_true.shape != t_pred.shape:
        raise ValueError(f"{len(t_true)} true labels but {len(t_pred)} predictions")
    if num_classes is None:
        num_classes = int(max(t_true.max(initial=-1), t_pred.max(initial=-1))) + 1
    if t_true.size and (min(t_true.min(), t_pred.min()) < 0 or
                        max(t_true.max(), t_pred.max()) >= num_classes):  # fmt: skip
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    counts = np.bincount(t_true * num_classes + t_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def format_confusion_matrix(cm, labels=None):
    """The confusion matrix as a text table (rows: true class, columns: predicted class)."""
    cm = np.asarray(cm)
    k = len(cm)
    labels = [str(s) for s in (labels if labels is not None else range(k))]
    short = [s if len(s) <= 6 else s[:5] + "." for s in labels]
    width = max(5, *(len(str(int(v))) for v in cm.ravel()), *(len(s) for s in short))
    head = max(len(s) for s in labels)
    columns = " ".join(f"{s:>{width}}" for s in short)
    lines = [" " * (head + 2) + columns + "   " + translate(N_("<- predicted"))]
    for label, row in zip(labels, cm):
        lines.append(f"{label:>{head}}  " + " ".join(f"{int(v):>{width}}" for v in row))
    return "\n".join(lines)
