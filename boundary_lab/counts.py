"""Counts tables: one row per (model, problem) with ``n`` samples and ``correct`` of them right.

The CSV header is ``model,problem_id,n,correct`` (extra columns allowed; a UTF-8 byte-order
mark is accepted). The extra verdict columns ``answer_correct`` and ``chain_valid`` are counts
like ``correct`` (integers from 0 to n); other extra columns whose values are all integers
are read as integers, the rest as text. A sample-store directory is accepted too and turned
into counts by :func:`boundary_lab.store.counts`; several sources (CSV files and stores) are
read as one table. Every malformed row raises :class:`~boundary_lab.errors.InputError` naming
the file, the line and the value.

>>> import io
>>> df = parse_counts_csv(io.StringIO("model,problem_id,n,correct\\nbase,p1,4,1\\n"), "demo.csv")
>>> df.to_dict("records")
[{'model': 'base', 'problem_id': 'p1', 'n': 4, 'correct': 1, '_line': 2}]
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

import pandas as pd

from . import store
from .errors import InputError
from .store import EXTRA_VERDICTS

REQUIRED = ("model", "problem_id", "n", "correct")


def _parse_int(text: str, where: str, column: str) -> int:
    try:
        value = int(text.strip())
    except (ValueError, AttributeError):
        raise InputError(f"{where}: column '{column}' must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise InputError(f"{where}: column '{column}' must be a non-negative integer, got {value}")
    return value


def parse_counts_csv(handle: TextIO, name: str) -> pd.DataFrame:
    """Parse and validate a counts CSV from an open text handle."""
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    missing = [col for col in REQUIRED if col not in header]
    if missing:
        raise InputError(f"{name}: missing column(s) {', '.join(missing)} in header {header}")
    rows, seen = [], {}
    for line, row in enumerate(reader, start=2):
        where = f"{name}: line {line} (problem_id={row.get('problem_id')!r})"
        if None in row or any(row[col] is None for col in REQUIRED):
            raise InputError(f"{where}: wrong number of fields")
        model, pid = row["model"].strip(), row["problem_id"].strip()
        if not model or not pid:
            raise InputError(f"{where}: empty model or problem_id")
        n = _parse_int(row["n"], where, "n")
        correct = _parse_int(row["correct"], where, "correct")
        if n == 0:
            raise InputError(f"{where}: n must be >= 1, got 0")
        if correct > n:
            raise InputError(f"{where}: correct={correct} > n={n}")
        verdicts = {}
        for col in EXTRA_VERDICTS:
            if col in row:
                verdicts[col] = _parse_int(row[col], where, col)
                if verdicts[col] > n:
                    raise InputError(f"{where}: {col}={verdicts[col]} > n={n}")
        key = (model, pid)
        if key in seen:
            raise InputError(f"{where}: duplicate problem_id for model {model!r} (first at line {seen[key]})")
        seen[key] = line
        rows.append({**row, "model": model, "problem_id": pid, "n": n, "correct": correct, **verdicts, "_line": line})
    if not rows:
        raise InputError(f"{name}: no rows")
    df = pd.DataFrame(rows)
    for col in set(header) - set(REQUIRED) - set(EXTRA_VERDICTS):  # integer columns (e.g. a count) as integers
        if df[col].str.fullmatch(r"-?\d+").all():
            df[col] = df[col].astype(int)
    return df


def _read_one(path: Path, allow_partial: bool) -> pd.DataFrame:
    if path.is_dir():
        df = store.counts(path, allow_partial=allow_partial)
        df["_line"] = range(2, len(df) + 2)
        return df
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:  # -sig: a byte-order mark is dropped
            return parse_counts_csv(handle, str(path))
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.object[err.start:err.start + 1]!r} at offset "
                         f"{err.start}); save it as UTF-8") from None


def read_counts(path, keep_line: bool = False, allow_partial: bool = False) -> pd.DataFrame:
    """Load counts from a CSV file or a sample-store directory, or from a list of them.

    The returned frame has at least ``model, problem_id, n, correct``; with
    ``keep_line`` it keeps ``_line``, the CSV line of each row, for error messages. A store
    missing problems is an InputError unless ``allow_partial``. Several sources are one
    table; a (model, problem_id) pair in two of them is an InputError naming both.
    """
    paths = [Path(p) for p in path] if isinstance(path, (list, tuple)) else [Path(path)]
    if not paths:
        raise InputError("counts: no CSV file or store given")
    stores = [p for p in paths if p.is_dir()]
    if stores and not allow_partial:
        gaps = store.shard_gaps(stores)
        if gaps:
            raise InputError(f"counts: {gaps[0]} (each shard is one store; give them all, or allow_partial)")
    frames = [_read_one(p, allow_partial).assign(_source=str(p)) for p in paths]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        dup = df[df.duplicated(["model", "problem_id"], keep=False)]
        if not dup.empty:
            row = dup.iloc[0]
            same = (dup["model"] == row["model"]) & (dup["problem_id"] == row["problem_id"])
            where = sorted(set(dup[same]["_source"]))
            raise InputError(f"{' and '.join(where)}: model {row['model']!r}, problem_id {row['problem_id']!r} "
                             "is in both "
                             f"({len(dup) // 2} duplicate pair(s)); give each model's problems once")
    df = df.drop(columns="_source")
    return df if keep_line else df.drop(columns="_line")


def select_model(df: pd.DataFrame, model: str, source: str = "counts") -> pd.DataFrame:
    """The rows of one model, sorted by problem id; unknown names are an InputError."""
    rows = df[df["model"] == model]
    if rows.empty:
        known = sorted(df["model"].unique())
        raise InputError(f"{source}: unknown model {model!r}; the file has {known}")
    return rows.sort_values("problem_id", kind="stable").reset_index(drop=True)


def check_k(df: pd.DataFrame, ks: list[int], source: str = "counts") -> None:
    """Raise naming the first row whose n is below the largest requested k."""
    kmax = max(ks)
    short = df[df["n"] < kmax]
    if not short.empty:
        row = short.iloc[0]
        line = f"line {row['_line']} " if "_line" in row else ""
        raise InputError(
            f"{source}: {line}(model={row['model']!r}, problem_id={row['problem_id']!r}): "
            f"k={kmax} exceeds n={row['n']}"
        )


def align(base: pd.DataFrame, rl: pd.DataFrame, source: str = "counts") -> pd.DataFrame:
    """Join two models' rows on problem id (columns suffixed _base, _rl); both must cover the same problems."""
    base_ids, rl_ids = set(base["problem_id"]), set(rl["problem_id"])
    for name, ids, other in ((base["model"].iloc[0], base_ids, rl_ids), (rl["model"].iloc[0], rl_ids, base_ids)):
        extra = sorted(ids - other)
        if extra:
            raise InputError(f"{source}: problem_id={extra[0]!r} appears for model {name!r} only "
                             f"({len(extra)} unpaired problem(s))")
    merged = base.merge(rl, on="problem_id", suffixes=("_base", "_rl")).sort_values("problem_id", kind="stable")
    return merged
