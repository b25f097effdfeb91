"""Run a notebook in a fresh Jupyter kernel and save the picture one of its cells shows.

    python scripts/notebook_picture.py notebooks/ch07_cnn.ipynb \\
        "plot_feature_maps(network, digit)" docs/notebook-ch07.png

The cell is the first whose source contains the given text; its first PNG output is written.
The README's notebook picture is made this way, so it is what a learner sees in that cell.
Needs nbclient and ipykernel (pip install -e '.[test]'), and MNIST (ZERODL_DATA).
"""

import base64
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main(notebook_path, cell_text, out_path):
    notebook = nbformat.read(notebook_path, as_version=4)
    with tempfile.TemporaryDirectory() as folder:  # what the notebook writes goes there
        client = NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}
        )
        client.execute()
    cell = next(c for c in notebook.cells if c.cell_type == "code" and cell_text in c.source)
    png = next(o["data"]["image/png"] for o in cell.outputs if "image/png" in o.get("data", {}))
    Path(out_path).write_bytes(base64.b64decode(png))
    print(f"wrote {out_path}: the output of the cell {cell.source.strip()!r}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
