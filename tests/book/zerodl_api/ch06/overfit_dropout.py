"""The twin of programs/ch06/overfit_dropout.py: zerodl's MultiLayerNet(use_dropout=True) and
zerodl's Trainer, seeded with the script's stream."""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from legacy_seed import legacy_stream  # noqa: E402

from zerodl.datasets import load_mnist  # noqa: E402
from zerodl.networks import MultiLayerNet  # noqa: E402
from zerodl.trainer import Trainer  # noqa: E402


def main(out=None):
    (x_train, t_train), (x_test, t_test) = load_mnist()
    _, rng = legacy_stream(2)
    network = MultiLayerNet(
        784, [100] * 6, 10, use_dropout=True, dropout_ratio=0.2, seed=rng, dtype=np.float64
    )
    trainer = Trainer(
        network, "sgd", optimizer_param={"lr": 0.1}, batch_size=100, seed=rng, verbose=False
    )
    history = trainer.fit(
        x_train[:300], t_train[:300], 10, validation_data=(x_test[:500], t_test[:500])
    )
    results = {
        "train_acc_list": history["acc"],
        "test_acc_list": history["val_acc"],
        "train_loss_list": history["step_loss"],
    }
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
