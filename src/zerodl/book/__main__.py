"""``python -m zerodl.book SCRIPT.py [ARGS...]``: the same as ``zerodl book SCRIPT.py ...``."""

import sys

from zerodl.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["book", *sys.argv[1:]]))
