"""The worker threads (zerodl.kernels.threads), scratch memory (kernels.memory) and the kernels
that use them: the same results on any number of threads and with any split of the batch."""

import threading

import numpy as np
import pytest
import threadpoolctl

from zerodl.im2col import col2im, im2col
from zerodl.kernels import conv, elementwise, memory
from zerodl.kernels import threads as pool
from zerodl.kernels.conv import col2im_wide, im2col_wide, wide_shape
from zerodl.layers.pooling import Pooling
from zerodl.layers.relu import ReLU


@pytest.fixture
def threads():
    """Run a test with the kernels set to n threads and tiny parts; restore the defaults after."""
    saved = pool.MIN_PART_ELEMENTS

    def use(n):
        pool.set_num_threads(n)
        pool.MIN_PART_ELEMENTS = 1  # split even the smallest arrays

    yield use
    pool.set_num_threads(None)
    pool.MIN_PART_ELEMENTS = saved


@pytest.mark.parametrize("n, parts", [(10, 1), (10, 3), (7, 2), (2, 5), (1, 2), (0, 2)])
def test_split_covers_the_range_in_order(n, parts):
    pieces = pool.split(n, parts)
    covered = [i for start, stop in pieces for i in range(start, stop)]
    assert covered == list(range(n))
    sizes = [stop - start for start, stop in pieces]
    assert max(sizes) - min(sizes) <= 1


def test_parallel_batch_runs_every_part_once_in_order(threads):
    threads(3)
    seen = []
    results = pool.parallel_batch(lambda a, z: seen.append((a, z)) or (a, z), 10)
    assert results == pool.split(10, 3)
    assert sorted(seen) == results


def test_parallel_batch_uses_other_threads_and_nests_inline(threads):
    threads(2)
    main = threading.get_ident()

    def outer(a, z):
        inner = pool.parallel_batch(lambda b, y: threading.get_ident(), 8)
        return threading.get_ident(), inner

    (first, first_inner), (second, second_inner) = pool.parallel_batch(outer, 4)
    assert first == main != second  # the caller runs the first part, a worker the second
    assert first_inner == [main] and second_inner == [second]  # nested: one part, inline


def test_one_thread_runs_in_the_caller(threads):
    threads(1)
    assert pool.parallel_batch(lambda a, z: (threading.get_ident(), a, z), 9) == [
        (threading.get_ident(), 0, 9)
    ]


def test_small_arrays_are_not_split():
    pool.set_num_threads(2)
    try:
        assert pool.parallel_batch(lambda a, z: (a, z), 100, sample_size=10) == [(0, 100)]
    finally:
        pool.set_num_threads(None)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_set_num_threads_checks_its_argument(bad):
    with pytest.raises((ValueError, TypeError)):
        pool.set_num_threads(bad)


def test_num_threads_follows_set_num_threads_then_blas_again():
    blas = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
    if not blas:
        pytest.skip("NumPy's BLAS is not one threadpoolctl knows: no thread count to follow")
    pool.set_num_threads(3)
    try:
        assert pool.num_threads() == 3
    finally:
        pool.set_num_threads(None)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        assert pool.num_threads() == 1  # the BLAS count, read through threadpoolctl
    assert pool.num_threads() == blas[0].get_num_threads()


def test_thread_scratch_is_reused_per_name_shape_and_dtype():
    a = memory.thread_scratch("t", (3, 4), np.float32, zeros=True)
    assert not a.any()
    assert memory.thread_scratch("t", (3, 4), np.float32) is a
    assert memory.thread_scratch("t", (4, 3), np.float32) is not a
    assert memory.thread_scratch("t", (3, 4), np.float64) is not a
    assert memory.thread_scratch("u", (3, 4), np.float32) is not a
    other = []
    thread = threading.Thread(
        target=lambda: other.append(memory.thread_scratch("t", (3, 4), np.float32))
    )
    thread.start()
    thread.join()
    assert other[0] is not a  # every thread has its own


def test_thread_scratch_starts_afresh_when_full_but_a_hit_stays_a_hit(monkeypatch):
    monkeypatch.setattr(memory, "_MAX_SCRATCH", 3)
    memory._state.scratch = {}
    first = [memory.thread_scratch("full", (k,), np.float32) for k in range(3)]
    assert all(memory.thread_scratch("full", (k,), np.float32) is first[k] for k in range(3))
    memory.thread_scratch("full", (3,), np.float32)  # a fourth: the cache is cleared first
    assert len(memory._state.scratch) == 1
    assert memory.thread_scratch("full", (0,), np.float32) is not first[0]


@pytest.mark.skipif(
    not __import__("sys").platform.startswith("linux")
    or __import__("platform").libc_ver()[0] != "glibc",
    reason="mallopt is glibc's",
)
def test_keep_freed_memory_works_on_glibc():
    assert memory.keep_freed_memory() is True


