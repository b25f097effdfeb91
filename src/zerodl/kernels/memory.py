"""Memory for the fast kernels: scratch buffers reused from step to step, and malloc's tuning.

Why this module exists: memory traffic, not arithmetic, is the cost of a CNN step on a CPU. A
layer's temporary arrays are a few MB each (100 x 30 x 24 x 24 float32 is 6.9 MB), and an array
that gets fresh pages from the operating system pays for the kernel zeroing each page on first
touch, about as much as the copy itself. Two remedies:

- Scratch buffers. A kernel asks for its temporary arrays by name (`thread_scratch`) and gets the
  same memory back at the next step. Each thread has its own, so the parts of a batch that run at
  the same time never share one.
- glibc's malloc keeps freed memory for reuse (`keep_freed_memory`). This changes the whole
  process, so zerodl never does it on import: the `zerodl` command does it for itself, and a
  program that wants the same calls `zerodl.tune_process()`.
"""

import ctypes
import threading

import numpy as np

_state = threading.local()  # .scratch: this thread's buffers
_MAX_SCRATCH = 256  # buffers kept per thread (DeepConvNet training and inference: 73-86, ~32 MiB)


def thread_scratch(name, shape, dtype, zeros=False):
    """An uninitialised buffer owned by the calling thread, handed out again on the next call.

    Each (name, shape, dtype) gets its own buffer, so that the parts of one layer and the layers
    of one network do not share one. With zeros=True a new buffer starts filled with zeros: for
    callers that write only part of it and rely on the rest staying zero (padding borders).
    """
    cache = getattr(_state, "scratch", None)
    if cache is None:
        cache = _state.scratch = {}
    key = (name, tuple(shape), dtype)
    buffer = cache.get(key)
    if buffer is None:
        if len(cache) >= _MAX_SCRATCH:  # shapes keep changing: start afresh rather than grow
            cache.clear()
        buffer = cache[key] = (np.zeros if zeros else np.empty)(shape, dtype=dtype)
    return buffer


def reuse(cached, shape, dtype):
    """An uninitialised array of `shape` and `dtype`: `cached` itself when it fits, else new.

    For an array a layer keeps between forward and backward (a mask): last step's memory.
    """
    if cached is not None and cached.shape == tuple(shape) and cached.dtype == dtype:
        return cached
    return np.empty(shape, dtype=dtype)


def keep_freed_memory():
    """Tell glibc's malloc to keep freed memory (up to 1 GiB) for reuse; False if not glibc.

    Arrays up to 32 MiB (glibc's largest mmap threshold) then come from the heap, where the
    pages of earlier steps are already mapped. This holds for the whole process.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # from glibc's malloc.h
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
        )
    except (OSError, AttributeError):  # not Linux, or not glibc
        return False
