"""The random stream of a book-style script that calls np.random.seed(seed), without touching
NumPy's global generator: a RandomState (the script's np.random.randn, choice, uniform) and a
Generator (what zerodl's served modules draw: dropout masks, mini-batch orders) over one MT19937,
seeded as np.random.seed seeds it."""

import numpy as np


def legacy_stream(seed):
    """(RandomState, Generator) sharing one bit generator, as np.random after np.random.seed."""
    bit_generator = np.random.MT19937()
    random_state = np.random.RandomState(bit_generator)
    random_state.seed(seed)  # the legacy seeding of np.random.seed
    return random_state, np.random.Generator(bit_generator)
