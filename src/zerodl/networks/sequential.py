"""Sequential: a network that is a stack of layers ending in a loss layer.

Every network of zerodl is one of these. It gives the book's face to any stack of layers:

    network.params                  # {"W1": ..., "b1": ..., "gamma1": ..., "W2": ...}
    network.predict(x)              # scores (N, K)
    network.loss(x, t)              # a float
    network.gradient(x, t)          # {"W1": dL/dW1, ...}, by backpropagation
    network.numerical_gradient(x, t)
    network.accuracy(x, t)

`params` holds the layers' own arrays, so an optimiser that updates them in place changes what
the network computes.
"""

import numpy as np

from zerodl import checkpoint_file
from zerodl._html import html_table
from zerodl.errors import ArgumentError
from zerodl.gradient import numerical_gradient
from zerodl.layers import LAYERS
from zerodl.layers.softmax_loss import check_labels
from zerodl.metrics import count_correct


class Sequential:
    """A stack of layers; the last one is the loss layer (SoftmaxWithLoss).

    Args:
        layers: the layers in order, the loss layer last.
        weight_decay_lambda: L2 weight decay; 0.5 * lambda * sum(W**2) over every weight "W"
            enters the loss, and lambda * W enters its gradient.
        input_shape: the shape of one sample, e.g. (784,) or (1, 28, 28); used by summary().

    Parameters are named as in the book, numbered in layer order per kind: the first layer
    holding a "W" gives "W1" and "b1", the first batch norm "gamma1" and "beta1", and so on.
    Batch norm's running statistics are `buffers` ("running_mean1", ...), saved by checkpoints.
    """

    def __init__(self, layers, *, weight_decay_lambda=0.0, input_shape=None):
        self.layers = list(layers)
        if not self.layers or not hasattr(self.layers[-1], "forward"):
            raise ValueError("a Sequential network needs at least a loss layer")
        if weight_decay_lambda < 0:
            raise ArgumentError(
                "weight_decay_lambda",
                weight_decay_lambda,
                "must be >= 0",
                f"weight_decay_lambda must be >= 0, got {weight_decay_lambda!r}",
            )
        self.weight_decay_lambda = float(weight_decay_lambda)
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        # Training never uses dL/dx of the data itself, and a first convolution can skip it
        # (as PyTorch does for an input that needs no gradient). gradcheck sets this to True.
        self.need_input_gradient = False
        self._name_parameters()

    def _name_parameters(self):
        self.params, self.buffers, self._where = {}, {}, {}
        count = {}
        for layer in self.layers:
            keys = list(layer.params) + list(layer.buffers)
            # A layer's number is that of its first key ("W" for Affine, "gamma" for batch norm).
            if not keys:
                continue
            number = count[keys[0]] = count.get(keys[0], 0) + 1
            for key in layer.params:
                self.params[f"{key}{number}"] = layer.params[key]
                self._where[f"{key}{number}"] = (layer, key)
            for key in layer.buffers:
                self.buffers[f"{key}{number}"] = layer.buffers[key]
        first = next(iter(self.params.values()), None)
        self.dtype = first.dtype if first is not None else np.dtype(np.float32)

    @property
    def loss_layer(self):
        return self.layers[-1]

    def predict(self, x, train=False):
        """Scores (N, K) for x; train=True uses dropout and batch statistics as in training."""
        x = np.asarray(x, dtype=self.dtype)  # no copy when x already has the network's dtype
        for layer in self.layers[:-1]:
            x = layer.forward(x, train=train)
        return x

    def predict_proba(self, x, batch_size=1000):
        """Class probabilities (N, K): the softmax of the scores, in batches."""
        return np.concatenate(
            [
                self.loss_layer.forward(self.predict(x[i : i + batch_size]))
                for i in range(0, len(x), batch_size)
            ]
        )

    def loss(self, x, t, train=True):
        """The mean loss of the batch, plus the weight-decay term.

        The scores are kept in `last_scores`, so that a trainer can count correct answers
        without a second forward pass.
        """
        scores = self.last_scores = self.predict(x, train=train)
        return self.loss_layer.forward(scores, t) + self._weight_decay_loss()

    def _weight_decay_loss(self):
        if not self.weight_decay_lambda:
            return 0.0
        total = sum(float(np.sum(w * w)) for name, w in self._weights())
        return 0.5 * self.weight_decay_lambda * total

    def _weights(self):
        return [(name, self.params[name]) for name, (_, key) in self._where.items() if key == "W"]

    def gradient(self, x, t):
        """Gradients of the training loss for every parameter, by backpropagation.

        Returns a dict shaped like `params`. Its arrays are the layers' own gradient arrays,
        overwritten by the next call. The loss of this batch is kept in `last_loss`, and the
        gradient with respect to x in `input_gradient` (None where the first layer skips it,
        unless `need_input_gradient` is True).
        """
        first = self.layers[0]
        if hasattr(first, "needs_input_grad"):
            first.needs_input_grad = self.need_input_gradient
        self.last_loss = self.loss(x, t, train=True)
        dout = self.loss_layer.backward(1.0)
        for layer in reversed(self.layers[:-1]):
            dout = layer.backward(dout)
        self.input_gradient = dout
        grads = {name: layer.grads[key] for name, (layer, key) in self._where.items()}
        if self.weight_decay_lambda:  # d(lambda/2 * ||W||^2)/dW = lambda * W
            for name, w in self._weights():
                grads[name] += self.weight_decay_lambda * w
        return grads

    def numerical_gradient(self, x, t, h=1e-4):
        """Gradients by central differences: slow, obviously right, for checking `gradient`."""
        x = np.asarray(x, dtype=self.dtype)

        def loss_of(_):
            return self.loss(x, t, train=True)

        return {name: numerical_gradient(loss_of, p, h) for name, p in self.params.items()}

    def accuracy(self, x, t, batch_size=100):
        """The fraction of samples whose highest score is the true class (all N counted)."""
        n = len(x)
        if n == 0:
            raise ValueError("accuracy of an empty set of samples is undefined")
        t = np.asarray(t)
        if t.ndim == 2:
            t = t.argmax(axis=1)
        correct = 0
        for i in range(0, n, batch_size):
            scores = self.predict(x[i : i + batch_size])
            labels = check_labels(t[i : i + batch_size], scores.shape)
            correct += count_correct(scores, labels)
        return correct / n

    def astype(self, dtype):
        """Cast every layer's parameters, gradients and buffers (float64 for gradient checks)."""
        for layer in self.layers:
            layer.astype(dtype)
        self._name_parameters()
        return self

    def summary_rows(self, input_shape=None):
        """([(layer name, output shape, parameter count), ...], total parameter count): the
        table that `summary` prints and a notebook shows (shape "?" without an input shape)."""
        shape = tuple(input_shape) if input_shape is not None else self.input_shape
        rows, total = [], 0
        for layer in self.layers:
            if shape is not None:
                shape = tuple(layer.output_shape(shape))
            count = sum(int(p.size) for p in layer.params.values())
            total += count
            out = "(N, " + ", ".join(map(str, shape)) + ")" if shape is not None else "?"
            rows.append((type(layer).__name__, out, count))
        return rows, total

    def summary(self, input_shape=None, file=None):
        """Print (and return) each layer, its output shape and its parameter count."""
        layers, total = self.summary_rows(input_shape)
        rows = [("Layer", "Output shape", "Params")]
        rows += [(name, out, f"{count:,}") for name, out, count in layers]
        width = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"{a:<{width[0]}}  {b:<{width[1]}}  {c:>{width[2]}}" for a, b, c in rows]
        rule = "-" * len(lines[0])
        text = "\n".join(
            [f"{type(self).__name__}", rule, lines[0], rule, *lines[1:], rule]
            + [f"Total parameters: {total:,}"]
        )
        print(text, file=file)
        return text

    def _repr_html_(self):
        """The summary as an HTML table, which Jupyter shows for a network."""
        layers, total = self.summary_rows()
        return html_table(
            ("Layer", "Output shape", "Params"),
            [(name, out, f"{count:,}") for name, out, count in layers],
            caption=f"{type(self).__name__}: {total:,} parameters ({np.dtype(self.dtype).name})",
            right=(2,),
        )

    def save_params(self, file_name="params.npz"):
        """The book's save_params: write the parameters (and batch-norm statistics) to a file.

        The file is a zerodl checkpoint (.npz with JSON metadata, never pickle); zerodl.load
        can rebuild the whole network from it.
        """
        checkpoint_file.save_params(self, file_name)

    def load_params(self, file_name="params.npz"):
        """The book's load_params: read parameters saved by save_params into this network."""
        checkpoint_file.load_params(self, file_name)

    def get_config(self):
        """The architecture as JSON-friendly data: enough to rebuild it with from_config."""
        return {
            "layers": [
                {"type": type(layer).__name__, "config": layer.get_config()}
                for layer in self.layers
            ],
            "weight_decay_lambda": self.weight_decay_lambda,
            "input_shape": list(self.input_shape) if self.input_shape else None,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a Sequential from get_config()'s output (fresh, untrained parameters).

        Args:
            config: what get_config() returned (a checkpoint keeps it as JSON).
            custom_objects: your own layer classes by class name, e.g. {"LeakyReLU": LeakyReLU},
                for layers that are not zerodl's (zerodl.layers.LAYERS); yours come first.

        Example:
            >>> net = Sequential.from_config(config, custom_objects={"LeakyReLU": LeakyReLU})
        """
        custom_objects = custom_objects or {}
        layers = []
        for spec in config["layers"]:
            name = spec["type"]
            layer_class = custom_objects.get(name) or LAYERS.get(name)
            if layer_class is None:
                raise ValueError(
                    f"unknown layer type {name!r}: not one of zerodl's layers. If {name} is your "
                    f"own class, pass it as custom_objects={{{name!r}: {name}}}"
                )
            layers.append(layer_class(**spec["config"]))
        return cls(
            layers,
            weight_decay_lambda=config.get("weight_decay_lambda", 0.0),
            input_shape=config.get("input_shape"),
        )

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"{type(self).__name__}([\n  {inner}\n])"


class ConfiguredNetwork(Sequential):
    """A Sequential that a subclass builds from its constructor arguments, kept in `config`.

    Those arguments are the whole architecture, so get_config returns them (with the dtype) and
    from_config calls the constructor with them again.
    """

    config: dict

    def get_config(self):
        return {**self.config, "dtype": np.dtype(self.dtype).name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # The constructor's arguments are the whole architecture: no layer types to look up,
        # so custom_objects (there for the same signature as Sequential's) is not needed.
        return cls(**config)
