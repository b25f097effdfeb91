"""The twin of programs/ch08/train_deepnet.py: a Sequential of zerodl's layers with the weights
the book-style class draws, zerodl's Trainer with Adam."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.layers import Affine, Convolution, Dropout, Pooling, ReLU, SoftmaxWithLoss  # noqa: E402
from zerodl.networks import Sequential  # noqa: E402
from zerodl.trainer import Trainer  # noqa: E402

CONVOLUTIONS = [(8, 1), (8, 1), (16, 1), (16, 2), (32, 1), (32, 1)]  # (filters, pad)


def deep_conv_net(rs, rng):
    layers, channels, size = [], 1, 28
    for i, (filters, pad) in enumerate(CONVOLUTIONS):
        W = np.sqrt(2.0 / (channels * 9)) * rs.randn(filters, channels, 3, 3)
        layers += [Convolution.from_arrays(W, np.zeros(filters), 1, pad), ReLU()]
        size += 2 * pad - 2
        if i % 2 == 1:
            layers.append(Pooling(2, 2, stride=2))
            size //= 2
        channels = filters
    flat = channels * size * size
    W7 = np.sqrt(2.0 / flat) * rs.randn(flat, 50)
    W8 = np.sqrt(2.0 / 50) * rs.randn(50, 10)
    layers += [
        Affine.from_arrays(W7, np.zeros(50)),
        ReLU(),
        Dropout(0.5, seed=rng),
        Affine.from_arrays(W8, np.zeros(10)),
        Dropout(0.5, seed=rng),
        SoftmaxWithLoss(),
    ]
    return Sequential(layers)


def main(out=None):
    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
    rs, rng = legacy_stream(8)
    network = deep_conv_net(rs, rng)
    trainer = Trainer(
        network, "adam", optimizer_param={"lr": 0.001}, batch_size=50, seed=rng, verbose=False
    )
    history = trainer.fit(
        x_train[:300],
        t_train[:300],
        1,
        validation_data=(x_test[:100], t_test[:100]),
        evaluate_sample_num_per_epoch=100,
    )
    results = {
        "train_loss_list": history["step_loss"],
        "train_acc_list": history["acc"],
        "test_acc_list": history["val_acc"],
        "W1": network.params["W1"][0, 0].tolist(),
    }
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
