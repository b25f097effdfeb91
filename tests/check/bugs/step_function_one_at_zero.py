"""step_function gives 1 at x = 0 (>= where the book has >)."""
import numpy as np


def step_function(x):
    return np.array(x >= 0, dtype=np.int64)
