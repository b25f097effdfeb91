"""Shared test settings: the --slow switch, the real MNIST files, both kernel modes."""

import os
from pathlib import Path

import pytest

from zerodl import kernels
from zerodl.datasets.sources import FILE_NAMES, find_in_folder

# The suite runs the fast kernels unless ZERODL_KERNELS says otherwise (CI runs the gradient
# checks once more with ZERODL_KERNELS=jit). Left to itself zerodl would choose "jit" on a CPU
# with AVX-512 where Numba is installed (zerodl.kernels.automatic_mode), and the kernels under
# test, their numbers and the suite's time would then depend on the machine. Set here, before
# any test runs, so that the `zerodl` commands the tests start inherit it too. The jit kernels
# are tested where a test names them (tests/kernels), and the rule itself in
# tests/kernels/test_automatic_mode.py.
os.environ.setdefault(kernels.ENVIRONMENT_VARIABLE, "fast")

# ../shared/datasets/mnist relative to the project root, unless ZERODL_DATA says otherwise.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = PROJECT_ROOT.parent / "shared" / "datasets" / "mnist"


def pytest_addoption(parser):
    parser.addoption(
        "--slow", action="store_true", default=False, help="also run the tests marked slow"
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --slow (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


# The variables that choose zerodl's language (zerodl.i18n), in the order it reads them.
LANGUAGE_VARIABLES = ("ZERODL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def _in_english(monkeypatch):
    """Every test starts in English, whatever the locale of the machine that runs the suite
    (LANG=ja_JP.UTF-8 would make zerodl speak Japanese); a test that wants Japanese sets it."""
    for name in LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def real_mnist_dir():
    """The folder holding the genuine MNIST IDX files, or None when they are absent."""
    candidates = []
    if os.environ.get("ZERODL_DATA"):
        env = Path(os.environ["ZERODL_DATA"])
        candidates += [env / "mnist", env]
    candidates.append(SHARED_MNIST)
    for folder in candidates:
        if len(find_in_folder(folder)) == len(FILE_NAMES):  # all four files, as load_mnist asks
            return folder
    return None


@pytest.fixture(scope="session")
def mnist_dir():
    folder = real_mnist_dir()
    if folder is None:
        pytest.skip(
            "the real MNIST files are absent: set ZERODL_DATA to a folder holding them "
            f"(looked in $ZERODL_DATA and {SHARED_MNIST})"
        )
    return folder


@pytest.fixture(params=["fast", "reference"])
def kernel_mode(request):
    """Run a test with the fast kernels and again with the book's method (zerodl.use_kernels)."""
    previous = kernels.use_kernels(request.param)
    yield request.param
    kernels.use_kernels(previous)
