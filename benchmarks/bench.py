"""Time zerodl next to PyTorch: `python benchmarks/bench.py --help` (the same as `zerodl bench`)."""

from zerodl.benchmark import main

raise SystemExit(main())
