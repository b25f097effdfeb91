"""IDX reader and writer: round trips, every kind of damage, and a property over arbitrary bytes."""

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bombs
from mnist_fakes import write_fake_dataset
from zerodl.datasets import IdxFormatError, read_idx, write_idx


def idx_bytes(type_code, shape, body):
    """An IDX file built by hand from the format's description, independently of write_idx."""
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + body


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((3, 4, 5)) * 100).astype(dtype)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_bytes_on_disk_match_the_format(tmp_path):
    labels = np.array([5, 0, 4, 1], dtype=np.uint8)
    write_idx(tmp_path / "labels", labels)
    assert (tmp_path / "labels").read_bytes() == b"\x00\x00\x08\x01" + b"\x00\x00\x00\x04" + bytes(
        [5, 0, 4, 1]
    )
    shorts = np.array([[1, -2]], dtype=np.int16)
    write_idx(tmp_path / "shorts", shorts)
    assert (tmp_path / "shorts").read_bytes() == idx_bytes(
        0x0B, (1, 2), b"\x00\x01\xff\xfe"
    )  # big-endian


# The format's six type bytes, each with struct's big-endian code and the native dtype.
TYPES = [
    (0x08, ">B", np.uint8),
    (0x09, ">b", np.int8),
    (0x0B, ">h", np.int16),
    (0x0C, ">i", np.int32),
    (0x0D, ">f", np.float32),
    (0x0E, ">d", np.float64),
]


@pytest.mark.parametrize("type_code, struct_code, dtype", TYPES)
def test_reads_and_writes_each_type_as_the_format_describes_it(
    tmp_path, type_code, struct_code, dtype
):
    values = [1, 2, 3, 4, 5, 100] if dtype == np.uint8 else [1, -2, 3, -4, 5, 100]
    if np.dtype(dtype).kind == "f":
        values = [v + 0.25 for v in values]
    body = b"".join(struct.pack(struct_code, v) for v in values)  # big-endian, by hand
    expected = np.array(values, dtype=dtype).reshape(2, 3)
    (tmp_path / "hand").write_bytes(idx_bytes(type_code, (2, 3), body))
    got = read_idx(tmp_path / "hand")
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, expected)
    write_idx(tmp_path / "written", expected)
    assert (tmp_path / "written").read_bytes() == idx_bytes(type_code, (2, 3), body)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    content = idx_bytes(0x08, (3,), b"\x01\x02\x03")
    (tmp_path / "labels").write_bytes(gzip.compress(content))  # compressed, no .gz in the name
    (tmp_path / "labels.gz").write_bytes(content)  # .gz in the name, not compressed
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), [1, 2, 3])
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.gz"), [1, 2, 3])


def test_write_is_deterministic_and_leaves_no_temporary_files(tmp_path):
    array = np.ones((2, 2), dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    first = (tmp_path / "a.gz").read_bytes()
    write_idx(tmp_path / "a.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["a.gz"]


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros(3, dtype=np.int64), "dtype"),
        (np.zeros(3, dtype=bool), "dtype"),
        (np.float32(1.0), "dimensions"),
    ],
)
def test_write_rejects_what_idx_cannot_store(tmp_path, array, message):
    with pytest.raises(ValueError, match=message):
        write_idx(tmp_path / "x", array)


GOOD = idx_bytes(0x08, (2, 2, 3), bytes(range(12)))


@pytest.mark.parametrize("cut", range(len(GOOD)))
def test_truncated_anywhere_is_rejected(tmp_path, cut):
    """Cut at every header byte (0..15) and at every data byte."""
    path = tmp_path / "x"
    path.write_bytes(GOOD[:cut])
    with pytest.raises(IdxFormatError, match="truncated") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_message_says_how_many_bytes(tmp_path):
    (tmp_path / "x").write_bytes(GOOD[:-5])
    with pytest.raises(IdxFormatError, match=r"truncated.*\(2, 2, 3\).*12 data bytes.*7"):
        read_idx(tmp_path / "x")


