"""Optimisers: the rules that turn gradients into parameter updates (chapter 6 of the book).

Every optimiser follows the book's idiom: a network keeps its parameters in a dict
(``params["W1"]``, ``params["b1"]``, ...), backpropagation fills a dict of gradients with the same
names, and ``optimizer.update(params, grads)`` changes the parameter arrays in place. State (a
velocity, a running mean of squared gradients, ...) is created lazily, one array per parameter name,
the first time that name is seen, with the parameter's shape and dtype (float32 stays float32).

The classes come in order of increasing complexity, each adding one idea to the one before:

    SGD       p -= lr * g
    Momentum  + a velocity that accumulates past steps
    Nesterov  + the gradient step taken from the look-ahead point
    AdaGrad   + a per-element step size, divided by the root of the summed squared gradients
    RMSProp   + an exponential moving average instead of the sum
    Adam      + a moving average of the gradient too, with bias correction
    AdamW     + weight decay applied directly to the weights, decoupled from the gradient

In mode "jit" (zerodl.use_kernels, zerodl.kernels.jit) Adam asks zerodl.kernels for its update
compiled into one pass over each parameter, in one visible line as the layers do; the book's rule
below that line is what it computes, and what runs everywhere else. (SGD's and Momentum's
updates, compiled, measured no faster than their two or three NumPy calls: they have none.)

``lr`` is a plain attribute: a learning-rate schedule (see zerodl.schedules) or a trainer may set
``optimizer.lr = ...`` between steps. ``state_dict()`` / ``load_state_dict()`` save and restore the
hyper-parameters, the step counter and every state array, so that training can resume exactly.
"""

import numpy as np

from zerodl import kernels
from zerodl._checks import integer, non_negative, number
from zerodl.errors import ArgumentError

__all__ = [
    "Optimizer",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSProp",
    "RMSprop",
    "Adam",
    "AdamW",
    "OPTIMIZERS",
    "create_optimizer",
]


# --- argument checks: each names the argument and shows the value it got -------------------------


def _check_unit(name, value):
    """A decay factor in [0, 1): momentum, beta1, beta2, decay_rate."""
    value = number(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"invalid {name}: {value!r} (must be in [0, 1))")
    return value


def _check_eps(eps):
    eps = number("epsilon", eps)
    if eps <= 0:
        raise ValueError(f"invalid epsilon: {eps!r} (must be > 0)")
    return eps


# --- the base class ------------------------------------------------------------------------------


