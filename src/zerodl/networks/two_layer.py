"""The book's two-layer network (chapters 4 and 5): affine - sigmoid - affine - softmax."""

import numpy as np

from zerodl.layers import Affine, Sigmoid, SoftmaxWithLoss
from zerodl.layers.base import as_rng
from zerodl.networks.sequential import ConfiguredNetwork


class TwoLayerNet(ConfiguredNetwork):
    """Affine(input, hidden) - Sigmoid - Affine(hidden, output) - SoftmaxWithLoss.

    Parameters W1 (input, hidden), b1, W2 (hidden, output), b2; weights start as
    N(0, weight_init_std^2), biases at zero.

    Example:
        >>> net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=0)
        >>> grads = net.gradient(x_batch, t_batch)
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        output_size,
        weight_init_std=0.01,
        *,
        seed=None,
        dtype=np.float32,
    ):
        rng = as_rng(seed)
        init = dict(weight_init=weight_init_std, seed=rng, dtype=dtype)
        super().__init__(
            [
                Affine(input_size, hidden_size, **init),
                Sigmoid(),
                Affine(hidden_size, output_size, **init),
                SoftmaxWithLoss(),
            ],
            input_shape=(input_size,),
        )
        self.config = {
            "input_size": input_size,
            "hidden_size": hidden_size,
            "output_size": output_size,
            "weight_init_std": weight_init_std,
        }
