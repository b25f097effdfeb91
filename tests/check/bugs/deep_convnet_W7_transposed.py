# ruff: noqa: NPY002
"""DeepConvNet makes W7 as (hidden_size, 64*4*4): the book's is (64*4*4, hidden_size)."""
import numpy as np


class DeepConvNet:
    def __init__(self, input_dim=(1, 28, 28), hidden_size=50, output_size=10):
        self.params = {}
        channels = [input_dim[0], 16, 16, 32, 32, 64, 64]
        for i in range(6):
            self.params[f"W{i + 1}"] = 0.1 * np.random.randn(channels[i + 1], channels[i], 3, 3)
            self.params[f"b{i + 1}"] = np.zeros(channels[i + 1])
        self.params["W7"] = 0.1 * np.random.randn(hidden_size, 64 * 4 * 4)
        self.params["b7"] = np.zeros(hidden_size)
        self.params["W8"] = 0.1 * np.random.randn(hidden_size, output_size)
        self.params["b8"] = np.zeros(output_size)
