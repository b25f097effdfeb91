"""The IDX file format, MNIST's: read_idx, write_idx and IdxFormatError.

An IDX file is a tiny header followed by the raw numbers of one N-dimensional array. Byte by byte:

    offset  size  meaning
    0       2     0x00 0x00: always zero
    2       1     the data type of every element:
                    0x08 unsigned byte (uint8)   0x09 signed byte (int8)
                    0x0B short, 2 bytes (int16)  0x0C int, 4 bytes (int32)
                    0x0D float, 4 bytes          0x0E double, 8 bytes
    3       1     the number of dimensions, D (1 for labels, 3 for images)
    4       4*D   the size of each dimension, a big-endian unsigned 32-bit integer each
    4+4*D   ...   the elements in C order (last index fastest), big-endian, nothing after them

So the 4-byte "magic number" at the start of MNIST's train-images-idx3-ubyte is 0x00000803
(uint8 elements, 3 dimensions); it is followed by 60000, 28, 28 and then 60000*28*28 bytes.
train-labels-idx1-ubyte starts 0x00000801 (uint8, 1 dimension), then 60000, then 60000 bytes.

The files are usually distributed gzip-compressed (``.gz``). Since an IDX file always starts with
two zero bytes and a gzip stream always starts with 0x1F 0x8B, `read_idx` tells them apart by
their first bytes, whatever the file is called.

`read_idx` checks every field of the header and that the file holds exactly the number of bytes
the header announces, before it allocates the array (a gzip stream: before it decompresses the
data, which may expand at most MAX_GZIP_EXPANSION times). Anything wrong raises `IdxFormatError`
(a ValueError) naming the file and the problem, never a bare assert or a NumPy reshape error.
"""

import gzip
import stat
import zlib
from pathlib import Path

import numpy as np

from zerodl.atomic import atomic_write

__all__ = ["IdxFormatError", "read_idx", "write_idx"]

# type byte -> big-endian NumPy dtype of the elements on disk
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# the reverse: NumPy dtype (any byte order) -> type byte
_TYPE_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}

GZIP_MAGIC = b"\x1f\x8b"
_MAX_DIM = 2**32 - 1  # each size is an unsigned 32-bit integer
# A gzip stream may expand at most this much once it exceeds MIN_SUSPECT_BYTES: MNIST's images
# expand 5 times; a stream of zeros, 1000 times.
MAX_GZIP_EXPANSION = 50
MIN_SUSPECT_BYTES = 16 * 2**20
READ_CHUNK = 2**20
MAX_DIMS = 64  # NumPy's limit on an array's dimensions (numpy.ndarray cannot have more)


class IdxFormatError(ValueError):
    """A file is not a valid IDX file (or not the IDX file it was expected to be)."""


