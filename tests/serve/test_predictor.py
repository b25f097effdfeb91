"""zerodl.serve.predictor: the input checks, the decompression-bomb guard, the same answers and the
same preprocessing as the library and `zerodl predict`."""

import io
import threading
import time

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageFile

from serve.helpers import png_bomb, png_bytes, seven
from zerodl.images import load_digit
from zerodl.layers import Affine, Layer, SoftmaxWithLoss
from zerodl.networks import MultiLayerNet, Sequential
from zerodl.serve import MAX_SIDE, InputError, Predictor, check_pixels, decode_image


def softmax(scores):
    e = np.exp(scores - scores.max())
    return e / e.sum()


@pytest.mark.parametrize(
    "pixels, words",
    [
        ({"a": 1}, "list of 784"),
        ([0.0] * 783, "784 numbers, got 783"),
        ([0.0] * 785, "784 numbers, got 785"),
        ([0.0] * 783 + ["0.5"], "numbers only"),
        ([0.0] * 783 + [True], "numbers only"),
        ([0.0] * 783 + [None], "numbers only"),
        ([0.0] * 783 + [[0.5]], "numbers only"),
        ([0.0] * 783 + [float("nan")], "finite"),
        ([0.0] * 783 + [float("inf")], "finite"),
        ([0.0] * 783 + [-0.01], "[0, 1]"),
        ([0.0] * 783 + [1.0001], "[0, 1]"),
        ([0.0] * 783 + [1e300], "[0, 1]"),
    ],
)
def test_pixels_that_are_not_784_finite_numbers_in_0_1_are_refused(pixels, words):
    with pytest.raises(InputError) as caught:
        check_pixels(pixels)
    assert words in str(caught.value) and caught.value.status == 400


def test_pixels_in_range_are_taken_as_they_are_row_by_row():
    pixels = [0, 1] + [k / 1000 for k in range(782)]
    x = check_pixels(pixels)
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x[0, 0] == 0 and x[0, 1] == 1 and x[1, 0] == np.float32(26 / 1000)


def test_a_png_bomb_is_refused_from_its_header_without_decoding(monkeypatch):
    data = png_bomb(20000, 20000)  # 400 million pixels in under 50 KB
    assert len(data) < 50_000
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"1000x1000") as caught:
        decode_image(data)
    assert caught.value.status == 400
    assert decoded == []  # refused before any pixel was decompressed
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("size", [(MAX_SIDE + 1, 10), (10, MAX_SIDE + 1), (1200, 1200)])
def test_an_image_one_pixel_over_the_limit_is_refused_by_zerodl_not_by_pillow(size):
    # Pillow's own guard starts at 89 million pixels; these are far below it.
    data = png_bytes(Image.new("1", size, 0))
    with pytest.raises(InputError, match=rf"{size[0]}x{size[1]} pixels; at most 1000x1000"):
        decode_image(data)


def test_an_image_of_exactly_the_limit_is_read():
    image = decode_image(png_bytes(Image.new("L", (MAX_SIDE, MAX_SIDE), 255)))
    assert image.size == (MAX_SIDE, MAX_SIDE)


def test_pillows_own_pixel_limit_is_left_as_it_was():
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(InputError):
        decode_image(png_bomb(20000, 20000))
    assert Image.MAX_IMAGE_PIXELS == before


