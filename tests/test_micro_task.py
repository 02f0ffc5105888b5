"""The micro-world task: generator, tiers, strategies, and the answer/chain checker."""
from __future__ import annotations

import numpy as np
import pytest

from boundary_lab.errors import InputError
from boundary_lab.micro.config import MicroConfig, TaskConfig
from boundary_lab.micro.task import (
    CheckResult, Problem, check, clean_trace, groups, heldout_tiers, noisy_trace, pretraining_texts, shortcut_is_right,
    shortcut_values, training_problems,
)

# 5 +3 *7 *2 (mod 47): careful values 8, 9, 18; the shortcut fuses (+3,*7) -> 9, then *2 -> 18.
P3 = Problem("p3", 5, (("+", 3), ("*", 7), ("*", 2)), 47)
# 2 *3 *4 -1: true 6, 24, 23; the shortcut fuses (*3,*4) as *(3+4) -> 14 (wrong), then -1 alone -> 13.
PB = Problem("pb", 2, (("*", 3), ("*", 4), ("-", 1)), 47)


CP3 = "C 5 + 3 8 * 7 9 * 2 18 A 18"


@pytest.mark.parametrize("problem, completion, correct, answer_correct, strategy", [
    (P3, CP3, True, True, "C"),                                   # clean careful chain
    (P3, "S 5 + 3 * 7 9 * 2 18 A 18", True, True, "S"),             # clean shortcut chain
    (P3, "C 5 + 3 8 * 7 10 * 2 18 A 18", False, True, "C"),         # lucky: a wrong step, right answer
    (P3, "S 5 + 3 * 7 10 * 2 18 A 18", False, True, "S"),           # lucky shortcut
    (P3, "A 18", False, True, "?"),                               # adversarial: answer without a chain
    (P3, "C A 18", False, True, "C"),                             # no steps written
    (P3, "C 8 9 18 A 18", False, True, "C"),                      # values without restated steps
    (P3, "C + 3 8 * 7 9 * 2 18 A 18", False, True, "C"),          # start value not restated
    (P3, "C 6 + 3 8 * 7 9 * 2 18 A 18", False, True, "C"),        # start value misquoted
    (P3, "S 5 + 3 8 * 7 9 * 2 18 A 18", False, True, "S"),          # careful layout under the shortcut token
    (P3, "C 5 + 3 * 7 9 * 2 18 A 18", False, True, "C"),            # shortcut layout under the careful token
    (P3, "C 5 + 3 8 * 7 9 * 3 18 A 18", False, True, "C"),          # a misquoted step
    (P3, "C 5 + 3 8 * 7 9 A 18", False, True, "C"),                 # a missing step
    (P3, "C 5 + 3 8 * 7 9 * 2 18 + 0 18 A 18", False, True, "C"),   # an invented extra step
    (P3, "C 5 + 3 8 * 7 9 * 2 18 18 A 18", False, True, "C"),       # a value too many
    (P3, CP3 + " 18", False, False, "C"),                         # trailing junk after the answer
    (P3, "C 5 + 3 8 * 7 9 * 2 18 A 17", False, False, "C"),         # wrong answer on a right chain
    (P3, "C 5 + 3 8 * 7 9 * 2 17 A 18", False, True, "C"),          # answer disagrees with the last value
    (P3, CP3 + " A 18", False, True, "C"),                        # two answers
    (P3, "C 5 + 3 8 * 7 9 * 2 65 A 65", False, False, "C"),         # out of range (65 = 18 + 47)
    (P3, "C 5 + 3 8 * 7 9 * 2 018 A 018", False, False, "C"),       # not a canonical value token
    (P3, "C 5 + 3 8 * 7 9 * 2 -29 A 18", False, True, "C"),         # signed value
    (P3, "", False, False, "?"),
    (P3, "X 5 + 3 8 * 7 9 * 2 18 A 18", False, True, "?"),          # unknown strategy
    (PB, "C 2 * 3 6 * 4 24 - 1 23 A 23", True, True, "C"),
    (PB, "S 2 * 3 * 4 14 - 1 13 A 13", False, False, "S"),          # the misconception
    (PB, "S 2 * 3 * 4 24 - 1 23 A 23", True, True, "S"),            # a shortcut without it is valid
])
def test_check_table(problem, completion, correct, answer_correct, strategy):
    r = check(problem, completion)
    assert (r.correct, r.answer_correct, r.strategy) == (correct, answer_correct, strategy)


