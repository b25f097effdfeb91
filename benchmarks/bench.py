"""How fast is zerodl? Training steps, inference and memory of the book's networks, next to PyTorch.

Run from a checkout (zerodl installed, or PYTHONPATH=src):

    python benchmarks/bench.py
    python benchmarks/bench.py --workloads simple_cnn,deep_cnn --steps 30 --memory
    python benchmarks/bench.py --format json        # JSON lines on stdout
    python benchmarks/bench.py --json results.jsonl # the table, and JSON lines in a file

Four workloads, float32, batch 100, the networks and optimisers of zerodl's model registry
(benchmarks/workloads.py): two_layer (TwoLayerNet, SGD 0.1), mlp (MultiLayerNet 784-100x4-10),
simple_cnn (SimpleConvNet) and deep_cnn (DeepConvNet), the last three with Adam 0.001. The
older names multi_layer, simple_conv and deep_conv are accepted too.

The benchmark is an application: it tunes its own process as the `zerodl` command does
(zerodl.kernels.tune_process: glibc's malloc keeps freed memory; with --threads N, N threads for
BLAS and for zerodl's workers). Importing zerodl changes none of that.

What is measured, for each workload:

- Seconds per training step: forward, backward and the optimiser's update on one batch; the
  median of ``--steps`` timed steps after ``--warmup`` untimed ones (more steps on fast
  workloads, so that each framework is timed for ``--min-time`` seconds). The implied seconds
  per epoch are that median times 60,000 / batch size (600 steps at batch 100).
- Inference: images per second of ``predict`` (train=False) over the 10,000 test images in
  batches of ``--infer-batch-size``; the median of ``--infer-rounds`` full passes (or more, to
  fill ``--min-time``) after one untimed pass.
- Achieved GFLOP/s: the FLOPs of a step, counted analytically (workloads.count_flops: matrix
  products and convolutions only, 2 FLOPs per multiply-add; forward, dW and dx, but no dx for
  the first layer), divided by the median step time; next to the GFLOP/s of one large float32
  matrix product measured in the same run, the practical limit of this machine's BLAS.
- Peak memory (``--memory``): a fresh subprocess per workload trains one real epoch (60,000
  samples in shuffled batches) on the real MNIST training set, or on random data of the same
  shape when MNIST is absent (the output says which), and reports its peak resident set size
  (VmHWM from /proc/self/status, or getrusage's ru_maxrss elsewhere). The peak is reset after
  the data is loaded where Linux allows it (/proc/self/clear_refs), so it is the peak *during
  the epoch*, with the training set resident; the RSS before the epoch is reported too.

PyTorch, when importable (and not ``--no-torch``), runs the same networks (benchmarks/
torch_twins.py: translated layer by layer, with the same initial weights; the output records
that both give the same scores), with the same optimiser, float32, batch 100 and the same
thread count: ``torch.set_num_threads`` gets the number of threads NumPy's BLAS uses (asked
through threadpoolctl); ``--threads N`` sets both. zerodl and PyTorch are timed in the same run,
interleaved: ``--rounds`` rounds, each timing a share of the steps of one then the other
(alternating which goes first), so that machine noise hits both; the ratio zerodl/PyTorch of
the median times is what to compare across machines (and across commits:
benchmarks/compare_commits.py).

OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE when it is loaded, so "set" and "unset"
can only be compared in two processes. The benchmark prints which of them are set:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py    # unset
    OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=1048576 python benchmarks/bench.py
    python benchmarks/bench.py --both-envs     # runs itself twice, unset then set
"""

import argparse
import gc
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from machine import ENV_VARS, blas_threads, environment, load_average, set_threads
from workloads import (
    TRAIN_SAMPLES,
    WORKLOADS,
    ZerodlRunner,
    count_flops,
    load_data,
    nonnegative,
    positive,
    resolve,
    shaped,
    workload_list,
)
from zerodl import kernels
from zerodl.datasets.batches import minibatches
from zerodl.kernels import jit

