"""The shared argument checks: what passes, what is refused, and the words of the refusal."""

import numpy as np
import pytest

from zerodl._checks import integer, non_negative, number


def test_number_takes_finite_reals_as_floats():
    assert number("x", 3) == 3.0 and isinstance(number("x", np.float32(0.5)), float)
    for bad, words in [(True, "must be a number"), ("1", "must be a number"),
                       (float("nan"), "must be finite"), (np.inf, "must be finite")]:  # fmt: skip
        with pytest.raises(ValueError, match=f"invalid x: .* \\({words}\\)"):
            number("x", bad)


def test_non_negative_allows_zero():
    assert non_negative("lr", 0) == 0.0
    with pytest.raises(ValueError, match=r"invalid lr: -0.1 \(must be >= 0\)"):
        non_negative("lr", -0.1)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_integer_refuses_small_values_floats_bools_and_strings(bad):
    with pytest.raises(ValueError, match=r"invalid n: .* \(must be an integer >= 1\)"):
        integer("n", bad, 1)


def test_integer_takes_numpy_integers():
    assert integer("n", np.int64(4), 1) == 4 and type(integer("n", np.int64(4), 1)) is int
