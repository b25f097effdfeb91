"""The divergence guard (trainer/divergence.py): a run that goes wrong stops loudly and is rolled
back."""

import numpy as np
import pytest

from zerodl.networks import MultiLayerNet
from zerodl.optimizers import SGD, Adam
from zerodl.trainer import TrainingDivergedError

from .helpers import Recording, blobs, quiet, small_net


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