# What --both-envs sets when the environment does not already set them: the generic AVX2 kernels
# and Zen 5's 1 MiB L2 cache per core.
SET_ENV_DEFAULTS = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "1048576"}
MIB = 1024 * 1024
MEMORY_TAG = "ZERODL-MEMORY-RESULT "
THIS_PROGRAM = os.path.abspath(__file__)


def torch_runner(workload, seed=0, net=None):
    """A TorchRunner (benchmarks/torch_twins.py, imported only when PyTorch is wanted)."""
    from torch_twins import TorchRunner

    return TorchRunner(workload, seed=seed, net=net)


# --- timing ---------------------------------------------------------------------------------------


def _settle(runners, seconds):
    """Before a framework's round, let the other one's idle threads stop spinning.

    OpenBLAS's worker threads keep spinning (with sched_yield) for ~0.1 s after each call, and
    OpenMP's for a while too; on a 2-core machine they would take a core from the framework
    being timed. A pause between rounds puts them to sleep. Only needed with two frameworks.
    """
    if len(runners) > 1 and seconds > 0:
        time.sleep(seconds)


def _how_many(count, estimates, min_time, cap):
    """`count`, raised so that the faster runner is timed for about `min_time` seconds."""
    if min_time <= 0 or not estimates:
        return count
    return max(count, min(cap, math.ceil(min_time / max(min(estimates), 1e-9))))


