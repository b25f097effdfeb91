"""zerodl.distributed: N processes train the model one process would, and fail together.

The MPI tests start real processes with mpiexec (`pip install 'zerodl[mpi]'`); without it they
are skipped here, and fail under CI (which installs it), so that they cannot silently vanish.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mpi_programs
from mnist_fakes import write_fake_dataset
from zerodl import distributed
from zerodl.checkpoint import load_checkpoint
from zerodl.datasets.batches import minibatches
from zerodl.trainer import Trainer

TESTS = Path(__file__).resolve().parent


def find_mpiexec():
    """The mpiexec beside this Python (a venv with zerodl[mpi]), else on PATH; None if absent."""
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    try:
        import mpi4py  # noqa: F401 (only whether it is installed)
    except ImportError:
        return None
    return found


@pytest.fixture(scope="module")
def mpiexec():
    found = find_mpiexec()
    if found is None:
        message = "mpiexec and mpi4py are needed: pip install 'zerodl[mpi]'"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI installs them: see .ci/run)")
        pytest.skip(message)
    return found


def run_mpi(mpiexec, *args, processes=2, timeout=120, cwd=None, env=None):
    """`mpiexec -n PROCESSES ARGS...` (args may hold ':' for one command per process)."""
    command = [mpiexec, "-n", str(processes), *map(str, args)]
    environ = {**os.environ, **(env or {})}
    environ.pop("ZERODL_DEBUG", None)
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=environ
    )


def relative(a, b):
    """|a - b| / |b| over whole arrays (a norm, so that entries near zero do not dominate)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


# --- without MPI --------------------------------------------------------------------------------


def test_launched_processes_reads_what_mpiexec_sets():
    assert distributed.launched_processes({}) == 1
    assert distributed.launched_processes({"PMI_SIZE": "4"}) == 4  # MPICH, Intel MPI, srun
    assert distributed.launched_processes({"OMPI_COMM_WORLD_SIZE": "3"}) == 3  # Open MPI
    assert distributed.launched_processes({"PMI_SIZE": "banana"}) == 1


def test_world_without_mpi4py_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'zerodl\[mpi\]'"):
        distributed.world()


# --- N processes train what one process trains -------------------------------------------------


@pytest.fixture(scope="module")
def two_process_runs(mpiexec, tmp_path_factory):
    """Every model of mpi_programs trained by 2 processes; {(model, samples, rank): arrays}."""
    out = tmp_path_factory.mktemp("mpi")
    done = run_mpi(mpiexec, sys.executable, TESTS / "mpi_programs.py", "same", out)
    assert done.returncode == 0, done.stderr
    runs = {}
    for name in mpi_programs.MODELS:
        for samples in mpi_programs.SAMPLES:
            for rank in (0, 1):
                with np.load(out / f"{name}-{samples}-rank{rank}.npz") as f:
                    runs[name, samples, rank] = dict(f)
    return runs


@pytest.mark.parametrize("samples", mpi_programs.SAMPLES)
@pytest.mark.parametrize("name", mpi_programs.MODELS)
def test_every_process_ends_with_the_same_network(two_process_runs, name, samples):
    rank0, rank1 = two_process_runs[name, samples, 0], two_process_runs[name, samples, 1]
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        assert np.array_equal(rank0[key], rank1[key]), key


