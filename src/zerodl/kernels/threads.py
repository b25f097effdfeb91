"""Both CPU cores for the fast kernels: a small thread pool that splits the batch into parts.

Why this module exists: NumPy runs its copies and elementwise operations (im2col's copy, pooling,
ReLU) on one core, and OpenBLAS parallelises a matrix product only inside that one call. The
fast kernels instead hand `parallel_batch` a function of a range of samples. It cuts the batch
into one contiguous part per core and runs the parts on worker threads at the same time (NumPy
releases Python's interpreter lock in its loops and OpenBLAS calls, so the threads really run in
parallel; but each must take the lock back between two calls, and waits while the other holds
it: fewer, longer calls wait less. benchmarks/threads.py measures what the waiting costs).

While the parts run, OpenBLAS is told to use one thread (its count is put back afterwards): the
workers already use every core, and OpenBLAS's own threads on top of them would only compete for
the same cores. One more thing has to go: after a multi-threaded call (an Affine layer's
product), OpenBLAS's threads keep spinning, waiting for more work, for some 0.1 s. A spinning
thread holds a core, and the workers then share the other one (DeepConvNet's step took 118 ms
instead of 71). So before the parts start, OpenBLAS's threads are stopped with
blas_thread_shutdown_ (what OpenBLAS itself calls before a fork); OpenBLAS starts them again at
its next multi-threaded call, which costs some 0.1 ms.

NumPy's BLAS is found and its thread count read and set through threadpoolctl, once, the first
time a kernel needs it (never on import). The number of workers follows BLAS's own thread count
(OPENBLAS_NUM_THREADS, or threadpoolctl's limits), so that "1 thread" means one thread for
zerodl too; `set_num_threads` overrides it.

Nothing here changes a result: the parts are the same computation on fewer samples, and any sum
over the batch (a weight gradient) is added up by the caller.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

_state = threading.local()  # .in_worker: True on the pool's threads, and in the caller's part
_pool = None
_pool_size = 0
_pool_lock = threading.Lock()
_num_threads = None  # set_num_threads's value; None: follow BLAS
_fork_hook_registered = False


class _Blas:
    """NumPy's BLAS as threadpoolctl sees it: its thread count, and OpenBLAS's thread stop."""

    def __init__(self):
        from threadpoolctl import ThreadpoolController  # a kept library; found once, lazily

        blas = ThreadpoolController().select(user_api="blas").lib_controllers
        self.controller = blas[0] if blas else None
        dynlib = getattr(self.controller, "dynlib", None)
        openblas = self.controller is not None and self.controller.internal_api == "openblas"
        # What OpenBLAS itself calls before a fork: stops its threads (no prefix or suffix).
        self.stop_threads = getattr(dynlib, "blas_thread_shutdown_", None) if openblas else None
        self.lock = threading.Lock()
        self.users = 0  # parallel_batch calls running now (from any thread)
        self.saved = None  # BLAS's thread count before the first of them

    def get(self):
        return int(self.controller.get_num_threads())

    def set(self, n):
        self.controller.set_num_threads(n)


_blas = None


def blas():
    """The _Blas of this process (created on first use, not on import)."""
    global _blas
    if _blas is None:
        _blas = _Blas()
    return _blas


def blas_info():
    """threadpoolctl's description of NumPy's BLAS (name, version, threads, architecture)."""
    controller = blas().controller
    return controller.info() if controller is not None else {}


@contextmanager
def _one_blas_thread():
    """BLAS on one thread inside, its own count restored when the last user leaves."""
    lib = blas()
    if lib.controller is None:
        yield
        return
    with lib.lock:
        if lib.users == 0:
            lib.saved = lib.get()
            lib.set(1)
            if lib.stop_threads is not None and lib.saved > 1:
                lib.stop_threads()  # no spinning OpenBLAS threads while the workers run
        lib.users += 1
    try:
        yield
    finally:
        with lib.lock:
            lib.users -= 1
            if lib.users == 0:
                lib.set(lib.saved)


def num_threads():
    """How many parts `parallel_batch` makes: set_num_threads's value, else BLAS's threads."""
    if _num_threads is not None:
        return _num_threads
    lib = blas()
    if lib.controller is not None:
        with lib.lock:  # while parts run, BLAS says 1: its own count is saved
            return max(1, lib.saved if lib.users else lib.get())
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def set_num_threads(n):
    """Use n worker threads from now on (None: follow BLAS's thread count again)."""
    global _num_threads
    if n is not None and not (int(n) == n and n >= 1):
        raise ValueError(f"the number of threads must be a positive int or None, got {n!r}")
    _num_threads = None if n is None else int(n)


def set_blas_threads(n):
    """Set NumPy's BLAS to n threads (through threadpoolctl); returns the count it had."""
    lib = blas()
    if lib.controller is None:
        return None
    before = lib.get()
    lib.set(int(n))
    return before


def _worker_init():
    _state.in_worker = True


def _get_pool(size):
    global _pool, _pool_size, _fork_hook_registered
    with _pool_lock:
        if _pool is None or _pool_size < size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(size, "zerodl", initializer=_worker_init)
            _pool_size = size
            if not _fork_hook_registered:  # once, when there are threads to forget
                os.register_at_fork(after_in_child=_forget_pool_after_fork)
                _fork_hook_registered = True
        return _pool


def _forget_pool_after_fork():
    """A forked child has none of the parent's threads: it starts a pool of its own if needed."""
    global _pool, _pool_size, _pool_lock
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()
    if _blas is not None:
        _blas.users, _blas.lock = 0, threading.Lock()


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
