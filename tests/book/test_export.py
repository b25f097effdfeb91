"""save_network: a network a book script built and trained, as a zerodl checkpoint that zerodl
evaluate/predict/serve read, without any pickle file (the params.pkl way, issue 22)."""

import shutil
import textwrap
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import zerodl
from zerodl.book import save_network
from zerodl.book.common import layers
from zerodl.cli import main

PROGRAMS = Path(__file__).resolve().parent / "programs"


def test_a_book_script_saves_its_network_and_zerodl_predict_reads_it(tmp_path, capsys):
    """A ch07 SimpleConvNet written the book's way (whose own save_params would pickle), saved
    with two lines at the end of the script, then read by zerodl predict and the server's
    Predictor."""
    from PIL import Image, ImageDraw

    (tmp_path / "ch07").mkdir()
    shutil.copy(PROGRAMS / "ch07" / "simple_convnet.py", tmp_path / "ch07")
    script = tmp_path / "ch07" / "save_it.py"
    script.write_text(
        textwrap.dedent("""\
        import sys, os
        sys.path.append(os.pardir)
        import numpy as np
        from simple_convnet import SimpleConvNet
        np.random.seed(0)
        network = SimpleConvNet(input_dim=(1, 28, 28), hidden_size=20, output_size=10)
        x = np.random.rand(5, 1, 28, 28)
        np.save("x.npy", x)
        np.save("scores.npy", network.predict(x))
        from zerodl.book import save_network
        save_network(network, "convnet.npz")
        """)
    )
    assert main(["book", str(script)]) == 0
    folder = tmp_path / "ch07"
    assert not list(folder.glob("*.pkl"))
    network = zerodl.load(folder / "convnet.npz")  # no pickle anywhere: a zerodl checkpoint
    x, scores = np.load(folder / "x.npy"), np.load(folder / "scores.npy")
    np.testing.assert_allclose(network.predict(x), scores, rtol=1e-10, atol=1e-12)

    image = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(image).line([(80, 70), (200, 70), (120, 220)], fill=0, width=22)
    image.save(tmp_path / "seven.png")
    capsys.readouterr()
    assert main(["predict", str(folder / "convnet.npz"), str(tmp_path / "seven.png")]) == 0
    assert "seven.png" in capsys.readouterr().out
    from zerodl.serve import Predictor

    answer = Predictor(network, name="convnet").predict_pixels([0.0] * 784)
    assert len(answer["probabilities"]) == 10


def test_a_layer_that_is_not_served_by_zerodl_is_refused(tmp_path):
    class OwnRelu:  # a learner's own common/layers.py (zerodl book --own common)
        def forward(self, x):
            return np.maximum(x, 0)

    class Net:
        def __init__(self):
            self.layers = OrderedDict(
                Affine1=layers.Affine(np.ones((4, 3)), np.zeros(3)), Relu1=OwnRelu()
            )
            self.last_layer = layers.SoftmaxWithLoss()

    with pytest.raises(TypeError, match="layer Relu1 is .*OwnRelu, not one of the layers"):
        save_network(Net(), tmp_path / "net.npz")
    assert not (tmp_path / "net.npz").exists()


def test_a_multi_layer_net_served_by_zerodl_is_saved_as_it_is(tmp_path):
    from zerodl.book.common.multi_layer_net import MultiLayerNet

    network = MultiLayerNet(784, [20], 10)
    path = save_network(network, tmp_path / "mlp.npz")
    x = np.random.default_rng(0).random((3, 784))
    np.testing.assert_allclose(zerodl.load(path).predict(x), network.predict(x))
