"""One layer first (issue 26): DeepConvNet's second convolution, three ways, side by side.

16 -> 16 filters, 3x3, pad 1, 28x28 images, batch 100, float32, 2 threads: PyTorch's conv2d,
zerodl's NumPy fast kernel (zerodl.kernels.conv) and the compiled kernel (zerodl.kernels.jit),
forward and forward + backward (dx, dW, db). Interleaved rounds: each round times a block of
calls of each variant after a short sleep (PyTorch's OpenMP threads spin after a call); the table
gives the median and the minimum over rounds of each block's median, and the least CPU time
of the process per call: on a busy machine, with --threads 1, the measure least disturbed by
the other processes.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/jit_one_layer.py --rounds 15
    python benchmarks/jit_one_layer.py --threads 1 --asm    # + the compiled multiply-adds
"""

import argparse
import os
import platform
import re
import subprocess
import time

import numpy as np

import zerodl
from zerodl import kernels
from zerodl.kernels import jit
from zerodl.kernels.threads import parallel_batch
from zerodl.layers import Convolution

REGISTERS = ("zmm", "ymm", "xmm")  # AVX-512, AVX2, scalar or SSE


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=5, help="timed calls per block")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument(
        "--asm",
        action="store_true",
        help="count the compiled multiply-adds (compiles afresh, without Numba's cache)",
    )
    args = parser.parse_args()

    import torch

    kernels.tune_process(args.threads)
    torch.set_num_threads(args.threads)
    if args.asm:  # Numba shows no machine code for functions loaded from its cache
        os.environ["NUMBA_DISABLE_CACHE"] = "1"
    start = time.perf_counter()
    jit_conv = jit.load()  # imports Numba
    import_s = time.perf_counter() - start
    C = FN = args.channels
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, C, args.size, args.size)).astype(np.float32)
    layer = Convolution(C, FN, 3, pad=1, seed=0)
    layer.params["b"][...] = rng.standard_normal(FN)
    W, b = layer.params["W"], layer.params["b"]
    dout = rng.standard_normal((100, FN, args.size, args.size)).astype(np.float32)
    tx, tW, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, W, b))
    tdout = torch.from_numpy(dout)

    def torch_forward():
        with torch.no_grad():
            torch.nn.functional.conv2d(tx, tW, tb, padding=1)

    def torch_both():
        out = torch.nn.functional.conv2d(tx, tW, tb, padding=1)
        return torch.autograd.grad(out, (tx, tW, tb), tdout)

    def numpy_forward():
        kernels.use_kernels("fast")
        return layer.forward(x)

    def numpy_both():
        kernels.use_kernels("fast")
        layer.forward(x)
        return layer.backward(dout), layer.grads["W"], layer.grads["b"]

    def jit_forward():
        return jit_conv.forward(x, W, b, 1, parallel_batch)

    def jit_both():
        jit_conv.forward(x, W, b, 1, parallel_batch)
        return jit_conv.backward(x, W, dout, 1, True, parallel_batch)

    # Same numbers first (and the compilation, or the load from the cache, out of the timing).
    start = time.perf_counter()
    ref_out = torch.nn.functional.conv2d(tx, tW, tb, padding=1).detach().numpy()
    first = jit_forward()
    compile_s = time.perf_counter() - start
    for name, got, ref in [("numpy", numpy_forward(), ref_out), ("jit", first, ref_out)]:
        print(f"forward {name}: max |diff| vs torch {np.abs(got - ref).max():.2e}")
    ref_grads = [g.numpy() for g in torch_both()]
    for name, fn in [("numpy", numpy_both), ("jit", jit_both)]:
        for what, got, ref in zip(("dx", "dW", "db"), fn(), ref_grads):
            scale = np.abs(ref).max()
            print(f"backward {name} {what}: max rel diff {np.abs(got - ref).max() / scale:.2e}")

    variants = {
        "forward": {"torch": torch_forward, "numpy": numpy_forward, "jit": jit_forward},
        "fwd+bwd": {"torch": torch_both, "numpy": numpy_both, "jit": jit_both},
    }
    times = {(op, v): [] for op in variants for v in variants[op]}
    cpu = {(op, v): [] for op in variants for v in variants[op]}
    for _ in range(args.rounds):
        for op, fns in variants.items():
            for v, fn in fns.items():
                time.sleep(0.05)
                fn()  # one untimed call per block
                block, cpu_block = [], []
                for _ in range(args.calls):
                    t, c = time.perf_counter(), time.process_time()
                    fn()
                    block.append(time.perf_counter() - t)
                    cpu_block.append(time.process_time() - c)
                times[op, v].append(np.median(block))
                cpu[op, v].append(min(cpu_block))

    load = os.getloadavg()
    flops = 2 * 100 * FN * args.size * args.size * C * 9
    print()
    print(f"CPU: {cpu_model()}; avx512f: {'avx512f' in open('/proc/cpuinfo').read()}")
    print(f"zerodl {zerodl.__version__}, numpy {np.__version__}, torch {torch.__version__}")
    print(f"threads {args.threads}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')!r}")
    print(f"load average during the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"import of the compiled module {import_s:.2f} s; first forward call (compile or")
    print(f"cache load) {compile_s:.2f} s")
    if args.asm:
        for function in (jit_conv.conv_forward, jit_conv.conv_weight_grad):
            for signature, code in function.inspect_asm().items():
                counts = {r: len(re.findall(rf"vfmadd\w+\s[^\n]*{r}", code)) for r in REGISTERS}
                print(f"{function.__name__} {signature[0].dtype}: vfmadd on {counts}")
    print(f"{'ms':10s} {'torch':>14s} {'numpy':>14s} {'jit':>14s}   (median / min of blocks)")
    for op in variants:
        cells = []
        for v in ("torch", "numpy", "jit"):
            t = times[op, v]
            cells.append(f"{1e3 * np.median(t):6.2f} / {1e3 * min(t):5.2f}")
        print(f"{op:10s} " + " ".join(f"{c:>14s}" for c in cells))
    print("CPU time of the process per call (all threads; spinning threads count too), min:")
    for op in variants:
        cells = [f"{1e3 * min(cpu[op, v]):6.2f}" for v in ("torch", "numpy", "jit")]
        print(f"{op:10s} " + " ".join(f"{c:>14s}" for c in cells))
    fwd_jit = np.median(times["forward", "jit"])
    print(f"jit forward: {flops / fwd_jit / 1e9:.1f} GFLOP/s")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