def read_idx(path):
    """Read one IDX file (raw or gzip-compressed) into a NumPy array.

    The header is read first; the data is read only once the sizes it declares are known to be
    there: a raw file must hold exactly that many bytes (its size on disk says so before anything
    is allocated), and a gzip stream may not expand more than MAX_GZIP_EXPANSION times (real
    data compresses a few times; a "gzip bomb" of zeros a thousand times). The data is then
    decompressed straight into the array, never more than the header announced.

    Args:
        path: the file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        An array in native byte order with the shape and element type given by the header,
        e.g. uint8 (60000, 28, 28) for MNIST's training images.

    Raises:
        IdxFormatError: the file is not valid IDX: a bad magic number or type byte, a header cut
            short, fewer or more data bytes than the header announces, a damaged gzip stream, or
            one that would expand beyond belief.
        FileNotFoundError: there is no such file.
    """
    path = Path(path)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # /dev/zero would be read without end, a FIFO wait
        raise IdxFormatError(f"{path} is not a regular file (a folder, device, FIFO or socket)")
    size = info.st_size
    with open(path, "rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _read(raw, path, size, None)
        try:
            with gzip.GzipFile(fileobj=raw) as stream:
                return _read(stream, path, None, size)
        except EOFError as err:  # the stream stops before its end marker: a cut-off download
            raise IdxFormatError(
                f"{path}: the gzip stream is cut off ({err}); the file is incomplete, "
                "delete it and get it again"
            ) from None
        except (OSError, zlib.error) as err:  # gzip.BadGzipFile is an OSError; bad CRC, data
            raise IdxFormatError(
                f"{path}: the gzip stream is damaged ({err}); delete the file and get it again"
            ) from None


def _read(stream, path, size, compressed_size):
    """The array of the IDX bytes in `stream`: a raw file of `size` bytes, or a gzip stream of
    a file of `compressed_size` bytes (its uncompressed size unknown until read)."""
    head = stream.read(4)
    if len(head) < 4:
        raise IdxFormatError(
            f"{path}: truncated: {len(head)} bytes, too short for the 4-byte IDX magic number"
        )
    if head[0] != 0 or head[1] != 0:
        raise IdxFormatError(
            f"{path}: bad magic number 0x{head.hex()}: an IDX file starts with two zero "
            "bytes (e.g. 0x00000803 for images, 0x00000801 for labels)"
        )
    type_code, ndim = head[2], head[3]
    if type_code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise IdxFormatError(
            f"{path}: unknown data-type byte 0x{type_code:02X} (magic number "
            f"0x{head.hex()}); IDX knows {known}"
        )
    if ndim == 0:
        raise IdxFormatError(f"{path}: the header says the array has 0 dimensions")
    if ndim > MAX_DIMS:
        raise IdxFormatError(
            f"{path}: the header says the array has {ndim} dimensions; NumPy arrays have at "
            f"most {MAX_DIMS} (MNIST's have 1 or 3)"
        )
    header_size = 4 + 4 * ndim
    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IdxFormatError(
            f"{path}: truncated header: {ndim} dimensions need {header_size} header "
            f"bytes, the file has {4 + len(sizes)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(sizes, dtype=">u4"))
    dtype = IDX_DTYPES[type_code]
    expected = dtype.itemsize
    for d in shape:  # Python ints: no overflow, however large the sizes
        expected *= d
    if size is not None and size - header_size != expected:  # raw: the size on disk tells
        _wrong_size(path, shape, dtype, expected, size - header_size)
    if compressed_size is not None:
        allowed = max(MAX_GZIP_EXPANSION * compressed_size, MIN_SUSPECT_BYTES)
        if header_size + expected > allowed:
            raise IdxFormatError(
                f"{path}: the header announces shape {shape} of {dtype.name} ({expected:,} "
                f"bytes) from a gzip file of {compressed_size:,} bytes: more than "
                f"{MAX_GZIP_EXPANSION} to 1, which no real data compresses (a gzip bomb, or a "
                "damaged header); delete the file and get it again"
            )
    data = np.empty(expected // dtype.itemsize, dtype=dtype)  # (prod(shape),) big-endian
    actual = _read_into(stream, memoryview(data).cast("B"))
    if actual == expected and stream.read(1):
        actual = None  # more than announced (not read to the end: it could be a lot more)
    if actual != expected:
        _wrong_size(path, shape, dtype, expected, actual)
    # native byte order, in place of the bytes as read (no copy for single bytes)
    return data.astype(dtype.newbyteorder("="), copy=False).reshape(shape)


def _read_into(stream, buffer):
    """Fill `buffer` from `stream` in chunks; the number of bytes read (less at the end)."""
    done = 0
    while done < len(buffer):
        n = stream.readinto(buffer[done : done + READ_CHUNK])
        if not n:
            break
        done += n
    return done


def _wrong_size(path, shape, dtype, expected, actual):
    """Raise the error of a file that holds `actual` data bytes (None: more than expected)."""
    problem = "truncated" if actual is not None and actual < expected else "extra trailing"
    holds = f"{actual} data bytes" if actual is not None else "more data bytes than that"
    raise IdxFormatError(
        f"{path}: {problem} data: the header announces shape {shape} of {dtype.name} "
        f"({expected} data bytes) but the file holds {holds}"
    )


def write_idx(path, array):
    """Write `array` to `path` as an IDX file, gzip-compressed when the name ends in ``.gz``.

    The file is written to a temporary name in the same folder and renamed when complete, so a
    reader never sees half a file.

    Args:
        path: where to write.
        array: an array of uint8, int8, int16, int32, float32 or float64 with 1 to 64
            dimensions (the most read_idx, and NumPy, handle), each smaller than 2**32.

    Raises:
        ValueError: the array's type or shape cannot be stored in IDX.
    """
    path = Path(path)
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _TYPE_CODES:
        raise ValueError(
            f"IDX cannot store dtype {array.dtype}; use one of uint8, int8, int16, int32, "
            "float32, float64"
        )
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions, the array has {array.ndim}")
    if any(d > _MAX_DIM for d in array.shape):
        raise ValueError(f"IDX sizes are 32-bit: shape {array.shape} is too large")

    code = _TYPE_CODES[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    body = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    content = header + body
    if path.name.endswith(".gz"):
        content = gzip.compress(content, mtime=0)  # mtime=0: same array, same bytes
    with atomic_write(path) as f:
        f.write(content)
