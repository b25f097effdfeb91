"""Networks to serve: a small untrained CNN and MLP (fast), and a CNN trained on real MNIST."""

import pytest

import zerodl
from zerodl.datasets import load_dataset
from zerodl.networks import MultiLayerNet, SimpleConvNet
from zerodl.serve import Predictor
from zerodl.trainer import Trainer


@pytest.fixture
def cnn():
    return SimpleConvNet(conv_param={"filter_num": 6}, hidden_size=20, seed=0)


@pytest.fixture
def predictor(cnn):
    return Predictor(cnn, name="small-cnn")


@pytest.fixture
def mlp_predictor():
    return Predictor(MultiLayerNet(784, [30], 10, seed=0), name="small-mlp")


@pytest.fixture(scope="session")
def trained_checkpoint(mnist_dir, tmp_path_factory):
    """A SimpleConvNet trained for 2 epochs on 6000 real MNIST images (~94% on the test set),
    saved as a run folder's best.npz; (its path, the test images, their labels)."""
    (x, t), (x_test, t_test) = load_dataset("mnist", flatten=False, data_dir=mnist_dir)
    network = SimpleConvNet(
        conv_param={"filter_num": 8}, hidden_size=50, weight_init_std="he", seed=0
    )
    trainer = Trainer(network, "adam", batch_size=50, seed=0, progress=False, print_fn=print)
    trainer.fit(x[:6000], t[:6000], 2)
    path = tmp_path_factory.mktemp("runs") / "small_cnn-mnist" / "best.npz"
    path.parent.mkdir()
    zerodl.save(network, path, dataset="mnist")
    return path, x_test[:500], t_test[:500]
