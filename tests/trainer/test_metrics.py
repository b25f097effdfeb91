"""What the Trainer records of an epoch (trainer/metrics.py)."""

import pytest

from zerodl.trainer import Trainer
from zerodl.trainer.metrics import HISTORY_KEYS, EpochMetrics, empty_history


def test_format_record_is_compact():
    record = {"epoch": 3, "loss": 0.06234, "acc": 0.98123, "val_loss": None, "val_acc": 0.979}
    line = Trainer.format_record({**record, "seconds": 4.07, "lr": 0.1}, 10)
    assert line == "epoch 3/10  loss 0.0623  acc 0.9812  val_acc 0.9790  4.1s"


def test_every_sample_counts_once_so_a_short_last_batch_weighs_less():
    metrics = EpochMetrics()
    for loss, size, correct in ((1.0, 4, 3), (2.0, 4, 1), (4.0, 2, 2)):  # 10 samples
        metrics.add_loss(loss, size)
        metrics.add_correct(correct)
    assert metrics.loss == pytest.approx((4 * 1.0 + 4 * 2.0 + 2 * 4.0) / 10)  # not mean(1, 2, 4)
    assert metrics.acc == 6 / 10


def test_an_empty_history_has_a_list_per_epoch_figure_and_the_step_losses():
    history = empty_history()
    assert set(history) == {"epoch", "loss", "acc", "val_loss", "val_acc", "seconds", "lr",
                            "step_loss"}  # fmt: skip
    assert set(HISTORY_KEYS) == set(history) - {"step_loss"}
    assert all(value == [] for value in history.values())
