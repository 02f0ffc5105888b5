"""Math verifier on real benchmark rows and real labelled model outputs; batch API; timeouts."""
from __future__ import annotations

import itertools
import json
import random
import re
import time
from pathlib import Path

import pytest

from boundary_lab.benchmarks import data_file, iter_jsonl, load_benchmark, shipped_root
from boundary_lab.verify.math import MathGrade, clear_cache, grade_math, is_equivalent
from boundary_lab.verify.math_equiv import parse_number
from boundary_lab.verify.math_extract import normalize_answer
from boundary_lab.verify.math_pool import WorkerPool

DATA = shipped_root()  # the benchmark files the package ships
MATH_BENCHMARKS = ["math500", "minerva", "olympiadbench", "aime24", "amc23", "gsm8k"]
# One Minerva gold is malformed LaTeX ('... +$ $\dot{x}_0 ...') and cannot survive inline-math wrapping.
MALFORMED_GOLD = {r"x_{0} \cos (\omega t)+$ $\dot{x}_{0} \sin (\omega t) / \omega"}

WRAPPERS = [
    lambda a: f"\\boxed{{{a}}}",
    lambda a: f"Thus the answer is ${a}$.",
    lambda a: f"Let me compute.\n**Final answer:** $\\boxed{{{a}}}$",
]


def test_every_gold_answer_equals_itself_in_every_wrapper():
    """Each benchmark's reference answers survive extraction and the equivalence layers."""
    items = [(p["answer"], wrap(p["answer"])) for name in MATH_BENCHMARKS for p in load_benchmark(name, DATA)
             for wrap in WRAPPERS if p["answer"] not in MALFORMED_GOLD]
    grades = grade_math(items, workers=2, timeout_s=20)
    failures = [(gold, g.extracted) for (gold, _), g in zip(items, grades) if not g.correct]
    assert failures == []
    assert len(items) > 8000


def test_math500_gold_matches_the_box_in_its_solution():
    rows = [row for _, row in iter_jsonl(data_file("math/math500/test.jsonl"))]
    grades = grade_math([(r["answer"], r["solution"]) for r in rows], workers=2, timeout_s=20)
    assert [r["unique_id"] for r, g in zip(rows, grades) if not g.correct] == []


def test_distinct_numeric_golds_are_never_equal():
    """False-positive guard: pairs of MATH500/AIME/AMC answers with different exact values."""
    golds = sorted({p["answer"] for name in ("math500", "aime24", "amc23") for p in load_benchmark(name, DATA)})
    numeric = [(g, parse_number(normalize_answer(g))) for g in golds]
    numeric = [(g, v) for g, v in numeric if v is not None]
    pairs = [(a, b) for (a, va), (b, vb) in itertools.combinations(numeric, 2) if va != vb]
    random.Random(0).shuffle(pairs)
    pairs = pairs[:3000]
    grades = grade_math([(a, f"\\boxed{{{b}}}") for a, b in pairs], workers=2, timeout_s=20)
    assert [p for p, g in zip(pairs, grades) if g.correct] == []


def _labelled_gsm8k(strip_final_line: bool):
    items, labels = [], []
    for _, row in iter_jsonl(data_file("math/gsm8k/example_model_solutions.jsonl")):
        gold = row["ground_truth"].rsplit("A:", 1)[1].strip()
        for model in ("6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"):
            solution = row[model]["solution"]
            if strip_final_line:
                solution = re.sub(r"\nA:.*$", "", solution.rstrip())
            items.append((gold, solution))
            labels.append(row[model]["is_correct"])
    return items, labels


# Measured on this data: 5276/5276 = 1.000 with the "A: N" line, 5216/5276 = 0.989 from the
# reasoning alone (last math or last number; a dollar sign as a price is not math).
@pytest.mark.parametrize("strip_final_line, threshold", [(False, 0.999), (True, 0.985)])
def test_agreement_with_openai_labels_on_real_gpt3_solutions(strip_final_line, threshold):
    items, labels = _labelled_gsm8k(strip_final_line)
    grades = grade_math(items, workers=2, timeout_s=20)
    agreement = sum(g.correct == label for g, label in zip(grades, labels)) / len(labels)
    assert len(labels) == 5276
    assert agreement >= threshold


