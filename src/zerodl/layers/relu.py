"""ReLU activation: y = max(0, x)."""

from zerodl import kernels
from zerodl.layers.base import Layer


class ReLU(Layer):
    """y = max(0, x), elementwise; the gradient passes where x > 0 and is zero elsewhere.

    Keeps the book's `mask` (True where x <= 0) for backward. With the fast kernel
    (zerodl.kernels.elementwise) the mask is made from the kernel's context when asked for
    (None after forward(x, train=False), which keeps nothing for backward).

    Shape: any; y has x's shape.
    """

    def forward(self, x, train=True):
        self.kernel = kernels.find("relu", self, x)  # a fast kernel, or None: the book's way
        if self.kernel:
            return self.forward_with_kernel(x, train)
        self.mask = x <= 0  # (N, ...) True where the unit is off
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        if self.kernel:
            dx, _ = self.backward_with_kernel(dout)
            return dx
        dx = dout.copy()  # a new array: the caller's dout is left as it was
        dx[self.mask] = 0
        return dx


Relu = ReLU  # the book's spelling
