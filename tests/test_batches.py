"""minibatches: every sample once per epoch, seeded order, the last batch, views when in order."""

import numpy as np
import pytest

from zerodl.datasets import minibatches


def data(n):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)  # row i is [3i, 3i+1, 3i+2]
    t = np.arange(n, dtype=np.int64)  # label i belongs to row i
    return x, t


@pytest.mark.parametrize("n, batch_size", [(10, 3), (10, 5), (10, 1), (10, 10), (10, 32), (1, 1)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_every_sample_exactly_once(n, batch_size, shuffle):
    x, t = data(n)
    batches = list(minibatches(x, t, batch_size, shuffle=shuffle, seed=0))
    sizes = [len(tb) for _, tb in batches]
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected_sizes
    seen = np.concatenate([tb for _, tb in batches])
    assert sorted(seen.tolist()) == list(range(n))
    for xb, tb in batches:  # inputs and targets stay paired
        np.testing.assert_array_equal(xb[:, 0], 3 * tb)


@pytest.mark.parametrize("shuffle", [True, False])
def test_drop_last(shuffle):
    x, t = data(10)
    batches = list(minibatches(x, t, 3, shuffle=shuffle, seed=1, drop_last=True))
    assert [len(tb) for _, tb in batches] == [3, 3, 3]
    assert len(set(np.concatenate([tb for _, tb in batches]).tolist())) == 9
    assert list(minibatches(x, t, 11, drop_last=True)) == []


def test_same_seed_same_order_and_different_seeds_differ():
    x, t = data(100)
    first = [tb for _, tb in minibatches(x, t, 10, seed=42)]
    again = [tb for _, tb in minibatches(x, t, 10, seed=42)]
    other = [tb for _, tb in minibatches(x, t, 10, seed=43)]
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(again))
    assert not np.array_equal(np.concatenate(first), np.concatenate(other))
    assert not np.array_equal(np.concatenate(first), t)  # actually shuffled


def test_a_generator_gives_a_new_order_each_epoch_reproducibly():
    x, t = data(50)
    rng = np.random.default_rng(7)
    epoch1 = np.concatenate([tb for _, tb in minibatches(x, t, 8, seed=rng)])
    epoch2 = np.concatenate([tb for _, tb in minibatches(x, t, 8, seed=rng)])
    assert not np.array_equal(epoch1, epoch2)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(
        epoch1, np.concatenate([tb for _, tb in minibatches(x, t, 8, seed=rng)])
    )
    # the order is the permutation a fresh Generator with the same seed draws
    np.testing.assert_array_equal(epoch1, np.random.default_rng(7).permutation(50))


def test_global_numpy_random_state_is_untouched():
    x, t = data(20)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking the legacy global state)
    list(minibatches(x, t, 4, seed=None))
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_unshuffled_batches_are_views_in_order():
    x, t = data(7)
    batches = list(minibatches(x, t, 3, shuffle=False))
    assert all(np.shares_memory(xb, x) and np.shares_memory(tb, t) for xb, tb in batches)
    np.testing.assert_array_equal(np.concatenate([tb for _, tb in batches]), t)


def test_shuffled_batches_are_copies():
    x, t = data(7)
    xb, _ = next(minibatches(x, t, 3, seed=0))
    assert not np.shares_memory(xb, x)


def test_works_with_images_and_one_hot_targets():
    x = np.zeros((5, 1, 28, 28), dtype=np.float32)
    t = np.eye(10, dtype=np.float32)[[1, 2, 3, 4, 5]]
    xb, tb = next(minibatches(x, t, 2, seed=0))
    assert xb.shape == (2, 1, 28, 28) and tb.shape == (2, 10)


@pytest.mark.parametrize("batch_size", [0, -1])
def test_invalid_batch_size(batch_size):
    x, t = data(4)
    with pytest.raises(ValueError, match="batch_size"):
        minibatches(x, t, batch_size)  # checked at the call, before any iteration


@pytest.mark.parametrize("batch_size", [2.0, "2", True])
def test_batch_size_must_be_an_int(batch_size):
    x, t = data(4)
    with pytest.raises(TypeError, match="batch_size"):
        minibatches(x, t, batch_size)  # checked at the call, before any iteration


def test_lengths_must_match():
    x, t = data(4)
    with pytest.raises(ValueError, match="len"):
        minibatches(x, t[:3], 2)