def test_extra_trailing_bytes_are_rejected(tmp_path):
    (tmp_path / "x").write_bytes(GOOD + b"\x00")
    with pytest.raises(IdxFormatError, match="extra trailing"):
        read_idx(tmp_path / "x")


@pytest.mark.parametrize("first_bytes", [b"\x00\x01", b"\x01\x00", b"PK", b"\xff\xff"])
def test_wrong_magic_number(tmp_path, first_bytes):
    (tmp_path / "x").write_bytes(first_bytes + GOOD[2:])
    with pytest.raises(IdxFormatError, match="magic number"):
        read_idx(tmp_path / "x")


@pytest.mark.parametrize("type_code", [0x00, 0x07, 0x0A, 0x0F, 0xFF])
def test_unknown_type_byte(tmp_path, type_code):
    (tmp_path / "x").write_bytes(GOOD[:2] + bytes([type_code]) + GOOD[3:])
    with pytest.raises(IdxFormatError, match="data-type byte"):
        read_idx(tmp_path / "x")


def test_zero_dimensions(tmp_path):
    (tmp_path / "x").write_bytes(b"\x00\x00\x08\x00\x07")
    with pytest.raises(IdxFormatError, match="0 dimensions"):
        read_idx(tmp_path / "x")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_more_dimensions_than_numpy_has_names_the_file(tmp_path, suffix):
    """65 dimensions of size 1 and one byte: the sizes add up, but no NumPy array has them."""
    path = tmp_path / f"deep-idx65{suffix}"
    data = idx_bytes(0x08, (1,) * 65, b"\x07")
    path.write_bytes(gzip.compress(data) if suffix else data)
    with pytest.raises(IdxFormatError, match="65 dimensions") as info:
        read_idx(path)
    assert str(path) in str(info.value)
    ok = tmp_path / "idx64"
    ok.write_bytes(idx_bytes(0x08, (1,) * 64, b"\x07"))
    assert read_idx(ok).shape == (1,) * 64


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_device_fifo_or_folder_is_refused_before_it_is_read(tmp_path, kind):
    path = {"device": Path("/dev/zero"), "fifo": tmp_path / "fifo", "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)  # opening it to read would wait for a writer forever
    with pytest.raises(IdxFormatError, match="not a regular file"):
        read_idx(path)


def test_wrong_number_of_dimensions_is_seen_as_wrong_size(tmp_path):
    """A header that claims 2 dimensions for a 3-dimensional body cannot add up."""
    (tmp_path / "x").write_bytes(GOOD[:3] + b"\x02" + GOOD[4:])
    with pytest.raises(IdxFormatError):
        read_idx(tmp_path / "x")


def test_huge_announced_size_fails_fast_without_allocating(tmp_path):
    (tmp_path / "x").write_bytes(idx_bytes(0x0E, (2**32 - 1,) * 4, b"\x00" * 8))
    with pytest.raises(IdxFormatError, match="truncated"):
        read_idx(tmp_path / "x")


def test_cut_off_gzip_stream(tmp_path):
    compressed = gzip.compress(idx_bytes(0x08, (1000,), bytes(range(250)) * 4))
    for cut in (len(compressed) // 2, len(compressed) - 4, 10):
        (tmp_path / "x.gz").write_bytes(compressed[:cut])
        with pytest.raises(IdxFormatError, match="gzip"):
            read_idx(tmp_path / "x.gz")


def test_damaged_gzip_stream(tmp_path):
    compressed = bytearray(gzip.compress(idx_bytes(0x08, (1000,), bytes(range(250)) * 4)))
    compressed[-6] ^= 0xFF  # a flipped byte in the CRC
    (tmp_path / "x.gz").write_bytes(bytes(compressed))
    with pytest.raises(IdxFormatError, match="gzip"):
        read_idx(tmp_path / "x.gz")


def test_valid_gzip_of_invalid_idx(tmp_path):
    (tmp_path / "x.gz").write_bytes(gzip.compress(GOOD[:-1]))
    with pytest.raises(IdxFormatError, match="truncated"):
        read_idx(tmp_path / "x.gz")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nothing-here")


def test_a_caller_catching_value_error_catches_a_damaged_file(tmp_path):
    """Code that guards a load with `except ValueError` (as for any bad input) keeps working."""
    (tmp_path / "bad").write_bytes(b"\x00\x00\x08\x03\x00")  # a header cut short
    with pytest.raises(ValueError, match="truncated|header"):
        read_idx(tmp_path / "bad")


# --- a small file never makes the reader allocate much (issue 12) ---------------------------------
# Each attempt runs in a fresh interpreter that reports how far its peak memory grew (bombs.py).

IMAGES_1GB = (1_369_000, 28, 28)  # uint8 "images": about 1 GB of zeros in a 1 MB gzip file


def test_a_gzip_bomb_is_refused_before_it_is_decompressed(tmp_path):
    path = bombs.gzip_bomb(tmp_path / "bomb.gz", idx_bytes(0x08, IMAGES_1GB, b""), 1024 * 2**20)
    assert path.stat().st_size < 2 * 2**20
    result = bombs.measure(f"lambda: zerodl.datasets.read_idx({str(path)!r})")
    assert result["peak_mb"] < 50 and result["seconds"] < 2, result
    assert result["error"][0] == "IdxFormatError", result
    assert "gzip bomb" in result["error"][1] and "(1369000, 28, 28)" in result["error"][1]


def test_a_gzip_bomb_in_a_data_folder_is_an_idx_format_error(tmp_path, monkeypatch):
    write_fake_dataset(tmp_path / "data")
    images = tmp_path / "data" / "train-images-idx3-ubyte.gz"
    bombs.gzip_bomb(images, idx_bytes(0x08, IMAGES_1GB, b""), 1024 * 2**20)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # seen by the interpreter
    call = f"lambda: zerodl.datasets.load_mnist(data_dir={str(tmp_path / 'data')!r})"
    result = bombs.measure(call)
    assert result["peak_mb"] < 50 and result["seconds"] < 2, result
    assert result["error"][0] == "IdxFormatError" and str(images) in result["error"][1], result


def test_a_raw_file_longer_than_its_header_says_is_refused_unread(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(0x08, (10,), bytes(128 * 2**20)))
    result = bombs.measure(f"lambda: zerodl.datasets.read_idx({str(path)!r})")
    assert result["peak_mb"] < 50, result
    assert result["error"][0] == "IdxFormatError" and "extra trailing" in result["error"][1]


def test_data_that_expands_a_little_more_than_declared_is_extra(tmp_path):
    (tmp_path / "x.gz").write_bytes(gzip.compress(GOOD + bytes(3 * 2**20)))
    with pytest.raises(IdxFormatError, match="extra trailing.*more data bytes than that"):
        read_idx(tmp_path / "x.gz")


def _parse_or_format_error(path):
    try:
        array = read_idx(path)
    except IdxFormatError:
        return None
    assert isinstance(array, np.ndarray)
    return array


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=64))
def test_arbitrary_bytes_parse_or_raise_idx_format_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x"
    path.write_bytes(data)
    _parse_or_format_error(path)
    path.write_bytes(gzip.compress(data))
    _parse_or_format_error(path)


@settings(max_examples=200, deadline=None)
@given(
    type_code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0x0A]),
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=4),
    tail=st.binary(max_size=40),
)
def test_plausible_headers_parse_or_raise_idx_format_error(
    tmp_path_factory, type_code, shape, tail
):
    """Near-valid files (a real header, a random body) reach the deeper checks."""
    path = tmp_path_factory.mktemp("fuzz") / "x"
    path.write_bytes(idx_bytes(type_code, tuple(shape), tail))
    array = _parse_or_format_error(path)
    if array is not None:
        assert array.shape == tuple(shape)
        assert array.nbytes == len(tail)
