"""zerodl gradcheck: backprop against numerical gradients, on a small instance of each model."""

import time

from zerodl.cli.common import count, say, seed
from zerodl.gradient import gradcheck
from zerodl.networks import registry

HELP = (
    "Compare backpropagation with numerical gradients on a small instance of each model, "
    "in float64: a table of the maximum relative error per parameter."
)
EXAMPLES = """\
examples:
  zerodl gradcheck
  zerodl gradcheck --model deep_cnn --sample 20"""


def add_arguments(parser):
    models = (*registry.MODELS, "all")
    parser.add_argument("--model", choices=models, default="all", help="default all")
    parser.add_argument("--sample", type=count, help="check N random elements per array")
    parser.add_argument("--seed", type=seed, default=0, help="seed of the weights and data (0)")
    parser.add_argument("--tolerance", type=float, default=1e-6, help="largest error passed (1e-6)")


def run(args):
    models = tuple(registry.MODELS) if args.model == "all" else (args.model,)
    print(f"{'model':<12}{'array':<8}{'shape':<18}{'max rel. error':>16}")
    worst, failed, checked = 0.0, [], 0
    for model in models:
        network, x, t = registry.small(model, seed=args.seed)
        sample = args.sample if args.sample is not None else (20 if model == "deep_cnn" else None)
        start = time.perf_counter()
        errors = gradcheck(network, x, t, sample=sample, seed=args.seed, verbose=False)
        for name, error in errors.items():
            shape = x.shape if name == "x" else network.params[name].shape
            mark = "" if error < args.tolerance else "  FAIL"
            print(f"{model:<12}{name:<8}{str(shape):<18}{error:>16.2e}{mark}")
            worst, checked = max(worst, error), checked + 1
            if error >= args.tolerance:
                failed.append(f"{model}.{name}")
        note = f" ({sample} sampled elements per array)" if sample else ""
        say(f"{model}: {time.perf_counter() - start:.1f}s{note}")
    if failed:
        print(f"{len(failed)} of {checked} gradients disagree (tolerance {args.tolerance:g}): ")
        print("  " + ", ".join(failed))
        return 1
    print(f"all {checked} gradients agree: max relative error {worst:.1e} < {args.tolerance:g}")
    return 0
