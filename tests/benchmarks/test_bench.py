"""benchmarks/bench.py: tiny runs as a user starts them, its ratio, its FLOP count by hand."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bench
from workloads import WORKLOADS, count_flops
from zerodl.layers import Affine, ReLU, SoftmaxWithLoss
from zerodl.networks import Sequential

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench.py"

# A run of a few steps on random data (never MNIST, never a download).
TINY = ["--steps", "3", "--warmup", "1", "--rounds", "2", "--infer-rounds", "1", "--random-data"]
TINY += ["--workloads", "two_layer", "--matmul-size", "128", "--settle", "0"]
EXACT = ["--min-time", "0"]  # exactly --steps and --infer-rounds


def run_bench(*args):
    """`python benchmarks/bench.py ARGS` in a fresh process (it tunes its own process); stdout."""
    cmd = [sys.executable, str(BENCH), *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout


def test_tiny_run_without_torch_writes_json_lines():
    out = run_bench(*TINY, *EXACT, "--no-torch", "--format", "json")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["type"] for r in records] == ["environment", "settings", "matmul", "workload"]
    env, settings, matmul, work = records
    assert settings["data"] == "random"  # as --random-data asks
    assert env["numpy"] == np.__version__ and env["torch"] is None
    assert {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"} <= set(env["env"])
    assert matmul["numpy_gflops"] > 0
    assert work["workload"] == "two_layer" and work["optimizer"] == "SGD"
    assert "torch" not in work and "ratio_train" not in work
    z = work["zerodl"]
    assert 0 < z["step_s_min"] <= z["step_s"] and 0 < z["infer_pass_s_min"] <= z["infer_pass_s"]
    assert work["steps_timed"] == 3 and work["infer_passes"] == 1


def test_tiny_run_next_to_torch_prints_and_writes_the_ratios(tmp_path):
    pytest.importorskip("torch")
    out_file = tmp_path / "bench.jsonl"
    table = run_bench(*TINY, *EXACT, "--json", str(out_file))
    work = json.loads(out_file.read_text().splitlines()[-1])
    # the ratio zerodl/PyTorch of the median times, in the file and in the table's row
    assert work["ratio_train"] == pytest.approx(work["zerodl"]["step_s"] / work["torch"]["step_s"])
    assert work["ratio_infer"] == pytest.approx(
        work["zerodl"]["infer_pass_s"] / work["torch"]["infer_pass_s"]
    )
    rows = [line.split() for line in table.splitlines() if line.startswith("two_layer")]
    train_row, infer_row = rows
    assert f"{work['ratio_train']:.2f}" in train_row and f"{work['ratio_infer']:.2f}" in infer_row
    # the twin starts from the same weights: the same scores before training
    assert work["max_abs_score_diff"] < 1e-4
    assert "Same networks: max |zerodl - torch| of the initial scores: two_layer" in table


def test_min_time_raises_the_step_count_of_fast_workloads():
    # One thread: with two on a busy 2-core machine, each tiny product can take milliseconds.
    args = [*TINY, "--min-time", "1.0", "--warmup", "5", "--threads", "1", "--no-torch"]
    args += ["--format", "json"]
    work = json.loads(run_bench(*args).splitlines()[-1])
    # a TwoLayerNet step takes well under 1.0 / 3 s, a pass over 10,000 images under 0.5 s
    assert work["steps_timed"] > 3 and work["infer_passes"] > 1


def test_workloads_by_registry_name_or_older_name(capsys):
    parse = bench.build_parser().parse_args
    assert parse([]).workloads == ["two_layer", "mlp", "simple_cnn", "deep_cnn"]
    assert parse(["--workloads", "multi_layer,deep_cnn"]).workloads == ["mlp", "deep_cnn"]
    with pytest.raises(SystemExit):
        parse(["--workloads", "two_layer,resnet"])
    assert "resnet" in capsys.readouterr().err


def test_flops_of_a_small_affine_network_counted_by_hand():
    network = Sequential(
        [Affine(4, 3, seed=0), ReLU(), Affine(3, 2, seed=0), SoftmaxWithLoss()], input_shape=(4,)
    )
    # Batch 5. x (5, 4) @ W1 (4, 3): 15 outputs of 4 multiplies and 4 adds = 120 FLOPs;
    # h (5, 3) @ W2 (3, 2): 10 outputs of 3 + 3 = 60 FLOPs. Forward: 180.
    # Backward: dW2 = h^T dout (3x2 outputs, a sum over 5 samples) 60, dh = dout W2^T 60,
    # dW1 = x^T dh (4x3 outputs, 5 samples) 120; no dx of the input. Training step: 420.
    assert count_flops(network, 5) == {"forward": 180, "train": 420}


def test_both_envs_runs_unset_then_set(monkeypatch):
    seen = []

    def fake_run(cmd, env):
        seen.append((cmd, env))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Zen")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    assert bench.main(["--both-envs", "--steps", "3", "--no-torch"]) == 0
    (cmd1, env1), (cmd2, env2) = seen
    assert Path(cmd1[1]) == BENCH and cmd1[2:] == ["--steps", "3", "--no-torch"] == cmd2[2:]
    assert "OPENBLAS_CORETYPE" not in env1 and "OPENBLAS_L2_SIZE" not in env1
    assert env2["OPENBLAS_CORETYPE"] == "Zen"  # the value already set is kept
    assert env2["OPENBLAS_L2_SIZE"] == bench.SET_ENV_DEFAULTS["OPENBLAS_L2_SIZE"]


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_torch_twin_gives_the_same_scores(name):
    torch = pytest.importorskip("torch")
    from torch_twins import torch_model

    workload = WORKLOADS[name]
    net = workload.build(seed=1)
    model = torch_model(net).eval()
    shape = (8, 784) if workload.flat else (8, 1, 28, 28)
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net.predict(x), theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_memory_child_reports_the_peak_of_one_epoch():
    out = run_bench("--memory-child", "two_layer:zerodl", "--random-data", "--threads", "1")
    line = next(x for x in out.splitlines() if x.startswith(bench.MEMORY_TAG))
    result = json.loads(line[len(bench.MEMORY_TAG) :])
    assert result["data"] == "random" and result["steps"] == 600
    # the 60,000 float32 training images alone are 179 MiB, and stay resident during the epoch
    assert result["peak_rss_mib"] >= result["rss_before_epoch_mib"] > 179
