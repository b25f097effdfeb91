"""zerodl visualize: the first layer's weights as a PNG grid."""

import pytest

import zerodl
from zerodl.networks import TwoLayerNet

from .helpers import is_png, one_error_line, run


@pytest.mark.parametrize(
    ("which", "what"),
    [("cnn_checkpoint", "6 filters 5x5"), ("mlp_checkpoint", "weights of 30 of 30 hidden")],
)
def test_visualize_draws_the_first_layer(capsys, tmp_path, request, which, what):
    checkpoint = request.getfixturevalue(which)
    code, out, _ = run(capsys, "visualize", checkpoint, "--out", tmp_path / "w.png")
    assert code == 0 and what in out
    assert is_png(tmp_path / "w.png")


def test_max_limits_the_units_drawn(capsys, tmp_path, mlp_checkpoint):
    code, out, _ = run(capsys, "visualize", mlp_checkpoint, "--max", "12")
    assert code == 0 and "weights of 12 of 30 hidden units, 28x28" in out
    assert is_png(tmp_path / "filters.png")  # beside the checkpoint


def test_weights_that_are_no_image_are_one_line(capsys, tmp_path):
    path = zerodl.save(TwoLayerNet(12, 5, 3, seed=0), tmp_path / "small.npz")
    code, _, err = run(capsys, "visualize", path)
    assert code == 1 and one_error_line(err) and "12 inputs are no image" in err
