"""The benchmark program: a tiny run without PyTorch, its JSON lines and table, the FLOP count."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zerodl import benchmark, fastops
from zerodl.benchmark import WORKLOADS, blas_threads, count_flops, main, set_blas_threads
from zerodl.networks import DeepConvNet, SimpleConvNet, TwoLayerNet

# A run of a few steps on random data (never MNIST, never a download).
TINY = ["--steps", "3", "--warmup", "1", "--rounds", "2", "--infer-rounds", "1", "--random-data"]
TINY += ["--workloads", "two_layer", "--no-torch", "--matmul-size", "128", "--min-time", "0"]


def test_json_lines_of_a_tiny_run(tmp_path, capsys):
    assert main([*TINY, "--format", "json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_type = {r["type"]: r for r in records}
    assert [r["type"] for r in records] == ["environment", "settings", "matmul", "workload"]
    assert by_type["settings"]["data"] == "random"  # as --random-data asks
    assert set(by_type["environment"]["env"]) >= {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}
    assert by_type["environment"]["numpy"] == np.__version__
    assert by_type["environment"]["torch"] is None
    assert by_type["matmul"]["numpy_gflops"] > 0
    work = by_type["workload"]
    assert work["workload"] == "two_layer" and "torch" not in work
    z = work["zerodl"]
    assert 0 < z["step_s_min"] <= z["step_s"]
    assert z["epoch_s"] == pytest.approx(600 * z["step_s"])
    assert z["infer_images_per_s"] == pytest.approx(10_000 / z["infer_pass_s"])
    assert z["train_gflops"] == pytest.approx(work["train_flops"] / z["step_s"] / 1e9)
    assert work["steps_timed"] == 3 and work["infer_passes"] == 1


def test_min_time_raises_the_step_count_of_fast_workloads(tmp_path, capsys):
    args = [*TINY[:-1], "1.0", "--warmup", "5", "--format", "json"]
    # One BLAS thread: with two on a busy 2-core machine, each tiny product can take milliseconds.
    before = blas_threads()
    try:
        assert main([*args, "--threads", "1"]) == 0
    finally:
        set_blas_threads(before)  # later tests (the MNIST results) run with the usual threads
        fastops.set_num_threads(None)
    assert fastops.num_threads() == before
    work = json.loads(capsys.readouterr().out.splitlines()[-1])
    # a TwoLayerNet step takes well under 1.0 / 3 s, a pass over 10,000 images under 0.5 s
    assert work["steps_timed"] > 3 and work["infer_passes"] > 1


def test_table_and_json_file(tmp_path, capsys):
    out_file = tmp_path / "bench.jsonl"
    assert main([*TINY, "--json", str(out_file)]) == 0
    table = capsys.readouterr().out
    assert "Training step" in table and "Inference" in table
    assert "Large matmul (128x128 float32)" in table
    assert "Environment:" in table and "NumPy BLAS" in table
    row = next(line for line in table.splitlines() if line.startswith("two_layer"))
    assert "SGD" in row
    lines = out_file.read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines][-1] == "workload"


def test_unknown_workload_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["--workloads", "two_layer,resnet"])
    assert "resnet" in capsys.readouterr().err


def _macs_affine(n, d, m):
    return n * d * m


def _macs_conv(n, fn, oh, ow, c, fh, fw):
    return n * fn * oh * ow * c * fh * fw


@pytest.mark.parametrize(
    ("network", "layers"),
    [
        (lambda: TwoLayerNet(784, 50, 10), [_macs_affine(100, 784, 50), _macs_affine(100, 50, 10)]),
        (
            SimpleConvNet,
            [
                _macs_conv(100, 30, 24, 24, 1, 5, 5),
                _macs_affine(100, 30 * 12 * 12, 100),
                _macs_affine(100, 100, 10),
            ],
        ),
        (
            DeepConvNet,
            [
                _macs_conv(100, 16, 28, 28, 1, 3, 3),
                _macs_conv(100, 16, 28, 28, 16, 3, 3),
                _macs_conv(100, 32, 14, 14, 16, 3, 3),
                _macs_conv(100, 32, 16, 16, 32, 3, 3),  # pad 2
                _macs_conv(100, 64, 8, 8, 32, 3, 3),
                _macs_conv(100, 64, 8, 8, 64, 3, 3),
                _macs_affine(100, 64 * 4 * 4, 50),
                _macs_affine(100, 50, 10),
            ],
        ),
    ],
)
def test_flop_count(network, layers):
    # forward 2 MACs; backward 2 MACs for dW and 2 for dx, except dx of the first layer
    flops = count_flops(network(), 100)
    assert flops["forward"] == 2 * sum(layers)
    assert flops["train"] == 6 * sum(layers) - 2 * layers[0]


def test_both_envs_runs_unset_then_set(monkeypatch, capsys):
    seen = []

    def fake_run(cmd, env):
        seen.append((cmd, env))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(benchmark.subprocess, "run", fake_run)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Zen")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    assert main(["--both-envs", "--steps", "3", "--no-torch"]) == 0
    (cmd1, env1), (cmd2, env2) = seen
    assert "--both-envs" not in cmd1 and cmd1[-2:] == ["3", "--no-torch"]
    assert "OPENBLAS_CORETYPE" not in env1 and "OPENBLAS_L2_SIZE" not in env1
    assert env2["OPENBLAS_CORETYPE"] == "Zen"  # the value already set is kept
    assert env2["OPENBLAS_L2_SIZE"] == benchmark.SET_ENV_DEFAULTS["OPENBLAS_L2_SIZE"]


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_torch_translation_gives_the_same_scores(name):
    torch = pytest.importorskip("torch")
    workload = WORKLOADS[name]
    net = workload.build(seed=1)
    model = benchmark.torch_model(net).eval()
    shape = (8, 784) if workload.flat else (8, 1, 28, 28)
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net.predict(x), theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_memory_child_reports_the_peak_of_one_epoch(tmp_path):
    cmd = [sys.executable, "-m", "zerodl.benchmark", "--memory-child", "two_layer:zerodl"]
    cmd += ["--random-data", "--threads", "1"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith(benchmark.MEMORY_TAG))
    result = json.loads(line[len(benchmark.MEMORY_TAG) :])
    assert result["data"] == "random" and result["steps"] == 600
    # the 60,000 float32 training images alone are 179 MiB, and stay resident during the epoch
    assert result["peak_rss_mib"] >= result["rss_before_epoch_mib"] > 179


def test_threads_script_times_threads_one_part_and_processes():
    """benchmarks/threads.py, a tiny run: the three zerodl ways, each a positive time."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "threads.py"
    cmd = [sys.executable, str(script), "--workload", "two_layer", "--threads", "2"]
    cmd += ["--rounds", "1", "--steps", "2", "--no-torch"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
    lines = out.splitlines()
    assert lines[0] == "TwoLayerNet 784-50-10, batch 100, 2 threads: median ms per training step"
    labels = [line.rsplit(maxsplit=1)[0].strip() for line in lines[1:4]]
    assert labels == [
        "zerodl, batch 100 on 2 threads",
        "zerodl, batch 50 on 1 thread, alone",
        "zerodl, batch 50 in each of 2 processes at once (the slowest)",
    ]
    threads, one_part, processes = (float(line.split()[-1]) for line in lines[1:4])
    assert min(threads, one_part, processes) > 0
    assert lines[4].startswith("threads / processes: ") and "torch" not in out
    # the ratio of the two printed times (rounded to 0.01 ms: a few % of a TwoLayerNet step)
    assert float(lines[4].split()[3]) == pytest.approx(threads / processes, rel=0.05)
