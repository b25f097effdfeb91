"""Every CLI test runs in its own folder; small checkpoints and a fake MNIST to run on."""

import pytest

import zerodl
from mnist_fakes import no_local_data, write_fake_dataset
from zerodl.datasets import download
from zerodl.networks import MultiLayerNet, SimpleConvNet


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, tmp_path_factory, monkeypatch):
    """Every test runs in its own folder, with the user cache in a temporary one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("ZERODL_DEBUG", raising=False)


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """A small random MNIST (30 training, 10 test images) found through ZERODL_DATA."""
    write_fake_dataset(tmp_path / "shared" / "mnist")
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    return tmp_path / "shared" / "mnist"


@pytest.fixture
def no_mnist_anywhere(tmp_path, monkeypatch):
    """No ZERODL_DATA, an empty user cache and system folder, and downloads that fail."""
    no_local_data(tmp_path, monkeypatch)

    def offline(*args, **kwargs):
        raise download.DownloadError("offline in this test", [])

    monkeypatch.setattr(download, "download", offline)


@pytest.fixture
def mlp_checkpoint(tmp_path):
    network = MultiLayerNet(784, [30], 10, seed=0)
    return zerodl.save(network, tmp_path / "mlp.npz", dataset="mnist")


@pytest.fixture
def cnn_checkpoint(tmp_path):
    network = SimpleConvNet(conv_param={"filter_num": 6}, hidden_size=20, seed=0)
    return zerodl.save(network, tmp_path / "cnn.npz", dataset="mnist")