@pytest.mark.parametrize("samples", mpi_programs.SAMPLES)
@pytest.mark.parametrize("name", [m for m in mpi_programs.MODELS if "batchnorm" not in m])
def test_two_processes_train_what_one_process_trains(two_process_runs, name, samples):
    """float64, the same seed and global batch (10; the last of 7 or 1 samples): the same
    parameters, losses and accuracies, up to the order of additions."""
    two = two_process_runs[name, samples, 0]
    one = mpi_programs.results(mpi_programs.train(name, samples))
    assert one.keys() == two.keys()
    for key in one:
        if key.startswith(("param", "buffer", "step_loss", "loss", "val_loss")):
            assert relative(two[key], one[key]) <= 1e-10, key
        else:  # accuracies: the same answers counted
            assert np.array_equal(two[key], one[key]), key
    assert len(one["step_loss"]) == mpi_programs.EPOCHS * -(-samples // mpi_programs.BATCH)


def simulate_two_processes(name, samples):
    """What the README says distributed batch norm does, done in one process: each half of a
    batch is normalised with its own statistics, the gradients and running statistics are
    averaged, weighted by the halves' sizes."""
    network, x, t = mpi_programs.build(name)
    trainer = Trainer(network, "adam", batch_size=mpi_programs.BATCH, seed=0, verbose=False)
    x, t = x[:samples], t[:samples]
    running = network.buffers
    for _ in range(mpi_programs.EPOCHS):
        for x_batch, index in minibatches(
            x, np.arange(samples), mpi_programs.BATCH, seed=trainer.rng
        ):
            start = {k: b.copy() for k, b in running.items()}
            grads = {k: np.zeros_like(p) for k, p in network.params.items()}
            stats = {k: np.zeros_like(b) for k, b in running.items()}
            n = len(index)
            for part in (slice(0, n // 2), slice(n // 2, n)):
                if part.stop == part.start:
                    continue
                for k, b in running.items():
                    b[...] = start[k]
                share = network.gradient(x_batch[part], t[index][part])
                weight = (part.stop - part.start) / n
                for k in grads:
                    grads[k] += weight * share[k]
                for k in stats:
                    stats[k] += weight * running[k]
            for k, b in running.items():
                b[...] = stats[k]
            trainer.optimizer.update(network.params, grads)
    return network


@pytest.mark.parametrize("samples", mpi_programs.SAMPLES)
@pytest.mark.parametrize("name", [m for m in mpi_programs.MODELS if "batchnorm" in m])
def test_batch_norm_normalises_each_share_and_averages_running_statistics(
    two_process_runs, name, samples
):
    two = two_process_runs[name, samples, 0]
    network = simulate_two_processes(name, samples)
    assert network.buffers, "the model has batch norm"
    for key, value in {**network.params, **network.buffers}.items():
        prefix = "param" if key in network.params else "buffer"
        assert relative(two[f"{prefix}:{key}"], value) <= 1e-10, key
    # ... which is not what one process does with whole batches
    one = mpi_programs.results(mpi_programs.train(name, samples))
    assert relative(two["param:W1"], one["param:W1"]) > 1e-6


def test_one_allreduce_per_step_and_a_core_each(mpiexec, tmp_path):
    done = run_mpi(mpiexec, sys.executable, TESTS / "mpi_programs.py", "inspect", tmp_path)
    assert done.returncode == 0, done.stderr
    reports = [json.loads((tmp_path / f"inspect-rank{r}.json").read_text()) for r in (0, 1)]
    steps = mpi_programs.EPOCHS * -(-47 // mpi_programs.BATCH)
    for report in reports:
        calls = [tuple(call) for call in report["calls"]]
        # one fingerprint check at the start and after each epoch; per step one Allreduce of
        # every gradient, the loss and the correct count; per evaluation one of two sums
        one_buffer = ("Allreduce", report["parameters"] + 2)
        assert calls.count(one_buffer) == steps
        assert calls.count(("Allreduce", 2)) == mpi_programs.EPOCHS
        assert calls.count(("Allgather", 1)) == 1 + mpi_programs.EPOCHS
        assert len(calls) == steps + 2 * mpi_programs.EPOCHS + 1
    cores = len(os.sched_getaffinity(0))
    for report in reports:
        assert report["threads_each"] == report["blas_threads"] == report["kernel_threads"]
        assert report["threads_each"] == max(1, cores // 2)
    if cores >= 2:  # each process on cores of its own
        assert not set(reports[0]["cores"]) & set(reports[1]["cores"])


# --- failing together ---------------------------------------------------------------------------


def test_an_error_in_one_process_ends_the_job(mpiexec):
    """Process 1 raises at its third step while process 0 waits in the Allreduce: MPI Abort ends
    both (python -m mpi4py, as the README says), with process 1's error and a non-zero status."""
    command = (sys.executable, "-m", "mpi4py", TESTS / "mpi_programs.py", "fail")
    done = run_mpi(mpiexec, *command, timeout=60)  # a hang fails here (TimeoutExpired)
    assert done.returncode != 0
    assert "planted failure in process 1 at step 3" in done.stderr


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def fake_data(tmp_path):
    """A small random MNIST (300 training, 100 test images) and an empty user cache."""
    write_fake_dataset(tmp_path / "data" / "mnist", n_train=300, n_test=100)
    (tmp_path / "cache").mkdir()
    return {"ZERODL_DATA": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def zerodl_command():
    return [sys.executable, "-m", "zerodl"]


def test_mpiexec_zerodl_train_writes_one_run_and_resumes(mpiexec, tmp_path, fake_data):
    train = [*zerodl_command(), "train", "--model", "mlp", "--hidden", "20", "--no-progress"]
    done = run_mpi(mpiexec, *train, "--epochs", "2", "--out", "run", cwd=tmp_path, env=fake_data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("epoch 1/2") == 1  # process 0 alone prints
    assert done.stdout.count("epoch 2/2") == 1
    assert "on 2 processes" in done.stderr
    run = tmp_path / "run"
    for name in ("last.npz", "best.npz", "metrics.csv", "config.json", "loss.png"):
        assert (run / name).is_file(), name
    assert load_checkpoint(run / "last.npz").epoch == 2

    resume = [*zerodl_command(), "train", "--resume", "run", "--epochs", "3", "--no-progress"]
    resumed = run_mpi(mpiexec, *resume, cwd=tmp_path, env=fake_data)
    assert resumed.returncode == 0, resumed.stderr
    straight = run_mpi(
        mpiexec, *train, "--epochs", "3", "--out", "straight", cwd=tmp_path, env=fake_data
    )
    assert straight.returncode == 0, straight.stderr
    a, b = load_checkpoint(run / "last.npz"), load_checkpoint(tmp_path / "straight" / "last.npz")
    assert a.epoch == b.epoch == 3
    for key, value in b.network.params.items():
        assert np.array_equal(a.network.params[key], value), key


def test_a_dataset_missing_in_one_process_is_one_clear_error(mpiexec, tmp_path, fake_data):
    """Process 1 finds no data (and cannot download it: a dead proxy); process 0 has it. The job
    ends, with process 1's dataset message, instead of process 0 waiting for it forever."""
    train = [*zerodl_command(), "train", "--model", "mlp", "--epochs", "1", "--no-progress"]
    missing = tmp_path / "nothing-here"
    dead = "http://127.0.0.1:9"
    done = run_mpi(
        mpiexec,
        *train, "--out", "a",
        ":", "-n", "1", "-env", "ZERODL_DATA", missing,
        "-env", "HTTPS_PROXY", dead, "-env", "HTTP_PROXY", dead, *train, "--out", "a",
        processes=1, cwd=tmp_path, env=fake_data, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "zerodl train (process 1 of 2): error: MNIST was not found" in done.stderr
    assert "Traceback" not in done.stderr


def test_divergence_stops_every_process_together_with_one_line(mpiexec, tmp_path, fake_data):
    train = [*zerodl_command(), "train", "--model", "mlp", "--epochs", "2", "--no-progress"]
    done = run_mpi(mpiexec, *train, "--lr", "1e6", "--out", "run", cwd=tmp_path, env=fake_data)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "training diverged" in errors[0], done.stderr
    assert "Abort" not in done.stderr  # every process saw the same loss: no one was left waiting


@pytest.mark.slow
def test_one_epoch_on_mnist_scores_as_one_process_does(mpiexec, tmp_path, mnist_dir):
    """float32, real MNIST, SimpleConvNet, 1 epoch: the test accuracy of 2 processes is within
    0.3% of one process's."""
    train = [*zerodl_command(), "train", "--epochs", "1", "--no-progress", "--data-dir", mnist_dir]
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    two = run_mpi(mpiexec, *train, "--out", "two", cwd=tmp_path, env=env, timeout=600)
    assert two.returncode == 0, two.stderr
    one = subprocess.run(
        [*train, "--out", "one"], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert one.returncode == 0, one.stderr
    accuracy = {}
    for name in ("one", "two"):
        history = load_checkpoint(tmp_path / name / "last.npz").trainer_state["history"]
        accuracy[name] = history["val_acc"][-1]
        assert len(history["step_loss"]) == 600  # 60,000 images in global batches of 100
    assert accuracy["one"] > 0.97
    assert abs(accuracy["two"] - accuracy["one"]) <= 0.003, accuracy


# --- one process: the same methods, so that the Trainer's loop has one path ---------------------


def test_one_process_has_every_method_the_trainer_calls_on_a_process_group():
    public = {n for n in vars(distributed.ProcessGroup) if not n.startswith("_")}
    public -= {"share_cores"}  # the command's tuning of its process, not the loop's
    assert public <= set(dir(distributed.OneProcess))
    one = distributed.OneProcess()
    assert (one.rank, one.size, one.is_root) == (0, 1, True)
    assert one.share(7) == slice(0, 7)
    np.testing.assert_array_equal(one.sum([1.5, 2]), [1.5, 2.0])


def test_a_trainer_without_comm_steps_through_a_one_process_group():
    from zerodl.networks import MultiLayerNet

    network = MultiLayerNet(4, [5], 3, seed=0)
    trainer = Trainer(network, "sgd", batch_size=8, seed=0, verbose=False)
    assert isinstance(trainer.group, distributed.OneProcess)
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((8, 4)).astype(np.float32), rng.integers(0, 3, 8)
    grads, loss, correct = trainer.group.gradient(network, x, t, t)
    assert loss == pytest.approx(network.loss(x, t))
    assert correct == int((network.predict(x).argmax(axis=1) == t).sum())
    assert set(grads) == set(network.params)
