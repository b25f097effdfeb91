"""Two commits side by side: each one's own benchmark, in alternating rounds, ratios compared.

    python benchmarks/compare_commits.py OLD_REV NEW_REV [options] [bench.py options]
    python benchmarks/compare_commits.py 269b8c8 HEAD --repeats 6 --workloads simple_cnn,deep_cnn
    python benchmarks/compare_commits.py HEAD . --repeats 2 --steps 20   # HEAD vs this tree

"Did this change cost speed?" is answered by the ratio zerodl/PyTorch of each commit, measured on
the same machine at the same time: the machine's speed changes from minute to minute, the ratio
much less. So this program

1. checks out both revisions as git worktrees in a temporary folder ("." means this working
   tree as it is, uncommitted changes included);
2. runs each revision's own `benchmarks/bench.py --format json` with PYTHONPATH pointing at that
   revision's src/, each run in a fresh process, in alternating rounds: old, new, old, new, ...
   with a pause (--pause) before each run; each times one zerodl column, the kernels that
   revision uses (ZERODL_KERNELS, or its automatic choice): a benchmark that would add columns
   of other kernel sets (--kernel-sets) is given that one set, so that both sides run the same
   rounds. The summary says which kernels each side ran;
3. prints, per workload, the median over the rounds of each revision's training and inference
   ratios zerodl/PyTorch, and new/old (below 1: the new revision is relatively faster). Without
   PyTorch the ratios are missing, and only zerodl's own times (also printed) can be compared.

Options not listed below go to bench.py unchanged (--workloads, --steps, --rounds, --threads,
--data-dir, ...); the workload names are the registry's (two_layer, mlp, simple_cnn, deep_cnn),
translated for revisions whose benchmark still used the older names. Only the standard library
is used here: the zerodl under test is the one in each worktree, never the one of this checkout.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKLOADS = ("two_layer", "mlp", "simple_cnn", "deep_cnn")
OLD_NAMES = {"mlp": "multi_layer", "simple_cnn": "simple_conv", "deep_cnn": "deep_conv"}
NEW_NAMES = {old: new for new, old in OLD_NAMES.items()}
OWN_OPTIONS = ("--format", "--json", "--both-envs", "--memory-child", "--json-append")


class Revision:
    """One side of the comparison: a checkout of a revision, and how to run its benchmark."""

    def __init__(self, label, rev, folder, commit):
        self.label, self.rev, self.folder, self.commit = label, rev, Path(folder), commit
        # Before the restructure the benchmark lived in the package, with the older names.
        self.old_names = (self.folder / "src" / "zerodl" / "benchmark.py").exists()
        bench = self.folder / "benchmarks" / "bench.py"
        # Later benchmarks time more kernel sets than the one in use, each in its own column.
        self.takes_kernel_sets = bench.exists() and "--kernel-sets" in bench.read_text()
        self.kernels = None  # the kernel set this revision's zerodl uses (check_import)

    def environment(self):
        env = dict(os.environ)
        paths = [str(self.folder / "src"), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        return env

    def command(self, bench_args):
        args = list(bench_args)
        if self.old_names:  # the value after --workloads, or of --workloads=...
            for i, arg in enumerate(args):
                if i and args[i - 1] == "--workloads":
                    args[i] = _old_workload_names(arg)
                elif arg.startswith("--workloads="):
                    args[i] = "--workloads=" + _old_workload_names(arg.split("=", 1)[1])
        chosen = any(a.split("=")[0] == "--kernel-sets" for a in args)
        if self.takes_kernel_sets and self.kernels and not chosen:
            args += ["--kernel-sets", self.kernels]  # one zerodl column, as older benchmarks
        return [sys.executable, str(self.folder / "benchmarks" / "bench.py"), *args]

    def check_import(self):
        """The folder zerodl is imported from with this revision's PYTHONPATH; must be ours.
        Also notes the kernel set it uses (self.kernels; None before kernels_in_use existed)."""
        code = (
            "import pathlib, zerodl; print(pathlib.Path(zerodl.__file__).resolve().parent)\n"
            "try:\n    from zerodl.kernels import kernels_in_use; print(kernels_in_use())\n"
            "except ImportError:\n    pass"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=self.environment(),
            cwd=self.folder,
            capture_output=True,
            text=True,
        )
        lines = out.stdout.splitlines()
        where = Path(lines[0] if lines else "?")
        self.kernels = lines[1] if len(lines) > 1 else None
        if out.returncode or where != (self.folder / "src" / "zerodl").resolve():
            raise SystemExit(
                f"{self.label} ({self.rev}): zerodl is imported from {where}, not from "
                f"{self.folder / 'src'}: {out.stderr.strip()[-500:]}"
            )


def _old_workload_names(text):
    return ",".join(OLD_NAMES.get(n.strip(), n.strip()) for n in text.split(","))


def _git(*args):
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def checkout(label, rev, temp):
    """A Revision for `rev`: a detached worktree under `temp`, or this working tree for "."."""
    if rev == ".":
        return Revision(label, rev, REPO, _git("rev-parse", "--short", "HEAD") + "+worktree")
    commit = _git("rev-parse", "--verify", "--short", f"{rev}^{{commit}}")
    folder = Path(temp) / label
    _git("worktree", "add", "--detach", "--quiet", str(folder), commit)
    return Revision(label, rev, folder, commit)


def run_once(revision, bench_args, log):
    """One benchmark run of `revision` in a fresh process: {workload: its record}."""
    start = time.perf_counter()
    proc = subprocess.run(
        revision.command([*bench_args, "--format", "json"]),
        env=revision.environment(),
        cwd=revision.folder,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(
            f"{revision.label} ({revision.rev}) failed with exit code {proc.returncode}:\n"
            + proc.stderr[-3000:]
        )
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    env = next(r for r in records if r["type"] == "environment")
    log(
        f"  {revision.label} {revision.commit}: {time.perf_counter() - start:.0f} s, "
        f"load {env.get('load_average')}"
    )
    runs = {}
    for r in records:
        if r["type"] == "workload":
            runs[NEW_NAMES.get(r["workload"], r["workload"])] = r
    return {"environment": env, "workloads": runs}


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(results, labels=("old", "new")):
    """Per workload: the medians over the rounds of each revision's figures, and new/old.

    `results[label]` is a list of run_once results, one per round. Returns rows of dicts with,
    for each of train and infer, the ratio zerodl/PyTorch of old and new and new/old, and
    zerodl's own milliseconds (per training step, per inference pass) of old and new.
    """
    figures = {
        "train": lambda r: r.get("ratio_train"),
        "infer": lambda r: r.get("ratio_infer"),
        "train_ms": lambda r: 1e3 * r["zerodl"]["step_s"],
        "infer_ms": lambda r: (
            1e3 * r["zerodl"]["infer_pass_s"] if "infer_pass_s" in r["zerodl"] else None
        ),
    }
    names = [n for n in WORKLOADS if any(n in run["workloads"] for run in results[labels[0]])]
    rows = []
    for name in names:
        row = {"workload": name}
        for figure, get in figures.items():
            for label in labels:
                runs = [run["workloads"][name] for run in results[label]]
                row[f"{figure}_{label}"] = _median([get(r) for r in runs if r is not None])
            old, new = (row[f"{figure}_{label}"] for label in labels)
            row[f"{figure}_new/old"] = new / old if old and new is not None else None
        rows.append(row)
    return rows


def _cell(value, spec=".3f"):
    return "-" if value is None else format(value, spec)


def format_summary(rows, old, new, repeats):
    """The table of summarise's rows (ratios zerodl/PyTorch first, then zerodl's times)."""

    def side(revision):
        kernels = f", {revision.kernels} kernels" if revision.kernels else ""
        return f"{revision.rev} ({revision.commit}{kernels})"

    lines = [f"old = {side(old)}, new = {side(new)}; medians of {repeats} alternating rounds"]
    if old.kernels and new.kernels and old.kernels != new.kernels:
        lines.append(
            "(the two sides ran different kernel sets: set ZERODL_KERNELS to compare the same)"
        )
    lines.append("")
    header = ["workload", "train old", "train new", "new/old", "infer old", "infer new", "new/old"]
    table = [header]
    for row in rows:
        table.append(
            [
                row["workload"],
                *(_cell(row[f"train_{k}"]) for k in ("old", "new", "new/old")),
                *(_cell(row[f"infer_{k}"]) for k in ("old", "new", "new/old")),
            ]
        )
    lines.append("Ratio zerodl/PyTorch (below 1: zerodl faster); new/old below 1: new faster")
    lines += _format_table(table)
    header = ["workload", "step ms old", "new", "new/old", "infer-pass ms old", "new", "new/old"]
    table = [header]
    for row in rows:
        table.append(
            [
                row["workload"],
                *(_cell(row[f"train_ms_{k}"], ".2f") for k in ("old", "new")),
                _cell(row["train_ms_new/old"]),
                *(_cell(row[f"infer_ms_{k}"], ".1f") for k in ("old", "new")),
                _cell(row["infer_ms_new/old"]),
            ]
        )
    lines += ["", "zerodl's own times (machine noise included: judge by the ratios above)"]
    lines += _format_table(table)
    return "\n".join(lines)


def _format_table(table):
    width = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    out = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, width)))
        for row in table
    ]
    return [out[0], "-" * len(out[0]), *out[1:]]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="compare_commits.py",
        description="Run two revisions' benchmarks in alternating rounds and compare their "
        "ratios zerodl/PyTorch. Options not listed here go to bench.py.",
        allow_abbrev=False,  # so that bench.py's options are never taken for ours
    )
    parser.add_argument("old", metavar="OLD_REV", help="the revision to compare against")
    parser.add_argument("new", metavar="NEW_REV", help='the revision to judge ("." = this tree)')
    parser.add_argument(
        "--repeats", type=int, default=5, help="rounds of one run per revision (default 5)"
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=2.0,
        help="seconds of pause before each run, for the last one's threads to stop (default 2)",
    )
    parser.add_argument("--save", metavar="FILE", help="also write every run's records as JSON")
    parser.add_argument(
        "--keep-worktrees", action="store_true", help="leave the worktrees in place (to inspect)"
    )
    return parser


def main(argv=None):
    parser = build_parser()
    args, bench_args = parser.parse_known_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    taken = [a for a in bench_args if a.split("=")[0] in OWN_OPTIONS]
    if taken:
        parser.error(f"{', '.join(taken)}: this program sets how bench.py writes its results")

    def log(message):
        print(message, file=sys.stderr, flush=True)

    temp = tempfile.mkdtemp(prefix="zerodl-compare-")
    revisions = []
    try:
        for label, rev in (("old", args.old), ("new", args.new)):
            revisions.append(checkout(label, rev, temp))
        for revision in revisions:
            revision.check_import()
        results = {revision.label: [] for revision in revisions}
        for k in range(args.repeats):
            log(f"round {k + 1}/{args.repeats}")
            for revision in revisions:  # old, new, old, new, ...
                time.sleep(args.pause)
                results[revision.label].append(run_once(revision, bench_args, log))
    finally:
        for revision in revisions:
            if revision.folder != REPO and not args.keep_worktrees:
                _git("worktree", "remove", "--force", str(revision.folder))
        if not args.keep_worktrees and not os.listdir(temp):
            os.rmdir(temp)
    old, new = revisions
    if args.save:
        sides = {r.label: {"rev": r.rev, "commit": r.commit} for r in revisions}
        with open(args.save, "w") as f:
            json.dump({**sides, "bench_args": bench_args, "results": results}, f)
    print(format_summary(summarise(results), old, new, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
