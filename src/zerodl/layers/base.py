"""The Layer base class: what every layer of zerodl has in common.

A layer caches in `forward` what `backward` needs, under the book's names, as in the book:

    y  = layer.forward(x, train=True)   # x (N, ...) -> y (N, ...)
    dx = layer.backward(dout)           # dout has y's shape, dx has x's shape

Layers with parameters keep them in the dict `params` ("W", "b", "gamma", "beta") and the
gradients of the last backward in `grads`, under the same keys and with the same shapes, so that
an optimiser can update `params` in place. State that is not trained (batch norm's running mean
and variance) lives in `buffers`, so that checkpoints can save it too.

When a fast kernel ran the forward (zerodl.kernels), the layer keeps the kernel's context in
`kernel_context` instead, and the book's names (a ReLU's `mask`) are made from it when asked for.
"""

import numpy as np


class ShapeError(ValueError):
    """An input whose shape does not fit the layer it was given to."""


def as_rng(seed):
    """A numpy Generator from a seed (int or None) or a Generator (returned as it is)."""
    return np.random.default_rng(seed)


class Layer:
    """Base class of all layers: `forward(x, train=True)` and `backward(dout)`.

    A layer written in your own module (copy one of zerodl's) works with Sequential, gradcheck,
    the Trainer, the optimisers and checkpoints (zerodl.load(path, custom_objects={...})), and
    runs its own code: zerodl's fast kernels serve zerodl's own layer classes only
    (zerodl.kernels.find), never a copy or a subclass that overrides forward or backward.
    """

    # The fast kernel that ran the last forward (see zerodl.kernels), or None: the book's method.
    # A layer that asks zerodl.kernels.find for one records it here for its backward, and the
    # context the kernel's forward handed back in kernel_context (the layer never looks inside).
    kernel = None
    kernel_context = None
    # False: backward computes the parameters' gradients only and returns None (as PyTorch skips
    # the input gradient of a tensor that does not require one). A network sets it on its first
    # layer, whose input is the data; layers that can skip dx read it (Convolution).
    needs_input_grad = True

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.buffers = {}

    def forward(self, x, train=True):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def forward_with_kernel(self, x, train):
        """self.kernel's forward of x: its output; its context is kept for its backward.

        The book's state that an earlier forward by the book's method left on the layer (a
        ReLU's mask) is dropped: the kernel's context answers for those names now (__getattr__).
        """
        out, self.kernel_context = self.kernel.forward(self, x, train)
        for name in getattr(self.kernel, "book_names", ()):
            self.__dict__.pop(name, None)
        return out

    def backward_with_kernel(self, dout):
        """self.kernel's backward of dout with the context of the last forward: (dx, grads).

        An inference forward (train=False) of a ReLU or a pooling layer keeps nothing for
        backward (no context), which a backward then says in words.
        """
        if self.kernel_context is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward: the last forward was forward(x, train=False), "
                "which keeps nothing for backward; call forward(x, train=True) first"
            )
        return self.kernel.backward(self, self.kernel_context, dout)

    def __getattr__(self, name):
        # Only for names the layer does not have: after a kernel's forward, the book's names for
        # the book's state (a ReLU's `mask`) are made from the kernel's context when asked for.
        kernel = self.__dict__.get("kernel")
        if kernel is not None and name in getattr(kernel, "book_names", ()):
            return kernel.book_state(self.__dict__.get("kernel_context"), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def output_shape(self, input_shape):
        """The shape of one sample's output for one sample's input shape (no batch axis)."""
        return tuple(input_shape)

    def astype(self, dtype):
        """Cast parameters, gradients and buffers to `dtype` (float64 for gradient checks)."""
        for store in (self.params, self.grads, self.buffers):
            for key in store:
                store[key] = store[key].astype(dtype)
        return self

    def get_config(self):
        """The constructor arguments (JSON-friendly) that rebuild this layer's architecture."""
        return {}

    def _check_input(self, x, expected):
        """Raise a ShapeError naming this layer unless x (N, ...) fits `expected`.

        `expected` is the shape of one sample, with None for a size that may be anything;
        a leading Ellipsis accepts any number of axes before the listed ones.
        """
        shape = np.shape(x)
        sample = shape[1:]
        if expected and expected[0] is Ellipsis:
            tail = expected[1:]
            ok = len(sample) >= len(tail) and all(
                e is None or e == s for e, s in zip(tail, sample[len(sample) - len(tail) :])
            )
        else:
            ok = len(sample) == len(expected) and all(
                e is None or e == s for e, s in zip(expected, sample)
            )
        if len(shape) == 0 or not ok:
            want = ", ".join(
                "..." if e is Ellipsis else "*" if e is None else str(e) for e in expected
            )
            raise ShapeError(
                f"{self!r} expects input of shape (N, {want}) but was given {tuple(shape)}"
            )

    def _check_window(self, x, window_h, window_w, pad, what):
        """Raise a ShapeError unless the window fits in x (N, C, H, W) padded by `pad`."""
        H, W = x.shape[2:]
        if H + 2 * pad < window_h or W + 2 * pad < window_w:
            raise ShapeError(
                f"{self!r}: the padded input ({H + 2 * pad}, {W + 2 * pad}) of x {x.shape} "
                f"is smaller than the {what} ({window_h}, {window_w})"
            )

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
