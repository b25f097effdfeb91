"""Plots: PNG files that decode, of a sane size, from histories, lists and several runs."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from zerodl.metrics import confusion_matrix
from zerodl.plots import (
    image_grid,
    loss_figure,
    plot_accuracy,
    plot_confusion_matrix,
    plot_history,
    plot_loss,
    plot_runs,
    smooth_curve,
)


def history(epochs=4, steps=25, seed=0, validation=True):
    """A made-up history shaped like Trainer.history: a falling, noisy loss, rising accuracy."""
    rng = np.random.default_rng(seed)
    n = epochs * steps
    step_loss = np.exp(-np.arange(n) / 30) + rng.uniform(0, 0.2, n)
    acc = [0.5 + 0.1 * e for e in range(epochs)]
    return {
        "epoch": list(range(1, epochs + 1)),
        "loss": [float(np.mean(step_loss[e * steps : (e + 1) * steps])) for e in range(epochs)],
        "acc": acc,
        "val_loss": [0.9 - 0.1 * e for e in range(epochs)] if validation else [None] * epochs,
        "val_acc": [a - 0.02 for a in acc] if validation else [None] * epochs,
        "seconds": [1.0] * epochs,
        "lr": [0.1] * epochs,
        "step_loss": [float(v) for v in step_loss],
    }


def check_png(path):
    assert path.exists() and path.suffix == ".png"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width >= 400 and image.height >= 300  # big enough to read the curves
    assert coloured_pixels(path) > 100  # curves were drawn (blank axes, text and grid are grey)


def coloured_pixels(path):
    """How many pixels are clearly coloured: the curves, in matplotlib's colour cycle."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    return int(((rgb.max(axis=-1) - rgb.min(axis=-1)) > 60).sum())


def test_plot_loss_of_one_history(tmp_path):
    path = plot_loss(history(), tmp_path / "loss.png")
    check_png(path)


def test_plot_loss_of_lists_and_of_several_runs(tmp_path):
    check_png(plot_loss([1.0, 0.5, 0.25, 0.2], tmp_path / "list.png", smooth=0))
    runs = {"SGD": history(seed=1)["step_loss"], "Adam": history(seed=2)}
    check_png(plot_loss(runs, tmp_path / "runs.png", title="compared", ylim=(0, 1.5)))


def test_plot_accuracy_with_and_without_validation(tmp_path):
    check_png(plot_accuracy(history(), tmp_path / "a.png"))
    check_png(plot_accuracy(history(validation=False), tmp_path / "b.png"))
    check_png(plot_accuracy({"x": history(), "y": history(seed=3)}, tmp_path / "c.png"))


def test_plot_runs_draws_two_panels(tmp_path):
    path = plot_runs({"lr 0.1": history(), "lr 0.01": history(seed=5)}, tmp_path / "runs.png")
    check_png(path)
    with Image.open(path) as image:
        assert image.width > 2 * image.height  # two panels side by side


def test_plot_history_writes_both_files_into_a_new_folder(tmp_path):
    loss_path, accuracy_path = plot_history(history(), tmp_path / "run" / "plots")
    assert (loss_path.name, accuracy_path.name) == ("loss.png", "accuracy.png")
    check_png(loss_path)
    check_png(accuracy_path)


