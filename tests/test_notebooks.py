"""The notebooks in notebooks/: one per chapter of the book, committed without outputs, each
running top to bottom in a fresh Jupyter kernel without an error or a warning."""

import re
import time
from pathlib import Path
from unittest import mock

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
CHAPTERS = ["ch03", "ch04", "ch05", "ch06", "ch07", "ch08"]


def read(path):
    return nbformat.read(path, as_version=4)


def install_cell(path):
    return next(cell for cell in read(path).cells if cell.cell_type == "code").source


def test_there_is_one_notebook_per_chapter_of_the_book():
    assert [path.name[:4] for path in NOTEBOOKS] == CHAPTERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_committed_notebook_carries_no_outputs(path):
    notebook = read(path)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs; strip them"
            assert cell.execution_count is None, f"{path.name}: a cell has an execution count"
    assert "widgets" not in notebook.metadata  # no saved widget state either


def repository_in(source):
    """The value of ZERODL_REPOSITORY = "..." in a cell or the README (None if absent)."""
    found = re.search(r'^ZERODL_REPOSITORY = "([^"]+)"', source, re.MULTILINE)
    return found.group(1) if found else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_first_cell_installs_zerodl_from_the_one_repository_of_the_readme(path):
    source = install_cell(path)
    assert source.startswith("ZERODL_REPOSITORY = ")  # the one line to change, at the top
    assert repository_in(source) == repository_in(README) is not None
    assert source == install_cell(NOTEBOOKS[0])  # every notebook installs the same way


def test_the_readme_links_every_notebook_to_colab_through_that_repository():
    repository = repository_in(README).removeprefix("https://github.com/")
    colab = r"https://colab\.research\.google\.com/github/(\S+?)/blob/main/(\S+?)\)"
    links = re.findall(colab, README)
    assert sorted(path for _, path in links) == [f"notebooks/{p.name}" for p in NOTEBOOKS]
    assert {where for where, _ in links} == {repository}


def run_install_cell(found):
    """Run the install cell as if zerodl were importable (`found`) or not; the commands it ran."""
    with (
        mock.patch("importlib.util.find_spec", return_value=found) as find_spec,
        mock.patch("subprocess.run") as run,
        mock.patch.dict("os.environ"),  # the cell's ZERODL_LANG=ja stays in the cell
    ):
        exec(install_cell(NOTEBOOKS[0]), {})
    find_spec.assert_called_once_with("zerodl")
    return [call.args[0] for call in run.call_args_list]


def test_the_install_cell_does_nothing_where_zerodl_is_importable():
    assert run_install_cell(found=object()) == []


def test_the_install_cell_pip_installs_from_the_repository_where_zerodl_is_missing():
    (command,) = run_install_cell(found=None)
    assert command[1:4] == ["-m", "pip", "install"]
    assert f"git+{repository_in(README)}" in " ".join(command)


# --- running them -----------------------------------------------------------------------------


def problems(notebook):
    """Every output that shows an error or a warning: stderr, a traceback, 'Warning' text."""
    found = []
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            if output.output_type == "error":
                found.append(f"cell {number}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {number} wrote to stderr: {text[:300]}")
            elif "Warning" in text:
                found.append(f"cell {number} shows a warning: {text[:300]}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_top_to_bottom_in_a_fresh_kernel(path, mnist_dir, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("ZERODL_DATA", str(mnist_dir))  # the kernel inherits it: no download
    # One BLAS thread, as zerodl's shipped models were trained: on a shared CI machine, BLAS
    # threads that wait for each other made a small network's step 7 times slower.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    notebook = read(path)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # files it writes go there
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on an error
    seconds = time.perf_counter() - start
    assert problems(notebook) == []
    print(f"{path.name}: {seconds:.0f}s")
    assert seconds < 300  # written for under 2 minutes on 2 cores; this catches a runaway