# ------------------------------------------------------------------ batch API

def test_grade_math_dedups_and_keeps_order():
    clear_cache()
    items = [("x+1", r"\boxed{1+x}"), ("x+1", r"so \boxed{1+x}"), ("5", "#### 5"),
             {"answer": "5", "completion": "the answer is 6"}, ("5", "no answer here"), ("5", None)]
    report: dict = {}
    grades = grade_math(items, workers=1, timeout_s=20, report=report)
    assert grades == [MathGrade("1+x", True), MathGrade("1+x", True), MathGrade("5", True),
                      MathGrade("6", False), MathGrade(None, False), MathGrade(None, False)]
    assert report["samples"] == 6 and report["unique_pairs"] == 3
    assert report["symbolic"] == 1 and report["timeouts"] == []
    again: dict = {}
    grade_math(items, workers=1, report=again)
    assert again["cache_hits"] == 3 and again["symbolic"] == 0


def test_grade_math_empty():
    assert grade_math([]) == []


# ------------------------------------------------------------------ hostile inputs

HANGING = [r"10^{10^{10^{10}}}", r"9^{9^{9^{9}}}", r"(10^{10^{10}})!"]


@pytest.mark.parametrize("hostile", HANGING)
def test_hostile_answer_costs_its_timeout_and_nothing_more(hostile):
    start = time.monotonic()
    with pytest.warns(RuntimeWarning, match="timed out"):
        assert is_equivalent("1", hostile, timeout=1.0) is False
    assert time.monotonic() - start < 1.0 + 4.0  # timeout + worker replacement, on a loaded machine
    assert is_equivalent("x+1", "1+x", timeout=20) is True  # the pool still works


def test_batch_with_hostile_answers_reports_timeouts_and_grades_the_rest():
    items = [("1", f"\\boxed{{{h}}}") for h in HANGING] + [("x^2-1", r"\boxed{(x-1)(x+1)}")]
    report: dict = {}
    start = time.monotonic()
    with pytest.warns(RuntimeWarning, match="timed out"):
        grades = grade_math(items, workers=2, timeout_s=1.0, report=report)
    assert time.monotonic() - start < 2 * 1.0 + 6.0  # 3 timeouts over 2 workers
    assert [g.correct for g in grades] == [False, False, False, True]
    assert len(report["timeouts"]) == 3


def test_pool_replaces_killed_workers():
    with WorkerPool(workers=1, timeout_s=1.0) as pool:
        results = pool.run([("1", "10^{10^{10^{10}}}"), ("2", "1+1"), ("1", "9^{9^{9^{9}}}"), ("[1,2)", "[1,2]")])
        assert results == [(False, "timeout"), (True, "ok"), (False, "timeout"), (False, "ok")]
        assert pool.n_timeouts == 2 and pool.n_replaced == 2


def test_pool_rejects_bad_timeout():
    with pytest.raises(ValueError):
        WorkerPool(timeout_s=0)


def test_no_worker_processes_outlive_a_batch():
    import multiprocessing as mp

    before = set(mp.active_children())  # is_equivalent's shared worker may be alive: it is not ours
    with pytest.warns(RuntimeWarning, match="timed out"):
        grade_math([("x+1", r"\boxed{1+x}"), ("1", r"\boxed{9^{9^{9^{9}}}}")], workers=2, timeout_s=1.0)
    assert set(mp.active_children()) - before == set()  # pool workers are killed and joined


@pytest.mark.slow
def test_math_grading_benchmark_script_runs_small(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "mg.json"
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "math_grading.py"
    proc = subprocess.run([sys.executable, str(script), "--problems", "8", "--short", "10", "--long", "5",
                           "--baseline", "20", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["shapes"]["short"]["store"]["samples"] == 80
    assert result["shapes"]["long"]["store"]["samples"] == 40
    assert result["shapes"]["long"]["store"]["completion_chars_mean"] > 1000
    assert set(result["speedup"]) == {"short", "long"}
    assert result["hostile"]["timeouts_reported"] == 3
    assert result["shapes"]["short"]["verdicts"]["subset_disagreements"] == 0
    bad = subprocess.run([sys.executable, str(script), "--short", "0", "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--short" in bad.stderr