def test_headless_without_pyplot(tmp_path):
    # In a fresh interpreter with no display: importing zerodl.plots loads no matplotlib, and
    # plotting draws with the Agg canvas, never through pyplot.
    code = (
        "import sys; import zerodl.plots as p; assert 'matplotlib' not in sys.modules; "
        f"p.plot_loss([1.0, 0.5, 0.2], {str(tmp_path / 'x.png')!r}); "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    env = {**os.environ, "MPLBACKEND": "", "DISPLAY": ""}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    check_png(tmp_path / "x.png")


def test_smooth_curve_keeps_length_and_constants_and_averages_noise():
    np.testing.assert_allclose(smooth_curve(np.full(30, 2.5)), 2.5)
    assert len(smooth_curve(np.arange(7.0), window=11)) == 7
    assert smooth_curve([3.0], window=11).tolist() == [3.0]
    rng = np.random.default_rng(0)
    noisy = 1.0 + rng.normal(0, 0.3, 500)
    smooth = smooth_curve(noisy, window=21)
    assert smooth.std() < noisy.std() / 2
    # the middle point is the Kaiser-weighted mean of its neighbourhood
    w = np.kaiser(21, 2)
    assert smooth[250] == pytest.approx(np.dot(noisy[240:261], w / w.sum()))


# --- the loss curve a run writes (issue 12) -------------------------------------------------------


def test_the_smoothed_curve_starts_and_ends_where_the_data_does():
    steps = np.arange(200.0)
    falling = 2.3 * np.exp(-steps / 20) + 0.1  # a loss that falls fast at first
    smooth = smooth_curve(falling, window=11)
    assert smooth[0] == falling[0] and smooth[-1] == falling[-1]
    # near the ends a centred window of the points there are: 2k+1 around the k-th point
    w = np.kaiser(7, 2)
    assert smooth[3] == pytest.approx(np.dot(falling[:7], w / w.sum()))
    assert smooth[-4] == pytest.approx(np.dot(falling[-7:], w / w.sum()))
    # a falling curve's smoothing stays within a few percent of it, from the first step on
    assert np.all(np.abs(smooth - falling) <= 0.05 * falling)


def legend(figure):
    return [text.get_text() for text in figure.axes[0].get_legend().get_texts()]


def test_the_loss_figure_names_its_lines_and_shows_the_validation_loss_per_epoch():
    run = history(epochs=4, steps=25)
    figure = loss_figure(run)
    assert legend(figure) == [
        "loss per step (raw)",
        "smoothed over 11 steps",
        "validation loss (per epoch)",
    ]
    validation = figure.axes[0].get_lines()[-1]
    assert validation.get_xdata().tolist() == [25, 50, 75, 100]  # the end of each epoch
    assert validation.get_ydata().tolist() == pytest.approx(run["val_loss"])


def test_a_short_run_has_whole_steps_and_no_smoothing():
    figure = loss_figure(history(epochs=2, steps=3))
    assert legend(figure) == ["loss per step", "validation loss (per epoch)"]
    figure.canvas.draw()
    ticks = [t for t in figure.axes[0].get_xticks() if 1 <= t <= 6]
    assert ticks and all(t == int(t) for t in ticks)


def test_several_runs_each_have_their_validation_loss():
    figure = loss_figure({"a": history(), "b": history(seed=1, validation=False)})
    assert legend(figure) == ["a (raw)", "a (smoothed)", "a (validation)", "b (raw)",
                              "b (smoothed)"]  # fmt: skip


def test_the_legend_of_several_runs_covers_none_of_their_curves():
    """The chapter 6 comparison on the book's (0, 1) axis: SGD's noisy loss falls slowly through
    the upper right, where a legend inside the axes would sit."""
    rng = np.random.default_rng(0)
    steps = np.arange(2000)

    def loss(scale, floor):
        return (2.3 * np.exp(-steps / scale) + floor) * rng.uniform(0.6, 1.4, len(steps))

    runs = {"SGD": loss(900, 0.35), "Momentum": loss(120, 0.05), "AdaGrad": loss(80, 0.04),
            "RMSProp": loss(90, 0.05), "Adam": loss(70, 0.03)}  # fmt: skip
    figure = loss_figure({k: v.tolist() for k, v in runs.items()}, ylim=(0, 1))
    figure.canvas.draw()
    ax = figure.axes[0]
    box = ax.get_legend().get_window_extent()
    for line in ax.get_lines():
        x, y = line.get_data()
        shown = (0 <= y) & (y <= 1)
        points = ax.transData.transform(np.column_stack([x[shown], y[shown]]))
        covered = (box.x0 < points[:, 0]) & (points[:, 0] < box.x1)
        covered &= (box.y0 < points[:, 1]) & (points[:, 1] < box.y1)
        assert not covered.any(), line.get_label()


def test_the_accuracy_of_a_one_epoch_run_sits_over_epoch_1_with_room_either_side():
    figure = plot_accuracy(history(epochs=1, steps=5))
    ax = figure.axes[0]
    assert ax.get_xlim() == (0.5, 1.5)
    figure.canvas.draw()
    assert [t for t in ax.get_xticks() if 0.5 <= t <= 1.5] == [1.0]


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


# --- in a notebook: no path, a Figure that shows itself ------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "draw",
    [
        lambda: plot_loss(history()),
        lambda: plot_accuracy(history()),
        lambda: plot_runs({"a": history(), "b": history(seed=1)}),
        lambda: plot_history(history()),
    ],
    ids=["loss", "accuracy", "runs", "history"],
)
def test_without_a_path_a_figure_comes_back_that_jupyter_shows_as_png(draw):
    from matplotlib.figure import Figure

    figure = draw()
    assert isinstance(figure, Figure) and figure.axes
    png = figure._repr_png_()  # what IPython calls to show it inline
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width >= 400


