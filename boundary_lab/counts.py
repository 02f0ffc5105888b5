"""Counts tables: one row per (model, problem) with ``n`` samples and ``correct`` of them right.

The CSV header is ``model,problem_id,n,correct`` (extra columns allowed). A
sample-store directory is accepted too and turned into counts by
:func:`boundary_lab.store.counts`. Every malformed row raises
:class:`~boundary_lab.errors.InputError` naming the file, the line and the value.

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

from .errors import InputError

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
        key = (model, pid)
        if key in seen:
            raise InputError(f"{where}: duplicate problem_id for model {model!r} (first at line {seen[key]})")
        seen[key] = line
        rows.append({**row, "model": model, "problem_id": pid, "n": n, "correct": correct, "_line": line})
    if not rows:
        raise InputError(f"{name}: no rows")
    return pd.DataFrame(rows)


def read_counts(path: str | Path, keep_line: bool = False) -> pd.DataFrame:
    """Load counts from a CSV file or a sample-store directory.

    The returned frame has at least ``model, problem_id, n, correct``; with
    ``keep_line`` it keeps ``_line``, the CSV line of each row, for error messages.
    """
    path = Path(path)
    if path.is_dir():
        from . import store  # a store pulls in pyarrow; only load it when needed

        df = store.counts(path)
        df["_line"] = range(2, len(df) + 2)
    elif not path.exists():
        raise InputError(f"{path}: no such file or directory")
    else:
        with open(path, newline="", encoding="utf-8") as handle:
            df = parse_counts_csv(handle, str(path))
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
