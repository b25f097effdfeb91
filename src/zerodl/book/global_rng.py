"""The book's scripts seed NumPy's global generator (np.random.seed); so the served modules draw
from it too.

zerodl itself never touches the global generator: every network, layer and trainer takes a seed
or a Generator. A learner's script, though, calls np.random.seed(0) and expects a repeatable run.
`global_rng()` is a numpy Generator that draws from the very bit generator behind np.random, so
dropout masks, mini-batch orders and initial weights follow the script's np.random.seed, and the
script's own np.random calls and the served modules' draws share one stream, as in the book.
"""

import numpy as np

__all__ = ["global_rng"]


def global_rng():
    """A Generator over np.random's own bit generator (reseeded in place by np.random.seed)."""
    get = getattr(np.random, "get_bit_generator", None)  # NumPy >= 1.25
    bit_generator = get() if get is not None else np.random.mtrand._rand._bit_generator
    return np.random.Generator(bit_generator)