@pytest.mark.parametrize(
    "data, status, words",
    [
        (png_bytes(Image.new("L", (28, 28)), "GIF"), 415, "PNG or a JPEG"),
        (png_bytes(Image.new("L", (28, 28)), "BMP"), 415, "PNG or a JPEG"),
        (b"hello", 415, "PNG or a JPEG"),
        (b"", 415, "PNG or a JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 400, "not a readable PNG"),
        (png_bytes(seven())[:300], 400, "not a readable PNG"),  # cut short: fails in load
        (b"\xff\xd8\xff" + b"\x00" * 100, 400, "not a readable JPEG"),
    ],
)
def test_what_is_not_a_readable_png_or_jpeg_is_refused(data, status, words):
    with pytest.raises(InputError, match=words) as caught:
        decode_image(data)
    assert caught.value.status == status


def test_a_jpeg_photo_is_turned_upright_by_its_exif_tag():
    image = Image.new("L", (40, 20), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    assert decode_image(buffer.getvalue()).size == (20, 40)


def test_pixels_give_the_networks_own_probabilities(predictor, cnn):
    rng = np.random.default_rng(0)
    x = rng.random((28, 28), dtype=np.float32)
    answer = predictor.predict_pixels(x.ravel().tolist())
    expected = cnn.predict_proba(x.reshape(1, 1, 28, 28))[0]
    np.testing.assert_allclose(answer["probabilities"], expected, rtol=1e-6)
    assert answer["prediction"] == int(np.argmax(expected))
    assert answer["input"] == [float(v) for v in x.ravel()]  # used as they are
    assert "feature_maps" not in answer


def test_an_image_is_prepared_exactly_as_zerodl_predict_prepares_the_file(predictor, tmp_path):
    image = seven(size=(300, 240))
    path = tmp_path / "seven.png"
    image.save(path)
    answer = predictor.predict_image(path.read_bytes())
    expected = load_digit(path)  # what `zerodl predict` gives the network
    np.testing.assert_array_equal(np.array(answer["input"], dtype=np.float32), expected.ravel())


def test_a_blank_image_is_a_400_that_says_no_digit_was_found(predictor):
    with pytest.raises(InputError, match="no digit") as caught:
        predictor.predict_image(png_bytes(Image.new("L", (280, 280), 255)))
    assert caught.value.status == 400
    assert "/" not in str(caught.value)  # no file name or path in what goes back


def test_feature_maps_are_the_first_convolution_computed_by_hand(predictor, cnn):
    rng = np.random.default_rng(1)
    x = rng.random((28, 28), dtype=np.float32)
    maps = np.array(predictor.predict_pixels(x.ravel().tolist(), True)["feature_maps"])
    W, b = cnn.params["W1"][:, 0], cnn.params["b1"]  # (FN, 5, 5), (FN,)
    windows = sliding_window_view(x, (5, 5))  # (24, 24, 5, 5)
    expected = np.einsum("ijkl,fkl->fij", windows, W) + b[:, None, None]  # (FN, 24, 24)
    assert maps.shape == (6, 24, 24)
    np.testing.assert_allclose(maps, expected, atol=1e-4)  # the answer rounds to 4 decimals


def test_a_network_without_convolution_has_no_feature_maps(mlp_predictor):
    answer = mlp_predictor.predict_pixels([0.0] * 784, True)
    assert answer["feature_maps"] is None
    assert mlp_predictor.describe()["feature_maps"] is None
    assert mlp_predictor.describe()["input_shape"] == [784]


def test_describe_says_what_the_model_is(predictor, cnn):
    assert predictor.describe() == {
        "name": "small-cnn",
        "network": "SimpleConvNet",
        "dataset": "mnist",
        "classes": [str(d) for d in range(10)],
        "input_shape": [1, 28, 28],
        "parameters": 6 * 25 + 6 + 6 * 12 * 12 * 20 + 20 + 20 * 10 + 10,
        "preprocessing": "mnist",
        "feature_maps": [6, 24, 24],
    }


def test_a_network_that_does_not_take_28x28_images_is_refused():
    with pytest.raises(ValueError, match=r"not 28x28 images"):
        Predictor(MultiLayerNet(100, [10], 10, seed=0), name="x")


class KeepsItsInput(Layer):
    """The book's idiom: forward keeps x on the layer for backward (slowly, to show the race)."""

    def forward(self, x, train=True):
        self.x = x
        time.sleep(0.002)
        return self.x

    def backward(self, dout):
        return dout


def test_threads_predicting_at_once_get_the_answers_they_would_get_alone():
    # Layers keep state on themselves during forward: two requests at once in one network
    # would read each other's arrays, unless the Predictor runs one at a time.
    network = Sequential(
        [KeepsItsInput(), Affine(784, 10, seed=0), SoftmaxWithLoss()], input_shape=(784,)
    )
    predictor = Predictor(network, name="keeps-its-input")
    rng = np.random.default_rng(2)
    inputs = [rng.random(784).tolist() for _ in range(8)]
    expected = [predictor.predict_pixels(p) for p in inputs]
    results, errors = [], []

    def worker(k):
        try:
            for round_ in range(5):
                i = (k + round_) % len(inputs)
                results.append((i, predictor.predict_pixels(inputs[i])))
        except Exception as err:  # noqa: BLE001 (reported below)
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 40
    assert [answer == expected[i] for i, answer in results] == [True] * 40
