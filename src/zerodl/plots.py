"""Pictures: training runs (loss per step, accuracy per epoch, runs compared), images in a grid,
a confusion matrix, a network's first-layer filters and its feature maps.

    from zerodl.plots import plot_history, plot_loss, plot_runs
    plot_history(trainer.history, "runs/mnist")                 # loss.png and accuracy.png
    plot_loss({"SGD": losses_sgd, "Adam": losses_adam}, "optimizers.png", smooth=11)
    plot_runs({"lr 0.1": history_a, "lr 0.01": history_b}, "lr.png")
    image_grid(x_wrong.reshape(-1, 28, 28), "misclassified.png", titles=captions)
    plot_confusion_matrix(cm, "confusion_matrix.png", labels=names)   # cm: zerodl.metrics
    plot_filters(network); plot_feature_maps(network, x)             # weights, what a layer sees
    plot_loss(trainer.history)          # no path: the Figure, which Jupyter shows inline

The curves take what a run produces: a trainer's history (a dict with "step_loss", "acc",
...), a plain list of losses, or a dict {label: history or list} for several runs on one figure.
Given a path, each writes a PNG there and returns the path; without one, it returns the
matplotlib Figure (to look at in a notebook, or to change before saving it yourself).

matplotlib is imported only when a plot is drawn, and without pyplot: each plot is a Figure with
its own Agg canvas, so it works on a server with no display, changes no global state (no backend
is chosen, no figure is registered with pyplot) and leaves no windows open. A notebook shows such
a Figure through its ``_repr_png_``; one that was saved is cleared, so its memory goes at once.
"""

import functools
import io
import math
from pathlib import Path

import numpy as np

from zerodl.fonts import picture_text as _  # English where no font draws Japanese
from zerodl.fonts import use_japanese_font
from zerodl.i18n import N_

__all__ = [
    "smooth_curve",
    "loss_figure",
    "history_figure",
    "plot_loss",
    "plot_accuracy",
    "plot_runs",
    "plot_history",
    "new_figure",
    "save_figure",
    "finish",
    "image_grid",
    "plot_confusion_matrix",
    "first_layer_images",
    "plot_filters",
    "feature_maps",
    "plot_feature_maps",
]


def smooth_curve(values, window=11):
    """A smoothed copy of a noisy curve, of the same length (the book's common/util.py).

    Each point becomes a weighted mean of the ``window`` points around it, weighted by a Kaiser
    window (beta 2), as in the book. Near the ends the window shrinks to the points there are,
    staying centred (the k-th point from either end averages 2k+1 points), so the smoothed
    curve starts at the first value and ends at the last: the book mirrors the curve at its ends
    instead, which puts a falling loss's later, lower values before its start.

    Args:
        values: the curve, e.g. the loss of every step.
        window: the number of points averaged, made odd and at most len(values); 1 or less
            returns the values unchanged.

    Example:
        >>> smooth_curve([0.0, 1.0, 0.0, 1.0, 0.0], window=3).round(2)
        array([0.  , 0.53, 0.47, 0.53, 0.  ])
    """
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    window = min(int(window), n if n % 2 else n - 1)
    if window <= 1:
        return x.copy()
    window -= 1 - window % 2  # odd, so the weights centre on each point
    half = window // 2
    weights = np.kaiser(window, 2)
    out = np.empty_like(x)  # (n,)
    out[half : n - half] = np.convolve(x, weights / weights.sum(), mode="valid")  # full windows
    for k in range(half):  # the k-th point from each end: a window of 2k+1 points
        w = np.kaiser(2 * k + 1, 2) if k else np.ones(1)
        w = w / w.sum()
        out[k] = np.dot(x[: 2 * k + 1], w)
        out[n - 1 - k] = np.dot(x[n - 2 * k - 1 :], w)
    return out


# --- what a plot is given: one run or several ----------------------------------------------------


