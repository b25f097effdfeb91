import numpy as np
import pytest

from zerodl.layers import Affine, ShapeError


def test_forward_is_x_times_w_plus_b_on_a_hand_example():
    layer = Affine.from_arrays(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([0.5, -1]))
    y = layer.forward(np.array([[1.0, 0.0, -1.0]]))
    np.testing.assert_allclose(y, [[1 - 5 + 0.5, 2 - 6 - 1]])


def test_default_dtype_is_float32_and_init_is_seeded():
    a, b = Affine(784, 50, seed=3), Affine(784, 50, seed=3)
    assert a.params["W"].dtype == np.float32 and a.params["b"].dtype == np.float32
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert not np.array_equal(a.params["W"], Affine(784, 50, seed=4).params["W"])


@pytest.mark.parametrize(
    "init, std", [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(1 / 400)), (0.01, 0.01)]
)
def test_initial_std(init, std):
    w = Affine(400, 300, weight_init=init, seed=0).params["W"]
    assert w.std() == pytest.approx(std, rel=0.02)


def test_wrong_input_shape_names_the_layer_and_the_shapes():
    with pytest.raises(ShapeError, match=r"Affine\(input_size=4.*\(N, 4\).*\(2, 5\)"):
        Affine(4, 3).forward(np.zeros((2, 5), dtype=np.float32))


def test_unknown_init_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown weight initialisation 'lecun'"):
        Affine(4, 3, weight_init="lecun")
