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
        # an untrained network is unsure of everything, and says so
        assert probs[top[0]] < 0.5
        unsure = f"  -- unsure: the most likely class has only {probs[top[0]]:.1%}"
        assert line == f"{path}: {expected}{unsure}"


def test_top_sets_how_many_classes_are_shown(capsys, tmp_path, mlp_checkpoint):
    code, out, _ = run(capsys, "predict", mlp_checkpoint, draw(tmp_path / "7.png"), "--top", "5")
    assert code == 0 and out.count("%)") == 5
    code, out, err = run(capsys, "predict", mlp_checkpoint, tmp_path / "7.png", "--top", "0")
    assert code == 2 and one_error_line(err) and "argument --top: must be an integer >= 1" in err


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
    assert "2 of 3 images could not be read" in err
    assert "Traceback" not in err


# --- what the README promises, folders, answers not to trust (issue 12) --------------------------


def test_a_missing_image_is_one_line_on_stderr(capsys, mlp_checkpoint):
    code, out, err = run(capsys, "predict", mlp_checkpoint, "missing.png")
    assert code == 1 and out == "" and one_error_line(err)
    assert err.strip() == "zerodl predict: error: missing.png: no such file"


def test_a_folder_stands_for_the_images_in_it(capsys, tmp_path, mlp_checkpoint):
    folder = tmp_path / "scans"
    folder.mkdir()
    draw(folder / "b_seven.png")
    draw(folder / "a_zero.jpg", kind="zero", mode="RGB")
    (folder / "notes.txt").write_text("not an image")
    code, out, err = run(capsys, "predict", mlp_checkpoint, folder)
    assert code == 0, err
    named = [line.split(": ")[0] for line in out.splitlines()]
    assert named == [str(folder / "a_zero.jpg"), str(folder / "b_seven.png")]


def test_a_folder_without_images_is_one_line(capsys, tmp_path, mlp_checkpoint):
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, "predict", mlp_checkpoint, tmp_path / "empty")
    assert code == 1 and out == "" and one_error_line(err)
    assert f"{tmp_path / 'empty'} is a folder without images" in err


def confident_checkpoint(tmp_path, digit=7):
    """A network that answers `digit` with near certainty, whatever it is shown."""
    network = zerodl.networks.MultiLayerNet(784, [30], 10, seed=0)
    network.params["b2"][digit] = 30.0
    return zerodl.save(network, tmp_path / "sure.npz", dataset="mnist")


def noise(path, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 256, (120, 120, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def test_an_image_with_no_digit_is_said_not_to_look_like_one(capsys, tmp_path):
    checkpoint = confident_checkpoint(tmp_path)
    code, out, _ = run(capsys, "predict", checkpoint, draw(tmp_path / "7.png"),
                       noise(tmp_path / "noise.png"))  # fmt: skip
    assert code == 0
    seven, static = out.splitlines()
    assert seven.startswith(f"{tmp_path / '7.png'}: 7 (100.0%)") and "--" not in seven
    assert static.startswith(f"{tmp_path / 'noise.png'}: 7 (100.0%)")
    assert "-- this does not look like a digit (its ink is a faint haze" in static
    assert "unsure" not in static


def test_a_low_top_probability_is_called_unsure(capsys, tmp_path, mlp_checkpoint):
    code, out, _ = run(capsys, "predict", mlp_checkpoint, noise(tmp_path / "noise.png"))
    assert code == 0
    assert "-- unsure: the most likely class has only" in out
    assert "-- this does not look like a digit" in out


def test_save_input_naming_a_file_is_one_line_before_any_work(capsys, tmp_path, mlp_checkpoint):
    (tmp_path / "taken").write_text("a file")
    code, out, err = run(capsys, "predict", mlp_checkpoint, draw(tmp_path / "7.png"),
                         "--save-input", tmp_path / "taken")  # fmt: skip
    assert code == 2 and out == "" and one_error_line(err)
    assert "argument --save-input: " in err and "is a file, not a folder" in err


# --- the model comes first, and says which it is -------------------------------------------------


class ImagesRead:
    """Counts the images predict reads, to show that a wrong model stops it before any."""

    def __init__(self, monkeypatch):
        from zerodl.cli import predict

        self.names = []
        real = predict.load_digit

        def counting(name, **kwargs):
            self.names.append(name)
            return real(name, **kwargs)

        monkeypatch.setattr(predict, "load_digit", counting)


@pytest.mark.parametrize("model", ["runs/cn", "notes.txt", "params.pkl"])
def test_a_wrong_model_fails_first_and_reads_no_image(capsys, tmp_path, monkeypatch, model):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a model\n")
    (tmp_path / "params.pkl").write_bytes(b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00}\x94.")
    read = ImagesRead(monkeypatch)
    code, out, err = run(capsys, "predict", model, draw(tmp_path / "seven.png"))
    assert code in (1, 2) and one_error_line(err) and out == ""
    assert model in err and read.names == []


def test_it_says_which_model_answered(capsys, tmp_path, mlp_checkpoint):
    code, out, err = run(capsys, "predict", mlp_checkpoint, draw(tmp_path / "7.png"))
    assert code == 0 and out.startswith(f"{tmp_path / '7.png'}: ")
    assert err.splitlines() == [f"model: {mlp_checkpoint} (MultiLayerNet, trained on mnist)"]
    code, out, err = run(capsys, "predict", "--pretrained", "mnist-mlp", tmp_path / "7.png")
    assert err.splitlines() == ["model: the shipped mnist-mlp (MultiLayerNet, trained on mnist)"]
