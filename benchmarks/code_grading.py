"""Code grading throughput: the 164 HumanEval canonical solutions through the sandbox pool.

Measures problems/s of :func:`boundary_lab.verify.code.grade_code_records` with
one worker and with one worker per core (the default), and checks that every
canonical solution passes; as a same-load yardstick, the same problems as
one-sandbox scripts (program and test in one interpreter, what the old
in-process grader cost). Also the median latency of one empty script run
(one sandbox) and of one graded call (two sandboxes: the program's and the
test oracle's), and 50 stdin/stdout cases in one sandbox vs one sandbox per
case. Each problem gets two fresh bubblewrap sandboxes sharing one cgroup, so
the cost is dominated by sandbox start-up, not by the tests.

Issue 25 added a per-run CPU quota and weight, a seccomp filter, a dedicated
host uid (an ``unshare``/``setpriv`` step before bwrap) and the callback
protocol. ``--baseline-tree DIR`` measures their cost: the 164 canonical
solutions are graded by the code in DIR (e.g. ``git archive 232de64
boundary_lab | tar -x -C DIR``, the commit before issue 25) and by this tree,
alternately, ``--rounds`` times each, so both see the same load; the medians
and their ratio are recorded. The MBPP-style suite's canonical solutions
(``mbpp-style``, written for boundary-lab) are graded too.

Run: ``python benchmarks/code_grading.py [--repeats 1] [--baseline-tree DIR --rounds 3]``.
Writes ``benchmarks/results/code_grading.json``. Timings on a shared machine are noisy.
"""
from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from boundary_lab.benchmarks import data_file, load_benchmark
from boundary_lab.verify.code import grade_code_records, run_stdio_tests
from boundary_lab.verify.sandbox import run_in_sandbox, run_tests_in_sandbox

REPO = Path(__file__).resolve().parents[1]
HUMANEVAL = data_file("code/humaneval/HumanEval.jsonl.gz")  # shipped package data
RESULTS = REPO / "benchmarks" / "results" / "code_grading.json"


def _commit() -> str:
    """The short commit of the code measured ("unknown" outside a git checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=10)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def measure(records: list[dict], workers: int, repeats: int) -> dict:
    best = float("inf")
    passed = 0
    for _ in range(repeats):
        start = time.perf_counter()
        graded = grade_code_records(records, workers=workers)
        best = min(best, time.perf_counter() - start)
        passed = sum(g["passed"] for g in graded)
    return {"workers": workers, "seconds": round(best, 3), "problems_per_s": round(len(records) / best, 2),
            "passed": passed, "problems": len(records)}


def script_baseline(records: list[dict], workers: int) -> dict:
    """The same problems as one-sandbox scripts (program, test and check in one interpreter, the
    reference harness's design and the old in-process grader's cost): a same-load yardstick for
    the two-sandbox grader."""
    from concurrent.futures import ThreadPoolExecutor

    scripts = [r["prompt"] + r["completion"] + "\n" + r["test"] + f"\ncheck({r['entry_point']})\n" for r in records]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = sum(r.completed for r in pool.map(run_in_sandbox, scripts))
    seconds = time.perf_counter() - start
    return {"workers": workers, "seconds": round(seconds, 3), "problems_per_s": round(len(records) / seconds, 2),
            "completed": done}


_GRADE_ALL = """
import gzip, json, sys, time
from boundary_lab.verify.code import grade_code_records
with gzip.open(sys.argv[1], "rt") as handle:
    records = [{**r, "completion": r["canonical_solution"]} for r in map(json.loads, handle)]
