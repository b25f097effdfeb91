import numpy as np
import pytest

from zerodl.layers import BatchNormalization, ShapeError


def test_train_mode_normalises_each_channel_over_batch_and_space():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 4, 5)) * np.array([1, 5, 10]).reshape(1, 3, 1, 1) + 7
    y = BatchNormalization(3).astype(np.float64).forward(x, train=True)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-10)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-3)


def test_running_statistics_are_used_at_test_time():
    rng = np.random.default_rng(0)
    layer = BatchNormalization(4, momentum=0.0)  # running stats = last batch's
    x = (rng.standard_normal((50, 4)) * 3 + 2).astype(np.float32)
    layer.forward(x, train=True)
    np.testing.assert_allclose(layer.buffers["running_mean"], x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.buffers["running_var"], x.var(axis=0), rtol=1e-4)
    one = x[:1]
    expected = (one - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + layer.eps)
    np.testing.assert_allclose(layer.forward(one, train=False), expected, rtol=1e-4, atol=1e-5)


def test_gamma_and_beta_apply_per_channel():
    layer = BatchNormalization(2)
    layer.params["gamma"][...] = [2, 3]
    layer.params["beta"][...] = [1, -1]
    x = np.random.default_rng(1).standard_normal((4, 2, 3, 3)).astype(np.float32)
    y = layer.forward(x)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), [1, -1], atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(0, 2, 3)), [2, 3], rtol=1e-3)


def test_wrong_number_of_channels_is_a_clear_error():
    with pytest.raises(ShapeError, match=r"BatchNormalization\(num_features=3.*\(N, 3, \*, \*\)"):
        BatchNormalization(3).forward(np.zeros((2, 4, 5, 5), dtype=np.float32))
