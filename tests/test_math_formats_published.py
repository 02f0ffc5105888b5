r"""The answer kinds on which boundary-lab disagreed with math-verify's published tests (issue 21).

math-verify 0.9.0's own tests (its sdist's ``tests/``) hold (gold, prediction, expected) rows
written from real model outputs. Before issue 21, ``grade_math`` decided 124 of the 149 rows of
its math groups as math-verify does; the kinds it got wrong each have a table here, with rows
that must stay unequal (``tests/data/math_published_kinds.json``, each kind with a note). The rows
are ours (written for these kinds), not copies of theirs.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from boundary_lab.verify.math import grade_math

T = 20.0  # generous per-check timeout: the machine is shared

# kind -> {"note": what the kind is, "rows": [[gold, completion, expected], ...]}
_KINDS = json.loads((Path(__file__).parent / "data" / "math_published_kinds.json").read_text(encoding="utf-8"))["kinds"]
TABLES = {kind: [tuple(row) for row in table["rows"]] for kind, table in _KINDS.items()}


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_every_kind_has_ten_rows_with_both_verdicts(kind):
    rows = TABLES[kind]
    assert len(rows) >= 10
    assert {expected for _, _, expected in rows} == {True, False}


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_kind_is_graded_as_expected(kind):
    rows = TABLES[kind]
    grades = grade_math([(gold, completion) for gold, completion, _ in rows], workers=2, timeout_s=T)
    wrong = [(gold, completion, grade.extracted) for (gold, completion, expected), grade in zip(rows, grades)
             if grade.correct is not expected]
    assert wrong == []
