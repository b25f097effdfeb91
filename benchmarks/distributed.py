"""Data-parallel training over MPI, timed: N processes next to one process's threads and PyTorch.

zerodl can put a machine's cores to work two ways: one process whose kernels split each layer's
batch over threads (`zerodl train`), or N processes that each compute the gradient of 1/N of
every batch and add them up with one Allreduce (`mpiexec -n N zerodl train`, zerodl.distributed).
This program times both next to PyTorch, measures what the Allreduce costs, and from those
numbers predicts how far the second way would scale over a network:

    python benchmarks/distributed.py                        # DeepConvNet and SimpleConvNet
    python benchmarks/distributed.py --workloads deep_cnn --rounds 5 --json distributed.json
    python benchmarks/distributed.py --quick                # a smoke run of a few seconds

1. Training steps: batch 100, Adam, float32, random data of MNIST's shape (the times do not
   depend on the pixel values). Three sides, timed in interleaved rounds, in blocks of --steps
   steps after one untimed step, with a short pause before each block (PERF-NOTES: a side's
   idle BLAS and OpenMP threads spin for a while after its last call):

      threads  zerodl in this process, BLAS and zerodl's workers on as many threads as BLAS has
               (the cores): what `zerodl train` does by default
      mpi      --processes processes under mpiexec, each pinned to its own core with one BLAS
               thread (ProcessGroup.share_cores). A step is what Trainer(comm=...) makes:
               group.gradient (the gradient of the process's share, then ONE Allreduce over one
               buffer) and the optimiser's update. Every block starts after a Barrier; a step's
               time is the slowest process's.
      torch    PyTorch on the same network and batch with the threads side's thread count
               (benchmarks/torch_twins.py), when it is importable

   The mpi processes live through the whole run. This program starts
   `mpiexec -n N python benchmarks/distributed.py --worker` once and writes one command per
   line to its standard input, which mpiexec hands to process 0; process 0 passes each command
   on to the others as a few integers (an MPI Bcast of a NumPy array: no pickle) and answers
   with one JSON line on its standard output.

2. The Allreduce inside the step. The processes' communicator is wrapped so that the step's one
   Allreduce is timed where it happens (AllreduceClock). Per step, the process that arrives last
   at the Allreduce waits for nobody: its time is the communication ("allreduce"); the first one
   to arrive also waits for the other's compute ("wait" is the difference). After each block,
   the same Allreduce on a buffer of the same size is timed alone, after a Barrier ("alone").

3. The scaling model (scaling_model, a pure function of the measured numbers):
   - Allreduce time against message size between the processes on this machine (float32
     buffers of 4 KiB to 64 MiB, --repeats each, the median of the slowest process's times);
   - the compute time of a step (gradient + update) of ONE process on ONE core at the batch
     sizes the model needs: each global batch B (100 and 1000) and its largest share
     ceil(B / N) for N = 2, 4, 8, 16. This process measures them, pinned to one core with one
     thread, while the mpi processes sleep;
   - a node is one process on one core, as measured here, computing its share alone; the nodes
     are joined by links of 1, 10 and 25 Gbit/s and add their gradients with a ring Allreduce:
     2(N-1)/N x bytes / bandwidth, plus 2(N-1) messages' latency of --latency-us each (a stated
     constant, 20 us, the order of MPI over TCP on Ethernet; the localhost figure, through
     shared memory, would flatter a network and is printed beside it for comparison);
   - speed-up(N) = T(B on one node) / (T(ceil(B/N) on one node) + allreduce(N, bytes, link)).
     An efficiency above 100% is measured, not an error: a share of a large batch fits the
     caches better than the whole batch does, so a sample costs less in a small step.
   It leaves out what would make a real cluster slower (stragglers, a busy network, nodes with
   a slower core), and what could make it faster (sending gradients during the backward pass,
   as PyTorch's DistributedDataParallel does; zerodl makes one Allreduce after it).

The report gives the CPU (AVX-512 or not), NumPy's BLAS, the MPI library, the exact command and
the load average; PERF-NOTES asks for OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE to be unset:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/distributed.py

A full run takes one to two minutes on a 2-core machine (DeepConvNet's one-core steps at batch
1000 and 500 are the longest part); --quick takes a few seconds.
"""

import argparse
import gc
import importlib.util
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from bench import table
from machine import blas_threads, environment, load_average, set_threads
from threads import batch, step_times
from workloads import ALIASES, WORKLOADS, ZerodlRunner, positive, workload_list
from zerodl import kernels

THIS_PROGRAM = os.path.abspath(__file__)
KIB, MIB = 1024, 1024 * 1024
INSTALL_MPI = "pip install 'zerodl[mpi]' (mpi4py and MPICH, with mpiexec)"

