"""benchmarks/compare_commits.py: medians over rounds, older names for older commits, a real run."""

import os
import subprocess
import sys

import pytest

from compare_commits import REPO, Revision, summarise

COMPARE = REPO / "benchmarks" / "compare_commits.py"


def run(workloads):
    """One run_once result holding the given {name: (ratio_train, zerodl step seconds)}."""
    records = {
        name: {"ratio_train": ratio, "zerodl": {"step_s": step}}
        for name, (ratio, step) in workloads.items()
    }
    return {"environment": {}, "workloads": records}


def test_summary_is_the_median_over_rounds_and_new_over_old():
    results = {
        "old": [run({"mlp": (1.0, 0.002)}), run({"mlp": (1.2, 0.004)}), run({"mlp": (1.1, 0.003)})],
        "new": [run({"mlp": (0.9, 0.001)}), run({"mlp": (2.0, 0.009)}), run({"mlp": (1.0, 0.002)})],
    }
    (row,) = summarise(results)
    assert row["workload"] == "mlp"
    assert (row["train_old"], row["train_new"]) == (1.1, 1.0)  # the middle one of three
    assert row["train_new/old"] == pytest.approx(1.0 / 1.1)
    assert row["train_ms_old"] == pytest.approx(3.0) and row["train_ms_new"] == pytest.approx(2.0)
    assert row["infer_old"] is None and row["infer_new/old"] is None  # no inference timed


def test_a_commit_before_the_registry_gets_its_own_workload_names(tmp_path):
    old = tmp_path / "old"
    (old / "src" / "zerodl").mkdir(parents=True)
    (old / "src" / "zerodl" / "benchmark.py").touch()  # the benchmark still in the package
    args = ["--workloads", "two_layer,mlp,deep_cnn", "--steps", "3"]
    revision = Revision("old", "269b8c8", old, "269b8c8")
    python, program, *rest = revision.command(args)
    assert program == str(old / "benchmarks" / "bench.py")  # run with that commit's src first:
    assert revision.environment()["PYTHONPATH"].split(os.pathsep)[0] == str(old / "src")
    assert rest == ["--workloads", "two_layer,multi_layer,deep_conv", "--steps", "3"]
    # a checkout with the registry's names keeps them
    assert Revision("new", "HEAD", tmp_path / "new", "abc1234").command(args)[2:] == args


def test_each_side_times_only_the_kernels_it_uses(tmp_path):
    # A later benchmark adds a column per kernel set; an older one has a single zerodl column.
    # Both sides must run the same rounds, so the later one is given its own set only.
    later = tmp_path / "later"
    (later / "benchmarks").mkdir(parents=True)
    (later / "benchmarks" / "bench.py").write_text('parser.add_argument("--kernel-sets")\n')
    revision = Revision("new", "HEAD", later, "abc1234")
    revision.kernels = "fast"  # as check_import finds it
    assert revision.command(["--steps", "3"])[2:] == ["--steps", "3", "--kernel-sets", "fast"]
    chosen = ["--kernel-sets=fast,jit"]  # the user's own choice stays as it is
    assert revision.command(chosen)[2:] == chosen
    older = tmp_path / "older"
    (older / "benchmarks").mkdir(parents=True)
    (older / "benchmarks" / "bench.py").write_text('parser.add_argument("--steps")\n')
    revision = Revision("old", "ae4f5ef", older, "ae4f5ef")
    revision.kernels = "fast"
    assert revision.command(["--steps", "3"])[2:] == ["--steps", "3"]


@pytest.mark.slow
def test_head_against_this_tree_prints_both_sides():
    if subprocess.run(["git", "-C", str(REPO), "rev-parse"], capture_output=True).returncode:
        pytest.skip("not a git checkout: no revisions to compare")
    cmd = [sys.executable, str(COMPARE), "HEAD", ".", "--repeats", "1", "--pause", "0"]
    cmd += ["--workloads", "two_layer", "--steps", "2", "--warmup", "1", "--rounds", "1"]
    cmd += ["--infer-rounds", "1", "--min-time", "0", "--matmul-size", "64", "--random-data"]
    cmd += ["--no-torch"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout
    assert out.startswith("old = HEAD (")
    assert " kernels), new = " in out.splitlines()[0]  # each side says which kernels it ran
    ms_table = out.split("zerodl's own times")[1]
    row = next(line.split() for line in ms_table.splitlines() if line.startswith("two_layer"))
    old_ms, new_ms, ratio = map(float, row[1:4])
    assert old_ms > 0 and new_ms > 0 and ratio == pytest.approx(new_ms / old_ms, rel=0.05)
    worktrees = subprocess.run(["git", "-C", str(REPO), "worktree", "list"], capture_output=True)
    assert b"zerodl-compare-" not in worktrees.stdout  # removed again
