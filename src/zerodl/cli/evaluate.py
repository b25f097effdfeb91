"""zerodl evaluate: test accuracy, per-class accuracy, confusion matrix, misclassified images."""

import numpy as np

from zerodl.cli.common import (
    add_model_arguments,
    check_image_network,
    count,
    data_options,
    folder,
    load_data,
    load_model,
    output_folder,
    say,
    takes_flat_input,
)
from zerodl.functions import cross_entropy_error
from zerodl.images import class_names
from zerodl.metrics import confusion_matrix, format_confusion_matrix
from zerodl.plots import image_grid, plot_confusion_matrix

HELP = (
    "Test accuracy and loss, per-class accuracy, the confusion matrix (printed and as PNG) "
    "and a PNG grid of misclassified test images."
)
EXAMPLES = """\
examples:
  zerodl evaluate runs/latest                   # best.npz of the run
  zerodl evaluate runs/latest/last.npz --out report/"""


def add_arguments(parser):
    add_model_arguments(parser)
    data_options(parser)
    parser.add_argument("--limit", type=count, help="evaluate on the first N test images only")
    parser.add_argument(
        "--out", type=folder, help="folder for the PNGs (default: the checkpoint's folder)"
    )
    parser.add_argument("--show", type=int, default=36, help="misclassified images to draw (36)")


def run(args):
    model = load_model(args)
    network = model.network
    trained_on = model.dataset
    dataset = args.dataset or trained_on
    check_image_network(network, model.path)
    if dataset != trained_on:
        say(f"warning: {model.path} was trained on {trained_on}, not {dataset}: expect "
            "meaningless scores; the pictures are named after the dataset")  # fmt: skip
    data_dir = args.data_dir or (model.extra.get("config") or {}).get("data_dir")
    _, (x_test, t_test) = load_data(dataset, takes_flat_input(network), data_dir, args.limit)

    probs = network.predict_proba(x_test)  # (N, K)
    predicted = probs.argmax(axis=1)
    k = probs.shape[1]
    names = class_names(dataset, k)
    cm = confusion_matrix(t_test, predicted, k)
    accuracy = float(np.mean(predicted == t_test))
    loss = cross_entropy_error(probs, t_test)

    epoch = f", epoch {model.epoch}" if model.epoch else ""
    print(f"{type(network).__name__} from {model.path}{epoch}")
    print(f"{dataset} test set: {len(x_test):,} images")
    print(f"test accuracy {accuracy:.4f}  cross-entropy {loss:.4f}")  # no weight decay term
    print("per-class accuracy:")
    width = max(len(n) for n in names)
    for i, name in enumerate(names):
        total = int(cm[i].sum())
        share = f"{cm[i, i] / total:.4f}" if total else "   -  "
        print(f"  {name:>{width}}  {share}  ({int(cm[i, i])}/{total})")
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(format_confusion_matrix(cm, names))

    out = output_folder(args.out, model)
    # The pictures of the training dataset keep their plain names; another's never replace them.
    suffix = "" if dataset == trained_on else f"-{dataset}"
    written = [plot_confusion_matrix(cm, out / f"confusion_matrix{suffix}.png", labels=names)]
    wrong = np.flatnonzero(predicted != t_test)[: max(args.show, 0)]
    if len(wrong):
        images = x_test[wrong].reshape(len(wrong), 28, 28)
        titles = [
            f"true {names[t_test[i]]}\npred {names[predicted[i]]} {probs[i].max():.0%}"
            for i in wrong
        ]
        written.append(
            image_grid(
                images,
                out / f"misclassified{suffix}.png",
                titles=titles,
                normalize=None,
                title=f"{int((predicted != t_test).sum())} misclassified of {len(x_test)}",
            )
        )
    say("wrote " + ", ".join(str(p) for p in written))
    return 0
