"""zerodl compare: the chapter 6 experiments (optimisers, weight initialisations) on MNIST."""

from pathlib import Path

from zerodl import experiments
from zerodl.cli.common import count, data_options, folder, load_data, say, seed
from zerodl.i18n import N_, _

HELP = N_(
    "The chapter 6 experiments on MNIST: optimisers (SGD, Momentum, AdaGrad, RMSProp, Adam) "
    "or weight initialisations (std 0.01, Xavier, He), one PNG each and a table of final "
    "losses."
)
EXAMPLES = N_("""\
examples:
  zerodl compare optimizers
  zerodl compare init --iterations 500 --out figs""")

# The library's names of the arguments the options set: its errors then name the options.
OPTIONS = {"iterations": "--iterations", "batch_size": "--batch-size"}
EXPERIMENTS = {
    "optimizers": experiments.compare_optimizers,
    "init": experiments.compare_initializations,
}


def add_arguments(parser):
    parser.add_argument("experiment", choices=tuple(EXPERIMENTS), help=_("which experiment"))
    parser.add_argument("--iterations", type=count, default=2000, help=_("training steps (2000)"))
    parser.add_argument("--batch-size", type=count, default=128, help=_("samples per step (128)"))
    parser.add_argument("--seed", type=seed, default=0, help=_("seed (0)"))
    parser.add_argument(
        "--out", type=folder, default=".", help=_("folder for the PNG (default: here)")
    )
    data_options(parser, dataset=False)


def run(args):
    (x_train, t_train), _test = load_data("mnist", True, args.data_dir)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"compare_{args.experiment}.png"
    say(
        _("{steps} steps each, batch {batch} ...").format(
            steps=args.iterations, batch=args.batch_size
        )
    )
    losses = EXPERIMENTS[args.experiment](  # checks --iterations and --batch-size
        x_train,
        t_train,
        iterations=args.iterations,
        batch_size=args.batch_size,
        seed=args.seed,
        path=path,
    )
    print(experiments.final_loss_table(losses))
    say(_("wrote {paths}").format(paths=path))
    return 0
