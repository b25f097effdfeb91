"""``python -m zerodl``: the same as the ``zerodl`` command."""

from zerodl.cli import main

raise SystemExit(main())