def _runs(data, key):
    """{label: list of values} from a history, a list, or a dict of histories or lists.

    The label is None for a single run (no legend is drawn then).
    """
    if isinstance(data, dict) and key in data and not isinstance(data[key], dict):
        return {None: list(data[key])}  # one history
    if isinstance(data, dict):
        runs = {}
        for label, run in data.items():
            values = run.get(key, []) if isinstance(run, dict) else run
            runs[str(label)] = list(values)
        return runs
    return {None: list(data)}  # a plain list of values


def _floats(values):
    """Values as floats, with None (a figure that was not measured) as NaN, so it is not drawn."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


# --- drawing ------------------------------------------------------------------------------------


def new_figure(width=6.4, height=4.4, layout="constrained"):
    """A matplotlib Figure drawn by the Agg backend (no display, no pyplot state) that Jupyter
    shows inline as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = _notebook_figure_class()(figsize=(width, height), dpi=100, layout=layout)
    FigureCanvasAgg(figure)
    return figure


@functools.cache
def _notebook_figure_class():
    """matplotlib's Figure with a ``_repr_png_``, made when matplotlib is first needed.

    IPython shows an object through its ``_repr_png_``; a plain Figure has none unless pyplot's
    inline backend was set up, which zerodl leaves to the user (it would change the process's
    backend). Where that backend is set up, IPython uses its own printer and shows it once.
    """
    from matplotlib.figure import Figure

    class NotebookFigure(Figure):
        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png")
            return buffer.getvalue()

    NotebookFigure.__module__ = __name__  # found by pickle through the module's __getattr__
    NotebookFigure.__qualname__ = "NotebookFigure"
    return NotebookFigure


