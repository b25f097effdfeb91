"""Decompression bombs for the tests: small files that declare, or expand to, huge arrays.

Deflate turns a megabyte of zeros into about a kilobyte, and after a full flush it starts afresh,
so every further megabyte compresses to the very same bytes: a stream of a gigabyte of zeros is
one block repeated, made in a moment without compressing a gigabyte.
"""

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np

MB = 2**20


def deflated(prefix, zeros):
    """(raw deflate stream, CRC-32) of `prefix` followed by `zeros` zero bytes (whole MBs)."""
    assert zeros % MB == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(MB)) + c.flush(zlib.Z_FULL_FLUSH)
    stream = head + block * (zeros // MB) + c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(zeros // MB):
        crc = zlib.crc32(bytes(MB), crc)
    return stream, crc


def npy_header(shape, dtype=np.float32):
    """The bytes of a version 1.0 .npy header for an array of `shape` and `dtype`."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": tuple(shape)}  # fmt: skip
    text = repr(header).encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def write_zip(path, members):
    """A zip archive by hand: members {name: (bytes as stored, method, crc, size)}, where
    method is 0 (stored) or 8 (deflated) and size the uncompressed size."""
    out, central = bytearray(), bytearray()
    for name, (data, method, crc, size) in members.items():
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size,
                           len(n), 0) + n + data  # fmt: skip
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc,
                               len(data), size, len(n), 0, 0, 0, 0, 0, offset) + n  # fmt: skip
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(out), 0)  # fmt: skip
    path.write_bytes(bytes(out + central + end))
    return path


def stored_members(path):
    """{name: (bytes, 0, crc, size)} of an archive's members, to rewrite with write_zip."""
    with zipfile.ZipFile(path) as zf:
        return {
            info.filename: (zf.read(info), 0, info.CRC, info.file_size) for info in zf.infolist()
        }


def replace_with_zeros(path, name, shape, dtype=np.float32, method=8):
    """Rewrite the checkpoint at `path` with array `name` declared as zeros of `shape`:
    deflated (method 8, a bomb of about 1 kB per MB) or stored (method 0, the real bytes)."""
    members = stored_members(path)
    header = npy_header(shape, dtype)
    zeros = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if method == 8:
        stream, crc = deflated(header, zeros)
        members[f"{name}.npy"] = (stream, 8, crc, len(header) + zeros)
    else:
        data = header + bytes(zeros)
        members[f"{name}.npy"] = (data, 0, zlib.crc32(data), len(data))
    return write_zip(path, members)


def gzip_bomb(path, prefix, zeros):
    """A .gz file of `prefix` and `zeros` zero bytes (whole MBs): a few kB per GB."""
    stream, crc = deflated(prefix, zeros)
    header = b"\x1f\x8b\x08\x00" + b"\x00" * 4 + b"\x02\xff"
    trailer = struct.pack("<II", crc, (len(prefix) + zeros) % 2**32)
    path.write_bytes(header + stream + trailer)
    return path


PROBE = """
import json, time
import zerodl.checkpoint, zerodl.datasets

def peak_kb():  # the process's high-water mark of resident memory (a fresh one after exec;
    # ru_maxrss would carry over the parent's from before the exec)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

call = {call}
before = peak_kb()
start, cpu_start = time.perf_counter(), time.process_time()
try:
    call()
    error = None
except Exception as err:
    error = [type(err).__name__, str(err)]
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({{"error": error, "seconds": seconds, "cpu_seconds": cpu_seconds,
                  "peak_mb": (peak_kb() - before) / 1024}}))
"""


def measure(call):
    """Run `call` (Python source of a function of no arguments) in a fresh interpreter; the
    growth of its peak memory in MB, its seconds (wall clock, and "cpu_seconds" of its own
    CPU time, which a machine busy with other work does not inflate) and the error it raised
    ([type, message])."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(call=call)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def with_metadata(path, text, *, compress=True):
    """Rewrite the checkpoint at `path` with `text` (bytes) as its metadata, deflated (about 1
    kB per MB for repetitive text) or stored."""
    members = stored_members(path)
    data = npy_header((len(text),), np.uint8) + text
    if compress:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        members["__zerodl_meta__.npy"] = (c.compress(data) + c.flush(), 8, zlib.crc32(data),
                                          len(data))  # fmt: skip
    else:
        members["__zerodl_meta__.npy"] = (data, 0, zlib.crc32(data), len(data))
    return write_zip(path, members)


def add_zero_members(path, count, megabytes, prefix="extra/never_used"):
    """Add `count` deflated arrays of `megabytes` MB of zeros each (uint8) to the checkpoint."""
    members = stored_members(path)
    header = npy_header((megabytes * MB,), np.uint8)
    stream, crc = deflated(header, megabytes * MB)
    for i in range(count):
        members[f"{prefix}{i}.npy"] = (stream, 8, crc, len(header) + megabytes * MB)
    return write_zip(path, members)


def edit_metadata(path, edit, *, compress=False):
    """Rewrite the checkpoint at `path` with edit(meta) applied to its JSON metadata."""
    with zipfile.ZipFile(path) as zf:
        raw = zf.read("__zerodl_meta__.npy")
    meta = json.loads(np.lib.format.read_array(io.BytesIO(raw)).tobytes())
    edit(meta)
    return with_metadata(path, json.dumps(meta).encode(), compress=compress)
