"""benchmarks/serve_latency.py, run as a user runs it: every answer right, the latency reported."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "serve_latency.py"

pytest.importorskip("uvicorn", reason="zerodl serve needs pip install 'zerodl[serve]'")
pytest.importorskip("httpx", reason="the benchmark needs pip install httpx")


@pytest.mark.parametrize("kind", [[], ["--image"]])
def test_the_benchmark_reports_p50_and_p95_of_answers_that_are_all_right(kind):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--requests", "24", "--clients", "4", *kind],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"SimpleConvNet, 24 requests of .* from 4 clients: 24 answered correctly", lines[0]
    )
    assert re.fullmatch(
        r"latency p50 [\d.]+ ms, p95 [\d.]+ ms, max [\d.]+ ms; \d+ requests/s",
        lines[1],
    )
