"""zerodl models: the trained networks that ship with zerodl, and how well they do."""

from zerodl import zoo

HELP = "List the trained networks that ship with zerodl (use them with --pretrained NAME)."
EXAMPLES = """\
examples:
  zerodl models                       # name, network, test accuracy, how it was trained
  zerodl predict digit.png            # uses mnist-cnn
  zerodl evaluate --pretrained mnist-mlp"""


def add_arguments(parser):
    parser.add_argument("--verbose", action="store_true", help="also print each model's card")


def run(args):
    names = zoo.available()
    if not names:
        print("no trained networks ship with this installation of zerodl")
        return 0
    rows = [("name", "network", "parameters", "dataset", "test accuracy", "trained")]
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
                f"{card['epochs']} epochs, {minutes:.0f} min, seed {card['seed']}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if args.verbose:
        for card in cards:
            print(f"\n{card['name']}:")
            for key, value in card.items():
                print(f"  {key}: {value}")
    return 0