class Optimizer:
    """The common part: the step counter, the lazily created state and its saving and loading.

    A subclass lists the names of its state arrays in ``slot_names``, stores its hyper-parameters
    as attributes named like its ``__init__`` arguments (``get_config`` reads them back), and
    implements ``_update(key, p, g)``, which changes one parameter array ``p`` in place.

    Attributes:
        lr: the learning rate; a plain attribute that a schedule may change between steps.
        t: the number of ``update`` calls so far (Adam's bias correction uses it).
        state: ``{slot name: {parameter name: ndarray}}``, filled lazily.
    """

    slot_names = ()
    hyper_parameters = ("lr",)

    def __init__(self, lr):
        self.lr = non_negative("learning rate", lr)
        self.t = 0
        self.state = {slot: {} for slot in self.slot_names}

    def update(self, params, grads):
        """Update every array in ``params`` in place from the gradient of the same name."""
        self.t += 1
        for key, p in params.items():
            g = grads.get(key)
            if g is None:
                raise KeyError(f"no gradient for parameter {key!r}")
            if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
                raise TypeError(
                    f"parameter {key!r} must be a floating-point numpy array to be updated in "
                    f"place, got {type(p).__name__}"
                    + (f" of dtype {p.dtype}" if isinstance(p, np.ndarray) else "")
                )
            if g.shape != p.shape:
                raise ValueError(
                    f"gradient {key!r} has shape {g.shape}, but the parameter has shape {p.shape}"
                )
            self._update(key, p, g)

    def _update(self, key, p, g):
        raise NotImplementedError

    def _slot(self, slot, key, p):
        """The state array ``slot`` of parameter ``key``, created as zeros the first time."""
        arrays = self.state[slot]
        s = arrays.get(key)
        if s is None:
            s = arrays[key] = np.zeros_like(p)
        elif s.shape != p.shape:
            raise ValueError(
                f"state {slot!r} of parameter {key!r} has shape {s.shape}, but the parameter has "
                f"shape {p.shape} (was a state_dict loaded from another network?)"
            )
        return s

    def get_config(self):
        """The hyper-parameters as a JSON-friendly dict; ``type(self)(**config)`` rebuilds it."""
        return {name: float(getattr(self, name)) for name in self.hyper_parameters}

    def state_dict(self):
        """A snapshot for checkpoints: ``{"type", "config", "step", "slots"}``.

        ``config`` holds only floats and ``slots`` only ndarrays (copies), so the arrays can go
        into an .npz file and the rest into JSON.
        """
        return {
            "type": type(self).__name__,
            "config": self.get_config(),
            "step": self.t,
            "slots": {
                slot: {key: a.copy() for key, a in arrays.items()}
                for slot, arrays in self.state.items()
            },
        }

    def load_state_dict(self, state):
        """Restore the hyper-parameters, step counter and state arrays saved by ``state_dict``."""
        name = type(self).__name__
        if not isinstance(state, dict) or not {"type", "config", "step", "slots"} <= state.keys():
            raise ValueError(
                f"not an optimiser state_dict: expected a dict with keys 'type', 'config', "
                f"'step' and 'slots', got {state!r:.200}"
            )
        if state["type"] != name:
            raise ValueError(f"cannot load a {state['type']!r} state_dict into a {name} optimiser")
        config = dict(state["config"])
        unknown = config.keys() - set(self.hyper_parameters)
        if unknown:
            raise ValueError(
                f"unknown hyper-parameters for {name}: {sorted(unknown)} "
                f"(expected {list(self.hyper_parameters)})"
            )
        step = integer("step in state_dict", state["step"], 0)
        slots = state["slots"]
        if set(slots) != set(self.slot_names):
            raise ValueError(
                f"{name} keeps the state {list(self.slot_names)}, but the state_dict has "
                f"{sorted(slots)}"
            )
        for slot, arrays in slots.items():
            for key, a in arrays.items():
                if not isinstance(a, np.ndarray):
                    raise ValueError(
                        f"state {slot!r} of parameter {key!r} must be a numpy array, "
                        f"got {type(a).__name__}"
                    )
        # Everything checked: validate the hyper-parameters by building a fresh optimiser.
        fresh = type(self)(**{**self.get_config(), **config})
        for hp in self.hyper_parameters:
            setattr(self, hp, getattr(fresh, hp))
        self.t = int(step)
        self.state = {
            slot: {key: np.array(a, copy=True) for key, a in slots[slot].items()}
            for slot in self.slot_names
        }

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# --- the optimisers, simplest first --------------------------------------------------------------


class SGD(Optimizer):
    """Stochastic gradient descent: a step of size ``lr`` down the gradient.

    Update rule, for every parameter p with gradient g::

        p <- p - lr * g

    Args:
        lr: learning rate (>= 0).

    Example:
        >>> import numpy as np
        >>> params, grads = {"W": np.ones(2, np.float32)}, {"W": np.array([1, -2], np.float32)}
        >>> SGD(lr=0.1).update(params, grads)
        >>> params["W"]
        array([0.9, 1.2], dtype=float32)
    """

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def _update(self, key, p, g):
        p -= self.lr * g


class Momentum(SGD):
    """SGD with momentum (Polyak 1964, "Some methods of speeding up the convergence of iteration
    methods"), in the book's form: a velocity v remembers the past steps, like a ball rolling
    down the loss surface.

    Update rule, with v = 0 at the start::

        v <- momentum * v - lr * g
        p <- p + v

    (PyTorch keeps b = -v / lr instead; the two agree while lr stays constant.)

    Args:
        lr: learning rate (>= 0).
        momentum: how much of the velocity survives each step, in [0, 1).

    Example:
        >>> import numpy as np
        >>> params, grads = {"W": np.zeros(1, np.float32)}, {"W": np.ones(1, np.float32)}
        >>> opt = Momentum(lr=0.1, momentum=0.9)
        >>> opt.update(params, grads); opt.update(params, grads)
        >>> params["W"]                      # -0.1, then -0.1 - (0.9 * 0.1 + 0.1)
        array([-0.29], dtype=float32)
    """

    slot_names = ("v",)
    hyper_parameters = ("lr", "momentum")

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = _check_unit("momentum", momentum)

    def _update(self, key, p, g):
        v = self._slot("v", key, p)
        v *= self.momentum
        v -= self.lr * g
        p += v


