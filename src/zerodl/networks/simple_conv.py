"""The book's simple CNN (chapter 7): conv - relu - pool - affine - relu - affine - softmax."""

import numpy as np

from zerodl.layers import Affine, ReLU, SoftmaxWithLoss
from zerodl.layers.base import as_rng
from zerodl.layers.conv import Convolution
from zerodl.layers.pooling import Pooling
from zerodl.networks.sequential import ConfiguredNetwork

DEFAULT_CONV = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


class SimpleConvNet(ConfiguredNetwork):
    """Convolution - ReLU - MaxPool 2x2 - Affine - ReLU - Affine - SoftmaxWithLoss.

    Args:
        input_dim: (C, H, W) of one image, (1, 28, 28) for MNIST.
        conv_param: {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}.
        hidden_size: width of the hidden affine layer.
        output_size: number of classes.
        weight_init_std: standard deviation of the initial weights ("he" and "xavier" work too).
        seed, dtype: as for every network.

    Parameters W1 (FN, C, FH, FW), b1 (FN,), W2 (FN*PH*PW, hidden), b2, W3 (hidden, output), b3.
    """

    def __init__(
        self,
        input_dim=(1, 28, 28),
        conv_param=None,
        hidden_size=100,
        output_size=10,
        weight_init_std=0.01,
        *,
        seed=None,
        dtype=np.float32,
    ):
        conv_param = {**DEFAULT_CONV, **(conv_param or {})}
        rng = as_rng(seed)
        init = dict(weight_init=weight_init_std, seed=rng, dtype=dtype)
        channels = input_dim[0]
        conv = Convolution(
            channels,
            conv_param["filter_num"],
            conv_param["filter_size"],
            stride=conv_param["stride"],
            pad=conv_param["pad"],
            **init,
        )
        pool = Pooling(2, 2, stride=2)
        pooled = pool.output_shape(conv.output_shape(tuple(input_dim)))  # (FN, PH, PW)
        super().__init__(
            [
                conv,
                ReLU(),
                pool,
                Affine(int(np.prod(pooled)), hidden_size, **init),
                ReLU(),
                Affine(hidden_size, output_size, **init),
                SoftmaxWithLoss(),
            ],
            input_shape=tuple(input_dim),
        )
        self.config = {
            "input_dim": list(input_dim),
            "conv_param": conv_param,
            "hidden_size": hidden_size,
            "output_size": output_size,
            "weight_init_std": weight_init_std,
        }
