"""DeepConvNet layer by layer, and its whole training step: PyTorch, NumPy kernels, jit kernels.

The table issue 26 asks for: each layer's forward and backward (dx and the parameters'
gradients) in zerodl's "fast" kernels, its "jit" kernels and PyTorch (the twin module with the
same weights), the optimiser's update of every parameter (Adam), then the whole training step
and inference of a batch. Batch 100, float32, interleaved rounds with a pause before each block
(as benchmarks/bench.py does). A "bwd" row times the forward and then the backward (a layer's
backward follows its forward).

Two measures: the wall time (median of the blocks' medians) and the process's CPU time per call
(the least over the blocks). With --threads 1 on a busy machine the CPU time is the measure the
other processes disturb least; with 2 threads it counts spinning threads too.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/jit_layers.py --threads 2
    python benchmarks/jit_layers.py --threads 1 --rounds 5
"""

import argparse
import os
import time

import numpy as np

from torch_twins import TorchRunner, torch_model
from workloads import WORKLOADS, ZerodlRunner
from zerodl import kernels
from zerodl.kernels import jit

SETS = ("torch", "fast", "jit")


def timed(fn, calls):
    """(median wall s, least CPU s) of `calls` calls of fn, after one untimed call."""
    fn()
    wall, cpu = [], []
    for _ in range(calls):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), min(cpu)


def layer_cases(net, x, twin):
    """[(name, {set: (forward fn, backward fn)})] for each layer of net, in order."""
    import torch

    cases = []
    modules = [m for m in twin if not isinstance(m, torch.nn.Flatten)]
    h = x
    for number, (layer, module) in enumerate(zip(net.layers[:-1], modules), start=1):
        name = type(layer).__name__
        fns = {}
        for mode in ("fast", "jit"):

            def forward(layer=layer, h=h, mode=mode):
                previous = kernels.use_kernels(mode)
                try:
                    return layer.forward(h, train=True)
                finally:
                    kernels.use_kernels(previous)

            out = forward()
            dout = np.ones_like(out)

            def backward(layer=layer, h=h, mode=mode, dout=dout, forward=forward):
                forward()  # the layer's backward follows its last forward
                previous = kernels.use_kernels(mode)
                try:
                    return layer.backward(dout)
                finally:
                    kernels.use_kernels(previous)

            fns[mode] = (forward, backward)
        th = torch.from_numpy(h.reshape(len(h), -1) if name == "Affine" else h)
        th.requires_grad_(True)
        tdout = torch.from_numpy(dout)
        params = [p for p in module.parameters()]

        def t_forward(module=module, th=th):
            with torch.no_grad():
                return module(th)

        def t_backward(module=module, th=th, tdout=tdout, params=params):
            out = module(th)
            return torch.autograd.grad(out, [th, *params], tdout)

        fns["torch"] = (t_forward, t_backward)
        shape = "x".join(map(str, h.shape[1:]))
        cases.append((f"{number:2d} {name} {shape}", fns))  # numbered: two ReLUs look alike
        h = out
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=3, help="timed calls per block")
    parser.add_argument("--workload", default="deep_cnn")
    args = parser.parse_args()
    import torch

    kernels.tune_process(args.threads)
    torch.set_num_threads(args.threads)
    workload = WORKLOADS[args.workload]
    rng = np.random.default_rng(0)
    x = rng.random((100, 1, 28, 28), dtype=np.float32)
    t = rng.integers(0, 10, 100)
    runners = {mode: ZerodlRunner(workload, seed=0, kernels=mode, name=mode) for mode in SETS[1:]}
    runners["torch"] = TorchRunner(workload, seed=0, net=runners["fast"].net)
    start = time.perf_counter()
    runners["jit"].step(x, t)  # the first jit call compiles (or loads the cache)
    first_jit_s = time.perf_counter() - start
    twin = torch_model(runners["fast"].net)
    cases = layer_cases(runners["fast"].net, x, twin)
    tx, tt = runners["torch"].convert(x), runners["torch"].convert(t)
    runners["torch"].step(tx, tt)  # its parameters' gradients, for the optimiser's row
    grads = {key: g.copy() for key, g in runners["fast"].net.gradient(x, t).items()}

    def update(mode):
        runner = runners[mode]
        with runner._mode():  # the runner's kernel set: jit's compiled Adam, or the book's rule
            runner.optimizer.update(runner.net.params, grads)

    whole = {
        "optimiser update": {
            "torch": runners["torch"].optimizer.step,
            "fast": lambda: update("fast"),
            "jit": lambda: update("jit"),
        },
        "step": {
            "torch": lambda: runners["torch"].step(tx, tt),
            "fast": lambda: runners["fast"].step(x, t),
            "jit": lambda: runners["jit"].step(x, t),
        },
        "inference": {
            "torch": lambda: runners["torch"].predict(tx),
            "fast": lambda: runners["fast"].predict(x),
            "jit": lambda: runners["jit"].predict(x),
        },
    }
    rows = [(f"{name} {what}", {s: fns[s][i] for s in SETS}) for name, fns in cases
            for i, what in enumerate(("fwd", "bwd"))]
    rows += [(name, fns) for name, fns in whole.items()]
    results = {(row, s): [] for row, _ in rows for s in SETS}
    for _ in range(args.rounds):
        for row, fns in rows:
            for s in SETS:
                time.sleep(0.02)
                results[row, s].append(timed(fns[s], args.calls))

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "?")
    print(f"CPU {cpu}; avx512f {'avx512f' in open('/proc/cpuinfo').read()}; threads "
          f"{args.threads}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')!r}; load average "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"first jit step (compiles, or loads Numba's cache): {first_jit_s:.1f} s")
    print(f"{'ms, batch 100':28s} {'wall: torch':>11s} {'fast':>7s} {'jit':>7s} {'jit/fast':>8s}"
          f" {'jit/torch':>9s}   {'CPU: torch':>10s} {'fast':>7s} {'jit':>7s} {'jit/fast':>8s}"
          f" {'jit/torch':>9s}")
    for row, _ in rows:
        wall = {s: np.median([w for w, c in results[row, s]]) * 1e3 for s in SETS}
        cpu = {s: min(c for w, c in results[row, s]) * 1e3 for s in SETS}
        cells = []
        for m in (wall, cpu):
            cells.append(f"{m['torch']:11.2f} {m['fast']:7.2f} {m['jit']:7.2f} "
                         f"{m['jit'] / m['fast']:8.2f} {m['jit'] / m['torch']:9.2f}")
        print(f"{row:28s} {cells[0]}   {cells[1][1:]}")
    print("jit kernels for:", ", ".join(jit.KERNELS))


if __name__ == "__main__":
    main()
