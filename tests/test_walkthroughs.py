"""docs/design.md's "Add a benchmark" walk-through, followed with a throwaway row.

(The verifier walk-through is tests/test_verifier_registry.py; the RL algorithm one is
tests/test_rl_registry.py with tests/test_rl_trainer.py, which iterate over the registry.)
"""
from __future__ import annotations

import hashlib
import json

import pytest

from boundary_lab import benchmarks
from boundary_lab.benchmarks import BenchmarkSpec
from boundary_lab.errors import InputError
from boundary_lab.sampling.config import Completion
from boundary_lab.sampling.run import grade_chunk


def _demo(row, index):  # step 1: the field mapping
    return {"problem_id": str(row["id"]), "question": str(row["q"]), "answer": str(row["a"])}


@pytest.fixture
def demo(tmp_path, monkeypatch):
    root = tmp_path / "data"
    (root / "math" / "demo").mkdir(parents=True)
    rows = [{"id": 1, "q": "What is 6 times 7?", "a": "42"}, {"id": 2, "q": "Half of 1?", "a": "\\frac{1}{2}"}]
    path = root / "math" / "demo" / "test.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("BOUNDARY_LAB_DATA", str(root))  # a user's data root (step 1's alternative to shipping)
    monkeypatch.setitem(benchmarks.SPECS, "demo", BenchmarkSpec("demo", "math/demo/test.jsonl", _demo, max_k=256))
    return path


def test_a_new_benchmark_row_loads_names_its_file_and_grades_by_its_kind(demo):
    problems = benchmarks.load_benchmark("demo")
    assert [p["problem_id"] for p in problems] == ["1", "2"]
    info = benchmarks.benchmark_info("demo")
    assert info["verifier"] == "math" and info["template"] == "qwen-boxed"
    assert info["sha256"] == benchmarks.dataset_sha256(demo) and len(info["sha256"]) == 64
    assert "What is 6 times 7?" in benchmarks.format_prompt(problems[0], info["template"])
    texts = [["The answer is $\\boxed{42}$.", "The answer is $\\boxed{41}$."], ["so $\\boxed{0.5}$", "1/3"]]
    rows = grade_chunk(problems, [[Completion(t, 5, "stop") for t in ts] for ts in texts], info["verifier"],
                       info["template"])
    assert rows["correct"].tolist() == [True, False, True, False]


def test_a_new_benchmark_row_with_a_broken_mapping_names_the_row(demo):
    demo.write_text(demo.read_text() + json.dumps({"id": 3, "q": "no answer"}) + "\n")
    with pytest.raises(InputError, match="test.jsonl: line 3: missing field 'a'"):
        benchmarks.load_benchmark("demo")


def test_the_sha256_is_of_the_file_a_user_has(demo):
    assert benchmarks.dataset_sha256(demo) == hashlib.sha256(demo.read_bytes()).hexdigest()
