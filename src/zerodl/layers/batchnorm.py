"""Batch normalisation: normalise each feature (or channel) over the mini-batch."""

import numpy as np

from zerodl.layers.base import Layer


class BatchNormalization(Layer):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta   (Ioffe and Szegedy, 2015).

    While training, mean and var are those of the mini-batch, and running averages of them are
    kept; at test time (train=False) the running averages are used, so that a prediction does not
    depend on the other samples in its batch.

    After an Affine layer the statistics are per feature, over the batch axis; after a
    convolution they are per channel, over the batch and both spatial axes (not over C*H*W, as
    the book's code does), which is what a convolution's shared weights call for.

    Args:
        num_features: D for (N, D) inputs, or C for (N, C, H, W) inputs.
        momentum: weight of the old running average in each update.
        eps: added to the variance to avoid dividing by zero.

    Keeps the book's `batch_size`, `xc` (x - mean), `xn` (xc / std) and `std`; `running_mean` and
    `running_var` are the book's names for buffers["running_mean"] and ["running_var"].

    Shape: x (N, D) or (N, C, H, W); y has x's shape; gamma, beta (D,) or (C,).
    """

    def __init__(self, num_features, momentum=0.9, eps=1e-5, *, dtype=np.float32):
        super().__init__()
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")
        self.num_features = int(num_features)
        self.momentum, self.eps = float(momentum), float(eps)
        self.params["gamma"] = np.ones(self.num_features, dtype=dtype)
        self.params["beta"] = np.zeros(self.num_features, dtype=dtype)
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        self.buffers["running_mean"] = np.zeros(self.num_features, dtype=dtype)
        self.buffers["running_var"] = np.ones(self.num_features, dtype=dtype)

    def forward(self, x, train=True):
        if x.ndim == 4:
            self._check_input(x, (self.num_features, None, None))
            axes, shape = (0, 2, 3), (1, -1, 1, 1)  # statistics per channel
        else:
            self._check_input(x, (self.num_features,))
            axes, shape = (0,), (1, -1)  # statistics per feature
        self._axes, self._train = axes, train
        self.batch_size = len(x)
        gamma = self.params["gamma"].reshape(shape)
        beta = self.params["beta"].reshape(shape)

        if train:
            mean = x.mean(axis=axes, keepdims=True)
            xc = x - mean
            var = (xc * xc).mean(axis=axes, keepdims=True)
            m = self.momentum
            self.buffers["running_mean"] *= m
            self.buffers["running_mean"] += (1 - m) * mean.reshape(-1)
            self.buffers["running_var"] *= m
            self.buffers["running_var"] += (1 - m) * var.reshape(-1)
        else:
            xc = x - self.buffers["running_mean"].reshape(shape)
            var = self.buffers["running_var"].reshape(shape)
        self.xc = xc
        self.std = np.sqrt(var + self.eps)
        self.xn = xc / self.std
        self._gamma = gamma
        return gamma * self.xn + beta

    def backward(self, dout):
        axes = self._axes
        self.grads["beta"][...] = dout.sum(axis=axes)
        self.grads["gamma"][...] = (dout * self.xn).sum(axis=axes)
        dxn = dout * self._gamma
        if not self._train:  # the running statistics are constants
            return dxn / self.std
        # The batch mean and variance depend on every x, which adds the two mean terms.
        dx = dxn - dxn.mean(axis=axes, keepdims=True)
        dx -= self.xn * (dxn * self.xn).mean(axis=axes, keepdims=True)
        return dx / self.std

    @property
    def running_mean(self):
        """The book's name for buffers["running_mean"]."""
        return self.buffers["running_mean"]

    @property
    def running_var(self):
        """The book's name for buffers["running_var"]."""
        return self.buffers["running_var"]

    def get_config(self):
        return {
            "num_features": self.num_features,
            "momentum": self.momentum,
            "eps": self.eps,
            "dtype": np.dtype(self.params["gamma"].dtype).name,
        }