def test_a_figure_pickles_and_comes_back_showable():
    import pickle

    figure = pickle.loads(pickle.dumps(plot_loss([1.0, 0.5, 0.2])))
    assert figure._repr_png_().startswith(PNG_MAGIC)


def test_with_a_path_the_figure_is_written_and_cleared(tmp_path, monkeypatch):
    from zerodl import plots

    drawn = []
    original = plots.new_figure
    monkeypatch.setattr(
        plots, "new_figure", lambda *a, **k: drawn.append(original(*a, **k)) or drawn[-1]
    )
    path = plot_loss(history(), tmp_path / "loss.png")
    check_png(path)
    assert len(drawn) == 1 and drawn[0].axes == []  # cleared: nothing keeps its artists alive


def test_a_notebook_figure_leaves_pyplot_and_the_backend_alone():
    # What a Jupyter kernel does: MPLBACKEND names the inline backend. Drawing and showing a
    # figure must neither import pyplot nor resolve (and so load or switch) the backend: this
    # one does not exist, so loading it would fail, and the setting stays as it was.
    code = (
        "import sys, matplotlib; import zerodl.plots as p; "
        "f = p.plot_loss([1.0, 0.5, 0.2]); png = f._repr_png_(); "
        "assert png[:4] == b'\\x89PNG'; assert 'matplotlib.pyplot' not in sys.modules; "
        "assert type(f).__name__ == 'NotebookFigure'; "
        "assert matplotlib.rcParams._get_backend_or_none() == 'module://no.such.inline.backend'"
    )
    env = {**os.environ, "MPLBACKEND": "module://no.such.inline.backend"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# --- in a notebook: grids and matrices as Figures; a network's filters and feature maps -----------


def test_without_a_path_the_grid_and_the_matrix_are_figures():
    from matplotlib.figure import Figure

    grid = image_grid(np.random.default_rng(0).random((5, 8, 8)), titles=list("abcde"))
    matrix = plot_confusion_matrix(confusion_matrix([0, 1, 1], [0, 1, 0]))
    for figure in (grid, matrix):
        assert isinstance(figure, Figure) and figure._repr_png_()[:4] == b"\x89PNG"
    assert [ax.get_title() for ax in grid.axes[:5]] == list("abcde")


def test_plot_filters_draws_the_first_convolutions_filters(tmp_path):
    from zerodl.networks import SimpleConvNet, TwoLayerNet
    from zerodl.plots import first_layer_images, plot_filters

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
    from zerodl.networks import SimpleConvNet
    from zerodl.plots import feature_maps, plot_feature_maps

    cnn = SimpleConvNet((1, 12, 12), {"filter_num": 6, "filter_size": 3}, 10, 4, seed=0)
    x = np.random.default_rng(1).random((1, 12, 12)).astype(np.float32)
    maps = feature_maps(cnn, x, 1)  # after the convolution's ReLU
    conv = cnn.layers[0].forward(x[None], train=False)[0]  # (6, 10, 10), computed directly
    np.testing.assert_allclose(maps, np.maximum(conv, 0), rtol=1e-6)
    figure = plot_feature_maps(cnn, x)  # the default: the layer after the first convolution
    assert "6 feature maps 10x10 after layer 1 (ReLU)" in figure.texts[0].get_text()
    with pytest.raises(ValueError, match="not feature maps"):
        feature_maps(cnn, x, 4)  # an affine layer's output
