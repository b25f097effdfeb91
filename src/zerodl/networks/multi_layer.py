"""The book's fully connected network of any depth (chapter 6), with its options."""

import numpy as np

from zerodl.layers import Affine, BatchNormalization, Dropout, ReLU, Sigmoid, SoftmaxWithLoss
from zerodl.layers.base import as_rng
from zerodl.networks.sequential import ConfiguredNetwork

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid}


class MultiLayerNet(ConfiguredNetwork):
    """(Affine - [BatchNorm] - activation - [Dropout]) x len(hidden_size_list) - Affine - softmax.

    Args:
        input_size: 784 for MNIST.
        hidden_size_list: the width of each hidden layer, e.g. [100, 100, 100, 100].
        output_size: 10 for MNIST.
        activation: "relu" or "sigmoid".
        weight_init_std: "he"/"relu" (sqrt(2/n)), "xavier"/"sigmoid" (sqrt(1/n)) or a number.
        weight_decay_lambda: L2 weight decay on every W.
        use_dropout, dropout_ratio: dropout after each hidden activation.
        use_batchnorm: batch normalisation before each hidden activation.
        seed: an int, None or a numpy Generator (initial weights and dropout masks).
        dtype: float32, or float64 for gradient checks.

    Parameters W1, b1, ..., W{L}, b{L} (and gamma1, beta1, ... with batch norm), as in the book.
    """

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0.0,
        use_dropout=False,
        dropout_ratio=0.5,
        use_batchnorm=False,
        *,
        seed=None,
        dtype=np.float32,
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be 'relu' or 'sigmoid', got {activation!r}")
        rng = as_rng(seed)
        sizes = [input_size, *hidden_size_list]
        layers = []
        for fan_in, width in zip(sizes[:-1], sizes[1:]):
            layers.append(Affine(fan_in, width, weight_init=weight_init_std, seed=rng, dtype=dtype))
            if use_batchnorm:
                layers.append(BatchNormalization(width, dtype=dtype))
            layers.append(ACTIVATIONS[activation]())
            if use_dropout:
                layers.append(Dropout(dropout_ratio, seed=rng))
        layers.append(
            Affine(sizes[-1], output_size, weight_init=weight_init_std, seed=rng, dtype=dtype)
        )
        layers.append(SoftmaxWithLoss())
        super().__init__(layers, weight_decay_lambda=weight_decay_lambda, input_shape=(input_size,))
        self.config = {
            "input_size": input_size,
            "hidden_size_list": list(hidden_size_list),
            "output_size": output_size,
            "activation": activation,
            "weight_init_std": weight_init_std,
            "weight_decay_lambda": weight_decay_lambda,
            "use_dropout": use_dropout,
            "dropout_ratio": dropout_ratio,
            "use_batchnorm": use_batchnorm,
        }
