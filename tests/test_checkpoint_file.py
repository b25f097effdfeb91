"""checkpoint_file: the checkpoint file, for any object shaped like a network (no class needed)."""

import ast
from pathlib import Path

import numpy as np
import pytest

import bombs
import zerodl
from zerodl import checkpoint_file
from zerodl.checkpoint_file import CheckpointError, load_params, read_meta, save_params


class Bare:
    """Not a zerodl network: only what the file format reads (params, buffers, layers, dtype,
    config)."""

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


def test_rebuilding_a_class_the_file_format_does_not_know_is_checkpoints_job(tmp_path):
    save_params(Bare(), tmp_path / "bare.npz")
    with pytest.raises(CheckpointError, match="unknown network class 'Bare'"):
        zerodl.load(tmp_path / "bare.npz")


def test_the_file_format_depends_on_no_network_optimiser_or_trainer():
    """The file format sits below the networks (which save with it): it may import only the
    modules below them, or the checkpoint <-> networks cycle would come back."""
    tree = ast.parse(Path(checkpoint_file.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    own = {name for name in imported if name.split(".")[0] == "zerodl"}
    assert own <= {"zerodl._version", "zerodl.atomic"}, own


# --- a small file never makes the reader allocate much (issue 12) ---------------------------------
# Each attempt runs in a fresh interpreter that reports how far its peak memory grew (bombs.py).

BOMB_SHAPE = (16384, 16384)  # float32: 1 GiB of zeros, deflated to about 1 MB


def _small_checkpoint(path):
    return zerodl.save(zerodl.networks.TwoLayerNet(784, 50, 10, seed=0), path)


def test_a_decompression_bomb_is_refused_at_once(tmp_path):
    path = bombs.replace_with_zeros(_small_checkpoint(tmp_path / "bomb.npz"), "params/W1",
                                    BOMB_SHAPE)  # fmt: skip
    assert path.stat().st_size < 2 * 2**20
    for function in ("zerodl.checkpoint.load", "zerodl.checkpoint.read_meta"):
        result = bombs.measure(f"lambda: {function}({str(path)!r})")
        assert result["peak_mb"] < 50 and result["seconds"] < 2, result
        assert result["error"][0] == "CheckpointError", result
        assert "decompression bomb" in result["error"][1]


def test_arrays_of_the_wrong_shape_are_refused_before_their_data_is_read(tmp_path):
    """Stored, not compressed: 128 MB really on disk, of a shape the network does not have."""
    path = bombs.replace_with_zeros(_small_checkpoint(tmp_path / "big.npz"), "params/W1",
                                    (8192, 4096), method=0)  # fmt: skip
    for call in (
        f"lambda: zerodl.checkpoint.load({str(path)!r})",
        "lambda: zerodl.checkpoint.load_params(zerodl.networks.TwoLayerNet(784, 50, 10), "
        f"{str(path)!r})",
    ):
        result = bombs.measure(call)
        assert result["error"][0] == "CheckpointError", result
        assert "(8192, 4096)" in result["error"][1] and "(784, 50)" in result["error"][1]
        assert result["peak_mb"] < 50 and result["seconds"] < 2, result


def test_read_meta_touches_no_array_data(tmp_path):
    path = zerodl.save(Bare(), tmp_path / "large.npz", big=np.zeros((8192, 4096), np.float32))
    result = bombs.measure(f"lambda: print(zerodl.checkpoint.read_meta({str(path)!r})['dtype'])")
    assert result["error"] is None, result
    assert result["peak_mb"] < 50, result


def test_a_compressed_checkpoint_of_real_numbers_still_loads(tmp_path):
    path = _small_checkpoint(tmp_path / "net.npz")
    with np.load(path) as npz:
        arrays = {key: npz[key] for key in npz.files}
    np.savez_compressed(tmp_path / "compressed.npz", **arrays)
    network = zerodl.load(tmp_path / "compressed.npz")
    np.testing.assert_array_equal(network.params["W1"], zerodl.load(path).params["W1"])


def test_the_old_name_savefile_is_the_same_module(tmp_path):
    import zerodl.savefile
    from zerodl.savefile import save as old_save

    assert zerodl.savefile is checkpoint_file and old_save is checkpoint_file.save
    old_save(Bare(), tmp_path / "bare.npz")
    assert read_meta(tmp_path / "bare.npz")["network"]["class"] == "Bare"
