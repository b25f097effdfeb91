"""Image preprocessing (a picture made to look like MNIST) and the pictures of results."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from zerodl.images import (
    ImageError,
    class_names,
    confusion_matrix,
    format_confusion_matrix,
    image_grid,
    load_digit,
    plot_confusion_matrix,
    preprocess_digit,
    read_image,
    to_network_input,
    unlike_a_digit,
)


@pytest.fixture(autouse=True)
def _no_home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


def draw_digit(path, *, size=(300, 200), ink=0, paper=255, mode="L", box=(120, 40, 170, 160)):
    """A thick '1'-like bar and a foot, dark ink on light paper by default."""
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    draw.rectangle(box, fill=ink)
    draw.rectangle((box[0] - 20, box[3] - 10, box[2] + 20, box[3]), fill=ink)
    image.save(path)
    return path


def centre_of_mass(a):
    ys, xs = np.indices(a.shape)
    return (ys * a).sum() / a.sum(), (xs * a).sum() / a.sum()


def bounding_box(a):
    rows, cols = np.nonzero(a)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_a_digit_is_made_like_mnist(tmp_path):
    x = load_digit(draw_digit(tmp_path / "one.png"))
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert x.max() == pytest.approx(1.0)  # white ink ...
    assert x[0].max() == x[-1].max() == x[:, 0].max() == 0.0  # ... on black
    assert max(bounding_box(x)) == 20  # the longer side fits 20 pixels
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_the_aspect_ratio_is_kept(tmp_path):
    # a bar 100 wide and 50 tall becomes 20 wide and 10 tall
    path = tmp_path / "bar.png"
    image = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(image).rectangle((100, 100, 199, 149), fill=0)
    image.save(path)
    assert bounding_box(load_digit(path, noise=0.5)) == (10, 20)


def test_light_ink_on_dark_is_not_inverted_and_dark_ink_on_light_is(tmp_path):
    dark_on_light = load_digit(draw_digit(tmp_path / "a.png", ink=0, paper=255))
    light_on_dark = load_digit(draw_digit(tmp_path / "b.png", ink=255, paper=0))
    np.testing.assert_allclose(dark_on_light, light_on_dark, atol=1e-6)


def test_colour_jpeg_and_grey_png_give_the_same_digit(tmp_path):
    grey = load_digit(draw_digit(tmp_path / "a.png"))
    colour = load_digit(
        draw_digit(tmp_path / "b.jpg", mode="RGB", ink=(20, 20, 90), paper=(250, 245, 230))
    )
    assert np.abs(grey - colour).mean() < 0.03


def test_a_digit_on_a_transparent_canvas_stays_visible(tmp_path):
    for ink in ((0, 0, 0, 255), (255, 255, 255, 255)):
        path = tmp_path / "t.png"
        draw_digit(path, mode="RGBA", ink=ink, paper=(0, 0, 0, 0))
        x = load_digit(path)
        assert max(bounding_box(x)) == 20


def test_paper_grain_is_removed():
    rng = np.random.default_rng(0)
    array = (210 + rng.integers(0, 30, size=(200, 300))).astype(np.uint8)  # grainy paper
    array[40:160, 120:170] = 10  # the ink
    x = preprocess_digit(array)
    assert bounding_box(x) == (20, 8)  # only the stroke survives: 120x50 scaled by 1/6


@pytest.mark.slow
def test_the_preprocessing_of_an_mnist_digit_gives_it_back(mnist_dir):
    """MNIST digits are already 20x20-fitted and centred: preprocessing must be the identity."""
    from zerodl.datasets import load_mnist

    _, (x_test, _) = load_mnist(data_dir=mnist_dir)
    for image in x_test[:50].reshape(-1, 28, 28):
        expected = image / image.max()  # only the contrast is stretched to a full 0..1
        np.testing.assert_allclose(preprocess_digit(image, noise=0.0), expected, atol=1e-6)


@pytest.mark.slow
def test_an_mnist_digit_photographed_large_comes_back_close(tmp_path, mnist_dir):
    from zerodl.datasets import load_mnist

    _, (x_test, _) = load_mnist(data_dir=mnist_dir)
    for i, image in enumerate(x_test[:20].reshape(-1, 28, 28)):
        big = Image.fromarray((255 - 255 * image).astype(np.uint8)).resize((280, 280))
        canvas = Image.new("L", (500, 400), 255)
        canvas.paste(big, (37, 91))
        canvas.save(tmp_path / f"{i}.jpg", quality=90)
        x = load_digit(tmp_path / f"{i}.jpg")
        assert np.corrcoef(x.ravel(), image.ravel())[0, 1] > 0.7


def test_fashion_style_fills_28_pixels_and_centres_the_box(tmp_path):
    x = load_digit(draw_digit(tmp_path / "one.png"), style="fashion")
    h, w = bounding_box(x)
    assert h == 28
    cols = np.nonzero(x.any(axis=0))[0]
    assert abs((cols.min() + cols.max()) / 2 - 13.5) <= 0.5


def test_a_blank_image_is_an_image_error(tmp_path):
    Image.new("L", (50, 50), 255).save(tmp_path / "blank.png")
    with pytest.raises(ImageError, match="no digit found"):
        load_digit(tmp_path / "blank.png")


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + bytes(40)])
def test_an_unreadable_file_is_an_image_error(tmp_path, content):
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(ImageError, match="not a readable image"):
        read_image(path)


def test_a_missing_file_is_an_image_error(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        read_image(tmp_path / "nothing.png")


def test_a_truncated_png_is_an_image_error(tmp_path):
    path = draw_digit(tmp_path / "one.png")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ImageError):
        load_digit(path)


def test_arrays_are_checked():
    with pytest.raises(ImageError, match=r"\(H, W\)"):
        preprocess_digit(np.zeros((2, 3, 4)))
    with pytest.raises(ImageError, match=r"\[0, 1\]"):
        preprocess_digit(np.full((5, 5), 3.0))
    with pytest.raises(ValueError, match="style"):
        preprocess_digit(np.eye(5), style="cifar")


def test_to_network_input_fits_both_kinds_of_network():
    images = np.zeros((3, 28, 28), np.float32)
    assert to_network_input(images, (784,)).shape == (3, 784)
    assert to_network_input(images, (1, 28, 28)).shape == (3, 1, 28, 28)
    assert to_network_input(images[0], (1, 28, 28)).shape == (1, 1, 28, 28)


# --- pictures of results --------------------------------------------------------------------------


def test_confusion_matrix_counts_against_a_loop():
    rng = np.random.default_rng(0)
    t, y = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    expected = np.zeros((4, 4), np.int64)
    for true, predicted in zip(t, y):
        expected[true, predicted] += 1
    cm = confusion_matrix(t, y, 4)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64 and cm.sum() == 200
    assert confusion_matrix(t, y).shape == (4, 4)


def test_confusion_matrix_checks_its_labels():
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="2 true labels but 1"):
        confusion_matrix([0, 1], [0])


def test_format_confusion_matrix_rows_are_true_classes():
    text = format_confusion_matrix(np.array([[5, 1], [0, 7]]), ["cat", "dog"])
    lines = text.splitlines()
    assert "predicted" in lines[0]
    assert lines[1].split() == ["cat", "5", "1"] and lines[2].split() == ["dog", "0", "7"]


def test_pictures_are_valid_pngs(tmp_path):
    rng = np.random.default_rng(0)
    digits = rng.random((7, 28, 28), dtype=np.float32)
    image_grid(digits, tmp_path / "grid.png", titles=[f"true {i}" for i in range(7)], title="x")
    image_grid(rng.standard_normal((6, 3, 5, 5)), tmp_path / "filters.png")
    plot_confusion_matrix(confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1]), tmp_path / "cm.png")
    for name in ("grid.png", "filters.png", "cm.png"):
        with Image.open(tmp_path / name) as image:
            image.verify()
            assert image.format == "PNG"


def test_class_names():
    assert class_names("mnist") == [str(d) for d in range(10)]
    assert class_names("fashion_mnist")[9] == "Ankle boot"
    assert class_names("something", 3) == ["0", "1", "2"]


def test_a_path_a_pil_image_and_an_array_give_the_same_digit(tmp_path):
    from PIL import Image

    canvas = np.full((40, 30), 255, dtype=np.uint8)  # black ink on white, as on paper
    canvas[8:32, 12:18] = 0
    Image.fromarray(canvas).save(tmp_path / "one.png")
    from_path = preprocess_digit(tmp_path / "one.png")
    np.testing.assert_array_equal(preprocess_digit(Image.fromarray(canvas)), from_path)
    np.testing.assert_array_equal(preprocess_digit(canvas), from_path)
    assert from_path.shape == (28, 28) and from_path.max() == 1.0 and from_path[0, 0] == 0.0


# --- what looks nothing like a digit (issue 12) ---------------------------------------------------


@pytest.mark.slow
def test_every_mnist_training_digit_looks_like_a_digit(mnist_dir):
    from zerodl.datasets import load_mnist

    (x_train, _), _ = load_mnist(data_dir=mnist_dir)  # (60000, 784)
    inked = x_train > 0.1
    shares = inked.mean(axis=1)  # the share of inked pixels, counted here directly
    brightness = (x_train * inked).sum(axis=1) / inked.sum(axis=1)  # their mean value
    assert 0.03 < shares.min() and shares.max() < 0.47 and brightness.min() > 0.4
    assert all(unlike_a_digit(x.reshape(28, 28)) is None for x in x_train[::97])


def noise_png(path, size, channels, seed=0):
    shape = (size, size, channels) if channels > 1 else (size, size)
    pixels = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.mark.parametrize("size, channels", [(40, 3), (120, 3), (500, 3), (200, 1)])
def test_noise_is_a_faint_haze_not_a_digit(tmp_path, size, channels):
    x = load_digit(noise_png(tmp_path / "noise.png", size, channels))
    brightness = x[x > 0.1].mean()
    assert brightness < 0.4
    assert unlike_a_digit(x) == (
        f"its ink is a faint haze, {brightness:.2f} on average where a digit's strokes are "
        "0.4 or more"
    )


def test_a_few_specks_are_not_a_digit():
    specks = np.zeros((100, 100), dtype=np.float32)
    specks[[10, 50, 90], [20, 60, 30]] = 1.0
    x = preprocess_digit(specks)
    share = np.mean(x > 0.1)
    assert share < 0.03
    assert unlike_a_digit(x) == (
        f"ink covers {share:.0%} of the prepared 28x28 input, a handwritten digit's 3% to 47%"
    )


def test_a_drawn_digit_looks_like_one():
    image = Image.new("L", (200, 260), 255)
    ImageDraw.Draw(image).line([(50, 40), (150, 40), (80, 220)], fill=0, width=16)
    assert unlike_a_digit(preprocess_digit(image)) is None


# --- in a notebook: Figures, filters and feature maps ---------------------------------------------


def test_without_a_path_the_grid_and_the_matrix_are_figures():
    from matplotlib.figure import Figure

    grid = image_grid(np.random.default_rng(0).random((5, 8, 8)), titles=list("abcde"))
    matrix = plot_confusion_matrix(confusion_matrix([0, 1, 1], [0, 1, 0]))
    for figure in (grid, matrix):
        assert isinstance(figure, Figure) and figure._repr_png_()[:4] == b"\x89PNG"
    assert [ax.get_title() for ax in grid.axes[:5]] == list("abcde")


def test_plot_filters_draws_the_first_convolutions_filters(tmp_path):
    from zerodl.images import first_layer_images, plot_filters
    from zerodl.networks import SimpleConvNet, TwoLayerNet

    cnn = SimpleConvNet((1, 12, 12), {"filter_num": 6, "filter_size": 3}, 10, 4, seed=0)
    images, what = first_layer_images(cnn)
    np.testing.assert_array_equal(images, cnn.params["W1"])
    assert what == "6 filters 3x3 of the first layer"
    assert plot_filters(cnn).texts[0].get_text() == what  # the figure's title
    mlp = TwoLayerNet(16, 5, 3, seed=0)
    images, what = first_layer_images(mlp, limit=2)
    np.testing.assert_array_equal(images[1], mlp.params["W1"][:, 1].reshape(4, 4))
    assert what == "weights of 2 of 5 hidden units, 4x4"
    assert plot_filters(mlp, tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="12 inputs are no image"):
        first_layer_images(TwoLayerNet(12, 5, 3, seed=0))


def test_feature_maps_are_the_layers_output_for_one_image():
    from zerodl.images import feature_maps, plot_feature_maps
    from zerodl.networks import SimpleConvNet

    cnn = SimpleConvNet((1, 12, 12), {"filter_num": 6, "filter_size": 3}, 10, 4, seed=0)
    x = np.random.default_rng(1).random((1, 12, 12)).astype(np.float32)
    maps = feature_maps(cnn, x, 1)  # after the convolution's ReLU
    conv = cnn.layers[0].forward(x[None], train=False)[0]  # (6, 10, 10), computed directly
    np.testing.assert_allclose(maps, np.maximum(conv, 0), rtol=1e-6)
    figure = plot_feature_maps(cnn, x)  # the default: the layer after the first convolution
    assert "6 feature maps 10x10 after layer 1 (ReLU)" in figure.texts[0].get_text()
    with pytest.raises(ValueError, match="not feature maps"):
        feature_maps(cnn, x, 4)  # an affine layer's output
