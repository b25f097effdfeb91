"""Trainer: each sample once per epoch, reproducible, honest figures, divergence caught, resume."""

import copy
import io
import json
import re

import numpy as np
import pytest

from zerodl.networks import MultiLayerNet, TwoLayerNet
from zerodl.optimizers import SGD, Adam
from zerodl.schedules import StepDecay
from zerodl.trainer import BookTrainer, StopTraining, Trainer, TrainingDivergedError


def blobs(n=240, seed=0, dim=8, classes=3):
    """Three Gaussian blobs, well apart: a problem a small network learns in a few epochs.

    The blobs are always the same; `seed` draws another set of samples from them.
    """
    centers = np.random.default_rng(2024).normal(0.0, 3.0, (classes, dim))
    rng = np.random.default_rng(seed)
    t = rng.integers(0, classes, n)
    x = (centers[t] + rng.normal(0.0, 1.0, (n, dim))).astype(np.float32)
    return x, t


def small_net(seed=0, **kw):
    return MultiLayerNet(8, [16, 16], 3, seed=seed, **kw)


def quiet(network, optimizer=None, **kw):
    optimizer = optimizer if optimizer is not None else SGD(lr=0.1)
    return Trainer(network, optimizer, batch_size=32, seed=0, verbose=False, **kw)


class Recording(MultiLayerNet):
    """A MultiLayerNet that remembers the batches it was trained on and its parameters before
    each step; `poison` makes the loss or a gradient NaN at a given step (counted from 1)."""

    def __init__(self, *args, poison=None, **kw):
        super().__init__(*args, **kw)
        self.batches, self.before, self.poison = [], [], poison or {}

    def gradient(self, x, t):
        self.batches.append(np.array(x[:, 0]))
        self.before.append({k: p.copy() for k, p in self.params.items()})
        grads = super().gradient(x, t)
        step = len(self.batches)
        if self.poison.get("loss") == step:
            self.last_loss = float("nan")
        if self.poison.get("grad") == step:
            grads["W2"][0, 0] = np.inf
        return grads


# --- the epoch: every sample once, seeded order ---------------------------------------------------


def test_every_sample_exactly_once_per_epoch_in_a_new_order():
    x, t = blobs(100)
    x[:, 0] = np.arange(100)  # the first feature is the sample's number
    net = Recording(8, [16], 3, seed=0)
    quiet(net, SGD(lr=0.0)).fit(x, t, epochs=3)  # batch 32: 32 + 32 + 32 + 4
    assert [len(b) for b in net.batches] == [32, 32, 32, 4] * 3
    epochs = [np.concatenate(net.batches[i : i + 4]) for i in (0, 4, 8)]
    for seen in epochs:
        np.testing.assert_array_equal(np.sort(seen), np.arange(100))
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[0], np.arange(100))  # shuffled, not in order


def test_same_seed_same_run_and_another_seed_another_run():
    x, t = blobs()

    def run(seed):
        net = small_net(seed=0)
        Trainer(net, Adam(lr=0.01), batch_size=32, seed=seed, verbose=False).fit(x, t, 2)
        return net

    a, b, c = run(1), run(1), run(2)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_a_generator_as_seed_is_used_as_it_is():
    rng = np.random.default_rng(5)
    trainer = Trainer(small_net(), "sgd", seed=rng, verbose=False)
    assert trainer.rng is rng


# --- the history: figures checked against an independent computation ------------------------------


def test_history_figures_match_the_network_when_it_does_not_change():
    # With lr = 0 the network never changes, so the training figures counted during the epoch
    # must equal those of one plain pass over the whole training set.
    x, t = blobs(200)
    xv, tv = blobs(60, seed=1)
    net = small_net()
    trainer = quiet(net, SGD(lr=0.0))
    history = trainer.fit(x, t, epochs=2, validation_data=(xv, tv))

    assert history["epoch"] == [1, 2]
    loss, acc = net.loss(x, t), net.accuracy(x, t)
    assert history["loss"] == pytest.approx([loss, loss], rel=1e-5)
    assert history["acc"] == [acc, acc]
    assert history["val_acc"] == [net.accuracy(xv, tv)] * 2
    assert history["val_loss"] == pytest.approx([net.loss(xv, tv, train=False)] * 2, rel=1e-5)
    assert history["lr"] == [0.0, 0.0]
    assert len(history["step_loss"]) == 2 * 7  # ceil(200 / 32) steps per epoch
    assert all(s >= 0 for s in history["seconds"])
    json.dumps(history)  # plain numbers only


