"""What machine and what libraries a benchmark ran on, and how many threads it used.

A figure means little without the processor (AVX-512 or not), NumPy's BLAS and the kernel core
OpenBLAS chose at run time, the environment variables OpenBLAS reads, the load of the machine
and the commit measured. NumPy's BLAS is asked through threadpoolctl, as zerodl.kernels does.
"""

import datetime
import os
import platform
import subprocess
import warnings
from pathlib import Path

import numpy as np

import zerodl
from zerodl import kernels
from zerodl.kernels import threads as zerodl_threads

ENV_VARS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "MALLOC_MMAP_MAX_",
    "MALLOC_TRIM_THRESHOLD_",
    "ZERODL_KERNELS",
)


def blas_threads():
    """How many threads NumPy's BLAS uses (its own answer, through threadpoolctl, when it has one).

    Without a BLAS threadpoolctl knows: OPENBLAS_NUM_THREADS or OMP_NUM_THREADS, else the cores.
    """
    info = zerodl_threads.blas_info()
    if info:
        return int(info["num_threads"])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def set_threads(n):
    """n threads for zerodl's workers and for NumPy's BLAS; False when BLAS cannot be reached."""
    kernels.set_num_threads(n)
    return zerodl_threads.set_blas_threads(n) is not None


def _numpy_blas():
    """The BLAS NumPy was built with (name, version, configuration), as NumPy reports it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
    except Exception:  # older NumPy: no mode="dicts"
        return None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags():
    """The CPU's feature flags (avx2, avx512f, ...) from /proc/cpuinfo; empty where it is absent."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def git_commit():
    """("abc1234 subject", dirty?) of the checkout this file is in; (None, None) outside git."""
    here = Path(__file__).resolve().parent
    try:
        run = dict(cwd=here, capture_output=True, text=True, timeout=10, check=True)
        head = subprocess.run(["git", "log", "-1", "--oneline"], **run).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "-uno"], **run).stdout.strip()
        return head, bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return None, None


def load_average():
    """The 1, 5 and 15 minute load averages: above the core count, expect noisy timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def environment(torch, threads):
    """The "environment" record: machine, libraries, settings and commit (a dict for JSON)."""
    blas = zerodl_threads.blas_info()  # threadpoolctl's: internal_api, version, architecture...
    commit, dirty = git_commit()
    flags = cpu_flags()
    return {
        "type": "environment",
        "time": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "avx512f": ("avx512f" in flags) if flags else None,  # None: flags unknown
        "load_average": load_average(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": _numpy_blas(),
        "blas": blas,
        "openblas_corename": blas.get("architecture"),  # the kernels OpenBLAS chose at run time
        "env": {var: os.environ.get(var) for var in ENV_VARS},
        "threads": threads,
        "torch": torch.__version__ if torch else None,
        "torch_threads": torch.get_num_threads() if torch else None,
        "zerodl": str(Path(zerodl.__file__).resolve().parent),
        "zerodl_kernels": kernels.kernels_in_use(),
        "zerodl_commit": commit,
        "zerodl_dirty": dirty,
    }
