"""common.optimizer: the book's optimisers (chapter 6), zerodl's own (zerodl.optimizers).

    SGD(lr=0.01)  Momentum(lr=0.01, momentum=0.9)  Nesterov(lr=0.01, momentum=0.9)
    AdaGrad(lr=0.01)  RMSprop(lr=0.01, decay_rate=0.99)  Adam(lr=0.001, beta1=0.9, beta2=0.999)

`optimizer.update(params, grads)` changes the arrays of `params` in place, as in the book. A
parameter may also be a plain number, as in the book's comparison on f(x, y) = x**2 / 20 + y**2
(params["x"] = -7.0): it is updated through a one-element array and put back as a new number, so the
values a script collected earlier stay as they were.

The update rules are written out in zerodl.optimizers. Adam follows its paper (eps 1e-8 added
to the root of the corrected second moment); the book folds the corrections into the learning
rate and adds 1e-7. The steps differ by about eps, invisible in a loss curve.
"""

import numpy as np

from zerodl import optimizers

# np too, as the book's module gives it to `from common.optimizer import *` (chapter 6 uses it)
__all__ = ["SGD", "AdaGrad", "Adam", "Momentum", "Nesterov", "RMSprop", "np"]


class _NumbersToo:
    """update(params, grads) for arrays, and for plain numbers as the book's scripts pass."""

    def update(self, params, grads):
        numbers = [key for key, p in params.items() if not isinstance(p, np.ndarray)]
        if not numbers:
            super().update(params, grads)
            return
        arrays = dict(params)
        for key in numbers:  # a float64 (1,) array, updated in place like any parameter
            arrays[key] = np.array([params[key]], dtype=np.float64)
        grads = {
            key: np.array([g], dtype=np.float64) if key in numbers else g
            for key, g in grads.items()
        }
        super().update(arrays, grads)
        for key in numbers:
            params[key] = float(arrays[key][0])  # a new number: earlier values stay unchanged


class SGD(_NumbersToo, optimizers.SGD):
    __doc__ = optimizers.SGD.__doc__


class Momentum(_NumbersToo, optimizers.Momentum):
    __doc__ = optimizers.Momentum.__doc__


class Nesterov(_NumbersToo, optimizers.Nesterov):
    __doc__ = optimizers.Nesterov.__doc__


class AdaGrad(_NumbersToo, optimizers.AdaGrad):
    __doc__ = optimizers.AdaGrad.__doc__


class RMSprop(_NumbersToo, optimizers.RMSProp):
    __doc__ = optimizers.RMSProp.__doc__


class Adam(_NumbersToo, optimizers.Adam):
    __doc__ = optimizers.Adam.__doc__
