"""Networks: stacks of layers with the book's face (params, predict, loss, gradient, accuracy)."""

from zerodl.networks.deep_conv import DeepConvNet
from zerodl.networks.multi_layer import MultiLayerNet
from zerodl.networks.registry import MODELS, Model
from zerodl.networks.sequential import Sequential
from zerodl.networks.simple_conv import SimpleConvNet
from zerodl.networks.two_layer import TwoLayerNet

# Every network by class name, so that a checkpoint can name the class to rebuild.
NETWORKS = {
    cls.__name__: cls
    for cls in (Sequential, TwoLayerNet, MultiLayerNet, SimpleConvNet, DeepConvNet)
}

__all__ = [
    "MODELS",
    "NETWORKS",
    "Model",
    "DeepConvNet",
    "MultiLayerNet",
    "Sequential",
    "SimpleConvNet",
    "TwoLayerNet",
]
