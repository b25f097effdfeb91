"""The twin of programs/ch07/train_convnet.py: zerodl's SimpleConvNet (float64, the weights the
book-style class draws), zerodl's gradient check and Trainer."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.gradient import numerical_gradient  # noqa: E402
from zerodl.networks import SimpleConvNet  # noqa: E402
from zerodl.trainer import Trainer  # noqa: E402


def simple_conv_net(rs, input_dim, filter_num, filter_size, hidden_size):
    net = SimpleConvNet(
        input_dim,
        {"filter_num": filter_num, "filter_size": filter_size},
        hidden_size,
        10,
        dtype=np.float64,
    )
    for key in ("W1", "W2", "W3"):  # drawn in the book-style order: W1, W2, W3
        net.params[key][...] = 0.01 * rs.randn(*net.params[key].shape)
    return net


def main(out=None):
    (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
    rs, rng = legacy_stream(7)

    checked = simple_conv_net(rs, (1, 10, 10), 4, 3, 10)
    X = rs.rand(100).reshape((1, 1, 10, 10))
    T = np.array([[1]])  # a column of class numbers, as the book-style check writes it
    checked.need_input_gradient = True
    backprop = {k: g.copy() for k, g in checked.gradient(X, T.reshape(1)).items()}
    differences = {}
    for key, p in checked.params.items():
        numerical = numerical_gradient(lambda _: checked.loss(X, T.reshape(1)), p)
        differences[key] = float(np.abs(numerical - backprop[key]).mean())

    network = simple_conv_net(rs, (1, 28, 28), 30, 5, 100)
    trainer = Trainer(
        network, "adam", optimizer_param={"lr": 0.001}, batch_size=100, seed=rng, verbose=False
    )
    history = trainer.fit(
        x_train[:500],
        t_train[:500],
        2,
        validation_data=(x_test[:100], t_test[:100]),
        evaluate_sample_num_per_epoch=100,
    )
    results = {
        "differences": differences,
        "train_loss_list": history["step_loss"],
        "train_acc_list": history["acc"],
        "test_acc_list": history["val_acc"],
        "final_test_acc": network.accuracy(x_test[:100], t_test[:100]),
    }
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