# The scaling model's cases: nodes, links, global batches, and the latency of one message.
NODES = (2, 4, 8, 16)
LINKS_GBIT_S = (1, 10, 25)
GLOBAL_BATCHES = (100, 1000)
LATENCY_US = 20.0
MESSAGE_BYTES = tuple(4 * KIB * 4**k for k in range(8))  # 4 KiB, 16 KiB, ..., 64 MiB

# The counts of a full run and of --quick (a smoke test: the numbers mean little).
FULL = {"rounds": 10, "steps": 10, "warmup": 5, "repeats": 10, "scaling_steps": 5, "settle": 0.25}
QUICK = {"rounds": 1, "steps": 2, "warmup": 1, "repeats": 2, "scaling_steps": 1, "settle": 0.05}
QUICK_MESSAGE_MAX = 256 * KIB
QUICK_GLOBAL_BATCHES = (100,)

# --- the scaling model ----------------------------------------------------------------------------


def ring_allreduce_s(nodes, nbytes, gbit_s, latency_s):
    """Seconds of a ring Allreduce of `nbytes` bytes over `nodes` nodes joined by `gbit_s` links.

    The ring algorithm (what MPI libraries and NCCL use for large buffers) cuts the buffer into
    N pieces and makes 2(N-1) steps: N-1 in which the pieces are added up as they go round the
    ring (reduce-scatter), N-1 in which the sums are handed round (all-gather). In every step
    each node sends one piece, bytes/N, to its neighbour, all nodes at once. So each node sends
    2(N-1)/N x bytes in all, and waits 2(N-1) times for a message to arrive:

        time = 2(N-1)/N x bytes x 8 / (gbit_s x 1e9)  +  2(N-1) x latency

    One node has nothing to add up: 0 s.
    """
    if nodes == 1:
        return 0.0
    messages = 2 * (nodes - 1)
    return messages / nodes * nbytes * 8 / (gbit_s * 1e9) + messages * latency_s


