"""A layer and a network written by a user, in the user's own module, without touching zerodl.

They are written here as a learner would write them, by copying one of zerodl's layers: a
parameter-free LeakyReLU (from ReLU) and a Dense layer with parameters (from Affine). They must
work with Sequential, gradcheck, an optimiser, the Trainer, zerodl.save and zerodl.load (told
about them by custom_objects, as Keras is) and resuming training.
"""

from pathlib import Path

import numpy as np
import pytest

import zerodl
from zerodl.checkpoint import CheckpointError, save
from zerodl.gradient import gradcheck
from zerodl.layers import Layer, SoftmaxWithLoss
from zerodl.networks import Sequential
from zerodl.optimizers import Adam
from zerodl.trainer import Trainer, resume


class LeakyReLU(Layer):
    """y = x where x > 0, alpha * x elsewhere.   Shape: any; y has x's shape."""

    def __init__(self, alpha=0.1):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x, train=True):
        self._negative = x <= 0
        return np.where(self._negative, self.alpha * x, x)

    def backward(self, dout):
        return np.where(self._negative, self.alpha * dout, dout)

    def get_config(self):
        return {"alpha": self.alpha}


class Dense(Layer):
    """y = x W + b.   x (N, D); W (D, M); b (M,); y (N, M)."""

    def __init__(self, input_size, output_size, seed=0, dtype="float32"):
        super().__init__()
        self.config = {"input_size": input_size, "output_size": output_size, "seed": seed}
        rng = np.random.default_rng(seed)
        W = rng.normal(0.0, np.sqrt(2.0 / input_size), (input_size, output_size))
        self.params["W"] = W.astype(dtype)
        self.params["b"] = np.zeros(output_size, dtype=dtype)
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}

    def forward(self, x, train=True):
        self._x = x  # (N, D)
        return x @ self.params["W"] + self.params["b"]  # (N, M)

    def backward(self, dout):  # dout (N, M)
        self.grads["W"][...] = self._x.T @ dout  # (D, M)
        self.grads["b"][...] = dout.sum(axis=0)  # (M,)
        return dout @ self.params["W"].T  # (N, D)

    def output_shape(self, input_shape):
        return (self.config["output_size"],)

    def get_config(self):
        return {**self.config, "dtype": np.dtype(self.params["W"].dtype).name}


class LeakyNet(Sequential):
    """The user's own network class: Dense, LeakyReLU, Dense, built from two numbers."""

    def __init__(self, hidden=16, alpha=0.1):
        self.config = {"hidden": hidden, "alpha": alpha}
        layers = [Dense(8, hidden, seed=1), LeakyReLU(alpha), Dense(hidden, 3, seed=2)]
        super().__init__([*layers, SoftmaxWithLoss()], input_shape=(8,))

    def get_config(self):
        return dict(self.config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


CUSTOM = {"LeakyReLU": LeakyReLU, "Dense": Dense, "LeakyNet": LeakyNet}


def blobs(n=150, seed=0):
    """Three Gaussian blobs in 8 dimensions, well apart."""
    centers = np.random.default_rng(2024).normal(0.0, 3.0, (3, 8))
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 3, n)
    return (centers[t] + rng.normal(0.0, 1.0, (n, 8))).astype(np.float32), t


def sequential():
    return Sequential(
        [Dense(8, 6, seed=1), LeakyReLU(0.2), Dense(6, 3, seed=2), SoftmaxWithLoss()],
        input_shape=(8,),
    )


def test_backprop_through_the_users_layers_matches_the_numerical_gradient():
    x, t = blobs(6)
    x[0, :] = -np.abs(x[0, :])  # some inputs on the negative side of LeakyReLU too
    errors = gradcheck(sequential(), x, t, verbose=False)
    assert set(errors) == {"W1", "b1", "W2", "b2", "x"}
    assert max(errors.values()) < 1e-6, errors


