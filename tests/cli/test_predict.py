"""zerodl predict: the top classes of image files, as the network computes them."""

import numpy as np
import pytest
from PIL import Image

import zerodl
from zerodl.images import load_digit

from .helpers import draw, one_error_line, run


@pytest.mark.parametrize("which", ["mlp_checkpoint", "cnn_checkpoint"])
def test_predict_prints_the_top_3_of_the_networks_probabilities(capsys, tmp_path, request, which):
    checkpoint = request.getfixturevalue(which)
    seven = draw(tmp_path / "seven.png")
    zero = draw(tmp_path / "zero.jpg", kind="zero", mode="RGB")
    code, out, _ = run(capsys, "predict", checkpoint, seven, zero)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2

    network = zerodl.load(checkpoint)  # the same answer, computed through the API
    for line, path in zip(lines, (seven, zero)):
        x = load_digit(path).reshape(1, *network.input_shape)
        probs = network.predict_proba(x)[0]
        top = np.argsort(-probs, kind="stable")[:3]
        expected = "  ".join(f"{k} ({probs[k]:.1%})" for k in top)
        assert line == f"{path}: {expected}"


def test_top_sets_how_many_classes_are_shown(capsys, tmp_path, mlp_checkpoint):
    code, out, _ = run(capsys, "predict", mlp_checkpoint, draw(tmp_path / "7.png"), "--top", "5")
    assert code == 0 and out.count("%)") == 5
    code, out, err = run(capsys, "predict", mlp_checkpoint, tmp_path / "7.png", "--top", "0")
    assert code == 2 and one_error_line(err) and "argument --top: must be at least 1" in err


def test_predict_saves_the_28x28_inputs(capsys, tmp_path, mlp_checkpoint):
    code, _, _ = run(
        capsys, "predict", mlp_checkpoint, draw(tmp_path / "7.png"), "--save-input", "inputs"
    )
    assert code == 0
    with Image.open(tmp_path / "inputs" / "7_28x28.png") as image:
        assert image.size == (28, 28)
        saved = np.asarray(image, dtype=np.float64) / 255
    np.testing.assert_allclose(saved, load_digit(tmp_path / "7.png"), atol=0.5 / 255)


def test_predict_reports_each_unreadable_image_and_goes_on(capsys, tmp_path, mlp_checkpoint):
    (tmp_path / "broken.png").write_bytes(b"not an image")
    good = draw(tmp_path / "seven.png")
    code, out, err = run(capsys, "predict", mlp_checkpoint, "broken.png", good, "missing.png")
    assert code == 1
    assert out.startswith(f"{good}: ")
    assert "broken.png: not a readable image" in err and "missing.png: no such file" in err
    assert "Traceback" not in err
