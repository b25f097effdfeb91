"""load_mnist and load_fashion_mnist: the book's outputs, the search order, validation, the cache.

Most tests use small fake datasets written with write_idx; the tests at the end use the real
MNIST files (found through ZERODL_DATA) and skip with a reason when they are absent.
"""

import gzip
import hashlib
import os
import re
import time

import numpy as np
import pytest

from mnist_fakes import FILE_NAMES, cache_dir, fake_arrays, no_local_data, write_fake_dataset
from zerodl.datasets import (
    DatasetNotFoundError,
    IdxFormatError,
    load_dataset,
    load_fashion_mnist,
    load_mnist,
)
from zerodl.datasets import download as download_module
from zerodl.datasets import mnist as mnist_module


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test reads the real home, ZERODL_DATA or /usr/share/datasets, or touches the network."""
    no_local_data(tmp_path, monkeypatch)

    def no_network(*args, **kwargs):
        raise download_module.DownloadError("downloading is disabled in this test", [])

    monkeypatch.setattr(download_module, "download", no_network)


# --- what load_mnist returns -------------------------------------------------------------------


def test_default_is_the_books_flat_normalized_float32(tmp_path):
    arrays = write_fake_dataset(tmp_path / "data")
    (x_train, t_train), (x_test, t_test) = load_mnist(data_dir=tmp_path / "data")
    assert x_train.shape == (30, 784) and x_test.shape == (10, 784)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert t_train.shape == (30,) and t_train.dtype == np.int64
    # an independent computation: pixel / 255, in float64, then rounded to float32
    expected = (arrays["x_train"].reshape(30, -1).astype(np.float64) / 255.0).astype(np.float32)
    np.testing.assert_array_equal(x_train, expected)
    np.testing.assert_array_equal(t_train, arrays["t_train"])
    np.testing.assert_array_equal(t_test, arrays["t_test"])
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0


def test_not_normalized_keeps_uint8_values(tmp_path):
    arrays = write_fake_dataset(tmp_path / "data")
    (x_train, _), (x_test, _) = load_mnist(normalize=False, data_dir=tmp_path / "data")
    assert x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, arrays["x_train"].reshape(30, 784))
    np.testing.assert_array_equal(x_test, arrays["x_test"].reshape(10, 784))


def test_not_flattened_is_nchw(tmp_path):
    arrays = write_fake_dataset(tmp_path / "data")
    (x_train, _), (x_test, _) = load_mnist(flatten=False, data_dir=tmp_path / "data")
    assert x_train.shape == (30, 1, 28, 28) and x_test.shape == (10, 1, 28, 28)
    np.testing.assert_array_equal(x_train[7, 0] * 255, arrays["x_train"][7].astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float16"])
def test_one_hot_labels_in_dtype(tmp_path, dtype):
    arrays = write_fake_dataset(tmp_path / "data")
    (x_train, t_train), _ = load_mnist(one_hot_label=True, dtype=dtype, data_dir=tmp_path / "data")
    assert t_train.shape == (30, 10) and t_train.dtype == np.dtype(dtype)
    assert x_train.dtype == np.dtype(dtype)
    for row, label in zip(t_train, arrays["t_train"], strict=True):
        assert row[label] == 1 and row.sum() == 1


def test_positional_arguments_as_in_the_book(tmp_path):
    write_fake_dataset(tmp_path / "data")
    (x_train, t_train), _ = load_mnist(False, False, True, data_dir=tmp_path / "data")
    assert x_train.shape == (30, 1, 28, 28) and x_train.dtype == np.uint8
    assert t_train.shape == (30, 10)


def test_integer_dtype_is_refused(tmp_path):
    write_fake_dataset(tmp_path / "data")
    with pytest.raises(ValueError, match="floating"):
        load_mnist(dtype=np.int32, data_dir=tmp_path / "data")


def test_each_call_returns_fresh_arrays(tmp_path):
    write_fake_dataset(tmp_path / "data")
    (x1, t1), _ = load_mnist(data_dir=tmp_path / "data")
    x1[:] = 7
    t1[:] = 7
    (x2, t2), _ = load_mnist(data_dir=tmp_path / "data")
    assert x2.max() <= 1.0 and not np.all(t2 == 7)


def test_raw_uncompressed_files_work(tmp_path):
    arrays = write_fake_dataset(tmp_path / "data", gz=False)
    (_, t_train), _ = load_mnist(data_dir=tmp_path / "data")
    np.testing.assert_array_equal(t_train, arrays["t_train"])


@pytest.mark.parametrize("name", ["fashion-mnist", "fashion_mnist", "Fashion-MNIST"])
def test_load_dataset_by_name(tmp_path, name):
    arrays = write_fake_dataset(tmp_path / "data" / "fashion-mnist", seed=3)
    write_fake_dataset(tmp_path / "data" / "mnist", seed=4)
    (_, t_train), _ = load_dataset(name, data_dir=tmp_path / "data")
    np.testing.assert_array_equal(t_train, arrays["t_train"])
    (_, t_fashion), _ = load_fashion_mnist(data_dir=tmp_path / "data")
    np.testing.assert_array_equal(t_fashion, arrays["t_train"])


def test_load_dataset_unknown_name():
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'.*mnist, fashion-mnist"):
        load_dataset("cifar10")


# --- where the files come from -----------------------------------------------------------------


def labels_from(**kwargs):
    (_, t_train), _ = load_mnist(**kwargs)
    return t_train


def test_zerodl_data_with_a_subfolder_per_dataset(tmp_path, monkeypatch):
    arrays = write_fake_dataset(tmp_path / "shared" / "mnist", seed=1)
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    np.testing.assert_array_equal(labels_from(), arrays["t_train"])


def test_zerodl_data_holding_the_files_itself(tmp_path, monkeypatch):
    arrays = write_fake_dataset(tmp_path / "flat", seed=1)
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "flat"))
    np.testing.assert_array_equal(labels_from(), arrays["t_train"])


def test_user_cache_honours_xdg_cache_home(tmp_path):
    arrays = write_fake_dataset(cache_dir(tmp_path), seed=2)
    np.testing.assert_array_equal(labels_from(), arrays["t_train"])


def test_system_folder(tmp_path):
    arrays = write_fake_dataset(tmp_path / "usr-share-datasets" / "mnist", seed=5)
    np.testing.assert_array_equal(labels_from(), arrays["t_train"])


def test_search_order(tmp_path, monkeypatch):
    """data_dir, then $ZERODL_DATA/mnist, $ZERODL_DATA, the user cache, the system folder."""
    system = write_fake_dataset(tmp_path / "usr-share-datasets" / "mnist", seed=10)
    np.testing.assert_array_equal(labels_from(), system["t_train"])
    user = write_fake_dataset(cache_dir(tmp_path), seed=11)
    np.testing.assert_array_equal(labels_from(), user["t_train"])
    flat = write_fake_dataset(tmp_path / "shared", seed=12)
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    np.testing.assert_array_equal(labels_from(), flat["t_train"])
    sub = write_fake_dataset(tmp_path / "shared" / "mnist", seed=13)
    np.testing.assert_array_equal(labels_from(), sub["t_train"])
    given = write_fake_dataset(tmp_path / "given", seed=14)
    np.testing.assert_array_equal(labels_from(data_dir=tmp_path / "given"), given["t_train"])
    assert not np.array_equal(given["t_train"], sub["t_train"])  # the seeds do differ


def test_a_folder_counts_only_with_all_four_files(tmp_path, monkeypatch):
    write_fake_dataset(tmp_path / "shared" / "mnist", seed=1)
    (tmp_path / "shared" / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    user = write_fake_dataset(cache_dir(tmp_path), seed=2)
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    np.testing.assert_array_equal(labels_from(), user["t_train"])


def test_a_data_dir_without_the_files_is_searched_first_then_the_rest_with_a_warning(tmp_path):
    cached = write_fake_dataset(cache_dir(tmp_path), seed=3)  # not where we were told to look
    (tmp_path / "typo").mkdir()
    with pytest.warns(UserWarning, match="not in data_dir") as caught:
        (_, t_train), _ = load_mnist(data_dir=tmp_path / "typo")
    np.testing.assert_array_equal(t_train, cached["t_train"])
    message = str(caught[0].message)
    assert str(tmp_path / "typo") in message and str(cache_dir(tmp_path)) in message
    assert caught[0].filename == __file__  # points at the caller's line, not zerodl's
    with pytest.warns(UserWarning, match="not in data_dir") as caught:
        load_dataset("mnist", data_dir=tmp_path / "typo")  # a deeper path into the same code
    assert caught[0].filename == __file__


def test_a_data_dir_with_the_files_gives_no_warning(tmp_path, recwarn):
    write_fake_dataset(cache_dir(tmp_path), seed=3)
    given = write_fake_dataset(tmp_path / "given", seed=4)
    np.testing.assert_array_equal(labels_from(data_dir=tmp_path / "given"), given["t_train"])
    assert not [w for w in recwarn if "data_dir" in str(w.message)]


def test_not_found_with_a_data_dir_lists_it_first_then_every_other_place(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(data_dir=tmp_path / "typo")
    places = re.findall(r"^  - (.+?)  \((.+?); (.+?)\)$", str(info.value), flags=re.M)
    assert [why for _, why, _ in places] == [
        "data_dir",
        "data_dir",
        "user cache",
        "system folder",
    ]
    assert {lacks for _, _, lacks in places} == {"no such folder"}
    assert info.value.places == [f"{folder}  ({why}; {lacks})" for folder, why, lacks in places]
    assert places[0][0] == str(tmp_path / "typo" / "mnist")
    assert places[1][0] == str(tmp_path / "typo")


def test_offline_with_no_files_lists_every_place_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    write_fake_dataset(tmp_path / "shared" / "mnist")
    (tmp_path / "shared" / "mnist" / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for folder in [
        tmp_path / "shared" / "mnist",
        tmp_path / "shared",
        cache_dir(tmp_path),
        tmp_path / "usr-share-datasets" / "mnist",
    ]:
        assert f"  - {folder}  (" in message
    assert "3 of the 4 files, missing train-images-idx3-ubyte" in message
    shared = tmp_path / "shared"
    assert f"  - {shared}  (ZERODL_DATA={shared}; it holds none of the 4 files)" in message
    for name in FILE_NAMES.values():
        assert f"{name}.gz" in message
    assert "ZERODL_DATA" in message and "data_dir" in message
    assert "Downloading failed" in message


def test_download_false_never_downloads(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("download was called")

    monkeypatch.setattr(download_module, "download", fail)
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        load_mnist(download=False)


def test_fashion_mnist_is_looked_for_in_its_own_subfolders(tmp_path, monkeypatch):
    write_fake_dataset(tmp_path / "shared" / "mnist")
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "shared"))
    with pytest.raises(DatasetNotFoundError, match="Fashion-MNIST was not found") as info:
        load_fashion_mnist()
    assert str(tmp_path / "shared" / "fashion-mnist") in str(info.value)
    assert str(cache_dir(tmp_path, "fashion-mnist")) in str(info.value)


# --- files that do not hold MNIST --------------------------------------------------------------


def test_labels_count_differs_from_images_count(tmp_path):
    arrays = fake_arrays()
    arrays["t_train"] = arrays["t_train"][:-1]
    write_fake_dataset(tmp_path / "data", arrays)
    with pytest.raises(IdxFormatError, match="29 labels but .*train-images.* 30 images"):
        load_mnist(data_dir=tmp_path / "data")


def test_labels_outside_0_to_9(tmp_path):
    arrays = fake_arrays()
    arrays["t_test"][3] = 10
    write_fake_dataset(tmp_path / "data", arrays)
    with pytest.raises(IdxFormatError, match=r"t10k-labels.*0\.\.9, found \[10\]"):
        load_mnist(data_dir=tmp_path / "data")


@pytest.mark.parametrize("shape", [(30, 28, 27), (30, 784), (30, 1, 28, 28)])
def test_images_that_are_not_28x28(tmp_path, shape):
    arrays = fake_arrays()
    arrays["x_train"] = np.zeros(shape, dtype=np.uint8)
    write_fake_dataset(tmp_path / "data", arrays)
    with pytest.raises(IdxFormatError, match="train-images.*28x28"):
        load_mnist(data_dir=tmp_path / "data")


def test_images_that_are_not_uint8(tmp_path):
    arrays = fake_arrays()
    arrays["x_test"] = arrays["x_test"].astype(np.float32)
    write_fake_dataset(tmp_path / "data", arrays)
    with pytest.raises(IdxFormatError, match="t10k-images.*uint8"):
        load_mnist(data_dir=tmp_path / "data")


def test_a_truncated_file_names_the_file(tmp_path):
    write_fake_dataset(tmp_path / "data")
    path = tmp_path / "data" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IdxFormatError, match=re.escape(str(path))):
        load_mnist(data_dir=tmp_path / "data")


def test_mnist_and_fashion_mnist_are_told_apart_by_their_label_counts():
    mnist_counts = mnist_module.MNIST_TRAIN_LABEL_COUNTS
    mnist_labels = np.repeat(np.arange(10, dtype=np.uint8), mnist_counts)  # (60000,)
    fashion_labels = np.repeat(np.arange(10, dtype=np.uint8), 6000)  # (60000,)
    mnist_module._check_is("mnist", mnist_labels, "x")
    mnist_module._check_is("fashion-mnist", fashion_labels, "x")
    with pytest.raises(IdxFormatError, match="Fashion-MNIST, not MNIST"):
        mnist_module._check_is("mnist", fashion_labels, "x")
    with pytest.raises(IdxFormatError, match="MNIST's labels, not Fashion-MNIST's"):
        mnist_module._check_is("fashion-mnist", mnist_labels, "x")


# --- the parsed cache --------------------------------------------------------------------------


@pytest.fixture
def count_parses(monkeypatch):
    calls = []
    real = mnist_module.read_idx

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(mnist_module, "read_idx", counting)
    return calls


def test_second_load_comes_from_the_cache(tmp_path, count_parses):
    arrays = write_fake_dataset(tmp_path / "data")
    first = labels_from(data_dir=tmp_path / "data")
    assert len(count_parses) == 4
    assert (cache_dir(tmp_path) / "parsed.npz").is_file()
    second = labels_from(data_dir=tmp_path / "data")
    assert len(count_parses) == 4  # not parsed again
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(second, arrays["t_train"])


def test_the_cache_goes_to_the_user_cache_not_the_data_folder(tmp_path):
    write_fake_dataset(tmp_path / "data")
    before = sorted(os.listdir(tmp_path / "data"))
    load_mnist(data_dir=tmp_path / "data")
    assert sorted(os.listdir(tmp_path / "data")) == before
    assert os.listdir(cache_dir(tmp_path)) == ["parsed.npz"]  # and no temporary file left


def test_the_cache_is_rebuilt_when_a_source_file_changes(tmp_path, count_parses):
    write_fake_dataset(tmp_path / "data", seed=1)
    labels_from(data_dir=tmp_path / "data")
    newer = write_fake_dataset(tmp_path / "data", seed=2)
    for name in FILE_NAMES.values():  # make sure the modification times differ too
        os.utime(tmp_path / "data" / f"{name}.gz", ns=(0, 1_000_000_000))
    np.testing.assert_array_equal(labels_from(data_dir=tmp_path / "data"), newer["t_train"])
    assert len(count_parses) == 8


def test_the_cache_is_rebuilt_when_the_source_moves(tmp_path, count_parses):
    one = write_fake_dataset(tmp_path / "one", seed=1)
    two = write_fake_dataset(tmp_path / "two", seed=2)
    np.testing.assert_array_equal(labels_from(data_dir=tmp_path / "one"), one["t_train"])
    np.testing.assert_array_equal(labels_from(data_dir=tmp_path / "two"), two["t_train"])


def damage_truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_garbage(path):
    path.write_bytes(b"not a zip file at all")


def damage_empty(path):
    path.write_bytes(b"")


def damage_flip_a_data_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # somewhere in the middle of the images
    path.write_bytes(bytes(data))


def damage_wrong_shapes(path):
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["x_train"] = arrays["x_train"][:, :27]
    np.savez(path, **arrays)


def damage_missing_key(path):
    with np.load(path) as npz:
        arrays = dict(npz)
    del arrays["t_test"]
    np.savez(path, **arrays)


def damage_pickled_object(path):
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["t_train"] = np.array([{"evil": 1}], dtype=object)
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "damage",
    [
        damage_truncate,
        damage_garbage,
        damage_empty,
        damage_flip_a_data_byte,
        damage_wrong_shapes,
        damage_missing_key,
        damage_pickled_object,
    ],
)
def test_a_damaged_cache_is_detected_and_rebuilt(tmp_path, count_parses, damage):
    arrays = write_fake_dataset(tmp_path / "data")
    load_mnist(data_dir=tmp_path / "data")
    damage(cache_dir(tmp_path) / "parsed.npz")
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=False, data_dir=tmp_path / "data")
    assert len(count_parses) == 8  # parsed again
    np.testing.assert_array_equal(x_train, arrays["x_train"].reshape(30, 784))
    np.testing.assert_array_equal(t_train, arrays["t_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"].reshape(10, 784))
    np.testing.assert_array_equal(t_test, arrays["t_test"])
    load_mnist(data_dir=tmp_path / "data")
    assert len(count_parses) == 8  # and the rebuilt cache is used


def test_an_unwritable_cache_only_warns(tmp_path, monkeypatch):
    arrays = write_fake_dataset(tmp_path / "data")
    (tmp_path / "a-file").write_bytes(b"")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))  # cannot hold folders
    with pytest.warns(UserWarning, match="could not write the dataset cache") as caught:
        (_, t_train), _ = load_mnist(data_dir=tmp_path / "data")
    np.testing.assert_array_equal(t_train, arrays["t_train"])
    assert caught[0].filename == __file__  # the user's line


# --- the real MNIST (skipped with a reason when absent; CI provides it) -------------------------


def read_sha256sums(folder):
    sums = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def readme_label_counts(folder):
    text = (folder / "README.md").read_text()
    train = re.search(r"train:\s*([\d ]+);", text).group(1).split()
    test = re.search(r"test:\s*([\d ]+)\.", text).group(1).split()
    return [int(c) for c in train], [int(c) for c in test]


def open_real(folder, name):
    """The decompressed bytes of `name` in `folder`, whether stored as .gz or raw."""
    if (folder / f"{name}.gz").exists():
        return gzip.decompress((folder / f"{name}.gz").read_bytes())
    return (folder / name).read_bytes()


@pytest.mark.slow
def test_real_files_match_their_sha256sums(mnist_dir):
    if not (mnist_dir / "SHA256SUMS").exists():
        pytest.skip(f"no SHA256SUMS beside the real MNIST in {mnist_dir}")
    sums = read_sha256sums(mnist_dir)
    for name in FILE_NAMES.values():
        assert hashlib.sha256(open_real(mnist_dir, name)).hexdigest() == sums[name], name


@pytest.fixture
def real_data_env(mnist_dir, monkeypatch):
    """ZERODL_DATA pointing at the real MNIST, as CI sets it (the files in mnist/ or flat)."""
    root = mnist_dir.parent if mnist_dir.name == "mnist" else mnist_dir
    monkeypatch.setenv("ZERODL_DATA", str(root))
    return mnist_dir


@pytest.mark.slow
def test_real_mnist_through_zerodl_data(real_data_env):
    if not (real_data_env / "README.md").exists():
        pytest.skip(f"no README.md with label counts beside the real MNIST in {real_data_env}")
    train_counts, test_counts = readme_label_counts(real_data_env)
    (x_train, t_train), (x_test, t_test) = load_mnist()
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and t_train.dtype == np.int64
    assert np.bincount(t_train, minlength=10).tolist() == train_counts
    assert np.bincount(t_test, minlength=10).tolist() == test_counts
    assert t_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the famous first digits
    assert abs(float(x_train.mean()) - 0.1307) < 1e-3  # the mean everyone normalizes with
    assert x_train.min() == 0.0 and x_train.max() == 1.0


@pytest.mark.slow
def test_real_mnist_second_load_is_well_under_a_second(real_data_env):
    load_mnist()  # parses and fills the cache
    times = []
    for _ in range(3):  # the best of three, so that a busy machine does not fail the test
        start = time.perf_counter()
        (x_train, _), _ = load_mnist(flatten=False, one_hot_label=True)
        times.append(time.perf_counter() - start)
    assert x_train.shape == (60000, 1, 28, 28)
    assert min(times) < 0.5, f"the cached loads took {times} s"


@pytest.mark.slow
def test_real_mnist_is_not_taken_for_fashion_mnist(real_data_env):
    with pytest.raises(IdxFormatError, match="MNIST's labels, not Fashion-MNIST's"):
        load_fashion_mnist(data_dir=real_data_env)
