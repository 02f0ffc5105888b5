"""Verifier kinds are registry rows (boundary_lab/verify/registry.py); nothing else dispatches on a kind.

The walk-through of docs/design.md ("Add a verifier") is followed here with a throwaway kind,
``shout`` (a completion is right when, upper-cased, it is the answer): one row in VERIFIERS,
and a benchmark naming it, are all it takes for the sampler's grading, ``boundary-lab grade``
and a whole sampled run to use it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from boundary_lab import benchmarks, grading
from boundary_lab.benchmarks import BenchmarkSpec
from boundary_lab.errors import InputError
from boundary_lab.micro.task import clean_trace, shortcut_trace
from boundary_lab.sampling.config import Completion
from boundary_lab.sampling.run import grade_chunk
from boundary_lab.verify import registry
from boundary_lab.verify.registry import VERIFIERS, VerifierSpec, micro_problem, verifier

# The throwaway row, as a contributor would write it in VERIFIERS (its source is reused by the CLI test).
SHOUT = '''
def _shout_samples(problems, completions, template):
    return [{"extracted": text.strip().upper(), "correct": text.strip().upper() == str(p["answer"])}
            for p, text in zip(problems, completions)]


def _shout_records(records, workers, timeout_s, progress):
    graded = _shout_samples(records, [r["completion"] for r in records], "raw")
    return [{**r, **g} for r, g in zip(records, graded)], []


ROW = VerifierSpec("shout", "upper-cased completion equals the answer", _shout_samples,
                   record_fields={"completion": (str,), "answer": (str,)}, grade_records=_shout_records)
'''
namespace: dict = {"VerifierSpec": VerifierSpec}
exec(SHOUT, namespace)  # noqa: S102 - the row's own source, above
ROW = namespace["ROW"]


def completions(*texts: str) -> list[Completion]:
    return [Completion(t, len(t.split()), "stop") for t in texts]


@pytest.fixture
def shout(monkeypatch):
    monkeypatch.setitem(VERIFIERS, "shout", ROW)
    problems = [{"problem_id": "p1", "question": "say yes", "answer": "YES"},
                {"problem_id": "p2", "question": "say no", "answer": "NO"}]
    spec = BenchmarkSpec("shout-demo", "", dict, verifier="shout", template="raw", generate=lambda: problems)
    monkeypatch.setitem(benchmarks.SPECS, "shout-demo", spec)
    return problems


# (problem, completion, expected verdict) per built-in kind
MATH = [({"answer": "4"}, "so $\\boxed{4}$", True), ({"answer": "4"}, "so $\\boxed{5}$", False),
        ({"answer": "\\frac{1}{2}"}, "the answer is 0.5", True)]


@pytest.mark.parametrize("problem,text,expected", MATH)
def test_math_row_grades_sampled_completions(problem, text, expected):
    assert verifier("math").grade_samples([problem], [text], "qwen-boxed")[0]["correct"] is expected


def test_micro_row_grades_the_whole_chain():
    p = benchmarks.load_benchmark("micro-tierB")[0]
    prob = micro_problem(p)
    texts = [clean_trace(prob), shortcut_trace(prob, "mul_as_add")]
    verdicts = verifier("micro").grade_samples([p, p], texts, "raw")
    # tier B: the careful chain is right and the shortcut's misconception is wrong
    assert [v["correct"] for v in verdicts] == [True, False]
    assert set(verdicts[0]) == {"extracted", "correct", "answer_correct", "strategy"}


@pytest.mark.sandbox
def test_code_row_runs_the_tests_in_the_sandbox():
    p = benchmarks.load_benchmark("humaneval", limit=1)[0]
    verdicts = verifier("code").grade_samples([p, p], [p["answer"], "    return None\n"], "raw")
    assert [v["correct"] for v in verdicts] == [True, False]


def test_an_unknown_kind_is_an_error_everywhere_never_math():
    with pytest.raises(InputError, match="verifier: unknown kind 'maths'; known: code, math, micro"):
        verifier("maths")
    with pytest.raises(InputError, match="unknown kind 'maths'"):
        grade_chunk([{"problem_id": "a", "answer": "4"}], [completions("4")], "maths", "raw")
    with pytest.raises(InputError, match="unknown kind 'maths'"):
        grading.record_problem({"completion": "4", "answer": "4"}, "maths")
    with pytest.raises(InputError, match="not sample files"):  # micro needs its problem's steps
        grading.record_problem({"completion": "4", "answer": "4"}, "micro")


def test_every_row_the_grade_command_offers_says_what_a_record_needs():
    for kind, row in VERIFIERS.items():
        assert (row.grade_records is None) == (not row.record_fields), kind
        assert row.kind == kind


def test_a_new_kind_is_one_row_for_the_sampler(shout):
    rows = grade_chunk(shout, [completions("yes", "No"), completions("nope", " no ")], "shout", "raw")
    assert rows["correct"].tolist() == [True, False, False, True]
    assert rows["extracted"].tolist() == ["YES", "NO", "NOPE", "NO"]
    assert benchmarks.benchmark_info("shout-demo")["verifier"] == "shout"


def test_a_new_kind_is_one_row_for_grading_files(shout, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"completion": "yes", "answer": "YES"}\n{"completion": "yes"}\n'
                    '{"completion": "x", "answer": "Y"}\n')
    records, lines, problems = grading.read_samples(path, "shout")
    assert lines == [1, 3] and problems == [f"{path}: line 2: missing field 'answer'"]
    out, notes = grading.grade_records(records, "shout", None, 1.0, False)
    assert [r["correct"] for r in out] == [True, False] and notes == []


def test_a_new_kind_is_one_row_for_the_grade_command(tmp_path):
    # A fresh interpreter adds the row before the CLI is built, as a row written in VERIFIERS would be.
    (tmp_path / "in.jsonl").write_text('{"completion": "yes", "answer": "YES"}\n'
                                       '{"completion": "no", "answer": "YES"}\n')
    script = ("import sys\nfrom boundary_lab.verify.registry import VERIFIERS, VerifierSpec\n" + SHOUT +
              "VERIFIERS['shout'] = ROW\nfrom boundary_lab.cli import main\n"
              "sys.exit(main(['grade', 'in.jsonl', '--kind', 'shout', '-o', 'out.jsonl', '--quiet']))\n")
    env = {**os.environ, "PYTHONPATH": str(Path(registry.__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["correct"] for r in out] == [True, False]
    assert "graded 2 samples (1 correct)" in done.stderr


@pytest.mark.slow
def test_a_new_kind_is_one_row_for_a_sampled_run(shout, tmp_path):
    from boundary_lab.sampling.config import SamplingConfig
    from boundary_lab.sampling.run import sample_benchmark
    from boundary_lab.tiny_models import make_tiny_model

    model = make_tiny_model(str(tmp_path / "m"), layers=1)
    store = sample_benchmark(model, "shout-demo", str(tmp_path / "run"), SamplingConfig(n=3, max_new_tokens=4),
                             backend="hf", template="raw")
    df = store.read()
    assert len(df) == 6 and set(df["problem_id"]) == {"p1", "p2"}
    answers = {"p1": "YES", "p2": "NO"}
    shouted = [t.strip().upper() for t in df["completion"]]
    assert df["correct"].tolist() == [s == answers[pid] for pid, s in zip(df["problem_id"], shouted)]
    assert df["extracted"].tolist() == shouted


def test_a_benchmark_naming_an_unregistered_kind_fails_before_sampling(monkeypatch):
    spec = BenchmarkSpec("typo-demo", "", dict, verifier="maths", template="raw", generate=lambda: [])
    monkeypatch.setitem(benchmarks.SPECS, "typo-demo", spec)
    with pytest.raises(InputError, match="benchmark 'typo-demo': verifier: unknown kind 'maths'"):
        benchmarks.benchmark_info("typo-demo")
