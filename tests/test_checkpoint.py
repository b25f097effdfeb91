"""Checkpoints: round trips, exact resumption, atomic saves, and files from strangers."""

import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import zerodl
from zerodl.checkpoint import (
    CheckpointError,
    load_checkpoint,
    load_params,
    read_meta,
    save,
    save_params,
)
from zerodl.checkpoint_file import META_KEY
from zerodl.networks import DeepConvNet, MultiLayerNet, Sequential, SimpleConvNet, TwoLayerNet
from zerodl.optimizers import Adam


def small_networks():
    return {
        "two_layer": TwoLayerNet(12, 7, 3, seed=0),
        "mlp": MultiLayerNet(
            12, [8, 6], 3, use_batchnorm=True, use_dropout=True, weight_decay_lambda=0.1, seed=1
        ),
        "simple_cnn": SimpleConvNet(
            input_dim=(1, 8, 8),
            conv_param={"filter_num": 4, "filter_size": 3},
            hidden_size=10,
            output_size=3,
            seed=2,
        ),
        "deep_cnn": DeepConvNet(input_dim=(1, 12, 12), output_size=3, hidden_size=8, seed=3),
    }


def sample_input(network, n=5, seed=0):
    return np.random.default_rng(seed).random((n, *network.input_shape), dtype=np.float32)


def train_steps(network, steps=3, seed=0):
    """A few Adam steps, so that parameters, batch-norm statistics and dropout RNGs move."""
    rng = np.random.default_rng(seed)
    optimizer = Adam(lr=0.01)
    for _ in range(steps):
        x = sample_input(network, 6, int(rng.integers(1 << 30)))
        t = rng.integers(0, 3, size=6)
        optimizer.update(network.params, network.gradient(x, t))
    return optimizer


@pytest.fixture(autouse=True)
def _no_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["two_layer", "mlp", "simple_cnn", "deep_cnn"])
def test_load_rebuilds_the_network_from_the_file_alone(tmp_path, name):
    network = small_networks()[name]
    train_steps(network)
    x = sample_input(network, seed=9)
    path = zerodl.save(network, tmp_path / "net.npz")

    loaded = zerodl.load(path)

    assert type(loaded) is type(network)
    assert loaded.get_config() == network.get_config()
    assert list(loaded.params) == list(network.params)
    for key, value in network.params.items():
        assert loaded.params[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded.params[key], value)
    for key, value in network.buffers.items():
        np.testing.assert_array_equal(loaded.buffers[key], value)
    np.testing.assert_array_equal(loaded.predict(x), network.predict(x))


def test_the_parameters_are_the_layers_own_arrays_after_loading(tmp_path):
    network = small_networks()["mlp"]
    loaded = zerodl.load(zerodl.save(network, tmp_path / "net.npz"))
    loaded.params["W1"][...] = 0  # what an optimiser does: the layer must see it
    assert not loaded.layers[0].params["W"].any()
    assert loaded.buffers["running_mean1"] is loaded.layers[1].buffers["running_mean"]


def test_batch_norm_running_statistics_are_saved(tmp_path):
    network = small_networks()["mlp"]
    train_steps(network)
    assert network.buffers["running_mean1"].any()  # moved away from their initial values
    loaded = zerodl.load(zerodl.save(network, tmp_path / "net.npz"))
    np.testing.assert_array_equal(loaded.buffers["running_var1"], network.buffers["running_var1"])
    x = sample_input(network)
    np.testing.assert_array_equal(loaded.predict(x, train=False), network.predict(x, train=False))


def test_dropout_generators_continue_where_they_were_and_stay_shared(tmp_path):
    network = small_networks()["mlp"]  # its two Dropout layers share one Generator
    train_steps(network)
    loaded = zerodl.load(zerodl.save(network, tmp_path / "net.npz"))
    dropouts = [layer for layer in loaded.layers if hasattr(layer, "rng")]
    assert len(dropouts) == 2 and dropouts[0].rng is dropouts[1].rng
    x = sample_input(network)
    # train=True draws dropout masks: the same masks, in the same order, on both sides
    np.testing.assert_array_equal(loaded.predict(x, train=True), network.predict(x, train=True))
    np.testing.assert_array_equal(loaded.predict(x, train=True), network.predict(x, train=True))


