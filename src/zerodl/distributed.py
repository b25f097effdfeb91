"""Data-parallel training over MPI: one model, N processes, each on a share of every batch.

    mpiexec -n 2 zerodl train --model deep_cnn            # both cores of a laptop, no GIL between
    mpiexec -n 8 -f hosts zerodl train --model deep_cnn   # eight processes on the hosts listed

or from Python, with the same seed in every process (run it with ``mpiexec -n 2 python -m mpi4py
script.py``, so that an error in one process ends them all):

    group = zerodl.distributed.world()        # MPI.COMM_WORLD; imports mpi4py only now
    group.share_cores()                        # this process's own cores, one BLAS thread each
    trainer = Trainer(network, "adam", batch_size=100, seed=0, comm=group)
    trainer.fit(x_train, t_train, epochs=5)    # every process holds the same network after it

What one training step does in every process (rank r of N), in ProcessGroup.gradient:

    x_batch, t_batch = the global batch             # the same seeded order in every process
    x_r, t_r = its share: samples [start_r, stop_r)  # contiguous, sizes differ by at most one
    grads_r = network.gradient(x_r, t_r)             # the mean gradient over the share
    w_r = len(x_r) / len(x_batch)
    buffer = [w_r * grads_r ..., w_r * running statistics ..., w_r * loss_r, correct_r]
    Allreduce(buffer, SUM)                           # ONE call over ONE contiguous buffer
    # now every process holds the global batch's mean gradient and loss
    optimizer.update(params, grads)                  # the same update everywhere

The weights w_r make the sum the mean over the whole batch, also when the shares differ in size
(a short last batch), so the run is the one a single process makes with the same seed and batch
size, up to the order of floating-point additions (tests/distributed checks 1e-10 in float64).

Batch norm: each process normalises its share with its share's own mean and variance (as
PyTorch's DistributedDataParallel does without SyncBatchNorm); with 2 processes and batch 100,
that is the statistics of 50 samples. The running statistics are averaged over the processes in
the same Allreduce, so every process keeps the same ones. Dropout: each process draws its own
masks (process 0 the masks a single process would draw).

Evaluation is shared as well: each process scores its share of the images, and one Allreduce
adds up the losses and the correct answers.

Nothing here is imported by ``import zerodl``; mpi4py is imported (and MPI started) only by
``world()`` or ``ProcessGroup(comm)``: ``pip install 'zerodl[mpi]'`` brings mpi4py and MPICH.
"""

import os
import sys
import zlib

import numpy as np

from zerodl.errors import OptionalDependencyError
from zerodl.kernels import threads
from zerodl.metrics import count_correct

__all__ = ["OneProcess", "ProcessGroup", "launched_processes", "world"]

# The variables through which mpiexec tells a process how many were started: MPICH, Intel MPI and
# Slurm's srun --mpi=pmi2 (PMI_SIZE), and Open MPI (OMPI_COMM_WORLD_SIZE).
SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")


def launched_processes(environ=None):
    """How many processes mpiexec (or srun) started alongside this one; 1 when not under MPI.

    Read from the environment, so that a program can decide whether to start MPI at all.
    """
    environ = os.environ if environ is None else environ
    for name in SIZE_VARIABLES:
        value = environ.get(name, "")
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return 1


def world():
    """A ProcessGroup of every process of the job (MPI.COMM_WORLD)."""
    return ProcessGroup(_mpi().COMM_WORLD)


def _mpi():
    try:
        from mpi4py import MPI  # optional: zerodl[mpi]. Importing it starts MPI.
    except ImportError as err:
        raise OptionalDependencyError(
            "training on several processes", "mpi", ["mpi4py (and an MPI library)"]
        ) from err
    return MPI


class OneProcess:
    """This process alone, with the methods of ProcessGroup: the Trainer's one path when no
    communicator is given. Its share is everything, its sums are the values themselves, and
    the processes are always alike (there is one)."""

    comm = None
    rank, size, is_root = 0, 1, True

    def __repr__(self):
        return "OneProcess()"

    def share(self, n):
        return slice(0, n)

    def gradient(self, network, x_batch, t_batch, labels):
        """(grads, loss, correct) of the batch: the network's own gradient and loss."""
        grads = network.gradient(x_batch, t_batch)
        return grads, float(network.last_loss), count_correct(network.last_scores, labels)

    def sum(self, values):
        return np.array(values, dtype=np.float64)

    def fingerprints(self, network, rng=None):
        return [0]

    def check_same(self, network, rng=None, when="at the start"):
        pass  # one process is always the same as itself

    def own_dropout_masks(self, network):
        pass  # process 0 keeps the masks a single process draws

    def abort(self, message, code=1):
        print(message, file=sys.stderr, flush=True)
        raise SystemExit(code)