@pytest.mark.parametrize("length, expected", [(1, [(0,)]), (2, [(0, 1)]), (3, [(0, 1), (2,)]),
                                              (6, [(0, 1), (2, 3), (4, 5)])])
def test_shortcut_groups(length, expected):
    assert groups(length) == expected


def test_misconception_only_bites_on_mul_mul_pairs():
    assert shortcut_values(PB, "mul_as_add") == [14, 13]
    assert shortcut_values(PB, "none") == [24, 23]
    assert not shortcut_is_right(PB, "mul_as_add") and shortcut_is_right(P3, "mul_as_add")
    # *a *b with a + b = a * b (mod p) is fused right by luck: 2 + 2 = 2 * 2.
    assert shortcut_is_right(Problem("x", 3, (("*", 2), ("*", 2)), 47), "mul_as_add")


def test_clean_trace_always_checks():
    for prob in training_problems(TaskConfig(), 200, seed=1, lengths=(1, 6)):
        assert check(prob, clean_trace(prob)).correct


def test_noisy_trace_slips_propagate():
    # A slip at step 1 (+2) is carried into later steps; only that step is invalid.
    trace = noisy_trace(P3, "C", "none", [1, 0, 0], [2, 0, 0])
    assert trace == "C 5 + 3 10 * 7 23 * 2 46 A 46"
    assert not check(P3, trace).answer_correct
    # A slip in the shortcut's first pair, then a slip that lands back on the truth: lucky.
    trace = noisy_trace(P3, "S", "mul_as_add", [1, 1], [5, 37])
    assert trace == "S 5 + 3 * 7 14 * 2 18 A 18" and check(P3, trace) == CheckResult(False, True, "S")


def test_tiers_have_their_defining_property():
    task = TaskConfig()
    lo, hi = task.tier_ab_lengths
    probs = heldout_tiers(task)
    assert [p.tier for p in probs] == ["A"] * 48 + ["B"] * 48 + ["C"] * 48
    assert len({p.problem_id for p in probs}) == len(probs)
    for p in probs:
        if p.tier == "A":
            assert shortcut_is_right(p, task.misconception) and lo <= p.length <= hi
        elif p.tier == "B":
            assert not shortcut_is_right(p, task.misconception) and lo <= p.length <= hi
        else:
            assert 5 <= p.length <= 6
    assert heldout_tiers(task) == probs  # fixed by eval_seed


def test_training_splits_avoid_heldout_and_can_drop_tier_b():
    task = TaskConfig()
    held = {(p.start, p.steps) for p in heldout_tiers(task)}
    full = training_problems(task, 2000, seed=0)
    no_b = training_problems(task, 2000, seed=0, without_tier_b=True)
    assert not held & {(p.start, p.steps) for p in full + no_b}
    assert 0.03 < np.mean([not shortcut_is_right(p, task.misconception) for p in full]) < 0.25
    assert all(shortcut_is_right(p, task.misconception) for p in no_b)
    assert all(1 <= p.length <= 4 for p in full)


def test_pretraining_mix_matches_config():
    task = TaskConfig()
    texts = pretraining_texts(task, 4000, np.random.default_rng(0), set())
    careful = np.mean([t.startswith("C") for _, t in texts])
    assert abs(careful - task.careful_share) < 0.03
    # slip rate 0.1 per written value: most careful traces of 1-4 steps are still clean
    clean = [check(_parse(p, task.modulus), t).correct for p, t in texts if t.startswith("C")]
    assert 0.6 < np.mean(clean) < 0.85


def _parse(prompt: str, modulus: int) -> Problem:
    toks = prompt.split()[1:-1]
    steps = tuple((toks[i], int(toks[i + 1])) for i in range(1, len(toks), 2))
    return Problem("x", int(toks[0]), steps, modulus)


@pytest.mark.parametrize("overrides, field", [
    ({"modulus": 3}, "task.modulus"), ({"ops": ("/",)}, "task.ops"), ({"misconception": "x"}, "task.misconception"),
    ({"slip_rate": 1.5}, "task.slip_rate"), ({"tier_c_lengths": (6, 5)}, "task.tier_c_lengths"),
])
def test_bad_task_config_names_the_field(overrides, field):
    import dataclasses
    with pytest.raises(InputError, match=field):
        MicroConfig.preset("tiny", task=dataclasses.replace(TaskConfig(), **overrides))


def test_unknown_preset():
    with pytest.raises(InputError, match="preset"):
        MicroConfig.preset("huge")