def test_epoch_loss_is_the_sample_weighted_mean_of_the_step_losses():
    x, t = blobs(100)  # batches of 32, 32, 32 and 4
    history = quiet(small_net()).fit(x, t, epochs=1)
    weights = np.array([32, 32, 32, 4])
    expected = np.dot(history["step_loss"], weights) / 100
    assert history["loss"][0] == pytest.approx(expected)


def test_learns_the_blobs_and_history_without_validation_has_none():
    x, t = blobs(300)
    history = quiet(small_net(), Adam(lr=0.01)).fit(x, t, epochs=5)
    assert history["acc"][-1] > 0.95
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_loss"] == history["val_acc"] == [None] * 5


def test_one_hot_labels_give_the_same_run():
    x, t = blobs()
    a, b = small_net(), small_net()
    quiet(a).fit(x, t, 1)
    quiet(b).fit(x, np.eye(3, dtype=np.float32)[t], 1)
    np.testing.assert_allclose(a.params["W1"], b.params["W1"], rtol=1e-5, atol=1e-7)


def test_evaluate_sample_num_measures_on_random_samples_in_eval_mode():
    x, t = blobs(200)
    xv, tv = blobs(99, seed=1)  # 99 samples: a whole-set accuracy is k/99, a multiple of
    net = small_net()  # 1/25 only when it is 0 or 1
    history = quiet(net, SGD(lr=0.0)).fit(
        x, t, 1, validation_data=(xv, tv), evaluate_sample_num_per_epoch=25
    )
    # 25 samples: every accuracy is a multiple of 1/25
    assert history["acc"][0] * 25 == pytest.approx(round(history["acc"][0] * 25))
    assert history["val_acc"][0] * 25 == pytest.approx(round(history["val_acc"][0] * 25))
    assert 0 < net.accuracy(xv, tv) < 1  # so a whole-set val_acc would have failed above
    assert 0 < net.accuracy(x, t) * 25 % 1 < 1  # and so would a whole-set acc


def test_lr_schedule_sets_the_rate_at_the_start_of_each_epoch():
    x, t = blobs(64)
    optimizer = SGD(lr=1.0)
    trainer = quiet(small_net(), optimizer, lr_schedule=StepDecay(0.1, step_size=1, gamma=0.5))
    history = trainer.fit(x, t, 3)
    assert history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert optimizer.lr == pytest.approx(0.025)


# --- what is printed ---------------------------------------------------------------------------


def test_one_readable_line_per_epoch():
    x, t = blobs()
    lines = []
    trainer = Trainer(small_net(), "adam", batch_size=32, seed=0, print_fn=lines.append)
    trainer.fit(x[:200], t[:200], 2, validation_data=(x[200:], t[200:]))
    number = r"\d+\.\d{4}"
    pattern = (
        rf"epoch (\d)/2  loss {number}  acc {number}  val_loss {number}  "
        rf"val_acc {number}  \d+\.\d+s"
    )
    assert len(lines) == 2
    assert [re.fullmatch(pattern, line).group(1) for line in lines] == ["1", "2"]

    lines.clear()
    trainer.fit(x, t, 1)  # a second fit goes on counting; no validation figures this time
    assert re.fullmatch(rf"epoch 3/3  loss {number}  acc {number}  \d+\.\d+s", lines[0])


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


# --- resuming -----------------------------------------------------------------------------------


