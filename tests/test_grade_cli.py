"""`boundary-lab grade`: the DESIGN.md §3 contract, end to end through the real CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from boundary_lab.benchmarks import shipped_root
from boundary_lab.cli import main

DATA = shipped_root()  # the benchmark files the package ships


def _write(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


MATH_LINES = [
    {"problem_id": "p1", "sample_id": 0, "answer": "18", "completion": "She earns 9*2 = 18.\n#### 18"},
    "{this is not json",
    {"problem_id": "p2", "sample_id": 0, "answer": r"\frac{1}{2}", "completion": r"so \boxed{0.5}"},
    {"problem_id": "p2", "sample_id": 1, "completion": r"\boxed{2}"},  # no answer
    "",
    {"problem_id": "p3", "sample_id": 0, "answer": 27.0, "completion": r"\boxed{27}", "extra": [1, 2]},
    [1, 2, 3],
    {"problem_id": "p4", "sample_id": 0, "answer": "[1,2)", "completion": r"\boxed{[1,2]}"},
    {"problem_id": "p5", "sample_id": 0, "answer": "5", "completion": None},
    {"problem_id": "p5", "sample_id": 1, "answer": True, "completion": "5"},
    {"problem_id": "p6", "sample_id": 0, "answer": "5", "completion": "I do not know."},
    {"problem_id": "p7", "sample_id": 0, "answer": ["$69$", "$84$"], "completion": r"\boxed{84, 69}"},
    {"problem_id": "p7", "sample_id": 1, "answer": [], "completion": r"\boxed{84, 69}"},
]


def test_math_contract(tmp_path, capsys):
    src = _write(tmp_path / "in.jsonl", MATH_LINES)
    out = tmp_path / "sub" / "out.jsonl"
    assert main(["grade", str(src), "--kind", "math", "-o", str(out), "--workers", "1", "--quiet"]) == 0
    graded = _read(out)
    valid = [x for x in MATH_LINES if isinstance(x, dict) and x.get("completion") is not None
             and "answer" in x and not isinstance(x["answer"], bool)]
    valid = [x for x in valid if x["answer"] != []]
    assert len(graded) == len(valid) == 6
    for rec, original in zip(graded, valid):  # order kept, every input field kept unchanged
        assert {k: rec[k] for k in original} == original
        assert set(rec) == set(original) | {"extracted", "correct"}
    assert [(r["extracted"], r["correct"]) for r in graded] == [
        ("18", True), ("0.5", True), ("27", True), ("[1,2]", False), (None, False), ("84, 69", True)]
    err = capsys.readouterr().err
    for line_no, why in [(2, "invalid JSON"), (4, "missing field 'answer'"), (7, "expected a JSON object"),
                         (9, "missing field 'completion'"), (10, "field 'answer' has type bool"),
                         (13, "field 'answer': answer must be")]:
        assert f"line {line_no}: {why}" in err
    assert "line 5" not in err  # blank lines are not samples


def test_math_timeout_is_reported_with_its_line(tmp_path, capsys):
    src = _write(tmp_path / "in.jsonl", [
        {"answer": "1", "completion": r"\boxed{10^{10^{10^{10}}}}"},
        {"answer": "2", "completion": r"\boxed{1+1}"},
    ])
    out = tmp_path / "out.jsonl"
    assert main(["grade", str(src), "--kind", "math", "-o", str(out), "--timeout", "1", "--quiet"]) == 0
    assert [r["correct"] for r in _read(out)] == [False, True]
    assert "line 1: symbolic check timed out after 1s" in capsys.readouterr().err


@pytest.mark.parametrize("argv_tail, message", [
    (["--kind", "math"], "input file not found"),
    (["--kind", "math", "--workers", "0"], None),
    (["--kind", "math", "--timeout", "-1"], None),
])
def test_missing_input_or_bad_options_exit_2(tmp_path, capsys, argv_tail, message):
    src = tmp_path / ("missing.jsonl" if message else "in.jsonl")
    if not message:
        _write(src, [{"answer": "1", "completion": "1"}])
    assert main(["grade", str(src), "-o", str(tmp_path / "o.jsonl"), *argv_tail]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    if message:
        assert message in err[0]
    assert not (tmp_path / "o.jsonl").exists()


def test_unreadable_input_exit_2(tmp_path, capsys):
    src = tmp_path / "binary.jsonl"
    src.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["grade", str(src), "--kind", "math", "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "cannot read input" in capsys.readouterr().err


def test_directory_as_input_exit_2(tmp_path):
    assert main(["grade", str(tmp_path), "--kind", "math", "-o", str(tmp_path / "o.jsonl")]) == 2


def test_bad_kind_is_usage_error(tmp_path):
    src = _write(tmp_path / "in.jsonl", [{"answer": "1", "completion": "1"}])
    assert main(["grade", str(src), "--kind", "chemistry", "-o", str(tmp_path / "o.jsonl")]) == 2


def test_installed_console_script_and_stdout_output(tmp_path):
    src = _write(tmp_path / "in.jsonl", [{"answer": "7", "completion": "the answer is 7"}])
    exe = Path(sys.executable).parent / "boundary-lab"
    proc = subprocess.run([str(exe), "grade", str(src), "--kind", "math", "-o", "-"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"answer": "7", "completion": "the answer is 7", "extracted": "7",
                                       "correct": True}
    assert "graded 1 samples (1 correct)" in proc.stderr


@pytest.mark.sandbox
def test_code_contract(tmp_path, capsys):
    import gzip

    with gzip.open(DATA / "code" / "humaneval" / "HumanEval.jsonl.gz", "rt") as fh:
        task = json.loads(fh.readline())
    base = {k: task[k] for k in ("task_id", "prompt", "test", "entry_point")}
    lines = [
        {**base, "completion": task["canonical_solution"]},
        {**base, "completion": "    return False\n"},
        {**base},  # no completion
        {**base, "completion": "    while True:\n        pass\n"},
        {**base, "entry_point": "not an identifier", "completion": "    pass\n"},
        {**base, "completion": "    return (\n"},
    ]
    src = _write(tmp_path / "code.jsonl", lines)
    out = tmp_path / "code_out.jsonl"
    assert main(["grade", str(src), "--kind", "code", "-o", str(out), "--timeout", "3", "--quiet"]) == 0
    graded = _read(out)
    assert [r["status"] for r in graded] == ["passed", "failed", "timeout", "error"]
    assert [r["passed"] for r in graded] == [True, False, False, False]
    assert all(isinstance(r["duration_s"], float) and r["task_id"] == "HumanEval/0" for r in graded)
    err = capsys.readouterr().err
    assert "line 3: missing field 'completion'" in err and "line 5: field 'entry_point'" in err