@pytest.mark.parametrize("n", [1, 2, 3])
def test_relu_same_on_any_number_of_threads(threads, n):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 4, 4)).astype(np.float32)
    dout = rng.standard_normal(x.shape).astype(np.float32)
    threads(n)
    relu = ReLU()
    np.testing.assert_array_equal(relu.forward(x), np.maximum(x, 0))
    np.testing.assert_array_equal(relu.backward(dout), np.where(x > 0, dout, 0))


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("shape", [(5, 3, 8, 8), (4, 2, 7, 9)])
def test_max_pool_same_on_any_number_of_threads(threads, n, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    dout = rng.standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2))
    reference = Pooling(2)
    reference.use_views = False  # the book's im2col method, one thread
    expected, expected_dx = reference.forward(x), reference.backward(dout)
    threads(n)
    pool = Pooling(2)
    for _ in range(2):  # the second step reuses the first step's buffers
        np.testing.assert_array_equal(pool.forward(x), expected)
        np.testing.assert_array_equal(pool.backward(dout), expected_dx)


@pytest.mark.parametrize("fh, fw, pad", [(3, 3, 1), (5, 5, 0), (3, 3, 2), (2, 3, 1), (1, 1, 0)])
def test_wide_im2col_is_im2col_with_junk_columns(fh, fw, pad):
    rng = np.random.default_rng(2)
    n, C, H, W = 2, 3, 6, 7
    x = rng.standard_normal((n, C, H, W))
    xp = np.zeros(wide_shape(x.shape, pad))
    xp[:, :, pad : pad + H, pad : pad + W] = x
    OH, OW, Wp = H + 2 * pad - fh + 1, W + 2 * pad - fw + 1, W + 2 * pad
    out = np.empty((C * fh * fw, n * OH * Wp))
    wide = im2col_wide(xp, fh, fw, out).reshape(-1, n, OH, Wp)
    expected = im2col(x, fh, fw, 1, pad).T.reshape(-1, n, OH, OW)
    np.testing.assert_array_equal(wide[..., :OW], expected)

    # col2im_wide is its adjoint, and col2im's when the junk columns are zero
    dcol = rng.standard_normal(wide.shape)
    dcol[..., OW:] = 0
    img = col2im_wide(dcol.reshape(out.shape), fh, fw, np.empty(xp.shape))
    folded = col2im(dcol[..., :OW].reshape(-1, n * OH * OW).T, x.shape, fh, fw, 1, pad)
    np.testing.assert_allclose(img[:, :, pad : pad + H, pad : pad + W], folded, atol=1e-12)
    assert np.isclose(np.sum(img * xp), np.sum(dcol * wide))


@pytest.mark.parametrize("n", [1, 2])
def test_inference_forward_is_the_training_forward(threads, n):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3, 8, 9)).astype(np.float32)
    threads(n)
    for layer in (ReLU(), Pooling(2)):  # the layers whose train=False path is a separate one
        np.testing.assert_array_equal(layer.forward(x, train=False), layer.forward(x))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_pool_of_its_own(threads):
    import os

    threads(2)
    pool.parallel_batch(lambda a, z: None, 4)  # the parent's pool exists now
    pid = os.fork()
    if pid == 0:  # the child: must not wait forever on the parent's threads
        ok = False
        try:
            ok = pool.parallel_batch(lambda a, z: (a, z), 4) == [(0, 2), (2, 4)]
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


@pytest.mark.parametrize(
    "K",
    [
        1,
        7,
        conv.LONG_INNER,
        conv.LONG_INNER + 1,
        3 * conv.INNER_BLOCK + 5 + conv.LONG_INNER,
    ],
)
def test_add_matmul_adds_the_product(K):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, K)), rng.standard_normal((K, 2))
    acc = np.ones((3, 2))
    assert conv.add_matmul(acc, a, b) is acc
    np.testing.assert_allclose(acc, 1 + a @ b, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_elementwise_is_the_ufunc_calls_on_the_whole_batch(threads, n):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 3, 4))
    mask, y, z = np.empty(x.shape, dtype=bool), np.empty_like(x), np.empty_like(x)
    threads(n)
    result = elementwise.elementwise(
        (np.greater, x, 0, mask), (np.maximum, x, 0.5, y), (np.multiply, x, mask, z)
    )
    assert result is z
    np.testing.assert_array_equal(mask, x > 0)
    np.testing.assert_array_equal(y, np.maximum(x, 0.5))
    np.testing.assert_array_equal(z, x * (x > 0))


def test_zero_sample_is_a_cached_read_only_array_of_zeros():
    zeros = elementwise.zero_sample((1, 3, 4), np.dtype(np.float32))
    assert zeros.shape == (1, 3, 4) and zeros.dtype == np.float32 and not zeros.any()
    assert elementwise.zero_sample((1, 3, 4), np.dtype(np.float32)) is zeros
    with pytest.raises(ValueError):
        zeros[0, 0, 0] = 1


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("shape", [(6,), (4, 5), (3, 2, 2, 3)])
def test_relu_of_infinities_and_nan_as_np_maximum(threads, n, shape):
    x = np.resize(np.array([-np.inf, np.inf, np.nan, -0.0, 0.0, -2.5, 3.5], np.float32), shape)
    threads(n)
    for train in (True, False):
        y = ReLU().forward(x, train=train)
        np.testing.assert_array_equal(y, np.maximum(x, 0))
        assert y.dtype == np.float32 and y.shape == shape
