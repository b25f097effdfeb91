"""The programs in benchmarks/ are scripts, not an installed package: put their folder on sys.path.

`python benchmarks/bench.py` finds its modules beside it (workloads, machine, torch_twins) because
Python puts a script's folder first on sys.path; the tests do the same, once, here, so that they
can `import bench` as the script does. Tests that run a program start it as a user would:
`python benchmarks/NAME.py ...` in a subprocess (the BENCHMARKS folder below).
"""

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))
