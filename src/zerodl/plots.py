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

__all__ = ["smooth_curve", "plot_loss", "plot_accuracy", "plot_runs", "plot_history"]


def smooth_curve(values, window=11):
    """A smoothed copy of a noisy curve, of the same length (the book's common/util.py).

    Each point becomes a weighted mean of the ``window`` points around it, weighted by a Kaiser
    window (beta 2); at the ends the curve is mirrored so that no point is lost.

    Args:
        values: the curve, e.g. the loss of every step.
        window: the number of points averaged, made odd and at most len(values); 1 or less
            returns the values unchanged.

    Example:
        >>> smooth_curve([0.0, 1.0, 0.0, 1.0, 0.0], window=3).round(2)
        array([0.47, 0.53, 0.47, 0.53, 0.47])
    """
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    window = min(int(window), n if n % 2 else n - 1)
    if window <= 1:
        return x.copy()
    window -= 1 - window % 2  # odd, so the weights centre on each point
    half = window // 2
    padded = np.r_[x[half:0:-1], x, x[-2 : -half - 2 : -1]]  # (n + 2 * half,) mirrored ends
    weights = np.kaiser(window, 2)
    return np.convolve(padded, weights / weights.sum(), mode="valid")  # (n,)


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
    figure.savefig(path, format="png")
    return path


def _draw_loss(ax, runs, smooth, ylim):
    colors = _colors()
    for (label, values), color in zip(runs.items(), colors):
        y = _floats(values)
        steps = np.arange(1, len(y) + 1)
        if smooth and smooth > 1 and len(y) > 2:
            ax.plot(steps, y, color=color, alpha=0.25, linewidth=0.8)
            ax.plot(steps, smooth_curve(y, smooth), color=color, linewidth=1.6, label=label)
        else:
            ax.plot(steps, y, color=color, linewidth=1.2, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    if any(label is not None for label in runs):
        ax.legend()


def _draw_accuracy(ax, histories, ylim):
    colors = _colors()
    for (label, history), color in zip(histories.items(), colors):
        for key, style, name in (("acc", "-", "train"), ("val_acc", "--", "validation")):
            y = _floats(history.get(key, []))
            if not np.isfinite(y).any():
                continue
            epochs = history.get("epoch") or list(range(1, len(y) + 1))
            text = name if label is None else f"{label} ({name})"
            ax.plot(epochs, y, style, color=color, marker="o", markersize=3, label=text)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
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
    """The loss of every step, raw (faint) and smoothed (solid); one line per run.

    Args:
        data: a history, a list of losses, or {label: history or list of losses}.
        path: the PNG file to write (its folder is created).
        smooth: the window of ``smooth_curve``; 0 or 1 draws the raw losses only.
        title: the figure's title.
        ylim: (bottom, top) of the loss axis, e.g. (0, 1) as in the book.

    Returns:
        The path written (a pathlib.Path).
    """
    figure = new_figure()
    ax = figure.add_subplot()
    _draw_loss(ax, _runs(data, "step_loss"), smooth, ylim)
    if title:
        ax.set_title(title)
    return save_figure(figure, path)


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
    _draw_loss(left, {label: h.get("step_loss", []) for label, h in runs.items()}, smooth, None)
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
        plot_loss(history, folder / "loss.png", smooth=smooth, title="Training loss"),
        plot_accuracy(history, folder / "accuracy.png", title="Accuracy"),
    )