def largest_share(batch_size, nodes):
    """The most samples one node gets when a batch is split over `nodes`: ceil(B / N).

    The shares differ by at most one sample (ProcessGroup.share); the largest sets the pace.
    """
    return -(-batch_size // nodes)


def batch_sizes_needed(global_batches=GLOBAL_BATCHES, nodes=NODES):
    """Every batch size the model reads a compute time for (largest first): each global batch
    and its largest share on each number of nodes."""
    sizes = {largest_share(b, n) for b in global_batches for n in (1, *nodes)}
    return sorted(sizes, reverse=True)


def scaling_model(
    compute_s,
    nbytes,
    global_batches=GLOBAL_BATCHES,
    nodes=NODES,
    links_gbit_s=LINKS_GBIT_S,
    latency_s=LATENCY_US * 1e-6,
):
    """The speed-up of data-parallel training on N nodes over one node, predicted.

    Args:
        compute_s: {batch size: seconds of one training step (gradient and update) of one
            process on one core}, for every size batch_sizes_needed gives.
        nbytes: the size of the buffer each step's Allreduce adds up (gradients, running
            statistics, loss and correct answers), in bytes.
        global_batches, nodes, links_gbit_s: the cases, every combination.
        latency_s: the time of one message on the link, besides its bytes.

    A step on N nodes: each node computes the gradient of its share of the batch, one ring
    Allreduce adds the shares up, and each makes the same update (the update does not get
    cheaper with more nodes; a step measured at the smaller batch includes it):

        step(N)    = compute(ceil(B / N)) + ring_allreduce_s(N, nbytes, link, latency)
        speedup(N) = compute(B) / step(N)        efficiency(N) = speedup(N) / N

    Returns a list of dicts, one per (global batch, link, N), in that order, with the keys
    batch, gbit_s, nodes, share, compute_s, allreduce_s, step_s, speedup, efficiency.
    """
    rows = []
    for batch_size in global_batches:
        for gbit_s in links_gbit_s:
            for n in nodes:
                share = largest_share(batch_size, n)
                for size in (batch_size, share):
                    if size not in compute_s:
                        raise ValueError(f"no compute time at batch {size} (the model needs it)")
                allreduce = ring_allreduce_s(n, nbytes, gbit_s, latency_s)
                step = compute_s[share] + allreduce
                speedup = compute_s[batch_size] / step
                rows.append(
                    {
                        "batch": batch_size,
                        "gbit_s": gbit_s,
                        "nodes": n,
                        "share": share,
                        "compute_s": compute_s[share],
                        "allreduce_s": allreduce,
                        "step_s": step,
                        "speedup": speedup,
                        "efficiency": speedup / n,
                    }
                )
    return rows


def payoff_limits(rows):
    """Where more nodes stop paying, per (global batch, link), from scaling_model's rows.

    Returns dicts with batch, gbit_s, best_nodes and best_speedup (the most speed-up among the
    cases), half_from (the fewest nodes whose efficiency is under 50%) and slower_from (the
    fewest nodes slower than one node); None where no case modelled is that bad.
    """
    groups = {}
    for row in rows:
        groups.setdefault((row["batch"], row["gbit_s"]), []).append(row)
    limits = []
    for (batch_size, gbit_s), cases in groups.items():
        cases = sorted(cases, key=lambda row: row["nodes"])
        best = max(cases, key=lambda row: row["speedup"])
        half = [row["nodes"] for row in cases if row["efficiency"] < 0.5]
        slower = [row["nodes"] for row in cases if row["speedup"] < 1]
        limits.append(
            {
                "batch": batch_size,
                "gbit_s": gbit_s,
                "best_nodes": best["nodes"],
                "best_speedup": best["speedup"],
                "half_from": half[0] if half else None,
                "slower_from": slower[0] if slower else None,
            }
        )
    return limits


# --- the mpi processes (run with --worker, under mpiexec) -----------------------------------------

# A command, as process 0 passes it on: five integers [what, a, b, c, d].
QUIT, STEPS, ALLREDUCE = 0, 1, 2  # [STEPS, workload number, steps, batch size, repeats]
COMMAND_SIZE = 5  # [ALLREDUCE, bytes, repeats, 0, 0]
WORKLOAD_NAMES = list(WORKLOADS)  # a workload travels as its number in this list


class AllreduceClock:
    """A communicator that times each Allreduce made through it and passes everything else on.

    ProcessGroup.gradient makes its one Allreduce through `group.comm`: a ProcessGroup built on
    this wrapper instead of MPI.COMM_WORLD times that call inside real steps, which run exactly
    as before. It also notes how many numbers the buffer held.
    """

    def __init__(self, comm):
        self.comm = comm
        self.seconds = []  # one per Allreduce since the list was last cleared
        self.buffer_size = None  # numbers in the last buffer
        self.buffer_dtype = None

    def Allreduce(self, sendbuf, recvbuf, *args, **kwargs):  # MPI's name for it
        start = time.perf_counter()
        self.comm.Allreduce(sendbuf, recvbuf, *args, **kwargs)
        self.seconds.append(time.perf_counter() - start)
        self.buffer_size, self.buffer_dtype = recvbuf.size, recvbuf.dtype

    def __getattr__(self, name):  # Get_rank, Barrier, Split_type, ...: the communicator's own
        return getattr(self.comm, name)


def wait_quietly(request, pause=0.001):
    """Wait for a non-blocking MPI call to finish without keeping a core busy.

    A process that waits in a blocking MPI call polls all the time (MPICH does), at 100% of a
    core. Between blocks the mpi processes wait for the next command while the threads and
    torch sides are timed; a core taken by a waiting process would slow those down.
    """
    while not request.Test():
        time.sleep(pause)


def read_command(stream):
    """The next command from the main process (one JSON line), as the integers passed on."""
    line = stream.readline()
    if not line:  # the main process has gone: stop
        return [QUIT, 0, 0, 0, 0]
    command = json.loads(line)
    if command["do"] == "steps":
        number = WORKLOAD_NAMES.index(command["workload"])
        return [STEPS, number, command["steps"], command["batch"], command["repeats"]]
    if command["do"] == "allreduce":
        return [ALLREDUCE, command["bytes"], command["repeats"], 0, 0]
    return [QUIT, 0, 0, 0, 0]


def over_processes(comm, MPI, values, op):
    """Each element of `values` combined over the processes (op: "max" or "min"), as a list."""
    values = np.array(values, dtype=np.float64)
    mpi_op = {"max": MPI.MAX, "min": MPI.MIN}[op]
    comm.Allreduce(MPI.IN_PLACE, values, op=mpi_op)
    return values.tolist()


def time_allreduce(comm, MPI, count, dtype, repeats):
    """Seconds of `repeats` Allreduces (SUM, in place) of `count` numbers: the slowest
    process's time of each. Every one starts after a Barrier, so all processes start it
    together and nobody's time includes waiting for another's work."""
    buffer = np.zeros(count, dtype)  # zeros: adding them up again and again keeps them zeros
    comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)  # untimed: touches the pages, sets up
    seconds = []
    for _ in range(repeats):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
        seconds.append(time.perf_counter() - start)
    return over_processes(comm, MPI, seconds, "max")


def distributed_step(group, runner, x, t):
    """One training step as Trainer(comm=group) makes it: the gradient of this process's share,
    averaged over the processes by one Allreduce, then the same update in every process."""
    grads, _loss, _correct = group.gradient(runner.net, x, t, t)
    runner.optimizer.update(runner.net.params, grads)


