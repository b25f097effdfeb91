import numpy as np
import pytest

from zerodl.layers import Dropout


def test_inverted_dropout_keeps_the_expected_value():
    x = np.ones((2000, 50), dtype=np.float32)
    y = Dropout(0.3, seed=0).forward(x, train=True)
    assert y.dtype == np.float32
    dropped = np.mean(y == 0)
    assert dropped == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    assert y.mean() == pytest.approx(1.0, abs=0.01)


def test_identity_at_test_time():
    x = np.random.default_rng(0).standard_normal((4, 5))
    layer = Dropout(0.5, seed=0)
    np.testing.assert_array_equal(layer.forward(x, train=False), x)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), np.ones_like(x))


def test_same_seed_same_masks_and_backward_uses_the_mask():
    x = np.ones((3, 8))
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    ya, yb = a.forward(x), b.forward(x)
    np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(a.backward(np.ones_like(x)), ya)


def test_frozen_mask_is_reused():
    x = np.ones((3, 8))
    layer = Dropout(0.5, seed=1)
    first = layer.forward(x)
    layer.freeze_mask = True
    np.testing.assert_array_equal(layer.forward(x), first)


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_ratio_is_validated(ratio):
    with pytest.raises(ValueError, match="dropout_ratio must lie in"):
        Dropout(ratio)
