"""common.multi_layer_net: the book's MultiLayerNet (chapter 6), zerodl's MultiLayerNet.

    MultiLayerNet(input_size, hidden_size_list, output_size, activation="relu",
                  weight_init_std="relu", weight_decay_lambda=0)

(Affine - activation) x len(hidden_size_list) - Affine - SoftmaxWithLoss, with the parameters
W1, b1, ..., in `params`, and predict(x), loss(x, t), accuracy(x, t), gradient(x, t),
numerical_gradient(x, t) as in the book. The initial weights come from np.random's stream
(np.random.seed repeats them) and are float64 like the book's, so that numerical_gradient is
accurate; pass dtype=np.float32 for twice the speed.
"""

import os
import sys
from collections import OrderedDict

import numpy as np

from zerodl import networks
from zerodl.book.common import layers as _layers
from zerodl.book.common.gradient import numerical_gradient
from zerodl.book.common.layers import *  # noqa: F403 (the book's module does: see __all__)
from zerodl.book.global_rng import global_rng

# Its own name and what the book's module brings to `import *`: sys, os, np, OrderedDict,
# everything of common.layers and numerical_gradient.
__all__ = [
    "MultiLayerNet",
    "OrderedDict",
    "numerical_gradient",
    "np",
    "os",
    "sys",
    *_layers.__all__,
]


class MultiLayerNet(networks.MultiLayerNet):
    """The book's fully connected network of any depth, with weight decay.

    Args:
        input_size, hidden_size_list, output_size: 784, e.g. [100, 100, 100], 10.
        activation: "relu" or "sigmoid".
        weight_init_std: "relu"/"he" (sqrt(2 / n)), "sigmoid"/"xavier" (sqrt(1 / n)) or a
            number.
        weight_decay_lambda: L2 weight decay; 0.5 * lambda * sum(W**2) enters the loss.
        seed: None draws from np.random's stream; an int or a Generator draws from that.
        dtype: float64 (the book's) or float32.
    """

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0,
        *,
        seed=None,
        dtype=np.float64,
        **extend,
    ):
        super().__init__(
            input_size,
            hidden_size_list,
            output_size,
            activation,
            weight_init_std,
            weight_decay_lambda,
            seed=global_rng() if seed is None else seed,
            dtype=dtype,
            **extend,
        )
        # The book's attributes.
        self.input_size, self.output_size = input_size, output_size
        self.hidden_size_list = list(hidden_size_list)
        self.hidden_layer_num = len(self.hidden_size_list)
        self.last_layer = self.loss_layer

    def gradient(self, x, t):
        """The gradients by backpropagation, in new arrays each call (as the book's)."""
        return {name: g.copy() for name, g in super().gradient(x, t).items()}
