"""Grading of sample files: validate each JSONL record, verify it (its kind's registry row), write the result.

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
from pathlib import Path

from .benchmarks.loaders import read_jsonl
from .errors import InputError
from .verify.registry import VERIFIERS, verifier

# Kinds a file can be graded with, their fields (name -> accepted types) and default timeouts: registry rows.
REQUIRED = {kind: dict(row.record_fields) for kind, row in VERIFIERS.items() if row.grade_records}
DEFAULT_TIMEOUT_S = {kind: row.default_timeout_s for kind, row in VERIFIERS.items() if row.grade_records}


def _file_verifier(kind: str):
    row = verifier(kind)
    if row.grade_records is None:
        known = ", ".join(k for k, r in VERIFIERS.items() if r.grade_records)
        raise InputError(f"kind: verifier {kind!r} grades benchmark problems only, not sample files; "
                         f"use one of {known}")
    return row


def record_problem(record: object, kind: str) -> str | None:
    """Why a parsed line is not a valid sample, or None if it is."""
    row = _file_verifier(kind)
    if not isinstance(record, dict):
        return f"expected a JSON object, got {type(record).__name__}"
    for name, types in row.record_fields.items():
        if name not in record or record[name] is None:
            return f"missing field {name!r}"
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, types):
            return f"field {name!r} has type {type(value).__name__}, expected {'/'.join(t.__name__ for t in types)}"
    return row.check_record(record)


def read_samples(path: Path, kind: str) -> tuple[list[dict], list[int], list[str]]:
    """Valid records in order, their line numbers, and one message per malformed line."""
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
    return _file_verifier(kind).grade_records(records, workers, timeout_s, progress)


def write_jsonl(records: list[dict], output: str) -> None:
    """Write atomically (temp file + rename) so a killed run never leaves half a file; ``-`` is stdout."""
    text = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    if output == "-":
        sys.stdout.write(text)
        return
    from .store import _atomic_write_bytes  # the store's writer (it imports pandas, so only here)

    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(target, text.encode("utf-8"))
