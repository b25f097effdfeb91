"""The automatic choice of kernels (zerodl.kernels.automatic_mode): "jit" only where Numba is
installed and the CPU has AVX-512F, decided without importing Numba; ZERODL_KERNELS and
use_kernels come first."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from zerodl import kernels
from zerodl.kernels import jit


@pytest.mark.parametrize(
    "installed, avx512f, expected",
    [(True, True, "jit"), (True, False, "fast"), (False, True, "fast"), (False, False, "fast")],
)
def test_jit_only_where_numba_is_installed_and_the_cpu_has_avx512(
    monkeypatch, installed, avx512f, expected
):
    monkeypatch.setattr(jit, "available", lambda: installed)
    monkeypatch.setattr(jit, "cpu_has_avx512f", lambda: avx512f)
    assert kernels.automatic_mode() == expected


@pytest.fixture
def undecided(monkeypatch):
    """No mode chosen yet, as in a fresh process; the suite's own choice is put back after."""
    monkeypatch.setattr(kernels, "_mode", None)
    monkeypatch.delenv(kernels.ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setattr(jit, "available", lambda: True)
    monkeypatch.setattr(jit, "cpu_has_avx512f", lambda: True)


def test_unchosen_the_automatic_mode_is_in_use(undecided):
    assert kernels.kernels_in_use() == "jit"


@pytest.mark.parametrize(
    "value, expected", [("fast", "fast"), ("reference", "reference"), ("", "jit")]
)  # empty: as if unset
def test_zerodl_kernels_comes_before_the_automatic_choice(undecided, monkeypatch, value, expected):
    monkeypatch.setenv(kernels.ENVIRONMENT_VARIABLE, value)
    assert kernels.kernels_in_use() == expected


def test_use_kernels_comes_before_both(undecided, monkeypatch):
    monkeypatch.setenv(kernels.ENVIRONMENT_VARIABLE, "reference")
    assert kernels.use_kernels("fast") == "reference"
    assert kernels.kernels_in_use() == "fast"


def linux_cpu_flags():
    """The flags Linux lists for the CPU: a source independent of NumPy's table."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        pytest.skip("no /proc/cpuinfo flags (not Linux)")


def test_the_cpu_features_are_the_ones_the_kernel_reports():
    """NumPy's table agrees with the flags Linux lists for the CPU."""
    assert jit.cpu_has_avx512f() == ("avx512f" in linux_cpu_flags())


CHOOSE_IN_A_FRESH_PROCESS = """
import json, sys
import numpy as np
import zerodl
from zerodl.layers import ReLU
mode = zerodl.kernels_in_use()
ReLU().forward(np.ones((4, 3)))  # too small for any jit kernel: nothing to compile
print(json.dumps({"mode": mode, "numba": "numba" in sys.modules}))
"""


def test_a_fresh_process_chooses_by_the_rule_and_imports_no_numba():
    env = {k: v for k, v in os.environ.items() if k != kernels.ENVIRONMENT_VARIABLE}
    out = subprocess.run(
        [sys.executable, "-c", CHOOSE_IN_A_FRESH_PROCESS],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    # The rule worked out from other sources than the ones zerodl asks.
    numba_installed = importlib.util.find_spec("numba") is not None
    expected = "jit" if numba_installed and "avx512f" in linux_cpu_flags() else "fast"
    assert seen == {"mode": expected, "numba": False}
