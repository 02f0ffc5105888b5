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

Run: ``python benchmarks/code_grading.py [--repeats 1]``. Writes
``benchmarks/results/code_grading.json``. Timings on a shared machine are noisy.
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

from boundary_lab.benchmarks import data_file
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs per setting; the best is kept")
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
    result = {
        "benchmark": "HumanEval canonical solutions, graded in the sandbox",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": _commit(),
        "command": "python benchmarks/code_grading.py " + " ".join(sys.argv[1:]),
        "isolation": probe.isolation, "cgroup_caps": probe.capped_by_cgroup,
        "cores": cores, "machine": platform.platform(), "python": platform.python_version(),
        "runs": runs, "all_passed": all(r["passed"] == r["problems"] for r in runs),
        "one_sandbox_scripts": baseline,
        "graded_vs_scripts": round(runs[-1]["problems_per_s"] / baseline["problems_per_s"], 2),
        "sandbox_latency_ms_median": round(1000 * statistics.median(latencies), 1),
        "graded_call_latency_ms_median": round(1000 * statistics.median(graded_latencies), 1),
        "stdio_50_cases": {"one_sandbox_s": round(batched_s, 3), "sandbox_per_case_s": round(one_by_one_s, 3),
                           "all_passed": batched["passed"] and all(r["passed"] for r in one_by_one)},
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "note": "shared machine, timings noisy: compare runs only at similar load",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
