"""chapter 3's softmax for one vector, given a batch: it sums over every element."""
import numpy as np


def softmax(a):
    c = np.max(a)
    exp_a = np.exp(a - c)
    return exp_a / np.sum(exp_a)
