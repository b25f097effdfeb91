"""The book's MNIST results, reproduced with zerodl (the same runs as tests/test_mnist_results.py).

    python examples/mnist_results.py              # all three
    python examples/mnist_results.py two_layer    # one of: two_layer, mlp, simple_cnn

The networks, optimisers and learning rates are zerodl's standard models (zerodl.networks.MODELS,
the same ones `zerodl train --model NAME` trains): TwoLayerNet with SGD 0.1, MultiLayerNet
784-100x4-10 (ReLU, He initialisation) and SimpleConvNet (He initialisation; with the book's
std 0.01 it starts slower, about 98.2% after 3 epochs), both with Adam 0.001.
Each run prints one line per epoch (test accuracy as val_acc, seconds per epoch at the end).
"""

import sys

from zerodl.datasets import load_mnist
from zerodl.networks import MODELS
from zerodl.trainer import Trainer

EPOCHS = {"two_layer": 8, "mlp": 5, "simple_cnn": 3}  # model name: epochs to train


def run(name, data_dir=None):
    model = MODELS[name]
    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=model.flat_input, data_dir=data_dir)
    network = model.build(seed=0)
    settings = {"lr": model.lr}
    print(f"--- {name}: {model.title}, {model.optimizer} {settings}, batch 100")
    trainer = Trainer(network, model.optimizer, optimizer_param=settings, batch_size=100, seed=0)
    return trainer.fit(x_train, t_train, EPOCHS[name], validation_data=(x_test, t_test))


if __name__ == "__main__":
    for name in sys.argv[1:] or EPOCHS:
        run(name)
