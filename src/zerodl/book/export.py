"""save_network: what a book script trained, as a zerodl checkpoint, without a pickle file.

The book's networks save their parameters with pickle (``network.save_params("params.pkl")`` in
ch07's SimpleConvNet and ch08's DeepConvNet), and zerodl never reads a pickle file: unpickling
can run any code the file holds, and a params.pkl that came from somewhere else is exactly such
a file. So zerodl does not convert params.pkl. It saves the network itself instead, while the
script that trained it still holds it, as an ordinary zerodl checkpoint (.npz with JSON
metadata, no pickle) that `zerodl evaluate`, `zerodl predict` and `zerodl serve` read. Add two
lines at the end of the book's script, beside (or instead of) its own save_params:

    from zerodl.book import save_network
    save_network(network, "convnet.npz")        # then: zerodl predict convnet.npz seven.png

This works for any network built from the `common.layers` that `zerodl book` serves (they are
zerodl's layers underneath): the book's way keeps them in ``network.layers`` (an OrderedDict)
and the loss in ``network.last_layer``; they become one zerodl `Sequential`, sharing the
network's arrays. The file is read back before save_network returns, and its answers on a
random batch compared with the network's own: a network the file could not reproduce is an
error, not a checkpoint.
"""

from pathlib import Path

import numpy as np

from zerodl.checkpoint import load, save
from zerodl.layers import Affine, Convolution, SoftmaxWithLoss
from zerodl.layers.base import Layer
from zerodl.networks import Sequential

__all__ = ["save_network", "to_network"]

IMAGE_SIDE = 28  # the book's networks read MNIST's 28x28 images


def to_network(network, input_shape=None):
    """A zerodl Sequential of the layers of a network built the book's way (shared arrays).

    Args:
        network: an object with ``layers`` (an OrderedDict or list of common.layers layers)
            and, as the book's networks have, ``last_layer``; a zerodl network is returned as
            it is.
        input_shape: one sample's shape; by default (C, 28, 28) when the first layer is a
            Convolution of C channels, (D,) when it is an Affine of D inputs.
    """
    if isinstance(network, Sequential):
        return network
    layers = getattr(network, "layers", None)
    if isinstance(layers, dict):
        named = list(layers.items())
    elif isinstance(layers, (list, tuple)):
        named = [(str(k), layer) for k, layer in enumerate(layers)]
    else:
        raise TypeError(
            f"{type(network).__name__} has no `layers` (an OrderedDict of layers, as the book's "
            "networks keep them): save_network cannot tell what it computes"
        )
    last = getattr(network, "last_layer", None)
    named.append(("last_layer", last if last is not None else SoftmaxWithLoss()))
    for name, layer in named:
        if not isinstance(layer, Layer):
            raise TypeError(
                f"layer {name} is {type(layer).__module__}.{type(layer).__name__}, not one of "
                "the layers `zerodl book` serves as common.layers: save_network saves networks "
                "built from those (run the script without --own common)"
            )
    if not isinstance(named[-1][1], SoftmaxWithLoss):
        raise TypeError(f"the last layer of {type(network).__name__} is not SoftmaxWithLoss")
    if input_shape is None:
        first = named[0][1]
        if isinstance(first, Convolution):
            input_shape = (first.params["W"].shape[1], IMAGE_SIDE, IMAGE_SIDE)
        elif isinstance(first, Affine):
            input_shape = (first.params["W"].shape[0],)
    return Sequential([layer for _, layer in named], input_shape=input_shape)


def save_network(network, path, *, dataset="mnist", input_shape=None):
    """Save a network built the book's way (or a zerodl one) as a zerodl checkpoint at `path`.

    Args:
        network: see `to_network`.
        path: the file to write (e.g. "convnet.npz"); written atomically.
        dataset: what it was trained on, "mnist" or "fashion-mnist" (predict and serve use it).
        input_shape: see `to_network`.

    Returns the path, as a Path. Raises ValueError (and removes the file) if the checkpoint
    does not give the network's own answers back.
    """
    path = Path(path)
    zerodl_network = to_network(network, input_shape)
    save(zerodl_network, path, dataset=dataset)
    x = np.random.default_rng(0).random((4, *zerodl_network.input_shape))  # (4, ...) in [0, 1)
    expected = zerodl_network.predict(x)
    got = load(path).predict(x)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-5, atol=1e-6):
        path.unlink()
        raise ValueError(
            f"the checkpoint of {type(network).__name__} does not give its answers back (a "
            "layer whose configuration zerodl cannot save): nothing was written"
        )
    return path
