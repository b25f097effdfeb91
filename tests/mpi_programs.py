"""Training runs for tests/test_distributed.py, run the same way in one process and under mpiexec.

    mpiexec -n 2 python tests/mpi_programs.py same OUT        # writes OUT/MODEL-N-rankR.npz
    mpiexec -n 2 python -m mpi4py tests/mpi_programs.py fail  # process 1 fails at step 3

The test runs `train` itself (comm=None) for the single-process side and compares.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

from zerodl.layers import Dropout
from zerodl.networks import MultiLayerNet, registry
from zerodl.trainer import Trainer

# float64 models: the registry's small instances, without dropout (each process draws its own
# masks, by design) where the model has it.
MODELS = ("two_layer", "mlp", "simple_cnn", "deep_cnn", "mlp_batchnorm", "deep_cnn_batchnorm")
SAMPLES = (47, 41)  # batch 10: a last batch of 7 (shares of 3 and 4), and of 1 (one share empty)
BATCH = 10
EPOCHS = 2


def build(name, seed=0):
    """(network, x, t) of `name`, float64, with 60 random samples."""
    if name.startswith("mlp"):
        network = MultiLayerNet(
            12,
            [8, 6],
            4,
            use_batchnorm=name == "mlp_batchnorm",
            weight_decay_lambda=0.1,
            seed=seed,
            dtype=np.float64,
        )
        shape = (12,)
    else:
        model = registry.get(name.removesuffix("_batchnorm"))
        args = dict(model.small_args)
        if "batchnorm" in name:
            args["use_batchnorm"] = True
        network = model.network(**args, seed=seed, dtype=np.float64)
        shape = model.small_input
    for layer in network.layers:
        if isinstance(layer, Dropout):
            layer.dropout_ratio = 0.0
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((60, *shape))
    t = rng.integers(0, 4, size=60)
    return network, x, t


def train(name, samples, comm=None):
    """Train model `name` on `samples` samples for EPOCHS epochs (Adam, batch 10, seed 0), with
    the last 13 samples as validation data; returns the trainer."""
    network, x, t = build(name)
    trainer = Trainer(network, "adam", batch_size=BATCH, seed=0, verbose=False, comm=comm)
    trainer.fit(x[:samples], t[:samples], EPOCHS, validation_data=(x[-13:], t[-13:]))
    return trainer


def results(trainer):
    """The arrays to compare: parameters, running statistics and the history's figures."""
    history = trainer.history
    return {
        **{f"param:{k}": a for k, a in trainer.network.params.items()},
        **{f"buffer:{k}": a for k, a in (trainer.network.buffers or {}).items()},
        "step_loss": np.array(history["step_loss"]),
        "loss": np.array(history["loss"]),
        "acc": np.array(history["acc"]),
        "val_loss": np.array(history["val_loss"]),
        "val_acc": np.array(history["val_acc"]),
    }


def fail(comm):
    """Process 1 raises at its third step; the others would wait for it in the Allreduce."""

    def augment(x_batch, rng):
        if comm.Get_rank() == 1 and augment.calls == 2:
            raise RuntimeError("planted failure in process 1 at step 3")
        augment.calls += 1
        return x_batch

    augment.calls = 0
    network, x, t = build("two_layer")
    trainer = Trainer(network, batch_size=BATCH, seed=0, verbose=False, comm=comm, augment=augment)
    trainer.fit(x, t, epochs=100)


class CountingComm:
    """A communicator that passes every call on and counts the collective ones."""

    def __init__(self, comm):
        self.comm, self.calls = comm, []

    def __getattr__(self, name):
        method = getattr(self.comm, name)
        if name in ("Allreduce", "Allgather", "Bcast"):

            def counted(*args, **kwargs):
                buffer = args[1] if name == "Allreduce" else args[0]
                self.calls.append((name, int(np.asarray(buffer).size)))
                return method(*args, **kwargs)

            return counted
        return method


def inspect(comm, out):
    """What a training run asks of MPI, and what share_cores gives each process."""
    from zerodl import distributed
    from zerodl.kernels import threads

    group = distributed.ProcessGroup(CountingComm(comm))
    network, x, t = build("two_layer")
    trainer = Trainer(network, "adam", batch_size=BATCH, seed=0, verbose=False, comm=group)
    trainer.fit(x[:47], t[:47], EPOCHS, validation_data=(x[-13:], t[-13:]))
    report = {
        "calls": group.comm.calls,
        "parameters": int(sum(a.size for a in network.params.values())),
        "threads_each": group.share_cores(),
        "cores": sorted(os.sched_getaffinity(0)),
        "blas_threads": threads.blas().get(),
        "kernel_threads": threads.num_threads(),
    }
    (out / f"inspect-rank{comm.Get_rank()}.json").write_text(json.dumps(report))


def main(argv):
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    scenario = argv[0]
    if scenario == "fail":
        fail(comm)
        return
    out = Path(argv[1])
    if scenario == "inspect":
        inspect(comm, out)
        return
    for name in MODELS:
        for samples in SAMPLES:
            trainer = train(name, samples, comm)
            np.savez(out / f"{name}-{samples}-rank{comm.Get_rank()}.npz", **results(trainer))


if __name__ == "__main__":
    main(sys.argv[1:])
