"""Tests for zerodl.schedules: each schedule against its formula written out; factory; checks."""

import json
import math

import numpy as np
import pytest

from zerodl.optimizers import SGD
from zerodl.schedules import (
    SCHEDULES,
    ConstantLR,
    CosineDecay,
    MultiStepDecay,
    StepDecay,
    create_schedule,
    over_epochs,
)


def test_constant():
    schedule = ConstantLR(0.01)
    assert [schedule(e) for e in range(5)] == [0.01] * 5
    assert isinstance(schedule(0), float)


def test_step_decay_against_the_formula():
    schedule = StepDecay(0.1, step_size=3, gamma=0.5)
    expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]
    assert [schedule(e) for e in range(10)] == pytest.approx(expected, rel=1e-15)
    assert StepDecay(1.0, step_size=2)(4) == pytest.approx(0.01)  # default gamma 0.1


def test_cosine_against_the_formula():
    lr, min_lr, total = 0.2, 0.02, 8
    schedule = CosineDecay(lr, total=total, min_lr=min_lr)
    for epoch in range(12):
        t = min(epoch, total)
        expected = min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * t / total))
        assert schedule(epoch) == pytest.approx(expected, rel=1e-14)
    assert schedule(0) == lr
    assert schedule(total // 2) == pytest.approx((lr + min_lr) / 2)
    assert schedule(total) == pytest.approx(min_lr) and schedule(100) == pytest.approx(min_lr)
    values = [schedule(e) for e in range(total + 1)]
    assert all(a > b for a, b in zip(values, values[1:]))  # strictly decreasing to the end


def test_cosine_with_warmup():
    schedule = CosineDecay(1.0, total=10, warmup=4)
    assert [schedule(e) for e in range(4)] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert schedule(4) == 1.0  # the peak, at the first epoch after the warm-up
    for epoch in range(4, 11):
        expected = 0.5 * (1 + math.cos(math.pi * (epoch - 4) / 6))
        assert schedule(epoch) == pytest.approx(expected, abs=1e-15)
    values = [schedule(e) for e in range(11)]
    assert values.index(max(values)) == 4


def test_a_schedule_drives_an_optimiser():
    schedule = StepDecay(0.1, step_size=2)
    opt = SGD(lr=schedule(0))
    params = {"w": np.zeros(1)}
    for epoch in range(4):
        opt.lr = schedule(epoch)
        opt.update(params, {"w": np.ones(1)})
    np.testing.assert_allclose(params["w"], [-(0.1 + 0.1 + 0.01 + 0.01)])


@pytest.mark.parametrize(
    "schedule",
    [ConstantLR(0.3), StepDecay(0.1, 5, gamma=0.5), CosineDecay(0.1, 20, min_lr=1e-3, warmup=2)],
)
def test_get_config_rebuilds_through_json(schedule):
    config = json.loads(json.dumps(schedule.get_config()))
    again = create_schedule(schedule.name, **config)
    assert type(again) is type(schedule)
    assert again.get_config() == schedule.get_config()
    assert [again(e) for e in range(25)] == [schedule(e) for e in range(25)]
    assert repr(again) == repr(schedule)


def test_create_schedule():
    assert set(SCHEDULES) == {"constant", "step", "multistep", "cosine"}
    assert isinstance(create_schedule("Constant", 0.1), ConstantLR)
    step = create_schedule("step", 0.1, step_size=4, gamma=0.2)
    assert isinstance(step, StepDecay) and step.get_config() == {
        "lr": 0.1,
        "step_size": 4,
        "gamma": 0.2,
    }
    cosine = create_schedule("COSINE", lr=0.5, total=10)
    assert isinstance(cosine, CosineDecay) and cosine.total == 10 and cosine.min_lr == 0.0
    with pytest.raises(ValueError, match="unknown schedule 'linear': choose one of constant, step"):
        create_schedule("linear", 0.1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ConstantLR(-0.1), "invalid learning rate: -0.1"),
        (lambda: ConstantLR(float("nan")), "invalid learning rate: nan"),
        (lambda: ConstantLR("0.1"), "invalid learning rate: '0.1'"),
        (lambda: StepDecay(0.1, 0), "invalid step_size: 0"),
        (lambda: StepDecay(0.1, 2.5), "invalid step_size: 2.5"),
        (lambda: StepDecay(0.1, 2, gamma=0.0), "invalid gamma: 0.0"),
        (lambda: StepDecay(0.1, 2, gamma=1.5), "invalid gamma: 1.5"),
        (lambda: CosineDecay(0.1, 0), "invalid total: 0"),
        (lambda: CosineDecay(0.1, 10, min_lr=-1e-3), "invalid min_lr: -0.001"),
        (lambda: CosineDecay(0.1, 10, min_lr=0.2), "invalid min_lr: 0.2"),
        (lambda: CosineDecay(0.1, 10, warmup=10), "invalid warmup: 10"),
        (lambda: CosineDecay(0.1, 10, warmup=-1), "invalid warmup: -1"),
        (lambda: ConstantLR(0.1)(-1), "invalid epoch: -1"),
        (lambda: CosineDecay(0.1, 10)(1.5), "invalid epoch: 1.5"),
    ],
)
def test_invalid_arguments_show_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_numpy_integers_are_epochs():
    assert StepDecay(0.1, np.int64(2))(np.int64(2)) == pytest.approx(0.01)


def test_multistep_decay_multiplies_at_each_milestone():
    schedule = MultiStepDecay(1.0, milestones=[6, 3], gamma=0.5)  # any order
    assert [schedule(e) for e in range(8)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]
    again = create_schedule(schedule.name, **schedule.get_config())
    assert [again(e) for e in range(8)] == [schedule(e) for e in range(8)]
    with pytest.raises(ValueError, match="invalid milestone: -1"):
        MultiStepDecay(0.1, milestones=[-1])


@pytest.mark.parametrize(
    ("epochs", "factors"),
    [
        (4, [1, 1, 0.1, 0.01]),
        (8, [1, 1, 1, 1, 0.1, 0.1, 0.01, 0.01]),
        (10, [1, 1, 1, 1, 1, 0.1, 0.1, 0.01, 0.01, 0.01]),  # 3/4 of 10: from epoch 7 (0-based)
    ],
)
def test_the_command_lines_step_schedule_is_a_tenth_from_half_and_a_hundredth_from_3_4(
    epochs, factors
):
    schedule = over_epochs("step", 0.1, epochs)
    assert [schedule(e) for e in range(epochs)] == pytest.approx([0.1 * f for f in factors])


def test_the_command_lines_other_schedules():
    assert over_epochs("constant", 0.3, 5)(4) == 0.3
    cosine = over_epochs("cosine", 0.1, 10, warmup=1)
    assert (cosine.total, cosine.warmup) == (10, 1)
    with pytest.raises(ValueError, match="lr_schedule"):
        over_epochs("linear", 0.1, 5)