def test_two_epochs_straight_equal_one_plus_a_resumed_one():
    x, t = blobs(200)
    xv, tv = blobs(50, seed=1)
    kw = dict(validation_data=(xv, tv), evaluate_sample_num_per_epoch=30)

    def make(net, optimizer):
        return Trainer(net, optimizer, batch_size=32, seed=7, verbose=False)

    straight = small_net(use_dropout=True, dropout_ratio=0.2)
    expected = make(straight, Adam(lr=0.01)).fit(x, t, 2, **kw)

    first = small_net(use_dropout=True, dropout_ratio=0.2)
    optimizer = Adam(lr=0.01)
    trainer = make(first, optimizer)
    trainer.fit(x, t, 1, **kw)
    # what a checkpoint holds: the network (its dropout Generator too), the optimizer's state,
    # and the trainer's state through JSON
    state = json.loads(json.dumps(trainer.state_dict()))
    resumed_net = copy.deepcopy(first)
    resumed_optimizer = Adam()
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed = Trainer(resumed_net, resumed_optimizer, batch_size=32, seed=123, verbose=False)
    resumed.load_state_dict(state)
    history = resumed.fit(x, t, 1, **kw)

    for key in straight.params:
        np.testing.assert_array_equal(resumed_net.params[key], straight.params[key])
    for key in ("epoch", "loss", "acc", "val_loss", "val_acc", "lr", "step_loss"):
        assert history[key] == expected[key], key
    assert resumed.epoch == 2


def test_state_dict_is_json_and_round_trips():
    x, t = blobs(64)
    trainer = quiet(small_net(), monitor="loss", restore_best=True)
    trainer.fit(x, t, 2)
    state = trainer.state_dict()
    assert json.loads(json.dumps(state)) == state
    assert set(state) == {"epoch", "rng", "history", "best"}
    other = quiet(small_net())
    other.load_state_dict(json.loads(json.dumps(state)))
    assert other.state_dict() == state
    assert other.rng.random() == trainer.rng.random()


def test_load_state_dict_rejects_something_else():
    with pytest.raises(ValueError, match="missing"):
        quiet(small_net()).load_state_dict({"epoch": 1})


# --- the book's signature ---------------------------------------------------------------------


def test_the_books_signature_and_attributes():
    x, t = blobs(200)
    xt, tt = blobs(60, seed=1)
    out = io.StringIO()
    network = TwoLayerNet(input_size=8, hidden_size=20, output_size=3, seed=0)
    trainer = Trainer(
        network,
        x,
        t,
        xt,
        tt,
        epochs=3,
        mini_batch_size=20,
        optimizer="Adam",
        optimizer_param={"lr": 0.1},
        evaluate_sample_num_per_epoch=50,
        print_fn=lambda *a: print(*a, file=out),
    )
    assert isinstance(trainer, BookTrainer)
    test_acc = trainer.train()
    assert len(trainer.train_loss_list) == 3 * 10
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 3
    assert test_acc == np.mean(network.predict(xt).argmax(axis=1) == tt) > 0.9
    assert out.getvalue().splitlines()[-2:] == [
        "=============== Final Test Accuracy ===============",
        f"test acc:{test_acc}",
    ]


def test_the_books_default_optimizer_is_sgd_with_lr_001():
    x, t = blobs(20)
    trainer = Trainer(small_net(), x, t, x, t, epochs=1, verbose=False)
    assert type(trainer.optimizer) is SGD and trainer.optimizer.lr == 0.01
    assert trainer.batch_size == 100


# --- argument checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"batch_size": 0}, "invalid batch_size: 0"),
        ({"monitor": "accuracy"}, "unknown monitor 'accuracy'"),
        ({"early_stopping_patience": 0}, "invalid early_stopping_patience"),
        ({"optimizer_param": {"lr": 0.1}}, "pass one or the other"),
    ],
)
def test_bad_arguments_are_named(kw, message):
    with pytest.raises(ValueError, match=message):
        Trainer(small_net(), SGD(), **kw)


def test_fit_checks_its_data():
    x, t = blobs(50)
    trainer = quiet(small_net())
    with pytest.raises(ValueError, match="50 samples and 49 labels"):
        trainer.fit(x, t[:-1], 1)
    with pytest.raises(ValueError, match="invalid epochs"):
        trainer.fit(x, t, -1)
    watching = quiet(small_net(), early_stopping_patience=2)
    with pytest.raises(ValueError, match="needs validation_data"):
        watching.fit(x, t, 1)
