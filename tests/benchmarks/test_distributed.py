"""benchmarks/distributed.py: the scaling model by hand, the report, one tiny run under mpiexec.

The run starts real processes with mpiexec (`pip install 'zerodl[mpi]'`); without it the test is
skipped here, and fails under CI (which installs it), as tests/test_distributed.py does.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import distributed
from workloads import WORKLOADS

PROGRAM = Path(__file__).resolve().parents[2] / "benchmarks" / "distributed.py"


# --- the scaling model, against numbers worked out by hand ----------------------------------------


def test_ring_allreduce_by_hand():
    # 1,000,000 bytes = 8e6 bits; 10 Gbit/s = 1e10 bit/s; 20 us a message
    # N=4: 2*3/4 = 1.5 of the bytes -> 1.2e7 bits / 1e10 = 1.2 ms, plus 6 messages = 0.12 ms
    assert distributed.ring_allreduce_s(4, 1e6, 10, 20e-6) == pytest.approx(1.32e-3)
    # N=2: each node sends the whole buffer once (half out, half back): 0.8 ms + 2 x 20 us
    assert distributed.ring_allreduce_s(2, 1e6, 10, 20e-6) == pytest.approx(0.84e-3)
    assert distributed.ring_allreduce_s(1, 1e6, 10, 20e-6) == 0.0  # nothing to add up


def test_largest_share_and_the_batch_sizes_the_model_needs():
    assert [distributed.largest_share(100, n) for n in (1, 2, 4, 8, 16)] == [100, 50, 25, 13, 7]
    assert distributed.batch_sizes_needed((100, 1000), (2, 4, 8, 16)) == [
        1000, 500, 250, 125, 100, 63, 50, 25, 13, 7
    ]  # fmt: skip


# One core's seconds per step; 1,250,000 bytes = 1e7 bits, 0.01 s on a 1 Gbit/s link.
COMPUTE = {100: 0.1, 50: 0.05, 25: 0.03, 13: 0.02, 7: 0.015}
NBYTES = 1_250_000


def test_scaling_model_by_hand():
    rows = distributed.scaling_model(
        COMPUTE, NBYTES, global_batches=(100,), nodes=(2, 4, 8, 16), links_gbit_s=(1,), latency_s=0
    )
    assert [(r["nodes"], r["share"]) for r in rows] == [(2, 50), (4, 25), (8, 13), (16, 7)]
    # allreduce 2(N-1)/N x 0.01 s; step = compute(share) + allreduce; speed-up = 0.1 / step
    #   N=2:  0.01    + 0.05  = 0.06     -> 1.6667 (83%)
    #   N=4:  0.015   + 0.03  = 0.045    -> 2.2222 (56%)
    #   N=8:  0.0175  + 0.02  = 0.0375   -> 2.6667 (33%)
    #   N=16: 0.01875 + 0.015 = 0.03375  -> 2.9630 (19%)
    assert [r["allreduce_s"] for r in rows] == pytest.approx([0.01, 0.015, 0.0175, 0.01875])
    assert [r["step_s"] for r in rows] == pytest.approx([0.06, 0.045, 0.0375, 0.03375])
    assert [r["speedup"] for r in rows] == pytest.approx([5 / 3, 20 / 9, 8 / 3, 80 / 27])
    assert [r["efficiency"] for r in rows] == pytest.approx([5 / 6, 5 / 9, 1 / 3, 5 / 27])
    # each message's latency counts 2(N-1) times: 1 ms a message at N=2 -> 0.062 s a step
    (slow,) = distributed.scaling_model(COMPUTE, NBYTES, (100,), (2,), (1,), latency_s=1e-3)
    assert slow["step_s"] == pytest.approx(0.062) and slow["speedup"] == pytest.approx(0.1 / 0.062)


def test_scaling_model_rows_come_in_order_batch_link_nodes():
    compute = {**COMPUTE, 1000: 1.0, 500: 0.5, 250: 0.25, 125: 0.125, 63: 0.07}
    rows = distributed.scaling_model(compute, NBYTES, (100, 1000), (2, 16), (1, 25), 0)
    keys = [(r["batch"], r["gbit_s"], r["nodes"]) for r in rows]
    assert keys == [(b, g, n) for b in (100, 1000) for g in (1, 25) for n in (2, 16)]
    # batch 1000 over 16 nodes on 25 Gbit/s: 1.0 / (0.07 + 1.875 * 1e7 / 25e9)
    assert rows[-1]["speedup"] == pytest.approx(1.0 / (0.07 + 1.875 * 1e7 / 25e9))


def test_scaling_model_names_a_missing_batch_size():
    with pytest.raises(ValueError, match="batch 13"):
        distributed.scaling_model({100: 0.1, 50: 0.05}, NBYTES, (100,), (2, 8), (1,), 0)


def test_payoff_limits():
    rows = distributed.scaling_model(COMPUTE, NBYTES, (100,), (2, 4, 8, 16), (1,), 0)
    (limit,) = distributed.payoff_limits(rows)
    assert limit["best_nodes"] == 16 and limit["best_speedup"] == pytest.approx(80 / 27)
    assert limit["half_from"] == 8  # 56% at N=4, 33% at N=8
    assert limit["slower_from"] is None
    # ten times less compute: the 0.01 s Allreduce alone outweighs what the nodes save
    fast = {size: s / 10 for size, s in COMPUTE.items()}
    rows = distributed.scaling_model(fast, NBYTES, (100,), (2, 4, 8, 16), (1,), 0)
    (limit,) = distributed.payoff_limits(rows)
    assert limit["slower_from"] == 2 and limit["half_from"] == 2 and limit["best_speedup"] < 1
    assert distributed.payoff_text(limit, 16) == (
        "batch 100, 1 Gbit/s: slower than one node at every N: does not pay off"
    )


# --- the worker's pieces that need no MPI ---------------------------------------------------------


def test_commands_travel_as_integers():
    lines = [
        {"do": "steps", "workload": "simple_cnn", "steps": 7, "batch": 100, "repeats": 3},
        {"do": "allreduce", "bytes": 4096, "repeats": 5},
        {"do": "quit"},
    ]
    stream = io.StringIO("".join(json.dumps(line) + "\n" for line in lines))
    number = list(WORKLOADS).index("simple_cnn")
    assert distributed.read_command(stream) == [distributed.STEPS, number, 7, 100, 3]
    assert distributed.read_command(stream) == [distributed.ALLREDUCE, 4096, 5, 0, 0]
    assert distributed.read_command(stream)[0] == distributed.QUIT
    assert distributed.read_command(stream)[0] == distributed.QUIT  # end of input: stop too


def test_allreduce_clock_times_allreduce_and_passes_the_rest_on():
    class FakeComm:
        def Allreduce(self, sendbuf, recvbuf, op=None):
            recvbuf *= 2

        def Get_rank(self):
            return 1

    clock = distributed.AllreduceClock(FakeComm())
    buffer = np.ones(5, dtype=np.float32)
    clock.Allreduce(None, buffer, op="sum")
    assert buffer.tolist() == [2.0] * 5  # the call itself was made
    assert len(clock.seconds) == 1 and clock.seconds[0] >= 0
    assert (clock.buffer_size, clock.buffer_dtype) == (5, np.float32)
    assert clock.Get_rank() == 1


def test_missing_mpi_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))  # no mpiexec beside it
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"mpiexec was not found.*pip install 'zerodl\[mpi\]'"):
        distributed.find_mpiexec()
    monkeypatch.setattr(distributed.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match=r"mpi4py is not importable.*zerodl\[mpi\]"):
        distributed.check_mpi4py()


# --- the report -----------------------------------------------------------------------------------


def fake_result():
    """A result as run_benchmark makes it, with made-up times."""
    env = {
        "time": "2026-01-01T00:00:00+00:00",
        "zerodl_commit": "abc1234 a commit",
        "zerodl_dirty": False,
        "cpu": "AMD EPYC",
        "cpu_count": 2,
        "avx512f": True,
        "python": "3.11.7",
        "numpy": "2.4.6",
        "numpy_blas": {"name": "scipy-openblas", "version": "0.3.31"},
        "openblas_corename": "SkylakeX",
        "torch": "2.13.0+cpu",
        "env": {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None},
        "load_average": [0.1, 0.2, 0.3],
        "load_average_end": [0.4, 0.5, 0.6],
    }
    steps = {"threads": [0.070, 0.074, 0.072], "mpi": [0.050] * 3, "torch": [0.040] * 3}
    answer = {
        "allreduce_s": [0.0002] * 3,
        "wait_s": [0.001] * 3,
        "alone_s": [0.0001] * 3,
        "buffer_floats": 123_554,
        "buffer_bytes": 494_216,
    }
    training = distributed.summarize_training("deep_cnn", steps, [answer])
    compute = {100: 0.1, 50: 0.05, 25: 0.03, 13: 0.02, 7: 0.015}
    rows = distributed.scaling_model(compute, 494_216, (100,), (2, 4, 8, 16), (1, 10, 25), 20e-6)
    settings = {
        "processes": 2,
        "threads": 2,
        "batch_size": 100,
        "rounds": 10,
        "steps": 10,
        "repeats": 10,
        "settle": 0.25,
        "latency_us": 20.0,
        "nodes": [2, 4, 8, 16],
        "links_gbit_s": [1, 10, 25],
        "global_batches": [100],
        "data": "random data of MNIST's shape",
    }
    return {
        "environment": env,
        "command": "python benchmarks/distributed.py --rounds 10",
        "settings": settings,
        "mpi": {
            "mpi_library": "MPICH Version: 5.0.2",
            "mpi4py": "4.1.2",
            "processes": 2,
            "threads_each": 1,
            "pinned": True,
            "cores": [[0], [1]],
        },
        "training": [training],
        "allreduce_sizes": [
            {"bytes": 4096, "ms": 0.008, "gb_s": 4096 / 0.008e-3 / 1e9},
            {"bytes": 64 * 1024 * 1024, "ms": 20.0, "gb_s": 64 * 1024 * 1024 / 0.02 / 1e9},
        ],
        "one_core_ms": {"deep_cnn": {size: 1000 * s for size, s in compute.items()}},
        "scaling": {"deep_cnn": {"rows": rows, "limits": distributed.payoff_limits(rows)}},
    }


def test_summarize_training_takes_medians_and_their_ratios():
    record = fake_result()["training"][0]
    assert record["ms"] == pytest.approx({"threads": 72.0, "mpi": 50.0, "torch": 40.0})
    assert record["ratios"] == pytest.approx(
        {"mpi/threads": 50 / 72, "mpi/torch": 50 / 40, "threads/torch": 72 / 40}
    )
    assert record["allreduce_ms"] == pytest.approx(0.2)
    assert record["allreduce_share"] == pytest.approx(0.2 / 50)


def test_report_shows_the_machine_the_ratios_and_the_model():
    report = distributed.format_report(fake_result())
    lines = report.splitlines()
    assert "Command: python benchmarks/distributed.py --rounds 10" in lines
    assert "CPU AMD EPYC x 2 (AVX-512: yes)" in report and "core SkylakeX" in report
    assert "pinned to cores 0 | 1" in report
    row = next(line.split() for line in lines if line.startswith("deep_cnn "))  # the first
    # workload, threads, mpi2, torch, mpi2/torch, mpi2/threads, threads/torch
    assert row == ["deep_cnn", "72.00", "50.00", "40.00", "1.25", "0.69", "1.80"]
    (allreduce,) = [line.split() for line in lines if "123,554 x 4 B = 494 kB" in line]
    # allreduce ms, % of the mpi2 step, wait, alone
    assert allreduce[-4:] == ["0.200", "0.4%", "1.000", "0.100"]
    assert ["64", "MiB", "20.000", "3.36"] in [line.split() for line in lines]  # GB/s: B / s
    # the model's N=2 at 1 Gbit/s: 0.1 / (0.05 + 494216 * 8 / 1e9 + 2 * 20e-6) = 1.852
    (model_row,) = [line.split() for line in lines if line.split()[:3] == ["100", "1", "Gbit/s"]]
    assert model_row[3:5] == ["1.85", "(93%)"]
    assert "  batch 100, 25 Gbit/s: best N=16 (" in report
    # the measured speed-ups over one core: 100 / 50 (mpi2), 100 / 72 (threads)
    assert "mpi2 2.00x" in report and "threads 1.39x" in report


def test_report_without_torch_says_so():
    result = fake_result()
    result["environment"]["torch"] = None
    del result["training"][0]["ms"]["torch"]
    for key in ("mpi/torch", "threads/torch"):
        del result["training"][0]["ratios"][key]
    report = distributed.format_report(result)
    row = next(line.split() for line in report.splitlines() if line.startswith("deep_cnn "))
    assert row[3] == "-" and row[4] == "-" and row[6] == "-"
    assert "no torch side" in report


def test_quick_fills_in_the_counts_left_out():
    args = distributed.parse_args(["--quick", "--steps", "3"])
    assert (args.steps, args.rounds, args.global_batches) == (3, 1, (100,))
    args = distributed.parse_args([])
    assert (args.steps, args.rounds, args.global_batches) == (10, 10, (100, 1000))
    assert args.workloads == ["deep_cnn", "simple_cnn"]
    assert distributed.parse_args(["--workloads", "simple_conv"]).workloads == ["simple_cnn"]


# --- one real run ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mpi_available():
    try:
        distributed.check_mpi4py()
        distributed.find_mpiexec()
    except RuntimeError as err:
        if os.environ.get("CI"):
            pytest.fail(f"{err} (CI installs them: see .ci/run)")
        pytest.skip(str(err))


def test_quick_run_through_mpiexec(mpi_available, tmp_path):
    out_file = tmp_path / "distributed.json"
    cmd = [sys.executable, str(PROGRAM), "--quick", "--workloads", "simple_cnn", "--no-torch"]
    cmd += ["--json", str(out_file)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=PROGRAM.parents[1])
    assert done.returncode == 0, done.stderr
    result = json.loads(out_file.read_text())
    mpi = result["mpi"]
    assert mpi["processes"] == 2 and mpi["pinned"] and mpi["threads_each"] >= 1
    if len(os.sched_getaffinity(0)) >= 2:  # a core each, not the same one
        assert len(mpi["cores"]) == 2 and not set(mpi["cores"][0]) & set(mpi["cores"][1])
    (record,) = result["training"]
    assert set(record["ms"]) == {"threads", "mpi"} and record["steps_timed"] == 2  # 1 x 2
    # the step's one buffer: every parameter, then the loss and the count of correct answers
    network = WORKLOADS["simple_cnn"].build()
    assert record["gradient_floats"] == sum(p.size for p in network.params.values()) + 2
    assert record["gradient_bytes"] == 4 * record["gradient_floats"]  # float32
    assert 0 < record["allreduce_ms"] < record["ms"]["mpi"]
    assert [s["bytes"] for s in result["allreduce_sizes"]] == [4096, 16384, 65536, 262144]
    assert sorted(result["one_core_ms"]["simple_cnn"], key=int) == ["7", "13", "25", "50", "100"]
    assert len(result["scaling"]["simple_cnn"]["rows"]) == 1 * 3 * 4  # batch x links x nodes
    report = done.stdout
    assert report.startswith("zerodl data-parallel benchmark")
    assert "Command: python benchmarks/distributed.py --quick --workloads simple_cnn" in report
    assert f"{record['ratios']['mpi/threads']:.2f}" in report
    assert "SimpleConvNet: Allreduce of 1.74 MB a step" in report
