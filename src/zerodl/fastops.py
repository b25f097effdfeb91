"""Both CPU cores for the layers: a small thread pool that splits the batch into parts.

Why this module exists: NumPy runs its copies and elementwise operations (im2col's copy, col2im's
adds, pooling, ReLU) on one core, and OpenBLAS parallelises a matrix product only inside that one
call. A convolution written as one huge im2col matrix is therefore half single-threaded and
memory bound (col is 45 MB for DeepConvNet's second layer: written once, read three times).

The layers that matter instead hand `parallel_batch` a function of a range of samples. It cuts the
batch into one contiguous part per core and runs the parts on worker threads at the same time
(NumPy releases the GIL in its loops and OpenBLAS calls, so the threads really run in parallel;
but each must take it back between two calls, and waits while the other holds it: fewer, longer
calls wait less. benchmarks/threads.py measures what the waiting costs).
While the parts run, OpenBLAS is told to use one thread (and its count is put back afterwards):
the workers already use every core, and OpenBLAS's own threads on top of them would only compete
for the same cores. (OpenBLAS's openblas_set_num_threads_local looks like the per-thread way to
say this, but in the OpenBLAS bundled with NumPy 2.4 it changes the count for every thread.)
One more thing has to go: after a multi-threaded call (an Affine layer's product), OpenBLAS's
threads keep spinning, waiting for more work, for a long while (2**28 cycles, ~0.1 s, unless
OPENBLAS_THREAD_TIMEOUT was set before NumPy started). A spinning thread holds a core, and the
workers then share the other one: DeepConvNet's step took 118 ms instead of 71. So before the
parts start, OpenBLAS's threads are stopped with blas_thread_shutdown_ (what OpenBLAS itself
calls before a fork; it does nothing when they are stopped already); OpenBLAS starts them again
at its next multi-threaded call, which costs some 0.1 ms.

The number of workers follows OpenBLAS's own thread count (OPENBLAS_NUM_THREADS, or a benchmark's
--threads), so that "1 thread" means one thread for zerodl too. Where NumPy's BLAS is not
OpenBLAS, the cores are counted instead; `set_num_threads` overrides both.

A second cost that is not arithmetic: a layer's output is a new array every step (a few MB:
100 x 30 x 24 x 24 float32 is 6.9 MB), and glibc's malloc gives the freed memory back to the
operating system when it sits at the top of the heap. The next step's array then gets fresh
pages, and the kernel zeroes each page on first touch: that doubled the time of ReLU in
SimpleConvNet. `keep_freed_memory` (called on import, glibc only) asks malloc to keep up to 1 GiB
of freed memory for reuse; arrays above 32 MiB are still mapped and unmapped each time, which is
why the layers reuse those themselves (zerodl.im2col.scratch).

Nothing here changes a result: the parts are the same computation on fewer samples, and any sum
over the batch (a weight gradient) is added up by the caller.
"""

import ctypes
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

_state = threading.local()  # .in_worker: True on the pool's threads, and in the caller's part
_pool = None
_pool_size = 0
_pool_lock = threading.Lock()
_num_threads = None  # set_num_threads's value; None: follow OpenBLAS


def _find_openblas():
    """(library, symbol prefix, symbol suffix) of NumPy's OpenBLAS, or None.

    The library is found among the files this process has mapped (as threadpoolctl does); its
    symbols carry a prefix and suffix that depend on how NumPy was built
    (scipy_openblas_get_num_threads64_ in NumPy 2 wheels).
    """
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_", ""):
            for suffix in ("64_", "_64", ""):
                if hasattr(lib, f"{prefix}openblas_get_num_threads{suffix}"):
                    return lib, prefix, suffix
    return None


_openblas = _find_openblas()


def openblas_function(name):
    """NumPy's OpenBLAS function openblas_<name> (a ctypes function), or None if it has none."""
    if _openblas is None:
        return None
    lib, prefix, suffix = _openblas
    return getattr(lib, f"{prefix}openblas_{name}{suffix}", None)


_blas_get_threads = openblas_function("get_num_threads")
_blas_set_threads = openblas_function("set_num_threads")
# What OpenBLAS itself calls before a fork: stops its threads (no prefix or suffix).
_blas_stop_threads = getattr(_openblas[0], "blas_thread_shutdown_", None) if _openblas else None
_blas_lock = threading.Lock()
_blas_users = 0  # parallel_batch calls running now (from any thread)
_blas_saved = None  # OpenBLAS's thread count before the first of them


@contextmanager
def _one_blas_thread():
    """OpenBLAS on one thread inside, its own count restored when the last user leaves."""
    global _blas_users, _blas_saved
    if _blas_set_threads is None:
        yield
        return
    with _blas_lock:
        if _blas_users == 0:
            _blas_saved = int(_blas_get_threads())
            _blas_set_threads(1)
            if _blas_stop_threads is not None and _blas_saved > 1:
                _blas_stop_threads()  # no spinning OpenBLAS threads while the workers run
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_set_threads(_blas_saved)


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


keep_freed_memory()


