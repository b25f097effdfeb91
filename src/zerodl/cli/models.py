"""zerodl models: the trained networks that ship with zerodl, and how well they do."""

from zerodl import zoo
from zerodl.cli.common import pad, text_width
from zerodl.i18n import N_, _, translate

HELP = N_("List the trained networks that ship with zerodl (use them with --pretrained NAME).")
EXAMPLES = N_("""\
examples:
  zerodl models                       # name, network, test accuracy, how it was trained
  zerodl predict digit.png            # uses mnist-cnn
  zerodl evaluate --pretrained mnist-mlp""")

HEADINGS = (N_("name"), N_("network"), N_("parameters"), N_("dataset"), N_("test accuracy"),
            N_("trained"))  # fmt: skip


def add_arguments(parser):
    parser.add_argument("--verbose", action="store_true", help=_("also print each model's card"))


def run(args):
    names = zoo.available()
    if not names:
        print(_("no trained networks ship with this installation of zerodl"))
        return 0
    rows = [tuple(translate(heading) for heading in HEADINGS)]
    cards = [zoo.card(name) for name in names]
    for card in cards:
        accuracy = card.get("test_acc_float16", card["test_acc"])
        minutes = card["training_seconds"] / 60
        rows.append(
            (
                card["name"],
                card["network"],
                f"{card['parameters']:,}",
                card["dataset"],
                f"{accuracy:.2%}",
                _("{epochs} epochs, {minutes} min, seed {seed}").format(
                    epochs=card["epochs"], minutes=f"{minutes:.0f}", seed=card["seed"]
                ),
            )
        )
    widths = [max(text_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(pad(cell, width) for cell, width in zip(row, widths)).rstrip())
    if args.verbose:
        for card in cards:
            print(f"\n{card['name']}:")
            for key, value in card.items():
                print(f"  {key}: {value}")
    return 0