start = time.perf_counter()
graded = grade_code_records(records)
print(json.dumps({"seconds": time.perf_counter() - start, "passed": sum(g["passed"] for g in graded)}))
"""


def _cpuacct_dir() -> Path | None:
    """A fresh cgroup v1 cpuacct directory below ours (its usage counts every process below it,
    the per-run cgroups the sandbox nests there included), or None where there is none."""
    import uuid
    try:
        own = next(line.split(":", 2)[2] for line in Path("/proc/self/cgroup").read_text().splitlines()
                   if "cpuacct" in line.split(":", 2)[1].split(","))
        d = Path("/sys/fs/cgroup/cpuacct") / own.lstrip("/") / f"boundary-lab-bench-{uuid.uuid4().hex[:8]}"
        d.mkdir()
        return d
    except (OSError, StopIteration):
        return None


def compare_with(tree: Path, rounds: int) -> dict:
    """HumanEval canonical grading by the code in ``tree`` and by this tree, alternately (same load).

    Wall seconds depend on the machine's load; the CPU seconds every process of a grading used
    (a cgroup v1 cpuacct counter around it, where there is one) do not."""
    env_of = {"baseline": {**os.environ, "PYTHONPATH": str(tree)}, "this": {**os.environ, "PYTHONPATH": str(REPO)}}
    seconds: dict[str, list[float]] = {"baseline": [], "this": []}
    cpu: dict[str, list[float]] = {"baseline": [], "this": []}
    passed: dict[str, int] = {}
    for _ in range(rounds):
        for which in ("baseline", "this"):
            acct = _cpuacct_dir()
            cmd = [sys.executable, "-c", _GRADE_ALL, str(HUMANEVAL)]
            if acct is not None:
                cmd = ["/bin/sh", "-c", 'echo $$ > "$1" && shift && exec "$@"', "sh", str(acct / "cgroup.procs"), *cmd]
            try:
                out = subprocess.run(cmd, env=env_of[which], cwd="/", capture_output=True, text=True, check=True)
                if acct is not None:
                    cpu[which].append(round(int((acct / "cpuacct.usage").read_text()) / 1e9, 2))
            finally:
                if acct is not None:
                    acct.rmdir()
            row = json.loads(out.stdout.strip().splitlines()[-1])
            seconds[which].append(round(row["seconds"], 3))
            passed[which] = row["passed"]
    base, this = statistics.median(seconds["baseline"]), statistics.median(seconds["this"])
    result = {"baseline_tree": str(tree), "rounds": rounds, "seconds": seconds, "passed": passed,
              "median_s": {"baseline": base, "this": this}, "this_over_baseline": round(this / base, 3),
              "load_average_1m": round(os.getloadavg()[0], 2), "nice": os.nice(0)}
    if all(cpu.values()):
        cb, ct = statistics.median(cpu["baseline"]), statistics.median(cpu["this"])
        result.update(cpu_s=cpu, median_cpu_s={"baseline": cb, "this": ct}, cpu_this_over_baseline=round(ct / cb, 3))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs per setting; the best is kept")
    parser.add_argument("--baseline-tree", type=Path, default=None,
                        help="a tree whose boundary_lab is today's grader, measured alternately with this one")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds with --baseline-tree")
    args = parser.parse_args()
    with gzip.open(HUMANEVAL, "rt") as handle:
        records = [{**r, "completion": r["canonical_solution"]} for r in map(json.loads, handle)]
    cores = len(os.sched_getaffinity(0))
    load_before = os.getloadavg()[0]
    probe = run_in_sandbox("pass")
    latencies, graded_latencies = [], []
    for _ in range(20):
        start = time.perf_counter()
        run_in_sandbox("pass")
        latencies.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_tests_in_sandbox("def f(x):\n    return x\n", "assert f(1) == 1\n", entry_point="f")
        graded_latencies.append(time.perf_counter() - start)
    # stdin/stdout style: 50 cases in one sandbox vs one sandbox per case (the cost batching saves)
    cases = [(f"{i} {i + 1}\n", f"{2 * i + 1}\n") for i in range(50)]
    add_program = "a, b = map(int, input().split())\nprint(a + b)\n"
    start = time.perf_counter()
    batched = run_stdio_tests(add_program, cases)
    batched_s = time.perf_counter() - start
    start = time.perf_counter()
    one_by_one = [run_stdio_tests(add_program, [case]) for case in cases]
    one_by_one_s = time.perf_counter() - start
    runs = [measure(records, 1, args.repeats)]
    if cores > 1:
        runs.append(measure(records, cores, args.repeats))
    baseline = script_baseline(records, cores)
    mbpp = load_benchmark("mbpp-style")
    start = time.perf_counter()
    mbpp_graded = grade_code_records([{**p, "completion": p["answer"]} for p in mbpp])
    mbpp_s = time.perf_counter() - start
    comparison = compare_with(args.baseline_tree, args.rounds) if args.baseline_tree else None
    result = {
        "benchmark": "HumanEval canonical solutions, graded in the sandbox",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": _commit(),
        "command": "python benchmarks/code_grading.py " + " ".join(sys.argv[1:]),
        "isolation": probe.isolation, "cgroup_caps": probe.capped_by_cgroup,
        "host_uid": probe.host_uid, "seccomp": probe.seccomp, "cgroup_version": probe.cgroup_version,
        "cpu_model": _cpu_model(),
        "cores": cores, "machine": platform.platform(), "python": platform.python_version(),
        "runs": runs, "all_passed": all(r["passed"] == r["problems"] for r in runs),
        "one_sandbox_scripts": baseline,
        "graded_vs_scripts": round(runs[-1]["problems_per_s"] / baseline["problems_per_s"], 2),
        "sandbox_latency_ms_median": round(1000 * statistics.median(latencies), 1),
        "graded_call_latency_ms_median": round(1000 * statistics.median(graded_latencies), 1),
        "stdio_50_cases": {"one_sandbox_s": round(batched_s, 3), "sandbox_per_case_s": round(one_by_one_s, 3),
                           "all_passed": batched["passed"] and all(r["passed"] for r in one_by_one)},
        "mbpp_style_canonical": {"passed": sum(g["passed"] for g in mbpp_graded), "problems": len(mbpp_graded),
                                 "seconds": round(mbpp_s, 3)},
        "versus_baseline": comparison,
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "note": "shared machine, timings noisy: compare runs only at similar load",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
