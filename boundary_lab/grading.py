"""Grading of sample files: validate each JSONL record, verify it (math or code), write the result.

The library behind ``boundary-lab grade`` (see :mod:`boundary_lab.commands.grade` for the
contract). A malformed record is reported with its line number and left out; the others are graded.

>>> record_problem({"completion": "42", "answer": 42}, "math") is None
True
>>> record_problem({"completion": "42"}, "math")
"missing field 'answer'"
"""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from .errors import InputError
from .verify.math_extract import extract_gold

# Field -> accepted types, per kind. bool is excluded from numbers explicitly below.
REQUIRED = {
    "math": {"completion": (str,), "answer": (str, int, float, list)},
    "code": {"prompt": (str,), "completion": (str,), "test": (str,), "entry_point": (str,)},
}
DEFAULT_TIMEOUT_S = {"math": 5.0, "code": 10.0}


def record_problem(record: object, kind: str) -> str | None:
    """Why a parsed line is not a valid sample, or None if it is."""
    if not isinstance(record, dict):
        return f"expected a JSON object, got {type(record).__name__}"
    for name, types in REQUIRED[kind].items():
        if name not in record or record[name] is None:
            return f"missing field {name!r}"
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, types):
            return f"field {name!r} has type {type(value).__name__}, expected {'/'.join(t.__name__ for t in types)}"
    if kind == "math" and isinstance(record["answer"], list):
        try:
            extract_gold(record["answer"])
        except TypeError as err:
            return f"field 'answer': {err}"
    if kind == "code" and not record["entry_point"].isidentifier():
        return f"field 'entry_point' is not a Python identifier: {record['entry_point'][:60]!r}"
    return None


def read_samples(path: Path, kind: str) -> tuple[list[dict], list[int], list[str]]:
    """Valid records in order, their line numbers, and one message per malformed line."""
    from .benchmarks.loaders import read_jsonl

    records, lines, problems = [], [], []
    for lineno, record, why in read_jsonl(path):
        why = why or record_problem(record, kind)
        if why:
            problems.append(f"{path}: line {lineno}: {why}")
        else:
            records.append(record)
            lines.append(lineno)
    return records, lines, problems


def grade_records(records: list[dict], kind: str, workers: int | None, timeout_s: float,
                  progress: bool) -> tuple[list[dict], list[tuple[int, str]]]:
    """Graded copies of ``records``, and (record index, note) for checks that timed out."""
    notes: list[tuple[int, str]] = []
    if kind == "math":
        from .verify.math import grade_math

        report: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # reported per line below instead
            grades = grade_math(records, workers=workers, timeout_s=timeout_s, progress=progress, report=report)
        out = [{**rec, "extracted": g.extracted, "correct": bool(g.correct)} for rec, g in zip(records, grades)]
        timed_out = set(report.get("timeouts", []))
        for i, (rec, g) in enumerate(zip(records, grades)):
            if (extract_gold(rec["answer"]), g.extracted) in timed_out:
                notes.append((i, f"symbolic check timed out after {timeout_s:g}s, graded wrong "
                                 f"(extracted={g.extracted[:60]!r})"))
        return out, notes
    from .verify.code import grade_code_records

    results = grade_code_records(records, workers=workers, timeout_s=timeout_s, progress=progress)
    out = [{**rec, "passed": bool(res["passed"]), "status": res["status"], "detail": res["detail"],
            "duration_s": res["duration_s"]} for rec, res in zip(records, results)]
    return out, notes


def write_jsonl(records: list[dict], output: str) -> None:
    """Write atomically (temp file + rename) so a killed run never leaves half a file; ``-`` is stdout."""
    text = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    if output == "-":
        sys.stdout.write(text)
        return
    from .store import _atomic_write_bytes  # the store's writer (it imports pyarrow, so only here)

    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(target, text.encode("utf-8"))
