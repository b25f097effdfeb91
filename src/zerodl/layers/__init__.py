"""Layers: each a class with forward(x, train=True) and backward(dout), one per module."""

from zerodl.layers.affine import Affine
from zerodl.layers.base import Layer, ShapeError
from zerodl.layers.batchnorm import BatchNormalization
from zerodl.layers.conv import Convolution
from zerodl.layers.dropout import Dropout
from zerodl.layers.flatten import Flatten
from zerodl.layers.pooling import AvgPooling, Pooling
from zerodl.layers.relu import ReLU, Relu
from zerodl.layers.sigmoid import Sigmoid
from zerodl.layers.softmax_loss import SoftmaxWithLoss
from zerodl.layers.tanh import Tanh

# Every layer by class name, so that an architecture saved as names and configs can be rebuilt.
LAYERS = {
    cls.__name__: cls
    for cls in (
        Affine,
        AvgPooling,
        BatchNormalization,
        Convolution,
        Dropout,
        Flatten,
        Pooling,
        ReLU,
        Sigmoid,
        SoftmaxWithLoss,
        Tanh,
    )
}

__all__ = [
    "LAYERS",
    "Affine",
    "AvgPooling",
    "BatchNormalization",
    "Convolution",
    "Dropout",
    "Flatten",
    "Layer",
    "Pooling",
    "ReLU",
    "Relu",
    "ShapeError",
    "Sigmoid",
    "SoftmaxWithLoss",
    "Tanh",
]
