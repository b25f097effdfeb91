"""The pieces around the loop: divergence guard, early stopping, best epoch, callbacks, the
printed line and the progress bar."""

import numpy as np
import pytest

from zerodl.networks import MultiLayerNet
from zerodl.optimizers import SGD, Adam
from zerodl.trainer import StopTraining, Trainer, TrainingDivergedError

from .helpers import Recording, blobs, quiet, small_net

# --- divergence ---------------------------------------------------------------------------------


def test_nan_loss_stops_with_epoch_and_step_and_keeps_the_parameters():
    x, t = blobs(96)  # 3 steps of 32 per epoch
    net = Recording(8, [16], 3, seed=0, poison={"loss": 5})  # epoch 2, step 2
    trainer = quiet(net, Adam(lr=0.01))
    with pytest.raises(TrainingDivergedError, match="epoch 2, step 2 of 3: the loss is nan") as e:
        trainer.fit(x, t, 3)
    assert "smaller learning rate" in str(e.value)
    assert (e.value.epoch, e.value.step) == (2, 2)
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, net.before[-1][key])
    assert trainer.epoch == 1 and len(trainer.history["loss"]) == 1


def test_nan_gradient_stops_before_the_update_reaches_params_or_optimizer():
    x, t = blobs(96)
    net = Recording(8, [16], 3, seed=0, poison={"grad": 2})
    optimizer = Adam(lr=0.01)
    with pytest.raises(TrainingDivergedError, match=r"step 2 of 3: the gradient of 'W2'"):
        quiet(net, optimizer).fit(x, t, 1)
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, net.before[-1][key])
    assert optimizer.t == 1  # one good update, the bad one never made
    assert all(np.isfinite(v).all() for slot in optimizer.state.values() for v in slot.values())


def test_an_update_that_overflows_is_rolled_back():
    class Overflowing(SGD):
        def update(self, params, grads):
            super().update(params, grads)
            if self.t == 3:
                params["b1"][0] = np.inf

    x, t = blobs(96)
    net = Recording(8, [16], 3, seed=0)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, step 3 of 3: the update made"):
        quiet(net, Overflowing(lr=0.1)).fit(x, t, 1)
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, net.before[-1][key])


def test_a_huge_learning_rate_diverges_loudly_not_silently():
    x, t = blobs(96)
    net = Recording(8, [16], 3, seed=0)
    with pytest.raises(TrainingDivergedError, match="Try a smaller learning rate"):
        quiet(net, SGD(lr=1e30)).fit(x, t, 5)
    assert all(np.isfinite(p).all() for p in net.params.values())
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, net.before[-1][key])


def test_batch_norm_statistics_are_rolled_back_too():
    x, t = blobs(96)
    net = MultiLayerNet(8, [16], 3, use_batchnorm=True, seed=0)
    x_bad = x.copy()
    x_bad[40] = np.nan  # lands in some batch of the first epoch
    with pytest.raises(TrainingDivergedError):
        quiet(net).fit(x_bad, t, 1)
    assert all(np.isfinite(b).all() for b in net.buffers.values())
    assert all(np.isfinite(p).all() for p in net.params.values())


class Losses(Recording):
    """A Recording whose loss is `losses[step]` at the given steps (counted from 1)."""

    def __init__(self, *args, losses, **kw):
        super().__init__(*args, **kw)
        self.losses = losses

    def gradient(self, x, t):
        grads = super().gradient(x, t)
        self.last_loss = self.losses.get(len(self.batches), self.last_loss)
        return grads


@pytest.mark.parametrize("loss, stops", [(199.0, False), (201.0, True)])
def test_a_loss_more_than_100_times_the_first_stops_training(loss, stops):
    x, t = blobs(96)  # 3 steps per epoch
    net = Losses(8, [16], 3, seed=0, losses={1: 2.0, 5: loss})
    trainer = quiet(net, SGD(lr=0.01))
    if not stops:
        assert trainer.fit(x, t, 2)["step_loss"][4] == 199.0
        return
    with pytest.raises(TrainingDivergedError, match="epoch 2, step 2 of 3: the loss 201") as e:
        trainer.fit(x, t, 2)
    assert e.value.loss == 201.0
    assert "more than 100 times the first step's 2" in e.value.reason
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, net.before[-1][key])
    assert trainer.epoch == 1


@pytest.mark.parametrize("loss, stops", [(99.0, False), (101.0, True)])
def test_a_run_that_starts_below_1_is_measured_against_1(loss, stops):
    """Fine-tuning starts from a low loss; a noisy batch 100 times that is no divergence."""
    x, t = blobs(96)
    net = Losses(8, [16], 3, seed=0, losses={1: 0.003, 4: loss})
    trainer = quiet(net, SGD(lr=0.01))
    if not stops:
        assert trainer.fit(x, t, 2)["step_loss"][3] == 99.0
        return
    with pytest.raises(TrainingDivergedError, match="epoch 2, step 1 of 3"):
        trainer.fit(x, t, 2)


def test_the_factor_is_the_trainers_to_choose():
    x, t = blobs(96)
    net = Losses(8, [16], 3, seed=0, losses={1: 2.0, 2: 21.0})
    with pytest.raises(TrainingDivergedError, match="more than 10 times"):
        quiet(net, SGD(lr=0.01), divergence_factor=10).fit(x, t, 1)
    with pytest.raises(ValueError, match="divergence_factor"):
        quiet(small_net(), divergence_factor=0.5)


def test_a_learning_rate_of_a_million_stops_in_the_first_steps():
    x, t = blobs(96)
    with pytest.raises(TrainingDivergedError, match="epoch 1, step [23] of 3") as e:
        quiet(small_net(), Adam(lr=1e6)).fit(x, t, 5)
    assert e.value.lr == 1e6


class OverflowsAt(Adam):
    """Adam whose update at step `bad` makes a parameter infinite; it remembers its state_dict
    from just before each update."""

    def __init__(self, bad, **kw):
        super().__init__(**kw)
        self.bad = bad

    def update(self, params, grads):
        self.before = self.state_dict()
        super().update(params, grads)
        if self.t == self.bad:
            params["b1"][0] = np.inf


def test_a_rolled_back_update_rolls_back_the_optimizer_state_too():
    x, t = blobs(96)
    optimizer = OverflowsAt(3, lr=0.01)
    with pytest.raises(TrainingDivergedError, match="step 3 of 3: the update made"):
        quiet(small_net(), optimizer).fit(x, t, 1)
    assert optimizer.t == optimizer.before["step"] == 2
    for slot, arrays in optimizer.before["slots"].items():
        assert set(optimizer.state[slot]) == set(arrays)
        for key, a in arrays.items():
            np.testing.assert_array_equal(optimizer.state[slot][key], a)


def test_a_first_update_rolled_back_leaves_no_optimizer_state():
    x, t = blobs(96)
    optimizer = OverflowsAt(1, lr=0.01)
    with pytest.raises(TrainingDivergedError, match="step 1 of 3"):
        quiet(small_net(), optimizer).fit(x, t, 1)
    assert optimizer.t == 0 and optimizer.state == {"m": {}, "v": {}}


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


def test_format_record_is_compact():
    record = {"epoch": 3, "loss": 0.06234, "acc": 0.98123, "val_loss": None, "val_acc": 0.979}
    line = Trainer.format_record({**record, "seconds": 4.07, "lr": 0.1}, 10)
    assert line == "epoch 3/10  loss 0.0623  acc 0.9812  val_acc 0.9790  4.1s"


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
