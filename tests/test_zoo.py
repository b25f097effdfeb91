"""zerodl.zoo: trained networks shipped with zerodl as float16 checkpoints with a model card;
the slow test scores every shipped model on the real test set against its card."""

import json

import numpy as np
import pytest

import zerodl
from mnist_fakes import write_fake_dataset
from zerodl import zoo
from zerodl.checkpoint_file import read_meta
from zerodl.cli import main
from zerodl.datasets import load_dataset

SHIPPED = ("fashion-cnn", "mnist-cnn", "mnist-mlp")  # what the README promises
FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip
MAX_BYTES = 2 * 1024 * 1024


@pytest.fixture
def tiny_run(tmp_path, monkeypatch, capsys):
    """A run of `zerodl train` with a validation split on a fake MNIST, and an empty zoo."""
    write_fake_dataset(tmp_path / "data" / "mnist")
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(zoo, "FOLDER", tmp_path / "zoo")
    (tmp_path / "zoo").mkdir()
    argv = ["train", "--model", "mlp", "--hidden", "12", "--epochs", "2", "--batch-size", "10"]
    argv += ["--val-split", "6", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    capsys.readouterr()
    return tmp_path / "run", " ".join(["zerodl", *argv])


def test_export_writes_float16_weights_and_a_card_and_pretrained_computes_in_float32(tiny_run):
    run, command = tiny_run
    x = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    t = np.array([0, 1, 2, 3, 4])
    path = zoo.export(run, "tiny", command, x_test=x, t_test=t)
    assert zoo.available() == ["tiny"]
    meta = read_meta(path)
    assert {p["dtype"] for p in meta["params"]} == {"float16"}  # stored at half the size
    card = zoo.card("tiny")
    test = json.loads((run / "test.json").read_text())
    assert card["command"] == command and card["seed"] == 0 and card["epochs"] == 2
    assert card["test_acc"] == test["test_acc"] and card["val_acc"] == test["val_acc"]
    assert card["zerodl_version"] == zerodl.__version__ and card["stored_dtype"] == "float16"
    network = zerodl.pretrained("tiny")
    assert network.dtype == np.float32
    best = zerodl.load(run / "best.npz")  # the float32 run, rounded to float16 by hand
    for key, value in best.params.items():
        np.testing.assert_array_equal(network.params[key], value.astype(np.float16))
    assert card["test_acc_float16"] == network.accuracy(x, t)


def test_an_unknown_name_lists_the_shipped_ones(tiny_run):
    zoo.export(tiny_run[0], "tiny", tiny_run[1])
    with pytest.raises(ValueError, match="unknown pretrained model 'resnet': choose one of tiny"):
        zerodl.pretrained("resnet")


def test_zerodl_models_lists_the_shipped_models(tiny_run, capsys):
    zoo.export(tiny_run[0], "tiny", tiny_run[1])
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "MultiLayerNet" in out and "2 epochs" in out


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_model_reaches_its_documented_accuracy(name, mnist_dir):
    assert name in zoo.available()
    assert (zoo.FOLDER / f"{name}.npz").stat().st_size < MAX_BYTES
    card = zoo.card(name)
    network = zerodl.pretrained(name)
    folder = mnist_dir if card["dataset"] == "mnist" else mnist_dir.parent / card["dataset"]
    flat = card["network"] == "MultiLayerNet"
    _, (x_test, t_test) = load_dataset(card["dataset"], flatten=flat, data_dir=folder)
    accuracy = network.accuracy(x_test, t_test)
    # The card's figure, to the two images in 10,000 that BLAS's order of sums may flip.
    assert abs(accuracy - card["test_acc_float16"]) <= 2 / len(x_test), (accuracy, card)
    assert abs(card["test_acc_float16"] - card["test_acc"]) <= 0.001  # float16 costs nothing


@pytest.mark.slow
def test_the_shipped_fashion_model_names_clothes_in_predict_and_on_the_served_page(
    mnist_dir, tmp_path, capsys
):
    from PIL import Image

    from zerodl.serve.predictor import Predictor

    folder = mnist_dir.parent / "fashion-mnist"
    _, (x_test, t_test) = load_dataset("fashion-mnist", flatten=False, data_dir=folder)
    network = zerodl.pretrained("fashion-cnn")
    # The first test images it answers correctly: a trouser, a pullover, an ankle boot.
    correct = network.predict(x_test[:50]).argmax(axis=1) == t_test[:50]
    paths = []
    for label in (1, 2, 9):
        i = np.flatnonzero(correct & (t_test[:50] == label))[0]
        path = tmp_path / f"{label}.png"
        Image.fromarray((x_test[i, 0] * 255).round().astype(np.uint8)).save(path)
        paths.append(str(path))
    assert main(["predict", "--pretrained", "fashion-cnn", *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    answers = [line.split(": ", 1)[1].split(" (")[0] for line in lines if ".png: " in line]
    assert answers == ["Trouser", "Pullover", "Ankle boot"]

    served = Predictor(network, name="fashion-cnn", dataset=zoo.card("fashion-cnn")["dataset"])
    assert served.describe()["classes"] == FASHION_CLASSES