def time_distributed_steps(group, clock, runner, x, t, steps, repeats):
    """A block of `steps` timed steps, after one untimed step and a Barrier; then the Allreduce
    alone on a buffer of the step's size. The answer process 0 sends back (a dict)."""
    comm, MPI = clock.comm, group.MPI  # the communicator itself: only the steps are clocked
    distributed_step(group, runner, x, t)  # untimed: allocates the step's buffer
    comm.Barrier()
    clock.seconds.clear()
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        distributed_step(group, runner, x, t)
        seconds.append(time.perf_counter() - start)
    if len(clock.seconds) != steps:
        raise RuntimeError(f"expected one Allreduce per step, timed {len(clock.seconds)}")
    # Per step, the longest and the shortest time a process spent in the Allreduce: the first
    # to arrive waited for the others' compute too; the last to arrive waited for nobody.
    first_in = over_processes(comm, MPI, clock.seconds, "max")
    last_in = over_processes(comm, MPI, clock.seconds, "min")
    count, dtype = clock.buffer_size, clock.buffer_dtype
    return {
        "step_s": over_processes(comm, MPI, seconds, "max"),  # the slowest process's
        "allreduce_s": last_in,
        "wait_s": [a - b for a, b in zip(first_in, last_in)],
        "alone_s": time_allreduce(comm, MPI, count, dtype, repeats),
        "buffer_floats": int(count),
        "buffer_bytes": int(count * dtype.itemsize),
    }