class Nesterov(Momentum):
    """Momentum with Nesterov's look-ahead (Nesterov 1983; for deep learning Sutskever, Martens,
    Dahl and Hinton 2013, "On the importance of initialization and momentum in deep learning").

    The gradient step is taken from the point the velocity is about to carry p to. Written so
    that only the current gradient is needed (Bengio, Boulanger-Lewandowski and Pascanu 2013),
    with the same velocity v as ``Momentum``::

        v <- momentum * v - lr * g
        p <- p + momentum * v - lr * g       # Momentum does p <- p + v

    This is PyTorch's ``SGD(nesterov=True)`` (b <- momentum * b + g; p <- p - lr * (g +
    momentum * b)) with v = -lr * b: the two agree exactly while lr stays constant. The book's
    sample code arranges the same look-ahead as p <- p + momentum**2 * v - (1 + momentum) * lr * g,
    but with the velocity already updated where the derivation has the old one; this class
    follows the derivation (and PyTorch).

    Args:
        lr: learning rate (>= 0).
        momentum: how much of the velocity survives each step, in [0, 1).

    Example:
        >>> import numpy as np
        >>> params, grads = {"W": np.zeros(1, np.float32)}, {"W": np.ones(1, np.float32)}
        >>> Nesterov(lr=0.1, momentum=0.9).update(params, grads)
        >>> params["W"]                      # v = -0.1; p = 0.9 * -0.1 - 0.1
        array([-0.19], dtype=float32)
    """

    def _update(self, key, p, g):
        v = self._slot("v", key, p)
        step = self.lr * g
        v *= self.momentum
        v -= step  # v = mu*v - lr*g
        p -= step
        np.multiply(v, self.momentum, out=step)
        p += step  # p = p + mu*v - lr*g


class AdaGrad(SGD):
    """AdaGrad (Duchi, Hazan and Singer 2011, "Adaptive subgradient methods for online learning
    and stochastic optimization"): each element gets its own step size, which shrinks as the
    squared gradients of that element add up.

    Update rule, with h = 0 at the start (products, squares and roots element by element)::

        h <- h + g * g
        p <- p - lr * g / (sqrt(h) + eps)

    Args:
        lr: learning rate (>= 0).
        eps: added to the denominator so that it is never zero (> 0).

    Example:
        >>> import numpy as np
        >>> params, grads = {"W": np.zeros(2, np.float32)}, {"W": np.array([4, -0.5], np.float32)}
        >>> AdaGrad(lr=0.1).update(params, grads)
        >>> params["W"].round(6)             # the first step is lr * sign(g), whatever |g|
        array([-0.1,  0.1], dtype=float32)
    """

    slot_names = ("h",)
    hyper_parameters = ("lr", "eps")

    def __init__(self, lr=0.01, eps=1e-7):
        super().__init__(lr)
        self.eps = _check_eps(eps)

    def _accumulate(self, h, g):
        h += np.square(g)

    def _update(self, key, p, g):
        h = self._slot("h", key, p)
        self._accumulate(h, g)
        step = np.sqrt(h)  # the one temporary: sqrt(h), reused for the step
        step += self.eps
        np.divide(g, step, out=step)
        step *= self.lr
        p -= step


class RMSProp(AdaGrad):
    """RMSProp (Tieleman and Hinton 2012, Coursera "Neural Networks for Machine Learning",
    lecture 6.5): AdaGrad with a moving average of the squared gradients instead of their sum,
    so that old gradients are forgotten and the steps do not shrink to nothing.

    Update rule, with h = 0 at the start::

        h <- decay_rate * h + (1 - decay_rate) * g * g
        p <- p - lr * g / (sqrt(h) + eps)

    Args:
        lr: learning rate (>= 0).
        decay_rate: how much of h survives each step, in [0, 1).
        eps: added to the denominator so that it is never zero (> 0).

    Example:
        >>> import numpy as np
        >>> params, grads = {"W": np.zeros(1, np.float32)}, {"W": np.ones(1, np.float32)}
        >>> RMSProp(lr=0.01, decay_rate=0.99).update(params, grads)
        >>> params["W"].round(6)             # h = 0.01; p = -0.01 * 1 / 0.1
        array([-0.1], dtype=float32)
    """

    hyper_parameters = ("lr", "decay_rate", "eps")

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-7):
        super().__init__(lr, eps)
        self.decay_rate = _check_unit("decay_rate", decay_rate)

    def _accumulate(self, h, g):
        h *= self.decay_rate
        h += (1.0 - self.decay_rate) * np.square(g)


RMSprop = RMSProp  # PyTorch's spelling