class ProcessGroup:
    """The processes that train one model together, over an mpi4py communicator.

    Attributes:
        comm: the communicator.
        rank, size: this process's number (from 0) and the number of processes.
        is_root: True in process 0, the one that prints and writes files.
    """

    def __init__(self, comm):
        if isinstance(comm, ProcessGroup):
            comm = comm.comm
        self.MPI = _mpi()
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.is_root = self.rank == 0
        self._buffer = None  # the step's contiguous buffer, allocated once

    def __repr__(self):
        return f"ProcessGroup(rank={self.rank}, size={self.size})"

    # --- who does what ---------------------------------------------------------------------

    def share(self, n):
        """This process's part of n samples: a slice, contiguous, the sizes differing by <= 1."""
        return slice(n * self.rank // self.size, n * (self.rank + 1) // self.size)

    def share_cores(self):
        """Give this process its own cores: pin it to them and run BLAS and zerodl's kernels on
        that many threads (one each when there are as many processes on the host as cores).

        Changes the process (its CPU affinity, BLAS's thread count): called by ``zerodl train``
        under mpiexec, never on import. Returns the number of threads each process uses.
        """
        host = self.comm.Split_type(self.MPI.COMM_TYPE_SHARED)  # the processes on this machine
        local_rank, local_size = host.Get_rank(), host.Get_size()
        host.Free()
        cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        count = max(1, len(cores) // local_size) if cores else 1
        if len(cores) >= local_size:  # enough cores for one set each: no two processes share one
            os.sched_setaffinity(0, cores[local_rank * count : (local_rank + 1) * count])
        threads.set_blas_threads(count)
        threads.set_num_threads(count)
        return count

    # --- the step ----------------------------------------------------------------------------

    def gradient(self, network, x_batch, t_batch, labels):
        """(grads, loss, correct) of the whole batch, from this process's share of it.

        The network computes the gradient of its share; one Allreduce over one contiguous
        buffer adds up the shares' gradients, running statistics, losses and correct answers,
        each weighted by its share of the batch. Every process gets the same numbers back.
        `labels` are the batch's class numbers, for counting correct answers.
        """
        part = self.share(len(x_batch))
        x_share, t_share = x_batch[part], t_batch[part]
        weight = len(x_share) / len(x_batch)
        params = network.params
        running = getattr(network, "buffers", None) or {}
        buffer, grad_views, running_views = self._step_buffer(params, running)
        if len(x_share):
            grads = network.gradient(x_share, t_share)
            for key, view in grad_views.items():
                np.multiply(grads[key], weight, out=view)
            for key, view in running_views.items():
                np.multiply(running[key], weight, out=view)
            correct = count_correct(network.last_scores, labels[part])
            buffer[-2:] = (float(network.last_loss) * weight, correct)
        else:  # a last batch with fewer samples than processes: this one adds nothing
            buffer[:] = 0
        self.comm.Allreduce(self.MPI.IN_PLACE, buffer, op=self.MPI.SUM)
        for key, view in running_views.items():
            np.copyto(running[key], view)
        return grad_views, float(buffer[-2]), int(round(float(buffer[-1])))

    def _step_buffer(self, params, running):
        """The buffer [gradients..., running statistics..., loss, correct] and views of it."""
        arrays = {**params, **{f"running:{key}": a for key, a in running.items()}}
        layout = [(key, a.shape, a.dtype) for key, a in arrays.items()]
        if self._buffer is None or self._buffer[0] != layout:
            dtype = np.result_type(*(a.dtype for a in arrays.values()))
            buffer = np.empty(sum(a.size for a in arrays.values()) + 2, dtype)
            views, offset = {}, 0
            for key, a in arrays.items():
                views[key] = buffer[offset : offset + a.size].reshape(a.shape)
                offset += a.size
            grad_views = {key: views[key] for key in params}
            running_views = {key: views[f"running:{key}"] for key in running}
            self._buffer = (layout, buffer, grad_views, running_views)
        return self._buffer[1:]

    # --- evaluation and checks ---------------------------------------------------------------

    def sum(self, values):
        """The sum over the processes of a few numbers (a float64 array, the same everywhere)."""
        values = np.array(values, dtype=np.float64)
        self.comm.Allreduce(self.MPI.IN_PLACE, values, op=self.MPI.SUM)
        return values

    def fingerprints(self, network, rng=None):
        """Every process's fingerprint (a CRC of the parameters, running statistics and the
        trainer's random state), gathered: equal numbers mean identical networks."""
        crc = 0
        arrays = {**network.params, **(getattr(network, "buffers", None) or {})}
        for key in sorted(arrays):
            crc = zlib.crc32(np.ascontiguousarray(arrays[key]).view(np.uint8), crc)
        if rng is not None:
            crc = zlib.crc32(repr(rng.bit_generator.state).encode(), crc)
        mine = np.array([crc], dtype=np.int64)
        every = np.empty(self.size, dtype=np.int64)
        self.comm.Allgather(mine, every)
        return every.tolist()

    def check_same(self, network, rng=None, when="at the start"):
        """Raise ValueError, in every process alike, unless all hold the same parameters and
        random state."""
        every = self.fingerprints(network, rng)
        if len(set(every)) > 1:
            differ = [r for r, f in enumerate(every) if f != every[0]]
            raise ValueError(
                f"the {self.size} processes do not hold the same network {when} (process "
                f"{differ[0]} differs from process 0): start every process with the same seed "
                "and the same checkpoint"
            )

    def own_dropout_masks(self, network):
        """Give every process but process 0 its own dropout random streams, so that the shares
        of a batch do not all get the same masks."""
        if self.rank == 0:
            return
        for layer in getattr(network, "layers", ()):
            rng = getattr(layer, "rng", None)
            if isinstance(rng, np.random.Generator):
                layer.rng = np.random.default_rng([self.rank, *rng.integers(2**32, size=2)])

    def abort(self, message, code=1):
        """Print `message` (one line) and end every process of the job with exit status `code`.

        What one process's error must do: the others would otherwise wait for it forever in
        the next Allreduce.
        """
        print(message, file=sys.stderr, flush=True)
        sys.stdout.flush()
        self.comm.Abort(code)
