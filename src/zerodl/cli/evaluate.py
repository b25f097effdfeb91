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
    warning_line,
)
from zerodl.fonts import picture_text
from zerodl.functions import cross_entropy_error
from zerodl.i18n import N_, _
from zerodl.images import class_names
from zerodl.metrics import confusion_matrix, format_confusion_matrix
from zerodl.plots import image_grid, plot_confusion_matrix

HELP = N_(
    "Test accuracy and loss, per-class accuracy, the confusion matrix (printed and as PNG) "
    "and a PNG grid of misclassified test images."
)
EXAMPLES = N_("""\
examples:
  zerodl evaluate runs/latest                   # best.npz of the run
  zerodl evaluate runs/latest/last.npz --out report/""")


def add_arguments(parser):
    add_model_arguments(parser)
    data_options(parser)
    parser.add_argument("--limit", type=count, help=_("evaluate on the first N test images only"))
    parser.add_argument(
        "--out", type=folder, help=_("folder for the PNGs (default: the checkpoint's folder)")
    )
    parser.add_argument("--show", type=int, default=36, help=_("misclassified images to draw (36)"))


def run(args):
    model = load_model(args)
    network = model.network
    trained_on = model.dataset
    dataset = args.dataset or trained_on
    check_image_network(network, model.path)
    if dataset != trained_on:
        message = _(
            "{path} was trained on {trained_on}, not {dataset}: expect meaningless scores; the "
            "pictures are named after the dataset"
        )
        say(warning_line(message.format(path=model.path, trained_on=trained_on, dataset=dataset)))
    data_dir = args.data_dir or (model.extra.get("config") or {}).get("data_dir")
    flat = takes_flat_input(network)
    _training, (x_test, t_test) = load_data(dataset, flat, data_dir, args.limit)

    probs = network.predict_proba(x_test)  # (N, K)
    predicted = probs.argmax(axis=1)
    k = probs.shape[1]
    names = class_names(dataset, k)
    cm = confusion_matrix(t_test, predicted, k)
    accuracy = float(np.mean(predicted == t_test))
    loss = cross_entropy_error(probs, t_test)

    if model.epoch:
        line = _("{network} from {path}, epoch {epoch}")
    else:
        line = _("{network} from {path}")
    print(line.format(network=type(network).__name__, path=model.path, epoch=model.epoch))
    print(
        _("{dataset} test set: {images} images").format(dataset=dataset, images=f"{len(x_test):,}")
    )
    print(  # no weight decay term
        _("test accuracy {accuracy}  cross-entropy {loss}").format(
            accuracy=f"{accuracy:.4f}", loss=f"{loss:.4f}"
        )
    )
    print(_("per-class accuracy:"))
    width = max(len(n) for n in names)
    for i, name in enumerate(names):
        total = int(cm[i].sum())
        share = f"{cm[i, i] / total:.4f}" if total else "   -  "
        print(f"  {name:>{width}}  {share}  ({int(cm[i, i])}/{total})")
    print(_("confusion matrix (rows: true class, columns: predicted class):"))
    print(format_confusion_matrix(cm, names))

    out = output_folder(args.out, model)
    # The pictures of the training dataset keep their plain names; another's never replace them.
    suffix = "" if dataset == trained_on else f"-{dataset}"
    written = [plot_confusion_matrix(cm, out / f"confusion_matrix{suffix}.png", labels=names)]
    wrong = np.flatnonzero(predicted != t_test)[: max(args.show, 0)]
    if len(wrong):
        images = x_test[wrong].reshape(len(wrong), 28, 28)
        titles = [
            picture_text(N_("true {true}\npred {predicted} {probability}")).format(
                true=names[t_test[i]],
                predicted=names[predicted[i]],
                probability=f"{probs[i].max():.0%}",
            )
            for i in wrong
        ]
        written.append(
            image_grid(
                images,
                out / f"misclassified{suffix}.png",
                titles=titles,
                normalize=None,
                title=picture_text(N_("{wrong} misclassified of {images}")).format(
                    wrong=int((predicted != t_test).sum()), images=len(x_test)
                ),
            )
        )
    say(_("wrote {paths}").format(paths=", ".join(str(p) for p in written)))
    return 0
