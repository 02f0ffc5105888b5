"""Issue 25: the MBPP-style suite (boundary_lab/data/code/mbpp_style, written for boundary-lab, not
MBPP) grades its canonical solutions 24/24 and empty bodies 0/24, idioms that share state with the
candidate included (stdout capture, patched input and stdin, seeded random, temp files, numpy)."""
from __future__ import annotations

import gzip
import json

import pytest

from boundary_lab.benchmarks import data_file, load_benchmark
from boundary_lab.verify.code import grade_code_records
from boundary_lab.verify.sandbox import bwrap_path

pytestmark = [pytest.mark.sandbox, pytest.mark.skipif(bwrap_path() is None, reason="needs bubblewrap")]


def records() -> list[dict]:
    with gzip.open(data_file("code/mbpp_style/test.jsonl.gz"), "rt") as handle:
        return [json.loads(line) for line in handle]


def test_the_suite_is_registered_and_labelled_as_ours():
    rows = records()
    assert len(rows) == 24 and len(load_benchmark("mbpp-style")) == 24
    assert all(r["task_id"].startswith("BLMbppStyle/") for r in rows)
    idioms = {r["idiom"] for r in rows}
    for needed in ("stdout capture", "patched input", "patched stdin", "seeded random", "shared temp file", "numpy"):
        assert needed in idioms


def test_canonical_solutions_all_pass_and_empty_bodies_all_fail():
    rows = records()
    good = grade_code_records([{**r, "completion": r["canonical_solution"]} for r in rows])
    assert [(g["task_id"], g["detail"]) for g in good if not g["passed"]] == []
    empty = grade_code_records([{**r, "completion": "    pass\n"} for r in rows])
    assert [g["task_id"] for g in empty if g["passed"]] == []
    assert {g["status"] for g in empty} == {"failed"}