class Adam(SGD):
    """Adam (Kingma and Ba 2015, "Adam: A method for stochastic optimization", Algorithm 1):
    Momentum's moving average of the gradient and RMSProp's moving average of its square,
    both corrected for their start at zero.

    Update rule, with m = v = 0 and t = 0 at the start::

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)           # bias correction: m and v start at 0
        v_hat = v / (1 - beta2**t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    t counts ``update`` calls, so a parameter that first appears after step 1 is corrected as if
    it had been there from the start (as in the book's code).

    Args:
        lr: learning rate (>= 0).
        beta1: decay of the moving average of the gradient, in [0, 1).
        beta2: decay of the moving average of the squared gradient, in [0, 1).
        eps: added to the denominator so that it is never zero (> 0).

    Example:
        >>> import numpy as np
        >>> params, grads = {"W": np.zeros(2, np.float32)}, {"W": np.array([3, -0.2], np.float32)}
        >>> Adam(lr=0.001).update(params, grads)
        >>> params["W"].round(6)             # the first step is lr * sign(g)
        array([-0.001,  0.001], dtype=float32)
    """

    slot_names = ("m", "v")
    hyper_parameters = ("lr", "beta1", "beta2", "eps")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = _check_unit("beta1", beta1)
        self.beta2 = _check_unit("beta2", beta2)
        self.eps = _check_eps(eps)

    def _update(self, key, p, g):
        m = self._slot("m", key, p)
        v = self._slot("v", key, p)
        kernel = kernels.find("adam", self, (p, g, m, v))  # compiled, or None: the book's rule
        if kernel:
            return kernel.update(self, p, g, m, v)
        m *= self.beta1
        m += (1.0 - self.beta1) * g
        v *= self.beta2
        v += (1.0 - self.beta2) * np.square(g)
        bias1 = 1.0 - self.beta1**self.t
        bias2 = 1.0 - self.beta2**self.t
        step = v / bias2  # v_hat, the one temporary, reused for the step
        np.sqrt(step, out=step)
        step += self.eps
        np.divide(m, step, out=step)
        step *= self.lr / bias1  # lr * m_hat / (sqrt(v_hat) + eps)
        p -= step


class AdamW(Adam):
    """AdamW (Loshchilov and Hutter 2019, "Decoupled weight decay regularization", Algorithm 2):
    Adam plus weight decay that shrinks the weights directly, instead of adding
    weight_decay * p to the gradient, where Adam's division by sqrt(v_hat) would distort it.

    Update rule, with m = v = 0 and t = 0 at the start::

        t <- t + 1
        p <- p - lr * weight_decay * p       # decoupled weight decay, before the Adam step
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    As in PyTorch, the decay is scaled by lr (the paper scales it by the schedule multiplier
    eta_t alone), so a learning-rate schedule also schedules the decay. Every parameter is
    decayed, biases included: pass only the weights if the biases should be left alone.

    Args:
        lr: learning rate (>= 0).
        beta1: decay of the moving average of the gradient, in [0, 1).
        beta2: decay of the moving average of the squared gradient, in [0, 1).
        eps: added to the denominator so that it is never zero (> 0).
        weight_decay: the fraction lr * weight_decay of each weight removed per step (>= 0).

    Example:
        >>> import numpy as np
        >>> params, grads = {"W": np.full(1, 10, np.float32)}, {"W": np.zeros(1, np.float32)}
        >>> AdamW(lr=0.1, weight_decay=0.5).update(params, grads)
        >>> params["W"]                      # zero gradient: only the decay, 10 * (1 - 0.05)
        array([9.5], dtype=float32)
    """

    hyper_parameters = ("lr", "beta1", "beta2", "eps", "weight_decay")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(lr, beta1, beta2, eps)
        self.weight_decay = non_negative("weight decay", weight_decay)

    def _update(self, key, p, g):
        p *= 1.0 - self.lr * self.weight_decay
        super()._update(key, p, g)


# --- choosing an optimiser by name ---------------------------------------------------------------

OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def create_optimizer(name, **kwargs):
    """The optimiser called ``name`` (case-insensitive), built with ``kwargs``.

    ``name`` is one of the keys of ``OPTIMIZERS``: "sgd", "momentum", "nesterov", "adagrad",
    "rmsprop", "adam", "adamw". An ``Optimizer`` instance is returned as it is (with no kwargs).

    Example:
        >>> create_optimizer("Adam", lr=0.01)
        Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08)
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise ValueError(
                f"got an optimiser instance {name!r} and hyper-parameters {kwargs}: "
                "pass one or the other"
            )
        return name
    cls = OPTIMIZERS.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        choices = ", ".join(OPTIMIZERS)
        raise ArgumentError(
            "optimizer",
            name,
            f"must be one of {choices}",
            f"unknown optimizer {name!r}: choose one of {choices}",
        )
    return cls(**kwargs)