def worker_main(pin=True):
    """One of the mpi processes: set up as `mpiexec -n N zerodl train` does, then obey commands.

    Process 0 reads them from its standard input and answers on its standard output; the
    others get them from process 0. An error in any process ends them all (MPI Abort), with
    its message on standard error, so that none waits forever for another.
    """
    from zerodl.distributed import ProcessGroup, world

    kernels.tune_process()  # malloc as in `zerodl train`
    clock = AllreduceClock(world().comm)  # world() imports mpi4py, with a clear error if absent
    group = ProcessGroup(clock)
    try:
        if pin:
            threads_each = group.share_cores()  # its own core(s), one BLAS thread per core
        else:
            threads_each = max(1, len(os.sched_getaffinity(0)) // group.size)
            set_threads(threads_each)
        say_ready(group, threads_each, pin)
        runners = {}
        command = np.zeros(COMMAND_SIZE, dtype=np.int64)
        while True:
            if group.is_root:
                command[:] = read_command(sys.stdin)
            wait_quietly(group.comm.Ibcast(command, root=0))
            what = int(command[0])
            if what == QUIT:
                return 0
            if what == STEPS:
                number, steps, batch_size, repeats = command[1:].tolist()
                name = WORKLOAD_NAMES[number]
                if name not in runners:  # the same seed in every process: the same network
                    runners[name] = ZerodlRunner(WORKLOADS[name])
                x, t = batch(WORKLOADS[name], batch_size)  # the global batch, the same in all
                answer = time_distributed_steps(group, clock, runners[name], x, t, steps, repeats)
            else:  # ALLREDUCE
                nbytes, repeats = command[1:3].tolist()
                seconds = time_allreduce(clock.comm, group.MPI, nbytes // 4, np.float32, repeats)
                answer = {"bytes": nbytes, "seconds": seconds}
            if group.is_root:
                print(json.dumps(answer), flush=True)
    except Exception as err:
        traceback.print_exc()
        group.abort(f"benchmarks/distributed.py --worker, process {group.rank}: {err!r}")


def say_ready(group, threads_each, pin):
    """Process 0 prints the first answer: how many processes, and the cores each runs on."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()
    mine = np.zeros(os.cpu_count() or 1, dtype=np.int8)  # 1 for each core it may run on
    mine[list(cores)] = 1
    every = np.zeros((group.size, len(mine)), dtype=np.int8)  # (processes, cores)
    group.comm.Gather(mine, every, root=0)
    if group.is_root:
        import mpi4py

        answer = {
            "ready": True,
            "processes": group.size,
            "threads_each": threads_each,
            "pinned": pin,
            "cores": [np.flatnonzero(row).tolist() for row in every],
            "mpi_library": " ".join(group.MPI.Get_library_version().split("\n")[0].split()),
            "mpi4py": mpi4py.__version__,
        }
        print(json.dumps(answer), flush=True)


# --- the main process ----------------------------------------------------------------------------


def find_mpiexec():
    """The mpiexec beside this Python (a virtual environment's, from pip), else on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    found = shutil.which("mpiexec")
    if found is None:
        raise RuntimeError(
            f"mpiexec was not found (beside {sys.executable} or on PATH): {INSTALL_MPI}"
        )
    return found


def check_mpi4py():
    """Raise a RuntimeError that says how to install mpi4py when it is not importable."""
    if importlib.util.find_spec("mpi4py") is None:
        raise RuntimeError(f"mpi4py is not importable in {sys.executable}: {INSTALL_MPI}")


class MpiWorkers:
    """The processes of `mpiexec -n N python distributed.py --worker`, alive for the whole run.

    ask() writes one command (a JSON line) to process 0 and reads its answer (a JSON line).
    Their standard error is this program's, so that an error in one of them shows there.
    """

    def __init__(self, processes, pin=True):
        check_mpi4py()
        self.argv = [find_mpiexec(), "-n", str(processes), sys.executable, THIS_PROGRAM]
        self.argv += ["--worker"] + ([] if pin else ["--no-pin"])
        self.process = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            self.info = self._answer()
            if self.info.get("processes") != processes:
                raise RuntimeError(
                    f"mpiexec started {processes} processes, but they do not form one job of "
                    f"{processes} (each sees {self.info.get('processes')}): this mpiexec "
                    f"belongs to another MPI library than mpi4py's; {INSTALL_MPI}"
                )
        except BaseException:
            self.close()
            raise

    def ask(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait(timeout=30)
            raise RuntimeError(
                f"the mpi processes ended (exit status {code}) without answering; their "
                f"error, if any, is printed above. Command: {shlex.join(self.argv)}"
            )
        return json.loads(line)

    def close(self):
        """Tell the processes to stop, and wait for them (end them if they do not stop)."""
        try:
            self.process.stdin.write(json.dumps({"do": "quit"}) + "\n")
            self.process.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # already gone
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def time_one_core(workload, sizes, steps, settle):
    """Seconds of each training step of ONE process on ONE core, per batch size: {size: [s]}.

    This process, pinned for the while to its first core, with one BLAS thread and one zerodl
    worker: a node of the scaling model. The mpi processes sleep meanwhile (wait_quietly).
    One untimed step first at every size.
    """
    can_pin = hasattr(os, "sched_setaffinity")
    cores = sorted(os.sched_getaffinity(0)) if can_pin else []
    set_threads(1)
    if can_pin:
        os.sched_setaffinity(0, cores[:1])
    try:
        runner = ZerodlRunner(workload)
        times = {}
        for size in sizes:
            x, t = batch(workload, size)
            gc.collect()
            time.sleep(settle)
            times[size] = step_times(runner, x, t, steps)
        return times
    finally:
        if can_pin:
            os.sched_setaffinity(0, cores)


def median_ms(seconds):
    return 1000 * statistics.median(seconds)


def summarize_training(name, times, mpi_answers):
    """One workload's record: median ms per step of each side, their ratios, the Allreduce."""
    ms = {side: median_ms(seconds) for side, seconds in times.items()}
    record = {
        "workload": name,
        "title": WORKLOADS[name].title,
        "steps_timed": len(times["mpi"]),
        "ms": ms,
        "min_ms": {side: 1000 * min(seconds) for side, seconds in times.items()},
        "gradient_floats": mpi_answers[0]["buffer_floats"],
        "gradient_bytes": mpi_answers[0]["buffer_bytes"],
        "allreduce_ms": median_ms([s for a in mpi_answers for s in a["allreduce_s"]]),
        "allreduce_wait_ms": median_ms([s for a in mpi_answers for s in a["wait_s"]]),
        "allreduce_alone_ms": median_ms([s for a in mpi_answers for s in a["alone_s"]]),
    }
    record["allreduce_share"] = record["allreduce_ms"] / ms["mpi"]
    record["ratios"] = {"mpi/threads": ms["mpi"] / ms["threads"]}
    if "torch" in ms:
        record["ratios"]["mpi/torch"] = ms["mpi"] / ms["torch"]
        record["ratios"]["threads/torch"] = ms["threads"] / ms["torch"]
    return record


def time_training(args, workers, torch, n, log):
    """The three sides' steps in interleaved rounds; one summarize_training record a workload."""
    sides = {}
    for name in args.workloads:
        workload = WORKLOADS[name]
        runner = ZerodlRunner(workload)
        x, t = batch(workload, args.batch_size)
        sides[name] = {"threads": (runner, x, t)}
        if torch is not None:
            from torch_twins import TorchRunner

            twin = TorchRunner(workload, net=runner.net)  # the same initial weights
            sides[name]["torch"] = (twin, twin.convert(x), twin.convert(t))
    order = ["threads", "mpi", "torch"] if torch is not None else ["threads", "mpi"]

    def block(name, side, steps):
        """Seconds of `steps` steps of one side (after one untimed step), and the mpi answer."""
        gc.collect()
        time.sleep(args.settle)  # the last side's idle threads stop spinning first
        if side == "mpi":
            answer = workers.ask(
                do="steps", workload=name, steps=steps, batch=args.batch_size, repeats=args.repeats
            )
            return answer["step_s"], answer
        set_threads(n)  # as `zerodl train` runs: BLAS's count, for BLAS and zerodl's workers
        runner, x, t = sides[name][side]
        return step_times(runner, x, t, steps), None

    log(f"  warm-up: {args.warmup} steps per side")  # PyTorch takes some steps to reach speed
    for name in args.workloads:
        for side in order:
            block(name, side, args.warmup)
    times = {name: {side: [] for side in order} for name in args.workloads}
    mpi_answers = {name: [] for name in args.workloads}
    for k in range(args.rounds):
        log(f"  round {k + 1} of {args.rounds}")
        for name in args.workloads:
            for side in order if k % 2 == 0 else order[::-1]:
                seconds, answer = block(name, side, args.steps)
                times[name][side] += seconds
                if answer is not None:
                    mpi_answers[name].append(answer)
    return [summarize_training(name, times[name], mpi_answers[name]) for name in args.workloads]


def settings_record(args, threads):
    """The settings of the run, for the report and the JSON."""
    keys = ["workloads", "batch_size", "rounds", "steps", "warmup", "repeats", "scaling_steps"]
    record = {key: getattr(args, key) for key in [*keys, "settle"]}
    record.update(
        processes=args.processes,
        pinned=not args.no_pin,
        threads=threads,
        latency_us=args.latency_us,
        global_batches=list(args.global_batches),
        nodes=list(NODES),
        links_gbit_s=list(LINKS_GBIT_S),
        quick=args.quick,
        data="random data of MNIST's shape",
    )
    return record


def run_benchmark(args, torch, log):
    """Every measurement; the result as one dict (what --json writes)."""
    n = blas_threads()  # the threads side's threads: BLAS's own count, the cores by default
    if torch is not None:
        torch.set_num_threads(n)
    env = environment(torch, n)
    sizes = [b for b in MESSAGE_BYTES if b <= args.message_max]
    needed = batch_sizes_needed(args.global_batches, NODES)
    log(f"starting {args.processes} mpi processes")
    with MpiWorkers(args.processes, pin=not args.no_pin) as workers:
        result = {
            "environment": env,
            "command": args.command,
            "settings": settings_record(args, n),
            "mpi": {**workers.info, "command": shlex.join(workers.argv)},
        }
        log("timing training steps: threads, mpi" + (", torch" if torch else ""))
        result["training"] = time_training(args, workers, torch, n, log)
        log("timing Allreduce against message size")
        result["allreduce_sizes"] = []
        for nbytes in sizes:
            answer = workers.ask(do="allreduce", bytes=nbytes, repeats=args.repeats)
            seconds = statistics.median(answer["seconds"])
            result["allreduce_sizes"].append(
                {"bytes": nbytes, "ms": 1000 * seconds, "gb_s": nbytes / seconds / 1e9}
            )
        log(f"timing one core at batch sizes {needed}")
        result["one_core_ms"], result["scaling"] = {}, {}
        for record in result["training"]:
            name = record["workload"]
            times = time_one_core(WORKLOADS[name], needed, args.scaling_steps, args.settle)
            compute_s = {size: statistics.median(s) for size, s in times.items()}
            result["one_core_ms"][name] = {size: 1000 * s for size, s in compute_s.items()}
            rows = scaling_model(
                compute_s,
                record["gradient_bytes"],
                args.global_batches,
                NODES,
                LINKS_GBIT_S,
                args.latency_us * 1e-6,
            )
            result["scaling"][name] = {"rows": rows, "limits": payoff_limits(rows)}
    env["load_average_end"] = load_average()
    return result


# --- the report -----------------------------------------------------------------------------------


def _bytes(nbytes):
    """4 KiB, 1 MiB, 494 KB: binary units for the powers of two, else kB/MB."""
    for unit, size in (("MiB", MIB), ("KiB", KIB)):
        if nbytes >= size and nbytes % size == 0:
            return f"{nbytes // size} {unit}"
    return f"{nbytes / 1e6:.2f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:.0f} kB"


def payoff_text(limit, most_nodes):
    """One of payoff_limits's answers in words."""
    text = f"batch {limit['batch']}, {limit['gbit_s']:g} Gbit/s: "
    if limit["best_speedup"] < 1:
        return text + "slower than one node at every N: does not pay off"
    text += f"best N={limit['best_nodes']} ({limit['best_speedup']:.2f}x); "
    if limit["half_from"] is None:
        text += f"efficiency >= 50% up to N={most_nodes}"
    else:
        text += f"efficiency under 50% from N={limit['half_from']}"
    if limit["slower_from"] is not None:
        text += f"; slower than one node from N={limit['slower_from']}"
    return text


def format_report(result):
    """The readable report of a result (run_benchmark's dict), as one string."""
    env, settings, mpi = result["environment"], result["settings"], result["mpi"]
    p = settings["processes"]
    out = [f"zerodl data-parallel benchmark  {env['time']}  commit {env['zerodl_commit'] or '?'}"]
    if env.get("zerodl_dirty"):
        out[0] += "  (uncommitted changes)"
    avx512 = {True: "yes", False: "no", None: "?"}[env.get("avx512f")]
    blas = env.get("numpy_blas") or {}
    out += [
        f"Command: {result['command']}",
        f"CPU {env['cpu']} x {env['cpu_count']} (AVX-512: {avx512}); Python {env['python']}, "
        f"NumPy {env['numpy']} ({blas.get('name', '?')} {blas.get('version', '')}, "
        f"core {env.get('openblas_corename') or '?'}), PyTorch {env['torch'] or 'not used'}",
        f"MPI: {mpi['mpi_library']}, mpi4py {mpi['mpi4py']}; {mpi['processes']} processes, "
        f"{mpi['threads_each']} BLAS thread(s) each, "
        + (
            "pinned to cores " + " | ".join(",".join(map(str, c)) for c in mpi["cores"])
            if mpi["pinned"]
            else "not pinned (--no-pin)"
        ),
    ]
    set_vars = [f"{k}={v}" for k, v in env["env"].items() if v is not None]
    out.append("Environment: " + (", ".join(set_vars) if set_vars else "no OPENBLAS_* etc. set"))
    if any(env["env"].get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
        out.append(
            "  note: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set; benchmark with both unset "
            "(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...)"
        )
    loads = [env.get("load_average"), env.get("load_average_end")]
    if loads[0]:
        out.append(
            "Load average (1, 5, 15 min) at the start "
            + ", ".join(f"{x:.2f}" for x in loads[0])
            + (", at the end " + ", ".join(f"{x:.2f}" for x in loads[1]) if loads[1] else "")
            + f"  (above {env['cpu_count']}: other processes compete, expect noise)"
        )
    out += [
        f"Data: {settings['data']}; batch {settings['batch_size']}, float32, Adam; median of "
        f"{settings['rounds']} interleaved rounds x {settings['steps']} steps per side, "
        f"{settings['settle']} s pause before each block",
        "",
        f"Training step, ms (median). threads: one process, {settings['threads']} threads; "
        f"mpi{p}: {p} processes, the slowest; torch: PyTorch, {settings['threads']} threads",
    ]
    header = ["workload", "threads", f"mpi{p}", "torch", f"mpi{p}/torch", f"mpi{p}/threads"]
    header += ["threads/torch"]
    rows = []
    for r in result["training"]:
        ms, ratios = r["ms"], r["ratios"]
        rows.append(
            [
                r["workload"],
                f"{ms['threads']:.2f}",
                f"{ms['mpi']:.2f}",
                f"{ms['torch']:.2f}" if "torch" in ms else "-",
                f"{ratios['mpi/torch']:.2f}" if "mpi/torch" in ratios else "-",
                f"{ratios['mpi/threads']:.2f}",
                f"{ratios['threads/torch']:.2f}" if "threads/torch" in ratios else "-",
            ]
        )
    out += table(header, rows)
    if env["torch"] is None:
        out.append("(PyTorch is not importable here, or --no-torch: no torch side)")

    out += [
        "",
        f"The Allreduce inside the mpi{p} step, ms (median): allreduce: the process that "
        "arrived last (the communication); wait: how much longer the first one waited; "
        "alone: the same Allreduce timed by itself after a Barrier",
    ]
    header = ["workload", "buffer", "allreduce", "% of step", "wait", "alone"]
    rows = [
        [
            r["workload"],
            f"{r['gradient_floats']:,} x 4 B = {_bytes(r['gradient_bytes'])}",
            f"{r['allreduce_ms']:.3f}",
            f"{100 * r['allreduce_share']:.1f}%",
            f"{r['allreduce_wait_ms']:.3f}",
            f"{r['allreduce_alone_ms']:.3f}",
        ]
        for r in result["training"]
    ]
    out += table(header, rows)

    sizes = result["allreduce_sizes"]
    out += [
        "",
        f"Allreduce (SUM, float32) between the {p} processes on this machine, against message "
        f"size: median of {settings['repeats']}, the slowest process's time",
    ]
    rows = [[_bytes(s["bytes"]), f"{s['ms']:.3f}", f"{s['gb_s']:.2f}"] for s in sizes]
    out += table(["message", "ms", "GB/s (bytes/time)"], rows)
    if sizes:
        out.append(
            f"localhost: {1000 * sizes[0]['ms']:.0f} us for {_bytes(sizes[0]['bytes'])} (the "
            f"model uses {settings['latency_us']:g} us per message for a network); "
            f"{sizes[-1]['gb_s']:.1f} GB/s at {_bytes(sizes[-1]['bytes'])}"
        )

    out += [
        "",
        "Scaling model: speed-up of N nodes over one (efficiency = speed-up / N). A node is one "
        "process on one core of this machine, computing its share alone;",
        f"step(N) = compute(ceil(B/N)) + ring Allreduce 2(N-1)/N x bytes / link + 2(N-1) x "
        f"{settings['latency_us']:g} us",
    ]
    for r in result["training"]:
        name = r["workload"]
        one_core = result["one_core_ms"][name]
        scaling = result["scaling"][name]
        out += [
            "",
            f"{r['title']}: Allreduce of {_bytes(r['gradient_bytes'])} a step; one core, ms per "
            "step at batch "
            + ", ".join(f"{size}: {ms:.1f}" for size, ms in sorted(one_core.items())),
        ]
        header = ["batch", "link", *(f"N={n}" for n in settings["nodes"])]
        rows = []
        for batch_size in settings["global_batches"]:
            for gbit_s in settings["links_gbit_s"]:
                cases = [
                    row
                    for row in scaling["rows"]
                    if row["batch"] == batch_size and row["gbit_s"] == gbit_s
                ]
                cells = [f"{c['speedup']:.2f} ({100 * c['efficiency']:.0f}%)" for c in cases]
                rows.append([batch_size, f"{gbit_s:g} Gbit/s", *cells])
        out += table(header, rows)
        for limit in scaling["limits"]:
            out.append("  " + payoff_text(limit, max(settings["nodes"])))
        whole = one_core.get(settings["batch_size"])
        share = one_core.get(largest_share(settings["batch_size"], p))
        if whole and share:  # the model's N=p next to what this machine's cores did
            out.append(
                f"  this machine, speed-up over one core at batch {settings['batch_size']}: "
                f"mpi{p} {whole / r['ms']['mpi']:.2f}x (the model, with the Allreduce measured "
                f"here: {whole / (share + r['allreduce_ms']):.2f}x); threads "
                f"{whole / r['ms']['threads']:.2f}x"
            )
    return "\n".join(out)


# --- the command line -----------------------------------------------------------------------------


def _batch_list(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a list of batch sizes: {text!r}") from err
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be >= 1, got {text!r}")
    return tuple(values)


def build_parser():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Every measurement and the scaling model are described in the docstring of "
        "benchmarks/distributed.py. Quiet machine, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.",
    )
    names = ", ".join([*WORKLOADS, *ALIASES])
    parser.add_argument(
        "--workloads",
        type=workload_list,
        default=["deep_cnn", "simple_cnn"],
        help=f"comma-separated, from {names} (default deep_cnn,simple_cnn)",
    )
    parser.add_argument("--batch-size", type=positive, default=100)
    parser.add_argument("--processes", type=positive, default=2, help="mpiexec -n (2)")
    parser.add_argument("--rounds", type=positive, help=f"interleaved rounds ({FULL['rounds']})")
    parser.add_argument(
        "--steps", type=positive, help=f"timed steps per side and round ({FULL['steps']})"
    )
    parser.add_argument(
        "--warmup", type=positive, help=f"untimed steps per side first ({FULL['warmup']})"
    )
    parser.add_argument(
        "--repeats", type=positive, help=f"Allreduces timed per message ({FULL['repeats']})"
    )
    parser.add_argument(
        "--scaling-steps",
        type=positive,
        help=f"timed one-core steps per batch size ({FULL['scaling_steps']})",
    )
    parser.add_argument(
        "--settle", type=float, help=f"seconds of pause before each block ({FULL['settle']})"
    )
    parser.add_argument(
        "--global-batches",
        type=_batch_list,
        help="the model's global batch sizes (100,1000)",
    )
    parser.add_argument(
        "--latency-us",
        type=float,
        default=LATENCY_US,
        help=f"the model's latency of one message on a link, in us ({LATENCY_US:g})",
    )
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument(
        "--no-pin", action="store_true", help="mpi processes not pinned to their cores"
    )
    parser.add_argument("--json", metavar="PATH", help="also write every number as JSON")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny counts, messages up to 256 KiB, global batch 100 only (a smoke test)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser


def parse_args(argv):
    """The options, with the counts --quick or a full run gives to those left out."""
    args = build_parser().parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.global_batches is None:
        args.global_batches = QUICK_GLOBAL_BATCHES if args.quick else GLOBAL_BATCHES
    args.message_max = QUICK_MESSAGE_MAX if args.quick else max(MESSAGE_BYTES)
    args.command = shlex.join(["python", os.path.relpath(THIS_PROGRAM), *argv])
    return args


def main(argv=None):
    """Run the benchmark (or, with --worker, one of its mpi processes); the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.worker:
        return worker_main(pin=not args.no_pin)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    kernels.tune_process()  # what `zerodl train` gets: glibc's malloc keeps freed memory
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            log("PyTorch is not importable: no torch side")
    try:
        result = run_benchmark(args, torch, log)
    except RuntimeError as err:
        log(f"error: {err}")
        return 1
    print(format_report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
