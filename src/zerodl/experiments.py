"""Two experiments of the book's chapter 6, as functions that run them and draw them.

    (x_train, t_train), _ = load_mnist()
    losses = compare_optimizers(x_train, t_train, path="optimizers.png")
    print(final_loss_table(losses))

    losses = compare_initializations(x_train, t_train, path="initializations.png")
    plot_optimizers(losses)         # no path: the Figure, which a notebook shows inline

Each runs several variants of one training setup on the *same* mini-batches from the *same*
initial weights, so that the only difference between the curves is the thing compared. The
network is the book's: MultiLayerNet(784, [100, 100, 100, 100], 10) with ReLU; 2000 steps of 128
samples. Each returns {variant: [loss of every step]} and, given a path, writes one PNG.

The mini-batches go through the data in a seeded random order, each sample once per pass (the
book draws every batch with replacement). A variant whose loss becomes NaN or infinite stops
there; its list is shorter and the table says where it diverged.
"""

import time

import numpy as np

from zerodl._checks import integer
from zerodl.errors import ArgumentError
from zerodl.fonts import picture_text as _  # English where no font draws Japanese
from zerodl.i18n import N_, text_width, translate
from zerodl.networks.multi_layer import MultiLayerNet
from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, RMSProp
from zerodl.plots import plot_loss
from zerodl.trainer import check_finite

__all__ = [
    "compare_optimizers",
    "compare_initializations",
    "default_optimizers",
    "final_loss_table",
    "plot_initializations",
    "plot_optimizers",
    "INITIALIZATIONS",
]

# The book's weight initialisations (ch06/weight_init_compare.py), as MultiLayerNet spells them.
INITIALIZATIONS = {"std=0.01": 0.01, "Xavier": "xavier", "He": "he"}


def default_optimizers():
    """The five optimisers of the book's comparison, with the book's settings (fresh ones)."""
    return {
        "SGD": SGD(lr=0.01),
        "Momentum": Momentum(lr=0.01, momentum=0.9),
        "AdaGrad": AdaGrad(lr=0.01),
        "RMSProp": RMSProp(lr=0.01, decay_rate=0.99),
        "Adam": Adam(lr=0.001),
    }


def compare_optimizers(
    x_train,
    t_train,
    *,
    iterations=2000,
    batch_size=128,
    seed=0,
    path=None,
    optimizers=None,
    hidden_size_list=(100, 100, 100, 100),
    print_fn=None,
):
    """Train the same network with each optimiser and return the loss of every step.

    The book's figure 6-9: on MNIST, SGD is clearly the slowest to learn; Momentum, AdaGrad,
    RMSProp and Adam all do much better.

    Args:
        x_train: inputs (N, D), e.g. MNIST flattened and normalised; t_train: labels (N,) or
            one-hot (N, K).
        iterations: the number of steps each optimiser takes.
        batch_size: the number of samples per step.
        seed: the initial weights and the order of the mini-batches (the same for every
            optimiser).
        path: a PNG file to draw the curves into (nothing is drawn when None).
        optimizers: {name: Optimizer instance}; default_optimizers() when None.
        hidden_size_list: the hidden layers of the MultiLayerNet (ReLU, He initialisation).
        print_fn: called with one line per optimiser when it is done (e.g. print).

    Returns:
        {name: [loss of each step]}, in the order of ``optimizers``.
    """
    optimizers = default_optimizers() if optimizers is None else dict(optimizers)
    input_size, output_size = _sizes(x_train, t_train)
    variants = {
        name: (
            lambda: MultiLayerNet(input_size, hidden_size_list, output_size, seed=seed),
            optimizer,
        )
        for name, optimizer in optimizers.items()
    }
    losses = _compare(variants, x_train, t_train, iterations, batch_size, seed, print_fn)
    if path is not None:
        plot_optimizers(losses, path)
    return losses


def compare_initializations(
    x_train,
    t_train,
    *,
    iterations=2000,
    batch_size=128,
    seed=0,
    path=None,
    initializations=None,
    lr=0.01,
    hidden_size_list=(100, 100, 100, 100),
    print_fn=None,
):
    """Train the same ReLU network from each weight initialisation with SGD; return the losses.

    The book's figure 6-15: with std 0.01 the signal fades layer after layer and the loss hardly
    moves; Xavier learns, He learns fastest (He is made for ReLU).

    Args:
        x_train, t_train: the training data, as for compare_optimizers.
        iterations, batch_size, seed: as for compare_optimizers (the same batches for each).
        path: a PNG file to draw the curves into (nothing is drawn when None).
        initializations: {name: weight_init_std of MultiLayerNet}; INITIALIZATIONS when None.
        lr: SGD's learning rate.
        hidden_size_list: the hidden layers of the MultiLayerNet (ReLU).
        print_fn: called with one line per initialisation when it is done.

    Returns:
        {name: [loss of each step]}.
    """
    initializations = INITIALIZATIONS if initializations is None else dict(initializations)
    input_size, output_size = _sizes(x_train, t_train)

    def network_with(init):
        return lambda: MultiLayerNet(
            input_size, hidden_size_list, output_size, weight_init_std=init, seed=seed
        )

    variants = {name: (network_with(init), SGD(lr=lr)) for name, init in initializations.items()}
    losses = _compare(variants, x_train, t_train, iterations, batch_size, seed, print_fn)
    if path is not None:
        plot_initializations(losses, path)
    return losses


