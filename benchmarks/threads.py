"""What zerodl's threads lose to Python's interpreter lock: the same work on threads and processes.

zerodl uses both cores by splitting a layer's batch over Python threads (zerodl.kernels). Each
thread makes many short NumPy calls; NumPy lets go of the interpreter lock (the GIL) inside a
call, but a thread must hold it again to go on, and waits when the other thread has it. This
program times one workload's training step four ways, interleaved in rounds:

    threads      batch B on N threads: zerodl as it always runs
    one part     B/N samples on one thread, alone: what each thread has to do
    processes    B/N samples in each of N processes at once, one thread each: the cores shared
                 as with threads, but no lock shared. The time the threads would take if
                 waiting for the lock cost nothing.
    torch        PyTorch on batch B with N threads (when it is importable)

    python benchmarks/threads.py                      # DeepConvNet, batch 100, 2 threads
    python benchmarks/threads.py --workload simple_cnn --rounds 5 --steps 10

Random data of MNIST's shape (the times do not depend on the pixel values). Every process tunes
itself as bench.py does (zerodl.kernels.tune_process); the workloads are bench.py's
(benchmarks/workloads.py, from zerodl's model registry).
"""

import argparse
import multiprocessing
import sys
import time

import numpy as np

from machine import blas_threads, set_threads
from workloads import ALIASES, WORKLOADS, ZerodlRunner, resolve
from zerodl import kernels


def batch(workload, size, seed=0):
    """Random images (size, 1, 28, 28) (or (size, 784)) and labels."""
    rng = np.random.default_rng(seed)
    x = rng.random((size, 784), dtype=np.float32)
    x = x if workload.flat else x.reshape(size, 1, 28, 28)
    return x, rng.integers(0, 10, size, dtype=np.int64)


def step_times(runner, x, t, steps):
    """Seconds of each of `steps` training steps (after one untimed step)."""
    runner.step(x, t)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        runner.step(x, t)
        times.append(time.perf_counter() - start)
    return times


def process_main(name, part, start, commands, results):
    """A process of the `processes` way: one part on one thread, timed when all are told to."""
    kernels.tune_process(threads_count=1)  # malloc as in the main process; one thread each
    runner, (x, t) = ZerodlRunner(WORKLOADS[name]), batch(WORKLOADS[name], part)
    for steps in iter(commands.get, None):
        start.wait()  # all processes begin together
        results.put(step_times(runner, x, t, steps))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", default="deep_cnn", choices=[*WORKLOADS, *ALIASES])
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--threads", type=int, default=None, help="N (default: OpenBLAS's)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per way and round")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    kernels.tune_process()  # what `zerodl train` gets: glibc's malloc keeps freed memory
    n = args.threads or blas_threads()
    if n < 2 or args.batch_size % n:
        parser.error(f"needs 2 or more threads that divide the batch; got {n}, {args.batch_size}")
    name = resolve(args.workload)  # the registry's name for an older one
    workload, part = WORKLOADS[name], args.batch_size // n
    try:
        import torch
    except ImportError:
        torch = None
    torch = None if args.no_torch else torch

    context = multiprocessing.get_context("spawn")  # fresh processes: no threads inherited
    start, commands, results = context.Barrier(n), context.Queue(), context.Queue()
    workers = [
        context.Process(target=process_main, args=(name, part, start, commands, results))
        for _ in range(n)
    ]
    for w in workers:
        w.start()

    def threads():
        set_threads(n)
        return step_times(full, x, t, args.steps)

    def one_part():
        set_threads(1)
        return step_times(full, x[:part], t[:part], args.steps)

    def processes():
        for _ in workers:
            commands.put(args.steps)
        return [max(times) for times in zip(*(results.get() for _ in workers))]

    full = ZerodlRunner(workload)
    x, t = batch(workload, args.batch_size)
    ways = {"threads": threads, "one part": one_part, "processes": processes}
    if torch is not None:
        torch.set_num_threads(n)
        from torch_twins import TorchRunner

        runner = TorchRunner(workload, net=full.net)
        tx, tt = runner.convert(x), runner.convert(t)
        ways["torch"] = lambda: step_times(runner, tx, tt, args.steps)
    times = {name: [] for name in ways}
    try:
        for k in range(args.rounds):
            order = list(ways) if k % 2 == 0 else list(ways)[::-1]
            for name in order:
                time.sleep(0.25)  # the last way's idle BLAS/OpenMP threads stop spinning first
                times[name] += ways[name]()
    finally:
        for _ in workers:
            commands.put(None)
        for w in workers:
            w.join()

    ms = {name: 1000 * float(np.median(v)) for name, v in times.items()}
    print(f"{workload.title}, batch {args.batch_size}, {n} threads: median ms per training step")
    rows = [
        ("threads", f"zerodl, batch {args.batch_size} on {n} threads"),
        ("one part", f"zerodl, batch {part} on 1 thread, alone"),
        ("processes", f"zerodl, batch {part} in each of {n} processes at once (the slowest)"),
        ("torch", f"PyTorch, batch {args.batch_size} on {n} threads"),
    ]
    for name, text in rows:
        if name in ms:
            print(f"  {text:60s} {ms[name]:8.2f}")
    print(f"threads / processes: {ms['threads'] / ms['processes']:.2f} (what the lock costs)")
    if "torch" in ms:
        print(f"threads / torch:     {ms['threads'] / ms['torch']:.2f} (the benchmark's ratio)")
        print(f"processes / torch:   {ms['processes'] / ms['torch']:.2f} (with the lock free)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