def time_training(runners, batches, steps, warmup, rounds, settle=0.25, min_time=0.0):
    """Seconds of each training step, per runner: {name: [s, s, ...]}, the same count for each.

    At least `steps` steps, more if needed for the faster runner to be timed for `min_time`
    seconds (estimated from the warm-up steps). Rounds alternate between the runners (and which
    one goes first), so that noise from other processes falls on both; `settle` seconds of pause
    before each round (see _settle). Each runner gets the same batches in its own array type.
    """
    own = {r.name: [(r.convert(x), r.convert(t)) for x, t in batches] for r in runners}
    estimates = []
    for r in runners:
        warm = []
        for i in range(warmup):
            start = time.perf_counter()
            r.step(*own[r.name][i % len(batches)])
            warm.append(time.perf_counter() - start)
        if warm:
            estimates.append(min(warm))  # the least disturbed by other processes
    steps = _how_many(steps, estimates, min_time, cap=20_000)
    rounds = min(rounds, steps)
    times = {r.name: [] for r in runners}
    per_round = [steps // rounds + (i < steps % rounds) for i in range(rounds)]
    for k, count in enumerate(per_round):
        order = runners if k % 2 == 0 else runners[::-1]
        for r in order:
            gc.collect()
            _settle(runners, settle)
            for i in range(count):
                x, t = own[r.name][(k + i) % len(batches)]
                start = time.perf_counter()
                r.step(x, t)
                times[r.name].append(time.perf_counter() - start)
    return times


def time_inference(runners, x_test, batch_size, passes, rounds, settle=0.25, min_time=0.0):
    """Seconds of each full pass of predict over x_test, per runner, interleaved as above.

    One untimed pass first; at least `passes` timed passes, more if needed for the faster runner
    to be timed for `min_time` seconds, split into at most `rounds` interleaved rounds.
    """
    own = {
        r.name: [r.convert(x_test[i : i + batch_size]) for i in range(0, len(x_test), batch_size)]
        for r in runners
    }
    estimates = []
    for r in runners:
        start = time.perf_counter()
        for xb in own[r.name]:
            r.predict(xb)
        estimates.append(time.perf_counter() - start)
    passes = _how_many(passes, estimates, min_time, cap=500)
    rounds = min(rounds, passes)
    times = {r.name: [] for r in runners}
    per_round = [passes // rounds + (i < passes % rounds) for i in range(rounds)]
    for k, count in enumerate(per_round):
        order = runners if k % 2 == 0 else runners[::-1]
        for r in order:
            gc.collect()
            _settle(runners, settle)
            for _ in range(count):
                start = time.perf_counter()
                for xb in own[r.name]:
                    r.predict(xb)
                times[r.name].append(time.perf_counter() - start)
    return times


def matmul_gflops(n=2048, repeat=5, torch=None):
    """GFLOP/s of the best of `repeat` float32 (n, n) @ (n, n) products: NumPy, and PyTorch."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    flops = 2 * n**3
    result = {"type": "matmul", "n": n}

    def best(product):
        product()
        seconds = []
        for _ in range(repeat):
            start = time.perf_counter()
            product()
            seconds.append(time.perf_counter() - start)
        return flops / min(seconds) / 1e9

    result["numpy_gflops"] = best(lambda: np.matmul(a, b, out=out))
    if torch is not None:
        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
        result["torch_gflops"] = best(lambda: torch.matmul(ta, tb, out=tout))
    return result


# --- peak memory of one epoch, in a subprocess ----------------------------------------------------


def _status_mib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def _peak_rss_mib():
    peak = _status_mib("VmHWM")
    if peak is not None:
        return peak
    import resource

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / MIB if sys.platform == "darwin" else maxrss / 1024  # bytes / KiB


def _reset_peak():
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0); False if it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory_child(workload, framework, batch_size, data_dir, seed, threads, random=False):
    """Train one epoch in this (fresh) process and print the peak RSS as a tagged JSON line."""
    kernels.tune_process(threads)  # as the main process: malloc, and the threads if given
    workload = WORKLOADS[resolve(workload)]
    x_train, t_train, x_test, t_test, source = load_data(data_dir, seed, random)
    del x_test, t_test
    x_train = shaped(x_train, workload)
    if framework == "torch":
        import torch

        if threads:
            torch.set_num_threads(threads)
        runner = torch_runner(workload, seed=seed)
    else:
        runner = ZerodlRunner(workload, seed=seed)
    gc.collect()
    rss_before = _status_mib("VmRSS")
    reset = _reset_peak()
    peak_before = _peak_rss_mib()
    start = time.perf_counter()
    steps = 0
    for x, t in minibatches(x_train, t_train, batch_size, seed=seed, drop_last=True):
        runner.step(runner.convert(x), runner.convert(t))
        steps += 1
    seconds = time.perf_counter() - start
    result = {
        "workload": workload.name,
        "framework": framework,
        "data": source,
        "steps": steps,
        "epoch_s": seconds,
        "rss_before_epoch_mib": rss_before,
        "peak_rss_mib": _peak_rss_mib(),
        "peak_reset_before_epoch": reset,
        "peak_before_epoch_mib": peak_before,
    }
    print(MEMORY_TAG + json.dumps(result), flush=True)
    return 0


def measure_memory(workload, framework, args, threads):
    """Run memory_child in a fresh interpreter; its result dict, or {"error": ...}."""
    cmd = [
        sys.executable,
        THIS_PROGRAM,
        "--memory-child",
        f"{workload.name}:{framework}",
        "--batch-size",
        str(args.batch_size),
        "--threads",
        str(threads),
        "--seed",
        str(args.seed),
    ]
    if args.data_dir:
        cmd += ["--data-dir", str(args.data_dir)]
    if args.random_data:
        cmd.append("--random-data")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(MEMORY_TAG):
            return json.loads(line[len(MEMORY_TAG) :])
    return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}"}


# --- one workload ---------------------------------------------------------------------------------


def run_workload(workload, data, args, torch, threads, log):
    x_train, t_train, x_test, t_test = data
    first_set, *others = args.kernel_sets
    zerodl = ZerodlRunner(workload, seed=args.seed, kernels=first_set)
    # One more zerodl, same seed and so the same weights, per other kernel set ("zerodl_jit")
    extra = [ZerodlRunner(workload, args.seed, kernels=k, name=f"zerodl_{k}") for k in others]
    runners = [zerodl, *extra]
    record = {"type": "workload", "workload": workload.name, "title": workload.title}
    record["kernel_sets"] = list(args.kernel_sets)
    if torch is not None:
        runners.append(torch_runner(workload, seed=args.seed, net=zerodl.net))  # its weights
        # Same architecture, same weights: the scores must agree before anything is trained.
        xb = shaped(x_test[: args.batch_size], workload)
        ours = zerodl.predict(xb)
        theirs = runners[-1].predict(runners[-1].convert(xb)).numpy()
        record["max_abs_score_diff"] = float(np.max(np.abs(ours - theirs)))

    first = itertools.islice(minibatches(x_train, t_train, args.batch_size, seed=args.seed), 20)
    batches = [(np.ascontiguousarray(shaped(x, workload)), t) for x, t in first]

    flops = count_flops(zerodl.net, args.batch_size)
    record.update(
        optimizer=type(zerodl.optimizer).__name__,  # SGD, Adam
        lr=workload.lr,
        batch_size=args.batch_size,
        train_flops=flops["train"],
        forward_flops=flops["forward"],
        target_ratio=workload.target,
    )
    log(f"  {workload.name}: training, {len(runners)} framework(s)")
    step_times = time_training(
        runners, batches, args.steps, args.warmup, args.rounds, args.settle, args.min_time
    )
    record["steps_timed"] = len(step_times["zerodl"])
    infer_times = None
    if args.infer_rounds > 0:
        log(f"  {workload.name}: inference over {len(x_test)} images")
        x_eval = np.ascontiguousarray(shaped(x_test, workload))
        infer_times = time_inference(
            runners,
            x_eval,
            args.infer_batch_size,
            args.infer_rounds,
            args.rounds,
            args.settle,
            args.min_time,
        )
        record["infer_passes"] = len(infer_times["zerodl"])
    steps_per_epoch = TRAIN_SAMPLES / args.batch_size
    for r in runners:
        step = statistics.median(step_times[r.name])
        result = {
            "step_s": step,
            "step_s_min": min(step_times[r.name]),
            "epoch_s": step * steps_per_epoch,
            "train_gflops": flops["train"] / step / 1e9,
        }
        if infer_times is not None:
            infer = statistics.median(infer_times[r.name])
            result.update(
                infer_pass_s=infer,
                infer_pass_s_min=min(infer_times[r.name]),
                infer_images_per_s=len(x_test) / infer,
                infer_gflops=flops["forward"] / args.batch_size * len(x_test) / infer / 1e9,
            )
        record[r.name] = result
    if torch is not None:
        ours, theirs = record["zerodl"], record["torch"]
        record["ratio_train"] = ours["step_s"] / theirs["step_s"]
        record["ratio_train_min"] = ours["step_s_min"] / theirs["step_s_min"]
        if infer_times is not None:
            record["ratio_infer"] = ours["infer_pass_s"] / theirs["infer_pass_s"]
            record["ratio_infer_min"] = ours["infer_pass_s_min"] / theirs["infer_pass_s_min"]
    for k in others:  # each other kernel set against the first (and PyTorch)
        ours = record[f"zerodl_{k}"]
        for what, key in (("train", "step_s"), ("infer", "infer_pass_s")):
            if key in ours:
                record[f"ratio_{what}_{k}_{first_set}"] = ours[key] / record["zerodl"][key]
                if torch is not None:
                    record[f"ratio_{what}_{k}"] = ours[key] / record["torch"][key]
    if args.memory:
        record["memory"] = {}
        for framework in [r.name for r in runners if r.name in ("zerodl", "torch")]:
            log(f"  {workload.name}: one epoch in a subprocess ({framework}) for the peak RSS")
            record["memory"][framework] = measure_memory(workload, framework, args, threads)
    return record


# --- output ---------------------------------------------------------------------------------------


def _fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


def table(header, rows):
    """Lines of a table: the first column left-aligned, the others right-aligned."""
    width = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            f"{str(c):>{w}}" if i else f"{str(c):<{w}}" for i, (c, w) in enumerate(zip(row, width))
        )
        for row in [header, *rows]
    ]
    rule = "-" * len(lines[0])
    return [lines[0], rule, *lines[1:]]


def _other_sets_header(records, has_torch, unit="ms"):
    """The columns of the kernel sets after the first (--kernel-sets): time, ratios."""
    if not records:
        return []
    first, *others = records[0].get("kernel_sets", ["fast"])
    header = []
    for k in others:
        header += [f"{k} {unit}", *([f"{k}/torch"] if has_torch else []), f"{k}/{first}"]
    return header


def _other_sets(r, key, what, has_torch):
    first, *others = r.get("kernel_sets", ["fast"])
    cells = []
    for k in others:
        cells.append(f"{r[f'zerodl_{k}'][key] * 1e3:.2f}")
        if has_torch:
            cells.append(f"{r[f'ratio_{what}_{k}']:.2f}")
        cells.append(f"{r[f'ratio_{what}_{k}_{first}']:.2f}")
    return cells


def format_report(env, matmul, records, settings):
    out = []
    out.append(
        f"zerodl benchmark  {env['time']}  commit {env['zerodl_commit'] or '?'}"
        + ("  (uncommitted changes)" if env["zerodl_dirty"] else "")
    )
    out.append(
        f"CPU {env['cpu']} x {env['cpu_count']}, Python {env['python']}, "
        f"NumPy {env['numpy']}, PyTorch {env['torch'] or 'not used'}"
    )
    if env["load_average"]:
        loads = (env["load_average"], env.get("load_average_end"))
        out.append(
            "Load average (1, 5, 15 min) at the start "
            + ", ".join(f"{x:.2f}" for x in loads[0])
            + (", at the end " + ", ".join(f"{x:.2f}" for x in loads[1]) if loads[1] else "")
            + f"  (above {env['cpu_count']}: other processes compete, expect noise)"
        )
    blas = env["numpy_blas"] or {}
    out.append(
        f"NumPy BLAS: {blas.get('name', '?')} {blas.get('version', '')}; OpenBLAS "
        f"runtime core {env['openblas_corename'] or '?'}; threads: BLAS {env['threads']}"
        + (f", torch {env['torch_threads']}" if env["torch"] else "")
        + f"; zerodl's default kernels: {env['zerodl_kernels']}"
    )
    set_vars = [f"{k}={v}" for k, v in env["env"].items() if v is not None]
    out.append(
        "Environment: "
        + (", ".join(set_vars) if set_vars else "none of " + ", ".join(ENV_VARS[:4]) + " set")
    )
    if any(env["env"].get(k) for k in SET_ENV_DEFAULTS):
        out.append(
            "  note: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set; the targets are measured "
            "with both unset (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...)"
        )
    out.append(
        f"Data: {settings['data']}; batch {settings['batch_size']}, float32; median of "
        f">= {settings['steps']} steps after {settings['warmup']} warm-up (more to fill "
        f"{settings['min_time']} s on fast workloads), "
        f"{settings['rounds']} interleaved rounds ({settings['settle']} s pause before each)"
    )
    peak = matmul["numpy_gflops"]
    line = f"Large matmul ({matmul['n']}x{matmul['n']} float32): NumPy {peak:.0f} GFLOP/s"
    if "torch_gflops" in matmul:
        line += f", PyTorch {matmul['torch_gflops']:.0f} GFLOP/s"
    out += [line, ""]

    has_torch = env["torch"] is not None
    header = ["workload", "opt", "steps", "MFLOP/step", "zerodl ms", "GFLOP/s", "%peak", "s/epoch"]
    if has_torch:
        header += ["torch ms", "GFLOP/s", "s/epoch", "zerodl/torch", "(min)", "target"]
    rows = []
    for r in records:
        z = r["zerodl"]
        row = [
            r["workload"],
            r["optimizer"],
            r["steps_timed"],
            f"{r['train_flops'] / 1e6:.0f}",
            f"{z['step_s'] * 1e3:.2f}",
            f"{z['train_gflops']:.1f}",
            f"{100 * z['train_gflops'] / peak:.0f}%",
            f"{z['epoch_s']:.1f}",
        ]
        if has_torch:
            t = r["torch"]
            ok = "ok" if r["ratio_train"] <= r["target_ratio"] else "OVER"
            row += [
                f"{t['step_s'] * 1e3:.2f}",
                f"{t['train_gflops']:.1f}",
                f"{t['epoch_s']:.1f}",
                f"{r['ratio_train']:.2f}",
                f"{r['ratio_train_min']:.2f}",
                f"<= {r['target_ratio']:.2f} {ok}",
            ]
        row += _other_sets(r, "step_s", "train", has_torch)
        rows.append(row)
    header += _other_sets_header(records, has_torch)
    out.append(
        "Training step (forward + backward + update); zerodl/torch: ratio of the median times, "
        "(min): of the fastest"
    )
    out += table(header, rows)

    if records and "infer_pass_s" in records[0]["zerodl"]:
        header = ["workload", "batch", "passes", "zerodl img/s", "GFLOP/s"]
        if has_torch:
            header += ["torch img/s", "GFLOP/s", "zerodl/torch", "(min)", "target"]
        rows = []
        for r in records:
            z = r["zerodl"]
            row = [
                r["workload"],
                settings["infer_batch_size"],
                r["infer_passes"],
                f"{z['infer_images_per_s']:,.0f}",
                f"{z['infer_gflops']:.1f}",
            ]
            if has_torch:
                t = r["torch"]
                ok = "ok" if r["ratio_infer"] <= r["target_ratio"] else "OVER"
                row += [
                    f"{t['infer_images_per_s']:,.0f}",
                    f"{t['infer_gflops']:.1f}",
                    f"{r['ratio_infer']:.2f}",
                    f"{r['ratio_infer_min']:.2f}",
                    f"<= {r['target_ratio']:.2f} {ok}",
                ]
            row += _other_sets(r, "infer_pass_s", "infer", has_torch)
            rows.append(row)
        header += _other_sets_header(records, has_torch, unit="ms/pass")
        out += ["", "Inference on the 10,000 test images (time ratio: below 1 means zerodl faster)"]
        out += table(header, rows)

    if any("memory" in r for r in records):
        header = ["workload", "framework", "data", "epoch s", "RSS before MiB", "peak RSS MiB"]
        rows = []
        for r in records:
            for framework, m in r.get("memory", {}).items():
                if "error" in m:
                    rows.append([r["workload"], framework, "error", "-", "-", m["error"][:60]])
                    continue
                rows.append(
                    [
                        r["workload"],
                        framework,
                        m["data"],
                        f"{m['epoch_s']:.1f}",
                        _fmt(m["rss_before_epoch_mib"], ".0f"),
                        _fmt(m["peak_rss_mib"], ".0f"),
                    ]
                )
        out += ["", "One training epoch in a fresh process (peak RSS during the epoch)"]
        out += table(header, rows)
    if has_torch:
        diffs = [r.get("max_abs_score_diff") for r in records]
        out += [
            "",
            "Same networks: max |zerodl - torch| of the initial scores: "
            + ", ".join(f"{r['workload']} {d:.1e}" for r, d in zip(records, diffs)),
        ]
    return "\n".join(out)


# --- the command line -----------------------------------------------------------------------------

EPILOG = """\
OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE once, when NumPy is imported, so compare
them in two processes:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py     # unset (targets)
  OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=1048576 python benchmarks/bench.py
  python benchmarks/bench.py --both-envs          # both, one after the other

Examples:
  python benchmarks/bench.py --data-dir ../shared/datasets/mnist --memory
  python benchmarks/bench.py --workloads two_layer,mlp --steps 200 --format json
  python benchmarks/bench.py --no-torch --json results.jsonl
  python benchmarks/compare_commits.py 269b8c8 HEAD --workloads simple_cnn   # two commits

The FLOP count, the way rounds interleave zerodl and PyTorch, and how peak RSS is measured are
described in the docstring of benchmarks/bench.py; benchmarks/README.md explains every column.
"""


def kernel_sets(text):
    """The kernel sets of --kernel-sets, checked against zerodl.kernels.MODES."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in kernels.MODES]
    if unknown or not names or len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(
            f"kernel sets must be distinct names among {', '.join(kernels.MODES)}, got {text!r}"
        )
    if "jit" in names and not jit.available():
        raise argparse.ArgumentTypeError(jit.INSTALL_HINT)
    return names


def build_parser():
    """The benchmark's options."""
    parser = argparse.ArgumentParser(
        prog="bench.py",
        description="Time zerodl's training steps, inference and memory on the book's networks, "
        "side by side with PyTorch when it is installed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--workloads",
        type=workload_list,
        default=list(WORKLOADS),
        help=f"comma-separated, from {', '.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument(
        "--steps",
        type=positive,
        default=50,
        help="timed training steps per framework and workload, at least (default 50)",
    )
    parser.add_argument(
        "--warmup", type=nonnegative, default=5, help="untimed training steps first (default 5)"
    )
    parser.add_argument(
        "--rounds",
        type=positive,
        default=10,
        help="interleaved rounds the timed steps are split into (default 10)",
    )
    parser.add_argument("--batch-size", type=positive, default=100, help="default 100")
    parser.add_argument(
        "--infer-batch-size",
        type=positive,
        default=100,
        help="batch size of the inference passes (default 100)",
    )
    parser.add_argument(
        "--infer-rounds",
        type=nonnegative,
        default=3,
        help="timed passes over the test set per framework, at least; 0 skips inference "
        "(default 3)",
    )
    parser.add_argument(
        "--no-torch", action="store_true", help="do not time PyTorch even if it is importable"
    )
    parser.add_argument(
        "--threads",
        type=positive,
        default=None,
        help="threads for NumPy's BLAS, zerodl's workers and PyTorch (default: what "
        "BLAS uses already, usually one per core)",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with the MNIST IDX files (searched first, then $ZERODL_DATA and the "
        "usual places; random data of the same shape when absent)",
    )
    parser.add_argument(
        "--random-data",
        action="store_true",
        help="time on random data of MNIST's shape even where MNIST is found",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="also train one full epoch per workload and framework in a fresh "
        "subprocess and report its peak RSS (slow: minutes)",
    )
    parser.add_argument(
        "--matmul-size",
        type=positive,
        default=2048,
        help="n of the (n, n) float32 matrix product that measures the "
        "machine's GFLOP/s (default 2048)",
    )
    parser.add_argument(
        "--min-time",
        type=float,
        default=2.0,
        help="seconds of timed work per framework that --steps and --infer-rounds are raised "
        "to reach on fast workloads, estimated from the warm-up (default 2; 0: exactly --steps)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0.25,
        help="seconds of pause before each interleaved round, so that the other framework's "
        "idle BLAS/OpenMP threads stop spinning (default 0.25)",
    )
    parser.add_argument(
        "--kernel-sets",
        type=kernel_sets,
        default=None,
        help="comma-separated zerodl kernel sets, each timed in the same rounds (fast, jit, "
        "reference); the first is the 'zerodl' column, each other gets columns of its own. "
        "Default: fast, and jit when Numba is installed",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="what goes to stdout: a table (default) or JSON lines",
    )
    parser.add_argument(
        "--json", metavar="FILE", default=None, help="also write the results as JSON lines to FILE"
    )
    parser.add_argument(
        "--both-envs",
        action="store_true",
        help="run the benchmark twice in subprocesses: with OPENBLAS_CORETYPE "
        "and OPENBLAS_L2_SIZE unset, then set (to their current values, else "
        "Haswell and 1048576)",
    )
    parser.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json-append", action="store_true", help=argparse.SUPPRESS)
    return parser


def _both_envs(argv, args):
    """Re-run this benchmark without and then with the OpenBLAS variables; the worst exit code."""
    rest = [a for a in argv if a != "--both-envs"]
    set_values = {k: os.environ.get(k) or v for k, v in SET_ENV_DEFAULTS.items()}
    codes = []
    for k, label in enumerate(("unset", "set")):
        env = dict(os.environ)
        for var, value in set_values.items():
            if label == "unset":
                env.pop(var, None)
            else:
                env[var] = value
        shown = (
            " ".join(f"{v}={set_values[v]}" for v in set_values)
            if label == "set"
            else ("env -u " + " -u ".join(set_values))
        )
        print(f"=== OpenBLAS variables {label}: {shown} ===", file=sys.stderr, flush=True)
        cmd = [sys.executable, THIS_PROGRAM, *rest]
        if args.json and k > 0:
            cmd.append("--json-append")
        sys.stdout.flush()
        codes.append(subprocess.run(cmd, env=env).returncode)
        if args.format == "table":
            print(flush=True)
    return max(codes)


def main(argv=None):
    """Run the benchmark with command-line arguments `argv` (default sys.argv[1:]); exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.memory_child:
        workload, framework = args.memory_child.split(":")
        return memory_child(
            workload,
            framework,
            args.batch_size,
            args.data_dir,
            args.seed,
            args.threads,
            args.random_data,
        )
    if args.both_envs:
        return _both_envs(argv, args)
    if args.kernel_sets is None:  # the kernels in use, the NumPy ones for jit; jit if installed
        in_use = kernels.kernels_in_use()  # (ZERODL_KERNELS, else the automatic choice)
        first = "fast" if in_use == "jit" else in_use  # so the 'zerodl' column stays comparable
        args.kernel_sets = [first, *(["jit"] if jit.available() else [])]

    def log(message):
        print(message, file=sys.stderr, flush=True)

    kernels.tune_process()  # what `zerodl train` gets: glibc's malloc keeps freed memory
    if args.threads and not set_threads(args.threads):
        log("could not reach NumPy's BLAS to set its threads; use OPENBLAS_NUM_THREADS instead")
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            log("PyTorch is not importable: timing zerodl alone")
    threads = args.threads or blas_threads()
    if torch is not None:
        torch.set_num_threads(threads)

    env = environment(torch, threads)
    log(f"measuring a {args.matmul_size}x{args.matmul_size} float32 matrix product")
    matmul = matmul_gflops(args.matmul_size, torch=torch)
    log("loading the data")
    x_train, t_train, x_test, t_test, source = load_data(args.data_dir, args.seed, args.random_data)
    settings = {
        "type": "settings",
        "data": source,
        "workloads": args.workloads,
        **{
            k: getattr(args, k)
            for k in (
                "batch_size",
                "infer_batch_size",
                "steps",
                "warmup",
                "rounds",
                "infer_rounds",
                "memory",
                "seed",
                "settle",
                "min_time",
            )
        },
        "threads": threads,
    }
    records = []
    for name in args.workloads:
        log(f"{name}:")
        record = run_workload(
            WORKLOADS[name], (x_train, t_train, x_test, t_test), args, torch, threads, log
        )
        record["achieved_fraction_of_matmul"] = (
            record["zerodl"]["train_gflops"] / matmul["numpy_gflops"]
        )
        records.append(record)

    env["load_average_end"] = load_average()
    lines = [json.dumps(x) for x in (env, settings, matmul, *records)]
    if args.json:
        with open(args.json, "a" if args.json_append else "w") as f:
            f.write("\n".join(lines) + "\n")
    if args.format == "json":
        print("\n".join(lines))
    else:
        print(format_report(env, matmul, records, settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
