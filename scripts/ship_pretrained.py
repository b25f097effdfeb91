"""Turn the best epoch of a `zerodl train` run into a model that ships with zerodl.

    python scripts/ship_pretrained.py RUN_FOLDER NAME "the exact zerodl train command"

Writes src/zerodl/zoo/NAME.npz (float16 weights, the model card in its metadata) after scoring
the float16 weights on the dataset's test set. The run must have used --val-split, so that its
test accuracy was scored once, at the end (test.json).
"""

import json
import sys
from pathlib import Path

from zerodl import zoo
from zerodl.datasets import load_dataset


def main(run_folder, name, command):
    config = json.loads((Path(run_folder) / "config.json").read_text())
    flat = config["model"] in ("two_layer", "mlp")
    _, (x_test, t_test) = load_dataset(config["dataset"], flatten=flat)
    path = zoo.export(run_folder, name, command, x_test=x_test, t_test=t_test)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    print(json.dumps(zoo.card(name), indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