def __getattr__(name):
    if name == "NotebookFigure":  # the class exists once matplotlib is imported
        return _notebook_figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def save_figure(figure, path):
    """Write `figure` as a PNG to `path` (its folder created if needed); return the Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    use_japanese_font(figure)  # the texts that hold Japanese, each with its own font
    figure.savefig(path, format="png")
    return path


def finish(figure, path):
    """What every picture function returns: the Figure when `path` is None; else the Path of
    the PNG written there, the figure then cleared (nothing keeps its artists alive)."""
    if path is None:
        return use_japanese_font(figure)  # as save_figure does, for the Figure shown inline
    path = save_figure(figure, path)
    figure.clear()
    return path


def _draw_loss(ax, runs, smooth, ylim, validation=None):
    """The loss per step of each run, raw (faint) and smoothed; with `validation` ({label:
    (steps, losses)}), the validation loss at the end of each epoch on the same axes."""
    from matplotlib.ticker import MaxNLocator

    colors = _colors()
    validation = validation or {}
    several = len(runs) > 1
    for (label, values), color in zip(runs.items(), colors):
        y = _floats(values)
        steps = np.arange(1, len(y) + 1)
        name = _("loss per step") if label is None else label
        if smooth and smooth > 1 and len(y) >= 2 * smooth:  # fewer points: nothing to smooth
            raw = _("{name} (raw)").format(name=name)
            ax.plot(steps, y, color=color, alpha=0.3, linewidth=0.8, label=raw)
            window = int(smooth) - 1 + int(smooth) % 2  # odd, as smooth_curve makes it
            smoothed = (
                _("smoothed over {window} steps").format(window=window)
                if label is None
                else _("{label} (smoothed)").format(label=label)
            )
            ax.plot(steps, smooth_curve(y, window), color=color, linewidth=1.6, label=smoothed)
        else:
            ax.plot(steps, y, color=color, linewidth=1.2, label=name)
        if label in validation:
            at, losses = validation[label]
            text = (
                _("validation loss (per epoch)")
                if label is None
                else _("{label} (validation)").format(label=label)
            )
            ax.plot(at, losses, "--", color=_darker(color), marker="o", markersize=4, label=text)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    ax.set_xlabel(_("step"))
    ax.set_ylabel(_("loss"))
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    if ax.lines and several:  # beside the axes: over them it would hide a curve (SGD's)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    elif ax.lines:
        ax.legend()


def _validation_losses(histories):
    """{label: (steps, val_loss)}: each run's validation loss, placed at the step that ended its
    epoch (the epochs split the run's steps evenly), for the runs that measured it."""
    out = {}
    for label, history in histories.items():
        if not isinstance(history, dict):
            continue
        losses = _floats(history.get("val_loss") or [])
        steps = len(history.get("step_loss") or [])
        if not steps or not np.isfinite(losses).any():
            continue
        epochs = len(losses)
        at = np.array([round(steps * (e + 1) / epochs) for e in range(epochs)])  # (epochs,)
        out[label] = (at, losses)
    return out


def _darker(color):
    """The same hue, darker: the validation line beside its run's training line."""
    from matplotlib.colors import to_rgb

    return tuple(0.6 * c for c in to_rgb(color))


def _draw_accuracy(ax, histories, ylim):
    colors = _colors()
    for (label, history), color in zip(histories.items(), colors):
        for key, style, name in (("acc", "-", _("train")), ("val_acc", "--", _("validation"))):
            y = _floats(history.get(key, []))
            if not np.isfinite(y).any():
                continue
            epochs = history.get("epoch") or list(range(1, len(y) + 1))
            text = name if label is None else _("{label} ({name})").format(label=label, name=name)
            ax.plot(epochs, y, style, color=color, marker="o", markersize=3, label=text)
    from matplotlib.ticker import MaxNLocator

    # epochs are whole numbers (one tick is enough: a one-epoch run has one)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    epochs = [x for line in ax.lines for x in line.get_xdata()]
    if epochs:  # half an epoch either side: one epoch is a column of dots over "1"
        ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    ax.set_xlabel(_("epoch"))
    ax.set_ylabel(_("accuracy"))
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend()


def _colors():
    from matplotlib import rcParams

    return rcParams["axes.prop_cycle"].by_key()["color"] * 10


def _histories(data):
    """{label: history}: one history (label None) or a dict of them."""
    if isinstance(data, dict) and ("acc" in data or "step_loss" in data):
        return {None: data}
    return {str(label): history for label, history in data.items()}


# --- the plots ----------------------------------------------------------------------------------


def plot_loss(data, path=None, *, smooth=11, title=None, ylim=None):
    """The loss of every step, raw (faint) and smoothed (solid), one colour per run, with the
    validation loss of each epoch (dashed, at the step that ended it) where a history has it;
    a legend names every line, and the steps are whole numbers.

    Args:
        data: a history, a list of losses, or {label: history or list of losses}.
        path: the PNG file to write (its folder is created); None returns the Figure.
        smooth: the window of ``smooth_curve``; 0 or 1 draws the raw losses only.
        title: the figure's title.
        ylim: (bottom, top) of the loss axis, e.g. (0, 1) as in the book.

    Returns:
        The path written (a pathlib.Path), or the Figure when no path is given.
    """
    return finish(loss_figure(data, smooth=smooth, title=title, ylim=ylim), path)


def loss_figure(data, *, smooth=11, title=None, ylim=None):
    """The Figure that `plot_loss` writes (to look at, or to test)."""
    figure = new_figure()
    ax = figure.add_subplot()
    validation = _validation_losses(_histories_of(data))
    _draw_loss(ax, _runs(data, "step_loss"), smooth, ylim, validation)
    if title:
        ax.set_title(title)
    return use_japanese_font(figure)


def _histories_of(data):
    """{label: history} of the runs in `data` that are histories (None labels a single one)."""
    if isinstance(data, dict) and "step_loss" in data and not isinstance(data["step_loss"], dict):
        return {None: data}
    if isinstance(data, dict):
        return {str(label): run for label, run in data.items() if isinstance(run, dict)}
    return {}


def plot_accuracy(data, path=None, *, title=None, ylim=None):
    """Training (solid) and validation (dashed) accuracy per epoch; one colour per run.

    Args:
        data: a history or {label: history}.
        path: the PNG file to write; None returns the Figure.
        title: the figure's title.
        ylim: (bottom, top) of the accuracy axis.

    Returns:
        The path written, or the Figure when no path is given.
    """
    figure = new_figure()
    ax = figure.add_subplot()
    _draw_accuracy(ax, _histories(data), ylim)
    if title:
        ax.set_title(title)
    return finish(figure, path)


def plot_runs(runs, path=None, *, smooth=11, title=None):
    """Several runs on one figure: loss per step on the left, accuracy per epoch on the right.

    Args:
        runs: {label: history}, e.g. {"lr 0.1": trainer_a.history, "lr 0.01": ...}.
        path: the PNG file to write; None returns the Figure.

    Returns:
        The path written, or the Figure when no path is given.
    """
    runs = _histories(runs)
    figure = new_figure(2 * 6.4)
    left, right = figure.subplots(1, 2)
    losses = {label: h.get("step_loss", []) for label, h in runs.items()}
    _draw_loss(left, losses, smooth, None, _validation_losses(runs))
    _draw_accuracy(right, runs, None)
    if title:
        figure.suptitle(title)
    return finish(figure, path)


def history_figure(history, *, smooth=11, title=None):
    """One run on one Figure: its loss per step on the left, its accuracy per epoch on the right
    (what ``History.plot()`` shows)."""
    return plot_runs(history, smooth=smooth, title=title)


def plot_history(history, folder=None, *, smooth=11):
    """Write ``loss.png`` and ``accuracy.png`` for one training run into ``folder``; without a
    folder, return `history_figure` (both on one Figure) to look at.

    Returns:
        (loss_path, accuracy_path), or the Figure when no folder is given.
    """
    if folder is None:
        return history_figure(history, smooth=smooth)
    folder = Path(folder)
    return (
        plot_loss(history, folder / "loss.png", smooth=smooth, title=_("Loss")),
        plot_accuracy(history, folder / "accuracy.png", title=_("Accuracy")),
    )


# --- pictures of results: images in a grid, a confusion matrix, a network's filters and maps ----


def image_grid(
    images, path=None, *, titles=None, ncols=None, title=None, normalize="each", cmap="gray"
):
    """Draw small images in a grid with optional captions, and save the figure as a PNG.

    Args:
        images: (N, H, W) greyscale, or (N, C, H, W) with C = 1 or 3 (convolution filters).
        path: the PNG to write (its folder is created); None returns the Figure.
        titles: N captions, e.g. "true 4 / predicted 9".
        ncols: images per row (default: about the square root of N, at most 10).
        title: a title above the grid.
        normalize: "each" stretches every image to its own min..max (weights, filters);
            None shows values in [0, 1] as they are (digits).

    Returns the path written, or the Figure when no path is given.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        if images.shape[1] not in (1, 3):
            images = images[:, :1]  # filters over many channels: show the first channel
        images = images.transpose(0, 2, 3, 1)  # (N, H, W, C)
        if images.shape[-1] == 1:
            images = images[..., 0]
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"expected a non-empty stack of images, got shape {images.shape}")
    n = len(images)
    ncols = ncols or min(10, math.ceil(math.sqrt(n)))
    nrows = math.ceil(n / ncols)
    caption = 0.35 if titles is not None else 0.0
    height = (1.2 + caption) * nrows + (0.4 if title else 0.0)
    figure = new_figure(1.2 * ncols, height, layout=None)
    for i in range(nrows * ncols):
        ax = figure.add_subplot(nrows, ncols, i + 1)
        ax.set_axis_off()
        if i >= n:
            continue
        image = images[i]
        if normalize == "each":
            low, high = float(image.min()), float(image.max())
            image = (image - low) / (high - low) if high > low else np.zeros_like(image)
        ax.imshow(np.clip(image, 0, 1), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
    use_japanese_font(figure)  # before the layout measures the texts
    figure.tight_layout()
    return finish(figure, path)


def plot_confusion_matrix(cm, path=None, *, labels=None, title=None):
    """Draw the confusion matrix as a heat map with the counts written in: a PNG written to
    `path` (its Path returned), or the Figure when no path is given."""
    cm = np.asarray(cm)
    k = len(cm)
    labels = [str(s) for s in (labels if labels is not None else range(k))]
    figure = new_figure(1.0 + 0.6 * k, 0.8 + 0.55 * k, layout=None)
    ax = figure.add_subplot(1, 1, 1)
    # Colour by the share of each true class, so that small classes are as visible as big ones.
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            colour = "white" if share[i, j] > 0.5 else "black"
            ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(k), labels, rotation=45 if max(map(len, labels)) > 2 else 0, ha="right")
    ax.set_yticks(range(k), labels)
    ax.set_xlabel(_("predicted"))
    ax.set_ylabel(_("true"))
    ax.set_title(_("Confusion matrix") if title is None else title)
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=_("share of the true class"))
    use_japanese_font(figure)  # before the layout measures the texts
    figure.tight_layout()
    return finish(figure, path)


FILTERS = N_("{filters} filters {height}x{width} of the first layer")
UNITS = N_("weights of {shown} of {units} hidden units, {side}x{side}")


def first_layer_images(network, limit=100, translate=_):
    """(images, description): the first layer's weights as pictures, at most `limit` of them.

    A convolution's filters (FN, C, FH, FW) as they are; an affine layer's weights (D, M) as
    one D-pixel square image per hidden unit (column j of W), e.g. 28x28 for MNIST.
    Raises ValueError when the network has no weights, or their inputs are no square image.
    The description is in the pictures' language (`translate`: another, e.g. zerodl.i18n._).
    """
    first = next((layer for layer in network.layers if "W" in layer.params), None)
    if first is None:
        raise ValueError("the network has no weights to draw")
    w = first.params["W"]
    limit = max(int(limit), 1)
    if w.ndim == 4:  # (FN, C, FH, FW): the convolution filters
        return w[:limit], translate(FILTERS).format(
            filters=len(w), height=w.shape[2], width=w.shape[3]
        )
    side = int(round(np.sqrt(w.shape[0])))  # (D, M): unit j's weights are column j
    if side * side != w.shape[0]:
        raise ValueError(f"the first layer's {w.shape[0]} inputs are no image")
    images = w.T[:limit].reshape(-1, side, side)  # (M, side, side)
    shown = min(limit, w.shape[1])
    return images, translate(UNITS).format(shown=shown, units=w.shape[1], side=side)


def plot_filters(network, path=None, *, limit=100):
    """The first layer's weights as a grid (see `first_layer_images`), titled with what they
    are: a PNG written to `path` (its Path returned), or the Figure when no path is given."""
    images, description = first_layer_images(network, limit)
    return image_grid(images, path, title=description)


def feature_maps(network, x, layer):
    """What `network.layers[layer]` puts out for one input image x (C, H, W): (FN, OH, OW).

    The image goes through the layers up to and including that one in evaluation mode, as
    `predict` would take it (no dropout, batch norm's running statistics).
    """
    x = np.asarray(x, dtype=network.dtype)
    if x.ndim == 2:
        x = x[None]  # (H, W) -> (1, H, W)
    out = x[None]  # (1, C, H, W): a batch of one
    for current in network.layers[: layer + 1]:
        out = current.forward(out, train=False)
    if out.ndim != 4:
        name = type(network.layers[layer]).__name__
        raise ValueError(f"layer {layer} ({name}) puts out {out.shape[1:]}, not feature maps")
    return out[0]  # (FN, OH, OW)


def plot_feature_maps(network, x, layer=None, path=None, *, limit=64):
    """The feature maps of one image after `layer` (an index into network.layers; default: the
    first layer after the first convolution, its ReLU), at most `limit` of them, each stretched
    to its own range: a PNG written to `path` (its Path returned), or the Figure otherwise."""
    if layer is None:
        convolutions = [i for i, lay in enumerate(network.layers) if _is_convolution(lay)]
        if not convolutions:
            raise ValueError("the network has no convolution layer, so no feature maps")
        layer = min(convolutions[0] + 1, len(network.layers) - 2)
    maps = feature_maps(network, x, layer)[:limit]  # (FN, OH, OW)
    name = type(network.layers[layer]).__name__
    title = f"{len(maps)} feature maps {maps.shape[1]}x{maps.shape[2]} after layer {layer} ({name})"
    return image_grid(maps, path, titles=[str(k) for k in range(len(maps))], title=title)


def _is_convolution(layer):
    """A layer whose weights are filters (FN, C, FH, FW)."""
    w = layer.params.get("W")
    return w is not None and w.ndim == 4
