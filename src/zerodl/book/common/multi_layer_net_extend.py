"""common.multi_layer_net_extend: the book's MultiLayerNetExtend (chapter 6), with dropout and
batch normalisation, zerodl's MultiLayerNet.

    MultiLayerNetExtend(input_size, hidden_size_list, output_size, activation="relu",
                        weight_init_std="relu", weight_decay_lambda=0, use_dropout=False,
                        dropout_ration=0.5, use_batchnorm=False)

`dropout_ration` is the book's keyword (sic); `dropout_ratio` is accepted too. predict and loss
take train_flg (False by default, as in the book), and batch normalisation adds gamma1, beta1,
... to `params`.
"""

import os
import sys
from collections import OrderedDict

import numpy as np

from zerodl.book.common import layers as _layers
from zerodl.book.common.gradient import numerical_gradient
from zerodl.book.common.layers import *  # noqa: F403 (the book's module does: see __all__)
from zerodl.book.common.multi_layer_net import MultiLayerNet

# Its own name and what the book's module brings to `import *`: sys, os, np, OrderedDict,
# everything of common.layers and numerical_gradient.
__all__ = [
    "MultiLayerNetExtend",
    "OrderedDict",
    "numerical_gradient",
    "np",
    "os",
    "sys",
    *_layers.__all__,
]


class MultiLayerNetExtend(MultiLayerNet):
    """MultiLayerNet with optional dropout after each hidden activation and batch normalisation
    before it. Args as MultiLayerNet's, and use_dropout, dropout_ration, use_batchnorm."""

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0,
        use_dropout=False,
        dropout_ration=0.5,
        use_batchnorm=False,
        *,
        dropout_ratio=None,
        seed=None,
        dtype=np.float64,
    ):
        super().__init__(
            input_size,
            hidden_size_list,
            output_size,
            activation,
            weight_init_std,
            weight_decay_lambda,
            use_dropout=use_dropout,
            dropout_ratio=dropout_ration if dropout_ratio is None else dropout_ratio,
            use_batchnorm=use_batchnorm,
            seed=seed,
            dtype=dtype,
        )
        self.use_dropout, self.use_batchnorm = use_dropout, use_batchnorm

    def predict(self, x, train_flg=False, *, train=None):
        """Scores (N, K); train_flg=True uses dropout and the batch's statistics."""
        return super().predict(x, train=train_flg if train is None else train)

    def loss(self, x, t, train_flg=False, *, train=None):
        """The mean loss plus weight decay; train_flg as for predict."""
        return super().loss(x, t, train=train_flg if train is None else train)