def plot_optimizers(losses, path=None):
    """The book's figure 6-9 from what compare_optimizers returned: a PNG written to `path`
    (its Path returned), or the Figure when no path is given."""
    title = _("Optimisers compared (MultiLayerNet, ReLU, He)")
    return plot_loss(losses, path, smooth=11, title=title, ylim=(0, 1))


def plot_initializations(losses, path=None):
    """The book's figure 6-15 from what compare_initializations returned: a PNG written to
    `path` (its Path returned), or the Figure when no path is given."""
    title = _("Weight initialisations compared (ReLU, SGD)")
    return plot_loss(losses, path, smooth=11, title=title, ylim=(0, 2.5))


def final_loss_table(losses, last=None):
    """A small text table of each variant's first and final loss.

    Args:
        losses: {variant: [loss of each step]}, as the comparisons return.
        last: the final loss is the mean of the last ``last`` steps (one step is noisy);
            default: a tenth of the steps, at most 100.

    Example:
        >>> print(final_loss_table({"SGD": [2.3, 1.0, 0.9], "Adam": [2.3, 0.2, 0.1]}, last=1))
        variant  first loss  final loss (mean of last 1 steps)
        SGD          2.3000  0.9000
        Adam         2.3000  0.1000
    """
    steps = max((len(v) for v in losses.values()), default=0)
    if last is None:
        last = max(1, min(100, steps // 10))
    rows = [  # the headings in the language zerodl speaks (the table is text, not a picture)
        (
            translate(N_("variant")),
            translate(N_("first loss")),
            translate(N_("final loss (mean of last {last} steps)")).format(last=last),
        )
    ]
    for name, values in losses.items():
        values = np.asarray(values, dtype=np.float64)
        if len(values) == 0:
            rows.append((str(name), "-", "-"))
        elif len(values) < steps or not np.isfinite(values[-1]):
            diverged = translate(N_("diverged at step {step}")).format(step=len(values))
            rows.append((str(name), f"{values[0]:.4f}", diverged))
        else:
            rows.append((str(name), f"{values[0]:.4f}", f"{values[-last:].mean():.4f}"))
    width = [max(text_width(row[i]) for row in rows) for i in range(2)]
    spaces = [[" " * (width[i] - text_width(row[i])) for i in range(2)] for row in rows]
    return "\n".join(
        f"{a}{left}  {right}{b}  {c}".rstrip() for (a, b, c), (left, right) in zip(rows, spaces)
    )


# --- the common part ----------------------------------------------------------------------------


def _compare(variants, x_train, t_train, iterations, batch_size, seed, print_fn):
    """Run each (network factory, optimizer) variant on the same batches; the losses per step."""
    integer("iterations", iterations, 1)
    n = len(x_train)
    if len(t_train) != n:
        raise ValueError(f"x_train and t_train differ in length: {n} and {len(t_train)}")
    if integer("batch_size", batch_size, 1) > n:
        raise ArgumentError("batch_size", batch_size, f"must be in [1, {n}], the data size")

    batches = _batch_indices(n, batch_size, iterations, np.random.default_rng(seed))
    losses = {}
    for name, (make_network, optimizer) in variants.items():
        start = time.perf_counter()
        network = make_network()  # the same initial weights for every variant
        losses[name] = curve = []
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for index in batches:
                grads = network.gradient(x_train[index], t_train[index])
                curve.append(float(network.last_loss))
                if check_finite(curve[-1], grads) is not None:
                    break  # diverged: the curve ends here
                optimizer.update(network.params, grads)
        if print_fn is not None:
            print_fn(
                f"{name}: loss {curve[0]:.4f} -> {curve[-1]:.4f} after {len(curve)} steps "
                f"({time.perf_counter() - start:.1f}s)"
            )
    return losses


def _batch_indices(n, batch_size, iterations, rng):
    """`iterations` index arrays of `batch_size` samples: passes over the data, each a new
    permutation cut into whole batches (a pass's few left-over samples wait for the next)."""
    per_pass = n // batch_size
    passes = -(-iterations // per_pass)
    order = np.concatenate([rng.permutation(n)[: per_pass * batch_size] for _ in range(passes)])
    return order[: iterations * batch_size].reshape(iterations, batch_size)  # (steps, B)


def _sizes(x_train, t_train):
    """(input size D, number of classes K) of flattened inputs (N, D) and labels."""
    x_shape, t = np.shape(x_train), np.asarray(t_train)
    if len(x_shape) != 2:
        raise ValueError(
            f"x_train must be flattened to (N, D) for MultiLayerNet, got shape {x_shape}"
        )
    classes = t.shape[1] if t.ndim == 2 else int(t.max()) + 1
    return x_shape[1], classes
