"""Importing zerodl changes nothing process-wide: no threads, no BLAS settings, no malloc tuning,
and no module of zerodl imports another inside a function to dodge an import cycle."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import zerodl

PACKAGE = Path(zerodl.__file__).parent

# Runs in a fresh interpreter: records every ctypes library load and foreign call (how malloc
# or BLAS would be changed) while importing every module of zerodl, then reports what it saw.
IMPORT_EVERYTHING = """
import json, pkgutil, sys, threading
import numpy  # NumPy loads its own libraries through ctypes: before the hook
events = []
sys.addaudithook(lambda event, args: events.append(event) if event.startswith("ctypes") else None)
import zerodl
for module in pkgutil.walk_packages(zerodl.__path__, "zerodl."):
    # zerodl.kernels.jit.compiled is the one module that imports Numba: loaded on first use
    if module.name not in ("zerodl.__main__", "zerodl.kernels.jit.compiled"):
        __import__(module.name)
optional = [name for name in ("mpi4py", "starlette", "uvicorn", "numba", "llvmlite")
            if name in sys.modules]
print(json.dumps({"threads": threading.active_count(), "ctypes": events, "optional": optional}))
"""


def test_importing_every_module_starts_no_thread_and_calls_no_c_library():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, check=True
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["threads"] == 1  # only the main thread: no pool started on import
    assert seen["ctypes"] == []  # no mallopt, no BLAS thread calls, no library searched
    # MPI starts, the web server loads, and Numba compiles (the jit kernels), only when used
    assert seen["optional"] == []


def test_no_module_imports_zerodl_inside_a_function():
    """Imports inside functions hide cycles; only heavy optional libraries may be imported late."""
    late = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                        "zerodl"
                    ):
                        late.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
                    if isinstance(inner, ast.Import) and any(
                        alias.name.startswith("zerodl") for alias in inner.names
                    ):
                        late.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert late == []


def test_zerodl_kernels_environment_variable_chooses_the_book_method():
    code = (
        "import numpy as np, zerodl; from zerodl.layers import ReLU; r = ReLU(); "
        "r.forward(np.ones((2, 2))); print(zerodl.kernels_in_use(), r.kernel is None)"
    )
    for value, expected in (("reference", "reference True"), ("fast", "fast False")):
        env = {**os.environ, "ZERODL_KERNELS": value}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == expected
    env = {**os.environ, "ZERODL_KERNELS": "gpu"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode != 0
    assert "ZERODL_KERNELS must be 'fast', 'reference' or 'jit', got 'gpu'" in out.stderr


def module_graph():
    """{module: the zerodl modules it imports}, read from the source (`from zerodl import x`
    counts as an import of the module zerodl.x when x is one)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.startswith("zerodl")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("zerodl"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    imported.add(full if full in modules else node.module)
        graph[name] = imported - {name}
    return graph


def test_dependencies_have_no_cycle():
    graph, state, cycles = module_graph(), {}, []

    def visit(module, path):
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "open":
                cycles.append(" -> ".join(path[path.index(dep) :] + [dep]))
            elif dep not in state:
                visit(dep, path + [dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


# What the book's core may import: itself and the basic operations below it. Everything else in
# zerodl (networks, training, files, plots, the server, MPI, the book's modules, the zoo, the
# command line, and any module added later) is above it.
CORE = ("zerodl.layers", "zerodl.kernels", "zerodl.im2col")
BELOW_THE_CORE = ("zerodl.functions", "zerodl.initializers", "zerodl.errors", "zerodl._checks")


def imports_above_the_core(graph):
    """[(module of the core, what it imports from above the core), ...] of a module graph."""
    allowed = CORE + BELOW_THE_CORE
    found = []
    for module, imported in graph.items():
        if module.startswith(CORE):
            found += [(module, m) for m in imported if not (m == "zerodl" or m.startswith(allowed))]
        if module.startswith("zerodl.kernels"):  # the kernels sit below the layers
            found += [(module, m) for m in imported if m.startswith("zerodl.layers")]
    return found


def test_the_layers_lean_on_nothing_above_them():
    """The book's core (layers, kernels, basic ops) imports only itself and the basics."""
    assert imports_above_the_core(module_graph()) == []


@pytest.mark.parametrize(
    "above",
    ["zerodl.serve", "zerodl.distributed", "zerodl.book.common", "zerodl.zoo", "zerodl.plots",
     "zerodl.networks", "zerodl.trainer", "zerodl.checkpoint", "zerodl.cli", "zerodl.new_module"],
)  # fmt: skip
def test_the_rule_catches_an_import_of_any_module_above_the_core(above):
    graph = {"zerodl.layers.relu": {"zerodl.functions", above}, "zerodl.kernels.conv": set()}
    assert imports_above_the_core(graph) == [("zerodl.layers.relu", above)]
