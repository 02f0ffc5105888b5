r"""Math grading throughput: boundary-lab's batch grader vs a plain math-verify loop, two completion shapes.

DESIGN.md §6 target: "a sample store of realistic repetition (about 100k samples)
graded at least 20x faster than a plain math-verify loop, with the same verdicts".

Two stores over the first 200 MATH500 problems, graded side by side in one run:

- **short**: 500 boxed completions per problem (100,000), a sentence each
  ("Sample k: ... so the answer is $\boxed{...}$."), the shape of the held-out check;
- **long**: 100 chain-of-thought completions per problem (20,000), each a
  reasoning of several thousand characters (other problems' reference
  solutions with their boxes written out, inline and display math throughout)
  ending in the problem's own solution with its final ``\boxed{}`` replaced.

Each problem draws from a handful of distinct answers: the gold answer, gold in
other forms (``\dfrac``/``\frac``, decimal, ``x = ...``, spacing, a unit), and
wrong answers (gold +/- 1, another problem's answer), with skewed frequencies as
in real sampling. Every completion is a distinct string (a per-sample preamble).

The baseline is ``math_verify.verify(parse("$gold$"), parse(completion))`` per
sample, timed on a random subset of each store and extrapolated. Our time is
cold: a fresh worker pool and no cached verdicts. A last run grades three
hostile answers (power towers, a huge factorial) with 1,000 normal samples
under a 2 s timeout, to show that they cost their timeout and nothing more.
Verdicts are compared on the timed subsets and on every distinct (gold, answer) pair.

With ``--published-tests DIR`` (math-verify's sdist ``tests/`` directory: ``pip download
math-verify==0.9.0 --no-binary :all: --no-deps`` and unpack it) the run also records how many rows
of math-verify's published tests boundary-lab decides as math-verify does: the 149 rows of its
math groups (``math_agreement.PUBLISHED_MATH_GROUPS``) and every literal row.

Run: ``python benchmarks/math_grading.py [--problems 200] [--short 500] [--long 100] [--baseline 2000]
[--published-tests DIR]`` (about 3 minutes here). Writes ``benchmarks/results/math_grading.json``. Timings on a shared
2-core machine are noisy.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

from boundary_lab.benchmarks import data_file, iter_jsonl

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "math_grading.json"


def _variants(gold: str) -> list[str]:
    """The gold answer written differently (all equal to gold)."""
    from boundary_lab.verify.math_equiv import parse_number
    from boundary_lab.verify.math_extract import normalize_answer

    forms = {gold.replace("\\dfrac", "\\frac"), gold.replace(" ", "")}
    value = parse_number(normalize_answer(gold))
    if value is not None:
        forms.add(f"x = {gold}")
        if value.denominator == 1:
            forms |= {f"{value.numerator}.0", f"{value.numerator} \\text{{ units}}"}
        else:
            forms.add(f"\\frac{{{value.numerator}}}{{{value.denominator}}}")
            forms.add(f"{value.numerator}/{value.denominator}")
            if set(_prime_factors(value.denominator)) <= {2, 5}:
                forms.add(str(float(value)))
    forms.discard(gold)
    return sorted(forms)


def _prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out + ([n] if n > 1 else [])


def _wrong(gold: str, others: list[str], rng: random.Random) -> list[str]:
    from boundary_lab.verify.math_equiv import parse_number
    from boundary_lab.verify.math_extract import normalize_answer

    wrong = set(rng.sample(others, 3))
    value = parse_number(normalize_answer(gold))
    if value is not None:
        wrong |= {str(value + 1) if value.denominator == 1
                  else f"\\frac{{{value.numerator + 1}}}{{{value.denominator}}}",
                  str(-value) if value.denominator == 1 and value != 0 else str(value * 2)}
    wrong.discard(gold)
    return sorted(wrong)


def _replace_last_box(solution: str, answer: str) -> str:
    start = solution.rfind("\\boxed")
    if start < 0:
        return solution + f"\nThe answer is $\\boxed{{{answer}}}$."
    depth, i = 0, solution.index("{", start)
    for j in range(i, len(solution)):
        depth += {"{": 1, "}": -1}.get(solution[j], 0)
        if depth == 0:
            return solution[:start] + f"\\boxed{{{answer}}}" + solution[j + 1:]
    return solution + f"\n\\boxed{{{answer}}}"


def build_store(n_problems: int, per_problem: int, shape: str, seed: int = 0) -> tuple[list[dict], dict]:
    """Samples (problem_id, answer, completion) with realistic answer repetition, 'short' or 'long'."""
    from boundary_lab.verify.math_extract import write_out_boxes

    rng = random.Random(seed)
    rows = [row for _, row in iter_jsonl(data_file("math/math500/test.jsonl"))][:n_problems]
    all_golds = [r["answer"] for r in rows]
    reasoning = [write_out_boxes(r["solution"]) for r in rows]
    samples, distinct = [], []
    for r in rows:
        gold = r["answer"]
        variants = _variants(gold)
        pool = [gold] + rng.sample(variants, min(2, len(variants))) + _wrong(gold, all_golds, rng)[:4]
        # Skewed frequencies: a few answers dominate, as with 1024 samples of one model.
        weights = [rng.random() ** 2 + 0.01 for _ in pool]
        distinct.append(len(pool))
        picks = rng.choices(pool, weights=weights, k=per_problem)
        for k, answer in enumerate(picks):
            if shape == "short":
                completion = (f"Sample {k}: checking the cases (attempt {rng.randint(1, 10**6)}), "
                              f"so the answer is $\\boxed{{{answer}}}$.")
            else:
                thoughts = "\n\n".join(rng.sample(reasoning, 4))
                completion = (f"<think>\nSample {k}. Let me work through this carefully (attempt "
                              f"{rng.randint(1, 10**6)}). First, similar problems I know:\n{thoughts}\n"
                              f"Now this one.\n</think>\n" + _replace_last_box(r["solution"], answer))
            samples.append({"problem_id": r["unique_id"], "answer": gold, "completion": completion})
    stats = {"shape": shape, "problems": len(rows), "samples": len(samples),
             "completion_chars_mean": round(sum(len(s["completion"]) for s in samples) / len(samples)),
             "distinct_answers_per_problem_mean": sum(distinct) / len(distinct)}
    return samples, stats


def disagreement_kind(gold: str, extracted: str, ours: bool) -> str:
    """A coarse label for why the two graders differ (for the report)."""
    if re.match(r"^[a-zA-Z]\s*=", extracted or ""):
        return "answer written as 'x = ...': we compare the right-hand side, math-verify does not"
    if re.search(r"\d,(\\!)?\s?\d{3}", gold + (extracted or "")):
        return "thousands separators (e.g. 10,\\!080): math-verify reads them as a list"
    if re.search(r"\d(\.\d+)?e-?\d", extracted or ""):
        return "scientific notation (6.72e-05): math-verify does not read it as a number"
    return "other"


def baseline_verdict(gold: str, completion: str) -> bool:
    from math_verify import parse, verify

    return bool(verify(parse(f"${gold}$"), parse(completion)))


def measure(samples: list[dict], store: dict, baseline_n: int, workers: int, seed: int) -> dict:
    """Grade a store cold with grade_math, time math-verify on a subset, compare verdicts."""
    from boundary_lab.verify.math import clear_cache, grade_math

    clear_cache()
    report: dict = {}
    t0 = time.perf_counter()  # cold: includes starting the worker pool, no cached verdicts
    grades = grade_math(samples, workers=workers, timeout_s=5.0, report=report)
    batch_s = time.perf_counter() - t0

    rng = random.Random(seed)
    subset = rng.sample(range(len(samples)), min(baseline_n, len(samples)))
    t0 = time.perf_counter()
    base = {i: baseline_verdict(samples[i]["answer"], samples[i]["completion"]) for i in subset}
    subset_s = time.perf_counter() - t0
    loop_s = subset_s / len(subset) * len(samples)
    subset_disagree = [i for i in subset if base[i] != grades[i].correct]

    # Every distinct (gold, answer) pair of the store, judged by math-verify on the boxed answer.
    ours = {(s["answer"], g.extracted): g.correct for s, g in zip(samples, grades)}
    pair_disagree = [(gold, ans, verdict) for (gold, ans), verdict in sorted(ours.items(), key=str)
                     if baseline_verdict(gold, f"\\boxed{{{ans}}}") != verdict]
    return {
        "store": store,
        "batch_grader": {"seconds": round(batch_s, 3), "samples_per_s": round(len(samples) / batch_s),
                         "unique_pairs": report["unique_pairs"], "decided_fast": report["fast"],
                         "symbolic_checks": report["symbolic"], "timeouts": len(report["timeouts"])},
        "plain_math_verify_loop": {"timed_samples": len(subset), "timed_seconds": round(subset_s, 3),
                                   "seconds_per_sample": round(subset_s / len(subset), 6),
                                   "extrapolated_seconds_all": round(loop_s, 1), "extrapolated": True},
        "speedup": round(loop_s / batch_s, 1),
        "verdicts": {
            "subset_disagreements": len(subset_disagree),
            "subset_examples": [{"answer": samples[i]["answer"], "extracted": grades[i].extracted,
                                 "ours": grades[i].correct, "math_verify": base[i]} for i in subset_disagree[:10]],
            "distinct_pairs": len(ours),
            "distinct_pair_disagreements": len(pair_disagree),
            "distinct_pair_examples": [{"answer": g, "extracted": a, "ours": o, "math_verify": not o}
                                       for g, a, o in pair_disagree[:20]],
            "distinct_pair_disagreement_kinds": dict(Counter(disagreement_kind(g, a, o) for g, a, o in pair_disagree)),
        },
    }


def published_rows(tests_dir: str, workers: int, timeout_s: float) -> dict:
    """Agreement with math-verify on its published test rows: its math groups (149) and every literal row."""
    from boundary_lab.verify.math_agreement import published_agreement

    published = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                 "commit": _commit(), "tests": str(tests_dir), "timeout_s": timeout_s,
                 "load_average_1min": round(os.getloadavg()[0], 1)}
    for name, kwargs in (("math_groups", {}), ("all_literal_rows", {"groups": None})):
        found = published_agreement(tests_dir, workers=workers, timeout_s=timeout_s, **kwargs)
        published[name] = {k: v for k, v in found.items() if k != "disagreements"}
        published[name]["disagreements"] = [{k: str(v)[-160:] for k, v in d.items()} for d in found["disagreements"]]
        print(f"published tests, {name}: {found['agree_with_math_verify']} of {found['rows']} as math-verify",
              file=sys.stderr)
    return published


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=10)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--short", type=int, default=500, help="short boxed completions per problem")
    parser.add_argument("--long", type=int, default=100, help="long chain-of-thought completions per problem")
    parser.add_argument("--baseline", type=int, default=2000, help="samples per store in the timed math-verify subset")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--published-tests", default=None,
                        help="math-verify's sdist tests/ directory: also count agreement on its published rows")
    parser.add_argument("--published-only", action="store_true",
                        help="with --published-tests: only recount the published rows into the existing --out file")
    parser.add_argument("--published-timeout", type=float, default=120.0,
                        help="seconds per check for the published rows (a timeout counts as 'not equal')")
    args = parser.parse_args()
    for name in ("problems", "short", "long", "baseline"):
        if getattr(args, name) < 1:
            print(f"--{name} must be at least 1, got {getattr(args, name)}", file=sys.stderr)
            return 2

    from boundary_lab.verify.math import clear_cache, grade_math
    from boundary_lab.verify.math_pool import default_workers

    workers = args.workers or default_workers()
    if args.published_only:
        if not args.published_tests:
            print("--published-only needs --published-tests DIR", file=sys.stderr)
            return 2
        result = json.loads(Path(args.out).read_text())
        result["published_tests"] = published_rows(args.published_tests, workers, args.published_timeout)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        json.dump(result["published_tests"], sys.stdout, indent=2)
        print()
        return 0
    shapes = {}
    for seed, (shape, per_problem) in enumerate((("short", args.short), ("long", args.long))):
        samples, store = build_store(args.problems, per_problem, shape)
        shapes[shape] = measure(samples, store, min(args.baseline, len(samples)), workers, seed + 1)
        print(f"{shape}: {shapes[shape]['speedup']}x", file=sys.stderr)

    # Hostile answers cost their timeout and nothing more (fresh cache, a new pool).
    hostile = [r"10^{10^{10^{10}}}", r"9^{9^{9^{9}}}", r"(10^{10^{10}})!"]
    normal, _ = build_store(min(args.problems, 10), 100, "short", seed=3)
    mixed = [{"answer": "1", "completion": f"\\boxed{{{h}}}"} for h in hostile] + normal[:1000]
    clear_cache()
    hostile_report: dict = {}
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        grade_math(mixed, workers=workers, timeout_s=2.0, report=hostile_report)
    hostile_s = time.perf_counter() - t0

    published = published_rows(args.published_tests, workers, args.published_timeout) \
        if args.published_tests else None

    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": _commit(),
        "command": "python benchmarks/math_grading.py " + " ".join(sys.argv[1:]),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "workers": workers,
                    "python": platform.python_version(), "load_average_1min": round(os.getloadavg()[0], 1),
                    "note": "shared 2-core machine, other jobs running: timings are noisy"},
        "shapes": shapes,
        "speedup": {shape: r["speedup"] for shape, r in shapes.items()},
        "target_speedup": 20,
        "hostile": {"answers": hostile, "plus_normal_samples": len(mixed) - len(hostile), "timeout_s": 2.0,
                    "workers": workers, "seconds": round(hostile_s, 3),
                    "timeouts_reported": len(hostile_report["timeouts"])},
        "published_tests": published,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
