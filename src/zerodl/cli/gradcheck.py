"""zerodl gradcheck: backprop against numerical gradients, on a small instance of each model."""

import time

from zerodl.cli.common import count, pad, say, seed
from zerodl.gradient import gradcheck
from zerodl.i18n import N_, _
from zerodl.networks import registry

HELP = N_(
    "Compare backpropagation with numerical gradients on a small instance of each model, "
    "in float64: a table of the maximum relative error per parameter."
)
EXAMPLES = N_("""\
examples:
  zerodl gradcheck
  zerodl gradcheck --model deep_cnn --sample 20""")


WIDTHS = (12, 8, 18, 16)  # of the table's columns: model, array, shape, max rel. error


def add_arguments(parser):
    models = (*registry.MODELS, "all")
    parser.add_argument("--model", choices=models, default="all", help=_("default all"))
    parser.add_argument("--sample", type=count, help=_("check N random elements per array"))
    parser.add_argument("--seed", type=seed, default=0, help=_("seed of the weights and data (0)"))
    parser.add_argument(
        "--tolerance", type=float, default=1e-6, help=_("largest error passed (1e-6)")
    )


def run(args):
    models = tuple(registry.MODELS) if args.model == "all" else (args.model,)
    headings = (_("model"), _("array"), _("shape"), _("max rel. error"))
    print("".join(pad(h, w, right=i == 3) for i, (h, w) in enumerate(zip(headings, WIDTHS))))
    worst, failed, checked = 0.0, [], 0
    for model in models:
        network, x, t = registry.small(model, seed=args.seed)
        sample = args.sample if args.sample is not None else (20 if model == "deep_cnn" else None)
        start = time.perf_counter()
        errors = gradcheck(network, x, t, sample=sample, seed=args.seed, verbose=False)
        for name, error in errors.items():
            shape = x.shape if name == "x" else network.params[name].shape
            mark = "" if error < args.tolerance else "  " + _("FAIL")
            print(f"{model:<12}{name:<8}{str(shape):<18}{error:>16.2e}{mark}")
            worst, checked = max(worst, error), checked + 1
            if error >= args.tolerance:
                failed.append(f"{model}.{name}")
        seconds = f"{time.perf_counter() - start:.1f}s"
        if sample:
            line = _("{model}: {seconds} ({sample} sampled elements per array)")
        else:
            line = _("{model}: {seconds}")
        say(line.format(model=model, seconds=seconds, sample=sample))
    if failed:
        print(
            _("{failed} of {checked} gradients disagree (tolerance {tolerance}):").format(
                failed=len(failed), checked=checked, tolerance=f"{args.tolerance:g}"
            )
        )
        print("  " + ", ".join(failed))
        return 1
    print(
        _("all {checked} gradients agree: max relative error {worst} < {tolerance}").format(
            checked=checked, worst=f"{worst:.1e}", tolerance=f"{args.tolerance:g}"
        )
    )
    return 0