def test_sequential_built_by_hand_round_trips(tmp_path):
    from zerodl.layers import Affine, ReLU, SoftmaxWithLoss

    network = Sequential(
        [Affine(4, 5, seed=0), ReLU(), Affine(5, 2, seed=1), SoftmaxWithLoss()],
        input_shape=(4,),
    )
    loaded = zerodl.load(zerodl.save(network, tmp_path / "seq.npz"))
    assert type(loaded) is Sequential
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Affine",
        "ReLU",
        "Affine",
        "SoftmaxWithLoss",
    ]
    x = sample_input(network)
    np.testing.assert_array_equal(loaded.predict(x), network.predict(x))


def test_float64_networks_stay_float64(tmp_path):
    network = TwoLayerNet(6, 4, 2, seed=0, dtype=np.float64)
    loaded = zerodl.load(zerodl.save(network, tmp_path / "net.npz"))
    assert loaded.params["W1"].dtype == np.float64
    assert read_meta(tmp_path / "net.npz")["dtype"] == "float64"


def test_metadata_describes_the_network(tmp_path):
    network = small_networks()["simple_cnn"]
    save(network, tmp_path / "net.npz")
    meta = read_meta(tmp_path / "net.npz")
    assert meta["format"] == "zerodl-checkpoint"
    assert meta["zerodl_version"] == zerodl.__version__
    assert meta["network"] == {"class": "SimpleConvNet", "config": network.get_config()}
    assert meta["params"][0] == {"name": "W1", "shape": [4, 1, 3, 3], "dtype": "float32"}
    # an ordinary npz: the parameters are readable with plain NumPy, without pickle
    with np.load(tmp_path / "net.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["params/W1"], network.params["W1"])
        assert json.loads(npz[META_KEY].tobytes())["network"]["class"] == "SimpleConvNet"


def test_optimizer_state_and_extra_data_round_trip(tmp_path):
    network = small_networks()["two_layer"]
    optimizer = train_steps(network)
    save(
        network,
        tmp_path / "ckpt.npz",
        optimizer=optimizer,
        config={"lr": 0.01, "hidden": [7]},
        dataset="mnist",
        mask=np.arange(4),
    )
    ckpt = load_checkpoint(tmp_path / "ckpt.npz")
    assert ckpt.extra["config"] == {"lr": 0.01, "hidden": [7]}
    assert ckpt.extra["dataset"] == "mnist"
    np.testing.assert_array_equal(ckpt.extra["mask"], np.arange(4))
    restored = ckpt.create_optimizer()
    assert type(restored) is Adam and restored.t == optimizer.t == 3
    for slot, arrays in optimizer.state_dict()["slots"].items():
        for key, value in arrays.items():
            np.testing.assert_array_equal(restored.state_dict()["slots"][slot][key], value)
    assert ckpt.trainer_state is None and ckpt.epoch == 0


def test_the_next_update_after_loading_equals_the_uninterrupted_one(tmp_path):
    network = small_networks()["mlp"]
    optimizer = train_steps(network, steps=2)
    save(network, tmp_path / "ckpt.npz", optimizer=optimizer)
    ckpt = load_checkpoint(tmp_path / "ckpt.npz")
    other, other_optimizer = ckpt.network, ckpt.create_optimizer()

    x, t = sample_input(network, 6, seed=5), np.array([0, 1, 2, 0, 1, 2])
    optimizer.update(network.params, network.gradient(x, t))
    other_optimizer.update(other.params, other.gradient(x, t))
    for key in network.params:
        np.testing.assert_array_equal(other.params[key], network.params[key])


def test_extra_data_that_is_not_json_is_refused_at_save_time(tmp_path):
    with pytest.raises(TypeError, match="'extra/when' of type object"):
        save(small_networks()["two_layer"], tmp_path / "x.npz", when=object())
    assert not list(tmp_path.iterdir())


# --- the book's save_params / load_params ---------------------------------------------------------


def test_save_params_then_load_params_into_a_network_built_by_hand(tmp_path):
    network = small_networks()["two_layer"]
    train_steps(network)
    save_params(network, tmp_path / "params.npz")
    fresh = TwoLayerNet(12, 7, 3, seed=99)
    assert load_params(fresh, tmp_path / "params.npz") is fresh
    for key in network.params:
        np.testing.assert_array_equal(fresh.params[key], network.params[key])


def test_load_params_lists_every_difference(tmp_path):
    save_params(TwoLayerNet(12, 7, 3, seed=0), tmp_path / "params.npz")
    wrong = MultiLayerNet(12, [5, 4], 3, seed=0, dtype=np.float64)
    with pytest.raises(CheckpointError) as info:
        load_params(wrong, tmp_path / "params.npz")
    message = str(info.value)
    assert "missing params W3, b3" in message
    assert "W1 has shape (12, 7) in the file, (12, 5) in the network" in message
    assert "W2 has shape (7, 3) in the file, (5, 4) in the network" in message
    assert "b1 has dtype float32 in the file, float64 in the network" in message


def test_load_params_leaves_the_network_untouched_when_it_does_not_fit(tmp_path):
    save_params(TwoLayerNet(12, 7, 3, seed=0), tmp_path / "params.npz")
    target = MultiLayerNet(12, [7], 3, use_batchnorm=True, seed=5)
    before = {k: v.copy() for k, v in target.params.items()}
    with pytest.raises(CheckpointError, match="missing params gamma1, beta1"):
        load_params(target, tmp_path / "params.npz")
    for key, value in before.items():
        np.testing.assert_array_equal(target.params[key], value)


# --- atomic saves ---------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()])
def test_a_save_that_fails_midway_keeps_the_previous_checkpoint(tmp_path, monkeypatch, failure):
    network = small_networks()["two_layer"]
    path = save(network, tmp_path / "last.npz")
    before = path.read_bytes()

    def write_half_then_fail(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise failure

    monkeypatch.setattr(np, "savez", write_half_then_fail)
    train_steps(network)
    with pytest.raises(type(failure)):
        save(network, path)

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.npz"]  # no temporary file


def test_while_a_save_is_being_written_the_old_checkpoint_is_whole_and_loads(tmp_path, monkeypatch):
    """A reader at any moment of a save (another process, a crash) finds the old checkpoint,
    complete: the new one is written elsewhere and only renamed over it once complete."""
    network = small_networks()["two_layer"]
    path = save(network, tmp_path / "last.npz")
    old = {key: value.copy() for key, value in network.params.items()}
    real_savez, seen = np.savez, []

    def savez_then_look(file, **arrays):
        real_savez(file, **arrays)  # the new archive is written, not yet in place
        file.flush()
        loaded = zerodl.load(path)
        seen.append(all(np.array_equal(loaded.params[k], v) for k, v in old.items()))

    monkeypatch.setattr(np, "savez", savez_then_look)
    train_steps(network)
    save(network, path)
    assert seen == [True]
    np.testing.assert_array_equal(zerodl.load(path).params["W1"], network.params["W1"])


# --- files from strangers -------------------------------------------------------------------------


class _CreatesMarker:
    """Unpickling this runs os.mkdir(marker): the harmless stand-in for any code at all."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _arrays_of(path):
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _rewrite(path, arrays, allow_pickle=False):
    with open(path, "wb") as f:
        np.savez(f, allow_pickle=allow_pickle, **arrays)


def test_an_npz_holding_pickled_objects_is_refused_without_running_them(tmp_path):
    path = save(small_networks()["two_layer"], tmp_path / "evil.npz")
    marker = tmp_path / "code-ran"
    arrays = _arrays_of(path)
    arrays["params/W1"] = np.array([_CreatesMarker(marker)], dtype=object)
    _rewrite(path, arrays, allow_pickle=True)

    for attempt in (zerodl.load, read_meta, lambda p: load_params(TwoLayerNet(12, 7, 3), p)):
        with pytest.raises(CheckpointError, match="pickled Python objects"):
            attempt(path)
    assert not marker.exists()

    # the file really is dangerous: NumPy with allow_pickle=True runs the code
    with np.load(path, allow_pickle=True) as npz:
        npz["params/W1"]
    assert marker.exists()


def test_a_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({"W1": _CreatesMarker(marker)}))
    with pytest.raises(CheckpointError, match="pickle, not a zerodl checkpoint"):
        zerodl.load(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a zerodl checkpoint"),
        (b"hello, world\n" * 10, "not a zerodl checkpoint"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "not a zerodl checkpoint"),
    ],
)
def test_a_file_that_is_not_a_checkpoint_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        zerodl.load(path)


def test_a_single_npy_array_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(CheckpointError, match="single .npy array"):
        zerodl.load(path)


def test_an_npz_without_metadata_is_not_a_checkpoint(tmp_path):
    np.savez(tmp_path / "plain.npz", W1=np.zeros((2, 2), np.float32))
    with pytest.raises(CheckpointError, match="without zerodl metadata"):
        zerodl.load(tmp_path / "plain.npz")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_checkpoint_is_one_clear_error(tmp_path, keep):
    path = save(small_networks()["simple_cnn"], tmp_path / "net.npz")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        zerodl.load(path)


def test_a_checkpoint_with_flipped_bytes_is_damaged(tmp_path):
    path = save(small_networks()["simple_cnn"], tmp_path / "net.npz")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the parameter data: only the CRC can tell
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="damaged"):
        zerodl.load(path)


def test_an_array_whose_header_claims_more_data_than_stored_is_damaged(tmp_path):
    path = save(small_networks()["two_layer"], tmp_path / "net.npz")
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    header = members["params/W1.npy"]
    members["params/W1.npy"] = header.replace(b"(12, 7)", b"(9999999, 7)", 1)[:200]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(CheckpointError, match="'params/W1' of shape"):
        zerodl.load(path)


def _edit_meta(path, edit):
    arrays = _arrays_of(path)
    meta = json.loads(arrays[META_KEY].tobytes())
    edit(meta)
    arrays[META_KEY] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    _rewrite(path, arrays)


def test_metadata_naming_an_unknown_class_is_refused(tmp_path):
    path = save(small_networks()["two_layer"], tmp_path / "net.npz")
    _edit_meta(path, lambda meta: meta["network"].update({"class": "os.system"}))
    with pytest.raises(CheckpointError, match="unknown network class 'os.system'") as info:
        zerodl.load(path)
    assert "custom_objects={'os.system': os.system}" in str(info.value)


def test_metadata_naming_an_unknown_layer_is_refused(tmp_path):
    from zerodl.layers import Affine, SoftmaxWithLoss

    path = save(Sequential([Affine(3, 2, seed=0), SoftmaxWithLoss()]), tmp_path / "net.npz")
    _edit_meta(path, lambda meta: meta["network"]["config"]["layers"][0].update(type="Eval"))
    with pytest.raises(CheckpointError, match="unknown layer type 'Eval'") as info:
        zerodl.load(path)
    assert "custom_objects={'Eval': Eval}" in str(info.value)


def test_metadata_with_a_bad_configuration_is_refused(tmp_path):
    path = save(small_networks()["two_layer"], tmp_path / "net.npz")
    _edit_meta(path, lambda meta: meta["network"]["config"].update(exec="print(1)"))
    with pytest.raises(CheckpointError, match="cannot build TwoLayerNet"):
        zerodl.load(path)


def test_parameters_that_do_not_fit_the_saved_architecture_are_listed(tmp_path):
    path = save(small_networks()["two_layer"], tmp_path / "net.npz")
    _edit_meta(path, lambda meta: meta["network"]["config"].update(hidden_size=9))
    with pytest.raises(CheckpointError) as info:
        zerodl.load(path)
    assert "W1 has shape (12, 7) in the file, (12, 9) in the network" in str(info.value)
    assert "b1 has shape (7,) in the file, (9,) in the network" in str(info.value)
    assert "W2 has shape (7, 3) in the file, (9, 3) in the network" in str(info.value)


def test_a_checkpoint_from_a_newer_format_says_to_upgrade(tmp_path):
    path = save(small_networks()["two_layer"], tmp_path / "net.npz")
    _edit_meta(path, lambda meta: meta.update(format_version=99))
    with pytest.raises(CheckpointError, match="upgrade zerodl"):
        zerodl.load(path)


def test_an_unknown_bit_generator_is_refused(tmp_path):
    path = save(small_networks()["mlp"], tmp_path / "net.npz")
    _edit_meta(path, lambda meta: meta["rngs"]["states"][0].update(bit_generator="Evil"))
    with pytest.raises(CheckpointError, match="unknown bit generator 'Evil'"):
        zerodl.load(path)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        zerodl.load(tmp_path / "nothing.npz")


# --- files written before the restructure (tests/data/make_fixtures.py, zerodl 269b8c8) -----------

DATA = Path(__file__).resolve().parent / "data"


def test_a_network_saved_by_the_old_code_loads_and_computes_what_it_computed():
    expected = json.loads((DATA / "expected_v1.json").read_text())
    network = zerodl.load(DATA / "network_v1.npz")
    assert read_meta(DATA / "network_v1.npz")["format_version"] == 1
    assert [type(layer).__name__ for layer in network.layers] == [
        "Affine",
        "Tanh",
        "Affine",
        "SoftmaxWithLoss",
    ]
    x = np.random.default_rng(1).random((3, 4), dtype=np.float32)  # make_fixtures.network_input
    np.testing.assert_allclose(network.predict(x), expected["network_scores"], rtol=1e-6)


def test_a_training_checkpoint_of_the_old_code_loads_with_its_stored_arrays():
    ckpt = load_checkpoint(DATA / "trainer_v1.npz")
    assert type(ckpt.network) is MultiLayerNet and ckpt.epoch == 1
    with np.load(DATA / "trainer_v1.npz", allow_pickle=False) as npz:  # read by plain NumPy
        for group in ("params", "buffers"):
            for key, value in getattr(ckpt.network, group).items():
                np.testing.assert_array_equal(value, npz[f"{group}/{key}"], err_msg=key)
    optimizer = ckpt.create_optimizer()
    assert type(optimizer) is Adam and optimizer.t == 5  # 50 samples in batches of 10
    assert len(ckpt.trainer_state["history"]["step_loss"]) == 5


# --- files that declare more than they hold (issue 22) --------------------------------------------
# Each hostile file is opened in a fresh interpreter that reports its peak memory (bombs.py):
# refused with a CheckpointError in under 2 s, the peak under 200 MB.

import bombs  # noqa: E402


def _refused_cheaply(path, words, call="zerodl.checkpoint.load"):
    result = bombs.measure(f"lambda: {call}({str(path)!r})")
    assert result["error"] is not None, result
    assert result["error"][0] == "CheckpointError", result
    assert words in result["error"][1], result
    # CPU time: what the reading costs, whatever else the machine runs (wall time: no hang)
    assert result["cpu_seconds"] < 2 and result["seconds"] < 30, result
    assert result["peak_mb"] < 200, result
    return result["error"][1]


def _small(tmp_path, network=None):
    return zerodl.save(network or TwoLayerNet(12, 7, 3, seed=0), tmp_path / "net.npz")


def test_many_compressed_members_are_refused_together_not_one_at_a_time(tmp_path):
    """50 members of 15 MB of zeros each: every one under the single-member rule, 750 MB
    together from a file of under 1 MB."""
    path = bombs.add_zero_members(_small(tmp_path), 50, 15)
    assert path.stat().st_size < 2**20
    _refused_cheaply(path, "would expand from")
    _refused_cheaply(path, "would expand from", call="zerodl.checkpoint.read_meta")


def test_a_member_compressed_otherwise_than_numpy_does_is_refused(tmp_path):
    import zipfile as zf

    path = _small(tmp_path)
    with zf.ZipFile(path, "a", compression=zf.ZIP_BZIP2) as archive:
        archive.writestr("extra/x.npy", bombs.npy_header((4,), np.uint8) + bytes(4))
    _refused_cheaply(path, "stored as they are or deflated")


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("MultiLayerNet", {"input_size": 12, "hidden_size_list": [2000] * 100, "output_size": 3}),
        ("MultiLayerNet", {"input_size": 12, "hidden_size_list": [100000], "output_size": 3}),
        ("DeepConvNet", {"input_dim": [1, 1000, 1000], "output_size": 3, "hidden_size": 50}),
        ("MultiLayerNet", {"input_size": 12, "hidden_size_list": [1] * 200_000, "output_size": 3}),
    ],
)
def test_a_network_larger_than_the_file_is_refused_before_it_is_built(tmp_path, name, config):
    path = _small(tmp_path)
    bombs.edit_metadata(
        path, lambda meta: meta["network"].update({"class": name, "config": config})
    )
    _refused_cheaply(path, "does not fit its own metadata")


def test_half_a_million_layers_are_refused_before_they_are_built(tmp_path):
    path = _small(tmp_path)
    layers = [{"type": "ReLU", "config": {}}] * 500_000
    bombs.edit_metadata(
        path, lambda meta: meta["network"].update(class_="x", **{"class": "Sequential",
                                                                   "config": {"layers": layers}}),
        compress=True,
    )  # fmt: skip
    _refused_cheaply(path, "JSON lists and objects")


def test_metadata_that_inflates_is_refused_before_it_is_parsed(tmp_path):
    many = b'{"format": "zerodl-checkpoint", "x": [' + b"[]," * (15 * 2**20 // 3) + b"[]]}"
    path = bombs.with_metadata(_small(tmp_path), many)
    assert path.stat().st_size < 200_000
    _refused_cheaply(path, "JSON lists and objects")
    padded = b'{"format": "zerodl-checkpoint"}' + b" " * (64 * 2**20)  # under any ratio rule:
    path = bombs.with_metadata(_small(tmp_path), padded, compress=False)  # stored as it is
    _refused_cheaply(path, "the metadata is not UTF-8 JSON bytes of at most")


def test_deeply_nested_metadata_is_one_checkpoint_error(tmp_path):
    path = bombs.with_metadata(_small(tmp_path), b"[" * 5000 + b"]" * 5000)
    with pytest.raises(CheckpointError, match="nests lists and objects more than"):
        zerodl.load(path)


@pytest.mark.parametrize(
    "target", ["/dev/zero", "link", "fifo"], ids=["device", "link-to-device", "fifo"]
)
def test_a_device_or_fifo_is_refused_before_it_is_read(tmp_path, target):
    if target == "link":
        (tmp_path / "net.npz").symlink_to("/dev/zero")
        path = tmp_path / "net.npz"
    elif target == "fifo":
        path = tmp_path / "net.npz"
        os.mkfifo(path)
    else:
        path = Path(target)
    for call in ("zerodl.checkpoint.load", "zerodl.checkpoint.read_meta"):
        _refused_cheaply(path, "not a regular file", call=call)


BAD_METADATA = {
    "hidden size 0": lambda m: m["network"].update(
        {
            "class": "MultiLayerNet",
            "config": {"input_size": 12, "hidden_size_list": [0], "output_size": 3},
        }
    ),  # fmt: skip
    "input_dim of 0": lambda m: m["network"].update(
        {"class": "SimpleConvNet", "config": {"input_dim": [1, 0, 0]}}
    ),
    "config of a custom-less Sequential": lambda m: m["network"].update(
        {"class": "Sequential", "config": {"layers": [{"type": "Affine", "config": {}}]}}
    ),
    "rngs.layers a list": lambda m: m["rngs"].update(layers=[]),
    "extra a list": lambda m: m.update(extra=[1]),
    "trainer a list": lambda m: m.update(trainer=[1]),
    "optimizer without type": lambda m: m.update(optimizer={"config": {}}),
    "epoch infinite": lambda m: m.update(trainer={"epoch": float("inf")}),
    "bit generator 'seed'": lambda m: m["rngs"]["states"][0].update(bit_generator="seed"),
    "bit generator a list": lambda m: m["rngs"]["states"][0].update(bit_generator=[]),
}


@pytest.mark.parametrize("edit", list(BAD_METADATA.values()), ids=list(BAD_METADATA))
def test_bad_metadata_is_always_a_checkpoint_error(tmp_path, edit):
    from zerodl.trainer import resume

    network = small_networks()["mlp"]  # with dropout: it has a random generator state
    path = save(network, tmp_path / "net.npz", optimizer=train_steps(network))
    bombs.edit_metadata(path, edit)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (the global one is the point)
    for attempt in (zerodl.load, load_checkpoint, resume):
        with pytest.raises(CheckpointError):
            attempt(path)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_the_bit_generator_is_one_of_the_classes_zerodl_writes(tmp_path, monkeypatch):
    """A name is never looked up in np.random: "seed" is a function there, and calling it
    would reseed NumPy's global generator while loading."""
    calls = []
    monkeypatch.setattr(np.random, "seed", lambda *a: calls.append(a))
    path = save(small_networks()["mlp"], tmp_path / "net.npz")
    bombs.edit_metadata(path, lambda m: m["rngs"]["states"][0].update(bit_generator="seed"))
    with pytest.raises(CheckpointError, match="unknown bit generator 'seed'"):
        zerodl.load(path)
    assert calls == []


def test_a_stored_member_declaring_4_gib_names_the_problem(tmp_path):
    members = bombs.stored_members(_small(tmp_path))
    data, _, crc, _ = members["params/W1.npy"]
    members["params/W1.npy"] = (data, 0, crc, 2**32 - 1)  # the size field says 4 GiB
    path = bombs.write_zip(tmp_path / "net.npz", members)
    with pytest.raises(CheckpointError, match="is damaged: ") as info:
        zerodl.load(path)
    reason = str(info.value).split("is damaged: ", 1)[1]
    assert reason.strip() and "params/W1" in reason


def test_every_network_class_is_counted_as_it_is_built():
    """parameter_count works from the configuration alone; the networks built from the same
    configurations hold exactly that many arrays and numbers."""
    from zerodl.checkpoint import parameter_count
    from zerodl.layers import Affine, BatchNormalization, Convolution, Pooling, ReLU

    networks = [
        *small_networks().values(),
        MultiLayerNet(5, [4, 3, 2], 2, use_batchnorm=True),
        SimpleConvNet((3, 11, 9), {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 2}),
        DeepConvNet(input_dim=(2, 20, 16), hidden_size=7, use_batchnorm=True),
        Sequential(
            [
                Convolution(1, 3, (2, 3)),
                BatchNormalization(3),
                ReLU(),
                Pooling(2, 2),
                Affine(27, 4),
            ],
            input_shape=(1, 7, 8),
        ),  # fmt: skip
    ]
    for network in networks:
        config = json.loads(json.dumps(network.get_config()))  # as the file holds it
        count = parameter_count(type(network).__name__, config)
        built = (len(network.params), sum(p.size for p in network.params.values()))
        assert count == built, type(network).__name__
