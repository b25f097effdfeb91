"""The callbacks around the loop: early stopping, the best epoch, the user's callbacks, the
progress bar (the divergence guard: test_divergence.py; the records: test_metrics.py)."""

import numpy as np

from zerodl.optimizers import SGD, Adam
from zerodl.trainer import StopTraining, Trainer

from .helpers import blobs, quiet, small_net

# --- early stopping, best parameters, callbacks -------------------------------------------------


def test_early_stopping_after_patience_epochs_without_improvement():
    x, t = blobs(96)
    lines = []
    # lr = 0 after the first epoch: val_loss stays exactly the same, which is no improvement
    trainer = Trainer(
        small_net(),
        SGD(lr=0.1),
        batch_size=32,
        seed=0,
        lr_schedule=lambda epoch: 0.1 if epoch == 0 else 0.0,
        early_stopping_patience=2,
        monitor="val_loss",
        print_fn=lines.append,
    )
    history = trainer.fit(x, t, 10, validation_data=(x, t))
    assert history["epoch"] == [1, 2, 3]
    assert trainer.best["epoch"] == 1
    assert "early stopping: val_loss has not improved for 2 epochs" in trainer.stop_reason
    assert lines[-1] == trainer.stop_reason


def test_restore_best_puts_back_the_parameters_of_the_best_epoch():
    x, t = blobs(96)
    saved = {}

    def spoil_after_epoch_2(trainer, record):
        if record["epoch"] == 1:
            saved.update({k: p.copy() for k, p in trainer.network.params.items()})
        if record["epoch"] == 2:
            for p in trainer.network.params.values():
                p *= -1.0  # a much worse network; lr = 0 keeps it that way

    net = small_net()
    trainer = quiet(
        net,
        SGD(lr=0.5),
        lr_schedule=lambda epoch: 0.5 if epoch == 0 else 0.0,
        callbacks=[spoil_after_epoch_2],
        monitor="val_loss",
        restore_best=True,
        divergence_factor=None,  # the spoilt network's loss soars on purpose
    )
    history = trainer.fit(x, t, 3, validation_data=(x, t))
    assert history["val_loss"][2] > history["val_loss"][0] == history["val_loss"][1]
    assert trainer.best == {"value": history["val_loss"][0], "epoch": 1}
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, saved[key])


def test_callbacks_see_each_record_and_can_stop():
    x, t = blobs(64)
    seen = []

    def watch(trainer, record):
        seen.append((trainer.epoch, record["epoch"], sorted(record)))
        return record["epoch"] == 2

    trainer = quiet(small_net(), callbacks=[watch])
    history = trainer.fit(x, t, 5)
    assert [s[:2] for s in seen] == [(1, 1), (2, 2)]
    assert seen[0][2] == ["acc", "epoch", "loss", "lr", "seconds", "val_acc", "val_loss"]
    assert history["epoch"] == [1, 2]
    assert trainer.stop_reason == "stopped by a callback"


def test_stop_training_raised_in_a_callback_ends_training():
    def enough(trainer, record):
        raise StopTraining("loss is low enough")

    x, t = blobs(64)
    trainer = quiet(small_net(), callbacks=[enough])
    assert trainer.fit(x, t, 5)["epoch"] == [1]
    assert trainer.stop_reason == "loss is low enough"


def test_an_equal_value_is_not_an_improvement_the_first_epoch_stays_best():
    x, t = blobs(64)
    # lr = 0: every epoch has exactly the same loss; the first one to reach it stays best
    trainer = quiet(small_net(), SGD(lr=0.0), monitor="loss", early_stopping_patience=2)
    history = trainer.fit(x, t, 10)
    assert history["loss"][0] == history["loss"][1] == history["loss"][2]
    assert trainer.best["epoch"] == 1 and history["epoch"] == [1, 2, 3]


def test_restore_best_after_a_resume_keeps_the_last_parameters_and_says_so():
    x, t = blobs(64)
    first = quiet(small_net(), Adam(lr=0.01), monitor="loss", restore_best=True)
    first.fit(x, t, 1)
    state = first.state_dict()  # what a checkpoint keeps: the best epoch, not its parameters
    for p in first.network.params.values():
        p *= -1.0  # a much worse network; lr = 0 keeps it that way
    spoilt = {k: p.copy() for k, p in first.network.params.items()}
    lines = []
    resumed = Trainer(first.network, SGD(lr=0.0), monitor="loss", restore_best=True,
                      print_fn=lines.append)  # fmt: skip
    resumed.load_state_dict(state)
    history = resumed.fit(x, t, 1)
    assert history["loss"][1] > history["loss"][0] and resumed.best["epoch"] == 1
    assert "were not kept in this session" in lines[-1]
    for key, p in resumed.network.params.items():
        np.testing.assert_array_equal(p, spoilt[key])


# --- what is printed ---------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys):
    x, t = blobs(64)
    Trainer(small_net(), "sgd", batch_size=16, seed=0).fit(x, t, 1)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith("epoch 1/1  loss ")


def test_progress_bar_when_asked_goes_to_stderr(capsys):
    x, t = blobs(64)
    Trainer(small_net(), "sgd", batch_size=16, seed=0, progress=True, verbose=False).fit(x, t, 1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "samples/s" in captured.err and "loss" in captured.err


def test_verbose_false_prints_nothing(capsys):
    x, t = blobs(64)
    Trainer(small_net(), "sgd", seed=0, verbose=False).fit(x, t, 1)
    assert capsys.readouterr() == ("", "")


def test_the_names_that_moved_out_of_callbacks_still_import_from_it():
    from zerodl.trainer import callbacks, divergence, metrics

    for name in ("DIVERGENCE_FACTOR", "DivergenceGuard", "TrainingDivergedError", "check_finite",
                 "check_growth"):  # fmt: skip
        assert getattr(callbacks, name) is getattr(divergence, name)
    for name in ("HISTORY_KEYS", "EpochMetrics", "empty_history", "format_record"):
        assert getattr(callbacks, name) is getattr(metrics, name)
    # what callbacks.py holds now: callbacks only
    assert set(callbacks.__all__) == {
        "MONITORS", "BestEpoch", "EarlyStopping", "ProgressBar", "StopTraining", "run_callbacks",
    }  # fmt: skip


def test_in_a_jupyter_kernel_the_bar_is_shown_by_default(monkeypatch):
    # A kernel's stderr is no terminal, yet a learner wants the bar (tqdm.auto makes it a
    # widget there). IPython is not imported here: a stand-in says what get_ipython() gives.
    import sys
    import types

    from zerodl.trainer.callbacks import ProgressBar

    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert ProgressBar.wanted(None, verbose=True)
    assert not ProgressBar.wanted(None, verbose=False) and not ProgressBar.wanted(False, True)
    shell.kernel = None  # IPython in a terminal: stderr decides, as in a script
    assert not ProgressBar.wanted(None, verbose=True)
