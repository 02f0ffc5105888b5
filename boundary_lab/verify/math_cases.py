r"""Case tables for math grading: (gold, completion, expected) per answer format.

Each kind is a format that models or datasets really use (MATH500, Minerva,
OlympiadBench and GSM8K answers; base-model few-shot outputs without a box;
Minerva's "Final Answer: ..." template). Every table holds cases that must stay
*unequal* next to the ones that must match. The rows are data, in
``math_cases.json`` next to this module (each kind with its title and a note on
where the format comes from). The tests grade every row
(``tests/test_math_formats.py``), and the verifiers page shows how math-verify and
the paper's grader do on the same rows (``boundary_lab.verify.math_agreement``).

>>> sorted(CASES)[:3]
['assignments', 'equations', 'final_answer']
>>> all(len(rows) >= 10 for rows in CASES.values())
True
>>> CASES["plus_minus"][5]
('\\pm 7', '\\boxed{7, -7}', True)
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["CASES", "KIND_TITLES", "all_cases"]

_TABLES = json.loads((Path(__file__).with_name("math_cases.json")).read_text(encoding="utf-8"))["kinds"]

CASES: dict[str, list[tuple[str, str, bool]]] = {
    kind: [(gold, completion, expected) for gold, completion, expected in table["cases"]]
    for kind, table in _TABLES.items()
}
KIND_TITLES: dict[str, str] = {kind: table["title"] for kind, table in _TABLES.items()}


def all_cases() -> list[tuple[str, str, str, bool]]:
    """Every row as (kind, gold, completion, expected)."""
    return [(kind, gold, completion, expected) for kind, rows in CASES.items() for gold, completion, expected in rows]
