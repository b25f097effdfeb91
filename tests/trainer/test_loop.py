"""Trainer's loop: each sample once per epoch, reproducible, honest figures, one line per epoch."""

import json
import re

import numpy as np
import pytest

from zerodl.optimizers import SGD, Adam
from zerodl.schedules import StepDecay
from zerodl.trainer import Trainer

from .helpers import Recording, blobs, quiet, small_net

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


def test_a_generator_as_seed_is_drawn_from_like_the_seed_it_came_from():
    x, t = blobs()
    by_seed, by_generator = small_net(), small_net()
    quiet(by_seed).fit(x, t, 1)  # seed=0
    rng = np.random.default_rng(0)
    Trainer(by_generator, SGD(lr=0.1), batch_size=32, seed=rng, verbose=False).fit(x, t, 1)
    np.testing.assert_array_equal(by_generator.params["W1"], by_seed.params["W1"])
    assert rng.random() != np.random.default_rng(0).random()  # the caller's Generator moved on


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
