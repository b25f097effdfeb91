import numpy as np
import pytest

from zerodl.initializers import normal, weight_std


@pytest.mark.parametrize(
    "init, fan_in, expected",
    [("he", 50, np.sqrt(2 / 50)), ("relu", 8, 0.5), ("xavier", 100, 0.1), ("sigmoid", 4, 0.5)],
)
def test_named_scales(init, fan_in, expected):
    assert weight_std(init, fan_in) == pytest.approx(expected)


def test_a_number_is_the_std_itself_and_must_be_positive():
    assert weight_std(0.01, 784) == 0.01
    with pytest.raises(ValueError, match="must be positive, got -1"):
        weight_std(-1, 10)


def test_normal_is_seeded_and_keeps_dtype():
    a = normal((3, 4), 0.1, np.random.default_rng(0))
    b = normal((3, 4), 0.1, np.random.default_rng(0))
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
