"""The book's deep CNN (chapter 8): six 3x3 convolutions, three poolings, two affine layers."""

import numpy as np

from zerodl.layers import Affine, BatchNormalization, Dropout, ReLU, SoftmaxWithLoss
from zerodl.layers.base import as_rng
from zerodl.layers.conv import Convolution
from zerodl.layers.pooling import Pooling
from zerodl.networks.sequential import ConfiguredNetwork

# (filter_num, pad) of the six 3x3 convolutions; a pooling follows the 2nd, 4th and 6th.
CONV_LAYERS = [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)]


class DeepConvNet(ConfiguredNetwork):
    """conv-relu-conv-relu-pool, conv-relu-conv-relu-pool, conv-relu-conv-relu-pool,
    affine 50 - relu - dropout 0.5 - affine - softmax.

    Every weight is He-initialised (std sqrt(2 / fan_in)). The book places a second dropout
    after the last affine layer, which drops class scores; here dropout comes before it.

    Parameters W1..W6, b1..b6 for the convolutions, W7, b7, W8, b8 for the affine layers.
    With use_batchnorm=True a batch normalisation (per channel, Ioffe and Szegedy 2015) follows
    each convolution and the first affine layer, before its ReLU (gamma1..gamma7, beta1..beta7):
    the same network trains faster and tolerates larger learning rates.
    With 28x28 input the feature maps are 16x28x28, 16x14x14 after pooling, 32x16x16 (the pad
    of 2), 32x8x8, 64x8x8 and 64x4x4 = 1024 features into the first affine layer.
    """

    def __init__(
        self,
        input_dim=(1, 28, 28),
        output_size=10,
        hidden_size=50,
        use_batchnorm=False,
        *,
        seed=None,
        dtype=np.float32,
    ):
        rng = as_rng(seed)
        layers = []
        shape = tuple(input_dim)
        for i, (filter_num, pad) in enumerate(CONV_LAYERS):
            conv = Convolution(shape[0], filter_num, 3, pad=pad, seed=rng, dtype=dtype)
            layers.append(conv)
            if use_batchnorm:
                layers.append(BatchNormalization(filter_num, dtype=dtype))
            layers.append(ReLU())
            shape = conv.output_shape(shape)
            if i % 2 == 1:
                pool = Pooling(2, 2, stride=2)
                layers.append(pool)
                shape = pool.output_shape(shape)
        layers.append(Affine(int(np.prod(shape)), hidden_size, seed=rng, dtype=dtype))
        if use_batchnorm:
            layers.append(BatchNormalization(hidden_size, dtype=dtype))
        layers += [
            ReLU(),
            Dropout(0.5, seed=rng),
            Affine(hidden_size, output_size, seed=rng, dtype=dtype),
            SoftmaxWithLoss(),
        ]
        super().__init__(layers, input_shape=tuple(input_dim))
        self.config = {
            "input_dim": list(input_dim),
            "output_size": output_size,
            "hidden_size": hidden_size,
            "use_batchnorm": bool(use_batchnorm),
        }