def num_threads():
    """How many parts `parallel_batch` makes: set_num_threads's value, else OpenBLAS's threads."""
    if _num_threads is not None:
        return _num_threads
    if _blas_get_threads is not None:
        with _blas_lock:  # while parts run, OpenBLAS says 1: its own count is saved
            return max(1, _blas_saved if _blas_users else int(_blas_get_threads()))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def set_num_threads(n):
    """Use n worker threads from now on (None: follow OpenBLAS's thread count again)."""
    global _num_threads
    if n is not None and not (int(n) == n and n >= 1):
        raise ValueError(f"the number of threads must be a positive int or None, got {n!r}")
    _num_threads = None if n is None else int(n)


def _worker_init():
    _state.in_worker = True


def _get_pool(size):
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(size, "zerodl", initializer=_worker_init)
            _pool_size = size
        return _pool


def _forget_pool_after_fork():
    """A forked child has none of the parent's threads: it starts a pool of its own if needed."""
    global _pool, _pool_size, _blas_users, _pool_lock, _blas_lock
    _pool, _pool_size, _blas_users = None, 0, 0
    _pool_lock, _blas_lock = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def split(n, parts):
    """[(start, stop), ...]: range(n) cut into `parts` contiguous pieces of nearly equal size."""
    parts = max(1, min(parts, n))
    return [(n * k // parts, n * (k + 1) // parts) for k in range(parts)]


# A part smaller than this many elements is not worth a thread: handing a part to a worker and
# waiting for it costs some 10-50 microseconds, as long as an elementwise pass over ~100,000.
MIN_PART_ELEMENTS = 1 << 16


def parallel_batch(fn, n, sample_size=None):
    """[fn(start, stop) for each part of range(n)], the parts run on one thread per core.

    The calling thread runs the first part itself while the pool's threads run the others
    (waking a sleeping thread costs 0.1 to 0.3 ms on the virtual machines measured, so the
    fewer the better).

    fn must write only to its own part of any output array. With `sample_size` (elements per
    sample) given, parts have at least MIN_PART_ELEMENTS elements, so that small arrays are done
    in one call. fn(0, n) runs in the calling thread when there is one thread or one part, or
    when called from inside a worker.
    """
    most = n if sample_size is None else min(n, n * sample_size // MIN_PART_ELEMENTS)
    threads = min(num_threads(), most) if most > 1 else 1
    if threads <= 1 or getattr(_state, "in_worker", False):
        return [fn(0, n)]
    (start, stop), *others = split(n, threads)
    pool = _get_pool(threads - 1)
    with _one_blas_thread():
        futures = [pool.submit(fn, a, z) for a, z in others]
        _state.in_worker = True  # the caller takes the first part itself: one thread less to wake
        try:
            first = fn(start, stop)
        finally:
            _state.in_worker = False
        return [first, *(future.result() for future in futures)]


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


LONG_INNER = 4096  # inner dimensions above this are cut into blocks of INNER_BLOCK
INNER_BLOCK = 1024


def add_matmul(acc, a, b):
    """acc += a @ b, for a (M, K) and b (K, N); in blocks of the inner dimension K if long.

    OpenBLAS runs products with a long inner dimension and a small result at half speed (a
    first convolution's dW: (25, 10080) @ (10080, 30) at 42 GFLOP/s on one core, 84 when cut
    into blocks of 1024). Products with K up to LONG_INNER are done in one call.
    """
    K = a.shape[1]
    if K <= LONG_INNER:
        acc += a @ b
        return acc
    for k in range(0, K, INNER_BLOCK):
        acc += a[:, k : k + INNER_BLOCK] @ b[k : k + INNER_BLOCK]
    return acc


def elementwise(*calls):
    """Run ufunc calls, each a tuple (ufunc, *inputs, out), on the batch in parts on every core.

        elementwise((np.greater, x, 0, mask), (np.maximum, x, 0, y))

    computes  mask = x > 0  and  y = max(x, 0)  as np.greater(x, 0, out=mask) and
    np.maximum(x, 0, out=y) would, with the batch (the first axis of each `out`) cut into one part
    per core; one thread runs all the calls of its part, so there is one thread to wake in all.
    Arrays with the batch axis (as many axes as `out` and its length) are cut; anything else
    (a scalar) is passed whole to every part.
    """
    n = len(calls[0][-1])
    if calls[0][-1].size < 2 * MIN_PART_ELEMENTS:  # one part: no closures, no pool
        for ufunc, *inputs, out in calls:
            ufunc(*inputs, out=out)
        return calls[-1][-1]

    def cut(arg, out, a, z):
        if isinstance(arg, np.ndarray) and arg.ndim == out.ndim and len(arg) == n:
            return arg[a:z]
        return arg

    def part(a, z):
        for ufunc, *inputs, out in calls:
            ufunc(*(cut(arg, out, a, z) for arg in inputs), out=out[a:z])

    parallel_batch(part, n, calls[0][-1][:1].size)
    return calls[-1][-1]


@functools.lru_cache(maxsize=32)
def zero_sample(shape, dtype):
    """A read-only array of zeros of `shape` (one sample's shape, with a leading axis of 1).

    np.maximum(x, 0) runs NumPy's slow loop for a scalar (about 10 GB/s here); against an array
    of zeros that broadcasts over the batch it runs the vectorised one, 2 to 3 times as fast.
    """
    zeros = np.zeros(shape, dtype=dtype)
    zeros.flags.writeable = False
    return zeros
