"""savefile: the checkpoint file, for any object shaped like a network (no zerodl class needed)."""

import ast
from pathlib import Path

import numpy as np
import pytest

import zerodl
from zerodl import savefile
from zerodl.savefile import CheckpointError, load_params, read_meta, save_params


class Bare:
    """Not a zerodl network: only what savefile reads (params, buffers, layers, dtype, config)."""

    def __init__(self, value=0.0):
        self.params = {"W1": np.full((2, 3), value, np.float32)}
        self.buffers = {"mean1": np.arange(3, dtype=np.float32)}
        self.layers = []
        self.dtype = np.dtype(np.float32)

    def get_config(self):
        return {"size": 3}


def test_any_object_shaped_like_a_network_is_saved_and_loaded(tmp_path):
    save_params(Bare(value=1.5), tmp_path / "bare.npz")
    target = Bare(value=0.0)
    target.buffers["mean1"][...] = 0
    assert load_params(target, tmp_path / "bare.npz") is target
    np.testing.assert_array_equal(target.params["W1"], np.full((2, 3), 1.5, np.float32))
    np.testing.assert_array_equal(target.buffers["mean1"], [0, 1, 2])
    meta = read_meta(tmp_path / "bare.npz")
    assert meta["network"] == {"class": "Bare", "config": {"size": 3}}
    assert meta["zerodl_version"] == zerodl.__version__


def test_rebuilding_a_class_savefile_does_not_know_is_checkpoints_job(tmp_path):
    save_params(Bare(), tmp_path / "bare.npz")
    with pytest.raises(CheckpointError, match="unknown network class 'Bare'"):
        zerodl.load(tmp_path / "bare.npz")


def test_savefile_depends_on_no_network_optimiser_or_trainer():
    """The file format sits below the networks (which save with it): it may import only the
    modules below them, or the checkpoint <-> networks cycle would come back."""
    tree = ast.parse(Path(savefile.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    own = {name for name in imported if name.split(".")[0] == "zerodl"}
    assert own <= {"zerodl._version", "zerodl.atomic"}, own
