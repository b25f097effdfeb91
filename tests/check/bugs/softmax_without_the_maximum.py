"""softmax without subtracting the maximum: exp(1010) overflows."""
import numpy as np


def softmax(x):
    exp_x = np.exp(x)
    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)