def test_the_trainer_and_an_optimiser_train_the_users_layers():
    x, t = blobs()
    network = sequential()
    before = network.params["W1"].copy()
    history = Trainer(network, Adam(lr=0.01), batch_size=30, seed=0, verbose=False).fit(x, t, 8)
    assert not np.array_equal(network.params["W1"], before)  # updated in the layer itself
    assert history["loss"][-1] < history["loss"][0] and history["acc"][-1] > 0.9


@pytest.mark.parametrize("make", [sequential, LeakyNet])
def test_save_and_load_with_custom_objects(tmp_path, make):
    x, _ = blobs(10)
    network = make()
    network.params["b2"][...] = 0.5  # not what a freshly built network holds
    path = zerodl.save(network, tmp_path / "net.npz")

    loaded = zerodl.load(path, custom_objects=CUSTOM)

    assert type(loaded) is type(network)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in network.layers]
    np.testing.assert_array_equal(loaded.predict(x), network.predict(x))


def test_without_custom_objects_the_error_names_the_class_and_the_remedy(tmp_path):
    path = zerodl.save(sequential(), tmp_path / "net.npz")
    with pytest.raises(CheckpointError, match="unknown layer type 'Dense'") as info:
        zerodl.load(path)
    assert "custom_objects={'Dense': Dense}" in str(info.value)

    path = zerodl.save(LeakyNet(), tmp_path / "net.npz")
    with pytest.raises(CheckpointError, match="unknown network class 'LeakyNet'"):
        zerodl.load(path)


def test_from_config_with_custom_objects_rebuilds_the_architecture():
    network = sequential()
    rebuilt = Sequential.from_config(network.get_config(), custom_objects=CUSTOM)
    assert rebuilt.get_config() == network.get_config()
    assert rebuilt.layers[1].alpha == 0.2


def test_training_with_the_users_layers_resumes_exactly(tmp_path):
    x, t = blobs()

    def trainer(network):
        return Trainer(network, "adam", batch_size=30, seed=3, verbose=False)

    straight = trainer(sequential())
    straight.fit(x, t, 2)
    first = trainer(sequential())
    first.fit(x, t, 1)
    save(first.network, tmp_path / "ckpt.npz", trainer=first)

    resumed = resume(tmp_path / "ckpt.npz", custom_objects=CUSTOM, batch_size=30, verbose=False)
    resumed.fit(x, t, 1)
    assert resumed.history["loss"] == straight.history["loss"]
    for key, value in straight.network.params.items():
        np.testing.assert_array_equal(resumed.network.params[key], value, err_msg=key)


def test_a_layer_copied_from_relu_py_runs_its_own_code(tmp_path, monkeypatch):
    """The README's "How to add a layer": copy relu.py, rename the class, change the book's
    method. The copy still asks kernels.find("relu", ...), but zerodl's fast ReLU kernel must
    not replace the learner's forward (its negative outputs would be 0.0)."""
    source = (Path(zerodl.__file__).parent / "layers" / "relu.py").read_text()
    book_method = """        self.mask = x <= 0  # (N, ...) True where the unit is off
        out = x.copy()
        out[self.mask] = 0
        return out"""
    leaky_method = """        self.mask = x <= 0  # (N, ...) True where the unit is off
        out = x.copy()
        out[self.mask] *= 0.1
        return out"""
    assert book_method in source and "dx[self.mask] = 0" in source
    source = source.replace(book_method, leaky_method).replace(
        "dx[self.mask] = 0", "dx[self.mask] *= 0.1"
    )
    (tmp_path / "my_leaky_relu.py").write_text(source.replace("ReLU", "LeakyReLU"))
    monkeypatch.syspath_prepend(str(tmp_path))
    from my_leaky_relu import LeakyReLU as CopiedLeakyReLU

    assert zerodl.kernels_in_use() == "fast"
    layer = CopiedLeakyReLU()
    x = np.random.default_rng(0).standard_normal((64, 8, 16, 16)).astype(np.float32)
    y = layer.forward(x)
    assert layer.kernel is None
    negative = x < 0
    np.testing.assert_allclose(y[negative], 0.1 * x[negative], rtol=1e-6)
    assert (y[negative] != 0.0).all()
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_allclose(dx[negative], 0.1)
