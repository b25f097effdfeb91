"""The twin of programs/ch06/hyperparameter_optimization.py: the same split and draws, zerodl's
MultiLayerNet with weight decay and zerodl's Trainer."""

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
    (x, t), _ = load_mnist()
    rs, rng = legacy_stream(5)
    order = rng.permutation(500)
    x, t = x[:500][order], t[:500][order]
    x_val, t_val, x_train, t_train = x[:100], t[:100], x[100:], t[100:]
    trials = []
    for _ in range(4):
        weight_decay = 10 ** rs.uniform(-8, -4)
        lr = 10 ** rs.uniform(-3, -1)
        network = MultiLayerNet(
            784, [100] * 3, 10, weight_decay_lambda=weight_decay, seed=rng, dtype=np.float64
        )
        trainer = Trainer(
            network, "sgd", optimizer_param={"lr": lr}, batch_size=100, seed=rng, verbose=False
        )
        history = trainer.fit(x_train, t_train, 4, validation_data=(x_val, t_val))
        trials.append(
            {
                "lr": lr,
                "weight_decay": weight_decay,
                "val_acc_list": history["val_acc"],
                "train_acc_list": history["acc"],
            }
        )
    results = {"trials": trials, "validation_labels": t_val.tolist()}
    if out:
        Path(out).write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(*sys.argv[1:])
