"""benchmarks/threads.py: a tiny run prints the three zerodl ways and the ratio of two of them."""

import subprocess
import sys
from pathlib import Path

import pytest

THREADS = Path(__file__).resolve().parents[2] / "benchmarks" / "threads.py"


def test_threads_script_times_threads_one_part_and_processes():
    cmd = [sys.executable, str(THREADS), "--workload", "two_layer", "--threads", "2"]
    cmd += ["--rounds", "1", "--steps", "2", "--no-torch"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
    lines = out.splitlines()
    assert lines[0] == "TwoLayerNet 784-50-10, batch 100, 2 threads: median ms per training step"
    labels = [line.rsplit(maxsplit=1)[0].strip() for line in lines[1:4]]
    assert labels == [
        "zerodl, batch 100 on 2 threads",
        "zerodl, batch 50 on 1 thread, alone",
        "zerodl, batch 50 in each of 2 processes at once (the slowest)",
    ]
    threads, one_part, processes = (float(line.split()[-1]) for line in lines[1:4])
    assert min(threads, one_part, processes) > 0
    assert lines[4].startswith("threads / processes: ") and "torch" not in out
    # the ratio of the two printed times (rounded to 0.01 ms: a few % of a TwoLayerNet step)
    assert float(lines[4].split()[3]) == pytest.approx(threads / processes, rel=0.05)


def test_older_workload_name_is_accepted():
    cmd = [sys.executable, str(THREADS), "--workload", "multi_layer", "--threads", "2"]
    cmd += ["--rounds", "1", "--steps", "1", "--no-torch"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
    assert out.startswith("MultiLayerNet 784-100x4-10, batch 100, 2 threads")
