"""boundary_lab.micro.evaluate's grading and counting (the sampling itself is covered by the slow pipeline tests):
every trace checked for answer and whole chain, per-problem counts, strategy shares per tier."""
from __future__ import annotations

import pandas as pd
import pytest

from boundary_lab.micro.evaluate import counts_from_samples, grade_samples, strategy_shares
from boundary_lab.micro.task import Problem

P = Problem("x", 5, (("+", 3),), 47, "A")  # 5 + 3 = 8
Q = Problem("y", 2, (("*", 3), ("+", 1)), 47, "B")  # 2 * 3 = 6, + 1 = 7


@pytest.mark.parametrize("text, strategy, correct, answer_correct", [
    ("C 5 +3 8 A 8", "careful", True, True),
    ("S 5 +3 8 A 8", "shortcut", True, True),
    ("C 5 +3 9 A 8", "careful", False, True),   # a wrong step, the right answer: lucky
    ("C 5 +3 8 A 9", "careful", False, False),
    ("5 +3 8 A 8", "other", False, True),        # no strategy token
])
def test_grade_samples_checks_answer_and_chain(text, strategy, correct, answer_correct):
    row = grade_samples([P], [[text]]).iloc[0]
    assert (row["strategy"], bool(row["correct"]), bool(row["answer_correct"])) == (strategy, correct, answer_correct)
    assert (row["problem_id"], row["tier"], row["length"], row["sample_id"]) == ("x", "A", 1, 0)
    assert row["completion"] == text


def _samples() -> pd.DataFrame:
    return grade_samples([P, Q], [["C 5 +3 8 A 8", "S 5 +3 8 A 8", "C 5 +3 9 A 8"],
                                  ["C 2 *3 6 +1 7 A 7", "C 2 *3 6 +1 8 A 8", "S 2 *3 6 +1 7 A 7", "x A 7"]])


def test_counts_per_problem_in_problem_order():
    counts = counts_from_samples(_samples(), "m")
    assert counts.columns.tolist() == ["model", "problem_id", "n", "correct", "answer_correct", "tier", "length",
                                       "careful", "shortcut", "careful_correct"]
    assert counts.values.tolist() == [["m", "x", 3, 2, 3, "A", 1, 2, 1, 1], ["m", "y", 4, 2, 3, "B", 2, 2, 1, 1]]
    assert counts["n"].dtype.kind == "i" and counts["careful_correct"].dtype.kind == "i"
    assert grade_samples([Q], [["C 2 *3 6 +1 7 A 7"]])["sample_id"].tolist() == [0]
    assert _samples()["sample_id"].tolist() == [0, 1, 2, 0, 1, 2, 3]


def test_strategy_shares_per_tier():
    shares = strategy_shares(_samples(), "m")
    assert shares.columns.tolist() == ["model", "tier", "strategy", "share"]
    got = {(r.tier, r.strategy): r.share for r in shares.itertuples()}
    assert got == {("A", "careful"): 2 / 3, ("A", "shortcut"): 1 / 3, ("B", "careful"): 0.5,
                   ("B", "shortcut"): 0.25, ("B", "other"): 0.25}
    assert set(shares["model"]) == {"m"}
