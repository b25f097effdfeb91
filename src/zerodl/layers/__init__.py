"""Layers: each a class with forward(x, train=True) and backward(dout), one per module."""

from zerodl.layers.base import Layer, ShapeError

__all__ = ["Layer", "ShapeError"]
