"""Plots of training runs, written as PNG files: loss per step, accuracy per epoch, runs compared.

    from zerodl.plots import plot_history, plot_loss, plot_runs
    plot_history(trainer.history, "runs/mnist")                 # loss.png and accuracy.png
    plot_loss({"SGD": losses_sgd, "Adam": losses_adam}, "optimizers.png", smooth=11)
    plot_runs({"lr 0.1": history_a, "lr 0.01": history_b}, "lr.png")

Every function takes what a run produces: a trainer's history (a dict with "step_loss", "acc",
...), a plain list of losses, or a dict {label: history or list} for several runs on one figure.
Each returns the path of the file it wrote.

matplotlib is imported only when a plot is drawn, and without pyplot: each plot is a Figure drawn
by the Agg canvas straight into a file, so it works on a server with no display, changes no global
state, and leaves no windows open.
"""

from pathlib import Path

import numpy as np

from zerodl.fonts import picture_text as _  # English where no font draws Japanese
from zerodl.fonts import use_japanese_font

__all__ = ["smooth_curve", "loss_figure", "plot_loss", "plot_accuracy", "plot_runs", "plot_history"]


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
    """A matplotlib Figure drawn by the Agg backend (into files, no display, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure, path):
    """Write `figure` as a PNG to `path` (its folder created if needed); return the Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    use_japanese_font(figure)  # the texts that hold Japanese, each with its own font
    figure.savefig(path, format="png")
    return path


def _draw_loss(ax, runs, smooth, ylim, validation=None):
    """The loss per step of each run, raw (faint) and smoothed; with `validation` ({label:
    (steps, losses)}), the validation loss at the end of each epoch on the same axes."""
    from matplotlib.ticker import MaxNLocator

    colors = _colors()
    validation = validation or {}
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
    if ax.lines:
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

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
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


def plot_loss(data, path, *, smooth=11, title=None, ylim=None):
    """The loss of every step, raw (faint) and smoothed (solid), one colour per run, with the
    validation loss of each epoch (dashed, at the step that ended it) where a history has it;
    a legend names every line, and the steps are whole numbers.

    Args:
        data: a history, a list of losses, or {label: history or list of losses}.
        path: the PNG file to write (its folder is created).
        smooth: the window of ``smooth_curve``; 0 or 1 draws the raw losses only.
        title: the figure's title.
        ylim: (bottom, top) of the loss axis, e.g. (0, 1) as in the book.

    Returns:
        The path written (a pathlib.Path).
    """
    return save_figure(loss_figure(data, smooth=smooth, title=title, ylim=ylim), path)


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


def plot_accuracy(data, path, *, title=None, ylim=None):
    """Training (solid) and validation (dashed) accuracy per epoch; one colour per run.

    Args:
        data: a history or {label: history}.
        path: the PNG file to write.
        title: the figure's title.
        ylim: (bottom, top) of the accuracy axis.

    Returns:
        The path written.
    """
    figure = new_figure()
    ax = figure.add_subplot()
    _draw_accuracy(ax, _histories(data), ylim)
    if title:
        ax.set_title(title)
    return save_figure(figure, path)


def plot_runs(runs, path, *, smooth=11, title=None):
    """Several runs on one figure: loss per step on the left, accuracy per epoch on the right.

    Args:
        runs: {label: history}, e.g. {"lr 0.1": trainer_a.history, "lr 0.01": ...}.
        path: the PNG file to write.

    Returns:
        The path written.
    """
    runs = _histories(runs)
    figure = new_figure(2 * 6.4)
    left, right = figure.subplots(1, 2)
    losses = {label: h.get("step_loss", []) for label, h in runs.items()}
    _draw_loss(left, losses, smooth, None, _validation_losses(runs))
    _draw_accuracy(right, runs, None)
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def plot_history(history, folder, *, smooth=11):
    """Write ``loss.png`` and ``accuracy.png`` for one training run into ``folder``.

    Returns:
        (loss_path, accuracy_path).
    """
    folder = Path(folder)
    return (
        plot_loss(history, folder / "loss.png", smooth=smooth, title=_("Loss")),
        plot_accuracy(history, folder / "accuracy.png", title=_("Accuracy")),
    )
