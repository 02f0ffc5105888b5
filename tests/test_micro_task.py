"""The micro-world task: generator, tiers, strategies, and the answer/chain checker."""
from __future__ import annotations

import numpy as np
import pytest

from boundary_lab.errors import InputError
from boundary_lab.micro.config import MicroConfig, TaskConfig
from boundary_lab.micro.task import (
    CheckResult,
    Problem,
    check,
    clean_trace,
    completion_tokens,
    heldout_tiers,
    noisy_trace,
    pretraining_texts,
    shortcut_is_right,
    shortcut_trace,
    training_problems,
    units,
)

# 5 +3 +7 *2 (mod 47): careful values 8, 15, 30; the shortcut merges (+3, +7) into +10.
P3 = Problem("p3", 5, (("+", 3), ("+", 7), ("*", 2)), 47)
# 2 *3 *4 -1: true 6, 24, 23; the shortcut merges (*3, *4) as *(3+4) = *7 -> 14 (wrong), then -1 -> 13.
PB = Problem("pb", 2, (("*", 3), ("*", 4), ("-", 1)), 47)


CP3 = "C 5 +3 8 +7 15 *2 30 A 30"
SP3 = "S 5 +3 +7 +10 15 *2 30 A 30"


@pytest.mark.parametrize("problem, completion, correct, answer_correct, strategy", [
    (P3, CP3, True, True, "C"),                                   # clean careful chain
    (P3, SP3, True, True, "S"),                                   # clean shortcut chain
    (P3, "C 5 +3 8 +7 16 *2 30 A 30", False, True, "C"),         # lucky: a wrong step, right answer
    (P3, "S 5 +3 +7 +11 15 *2 30 A 30", False, True, "S"),        # lucky shortcut: wrong combined operand
    (P3, "S 5 +3 +7 +10 16 *2 30 A 30", False, True, "S"),        # lucky shortcut: wrong value
    (P3, "A 30", False, True, "?"),                               # adversarial: answer without a chain
    (P3, "C A 30", False, True, "C"),                             # no steps written
    (P3, "C 8 15 30 A 30", False, True, "C"),                     # values without restated steps
    (P3, "C +3 8 +7 15 *2 30 A 30", False, True, "C"),           # start value not restated
    (P3, "C 6 +3 8 +7 15 *2 30 A 30", False, True, "C"),         # start value misquoted
    (P3, "S 5 +3 8 +7 15 *2 30 A 30", False, True, "S"),         # careful layout under the shortcut token
    (P3, "S 5 +3 +7 10 15 *2 30 A 30", False, True, "S"),         # combined operand written as a bare value
    (P3, "C 5 +3 +7 +10 15 *2 30 A 30", False, True, "C"),        # shortcut layout under the careful token
    (P3, "S 5 +3 +7 15 *2 30 A 30", False, True, "S"),              # merged pair without its operand
    (P3, "C 5 +3 8 +7 15 *3 30 A 30", False, True, "C"),         # a misquoted step
    (P3, "C 5 +3 8 +7 15 A 30", False, True, "C"),                # a missing step
    (P3, "C 5 +3 8 +7 15 *2 30 +0 30 A 30", False, True, "C"),  # an invented extra step
    (P3, "C 5 +3 8 +7 15 *2 30 30 A 30", False, True, "C"),      # a value too many
    (P3, CP3 + " 30", False, False, "C"),                         # trailing junk after the answer
    (P3, "C 5 +3 8 +7 15 *2 30 A 29", False, False, "C"),        # wrong answer on a right chain
    (P3, "C 5 +3 8 +7 15 *2 29 A 30", False, True, "C"),         # answer disagrees with the last value
    (P3, CP3 + " A 30", False, True, "C"),                        # two answers
    (P3, "C 5 +3 8 +7 15 *2 77 A 77", False, False, "C"),        # out of range (77 = 30 + 47)
    (P3, "C 5 +3 8 +7 15 *2 030 A 030", False, False, "C"),      # not a canonical value token
    (P3, "C 5 +3 8 +7 15 *2 -17 A 30", False, True, "C"),        # signed value
    (P3, "", False, False, "?"),
    (P3, "X 5 +3 8 +7 15 *2 30 A 30", False, True, "?"),         # unknown strategy
    (PB, "C 2 *3 6 *4 24 -1 23 A 23", True, True, "C"),
    (PB, "S 2 *3 *4 *7 14 -1 13 A 13", False, False, "S"),        # the misconception
    (PB, "S 2 *3 *4 *12 24 -1 23 A 23", True, True, "S"),         # a shortcut without it is valid
    (PB, "S 2 *3 *4 *7 24 -1 23 A 23", False, True, "S"),         # wrong operand, value from the right one
])
def test_check_table(problem, completion, correct, answer_correct, strategy):
    r = check(problem, completion)
    assert (r.correct, r.answer_correct, r.strategy) == (correct, answer_correct, strategy)


@pytest.mark.parametrize("ops, expected", [
    ("+", [(0,)]), ("++", [(0, 1)]), ("+*", [(0,), (1,)]), ("**-", [(0, 1), (2,)]),
    ("+**-", [(0,), (1,), (2,), (3,)]),    # pairs are aligned: *(1) *(2) are not merged
    ("--**++", [(0, 1), (2, 3), (4, 5)]),
])
def test_shortcut_units(ops, expected):
    prob = Problem("x", 1, tuple((op, 2) for op in ops), 47)
    assert units(prob, "S") == expected
    assert units(prob, "C") == [(i,) for i in range(len(ops))]


def test_misconception_only_bites_on_mul_mul_pairs():
    assert shortcut_trace(PB, "mul_as_add") == "S 2 *3 *4 *7 14 -1 13 A 13"
    assert shortcut_trace(PB, "none") == "S 2 *3 *4 *12 24 -1 23 A 23"
    assert not shortcut_is_right(PB, "mul_as_add") and shortcut_is_right(P3, "mul_as_add")
    # *a *b with a + b = a * b (mod p) is merged right by luck: 2 +2 = 2 *2.
    assert shortcut_is_right(Problem("x", 3, (("*", 2), ("*", 2)), 47), "mul_as_add")


def test_clean_trace_always_checks():
    for prob in training_problems(TaskConfig(), 200, seed=1, lengths=(1, 6)):
        assert check(prob, clean_trace(prob)).correct


def test_noisy_trace_slips_propagate():
    # A slip at step 1 (+2) is carried into later steps; only that step is invalid.
    trace = noisy_trace(P3, "C", "none", [1, 0, 0], [2, 0, 0])
    assert trace == "C 5 +3 10 +7 17 *2 34 A 34"
    assert not check(P3, trace).answer_correct
    # A slipped combined operand: the value follows from what was written.
    trace = noisy_trace(P3, "S", "mul_as_add", [1, 0, 0], [1, 0, 0])
    assert trace == "S 5 +3 +7 +11 16 *2 32 A 32"
    # A slip in the shortcut's merged value, then a slip that lands back on the truth: lucky.
    trace = noisy_trace(P3, "S", "mul_as_add", [0, 1, 1], [0, 5, 37])
    assert trace == "S 5 +3 +7 +10 20 *2 30 A 30" and check(P3, trace) == CheckResult(False, True, "S")


def test_tiers_have_their_defining_property():
    task = TaskConfig()
    lo, hi = task.tier_ab_lengths
    probs = heldout_tiers(task)
    assert [p.tier for p in probs] == ["A"] *48 + ["B"] *48 + ["C"] *48
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
    # shortcut writers slip less (0.03 per number), but the misconception costs some chains
    short = [check(_parse(p, task.modulus), t).correct for p, t in texts if t.startswith("S")]
    assert np.mean(clean) +0.03 < np.mean(short) < 0.95


def _parse(prompt: str, modulus: int, check_tokens: int = 0) -> Problem:
    toks = prompt.split()[1:-1]
    return Problem("x", int(toks[0]), tuple((t[0], int(t[1:])) for t in toks[1:]), modulus, "", check_tokens)


@pytest.mark.parametrize("overrides, field", [
    ({"modulus": 3}, "task.modulus"), ({"ops": ("/",)}, "task.ops"), ({"misconception": "x"}, "task.misconception"),
    ({"slip_rate": 1.5}, "task.slip_rate"), ({"shortcut_slip_rate": -0.1}, "task.shortcut_slip_rate"),
    ({"tier_c_lengths": (6, 5)}, "task.tier_c_lengths"),
    ({"careful_check_tokens": 7}, "task.careful_check_tokens"),
])
def test_bad_task_config_names_the_field(overrides, field):
    import dataclasses
    with pytest.raises(InputError, match=field):
        dataclasses.replace(TaskConfig(), **overrides).validate()


def test_unknown_preset():
    with pytest.raises(InputError, match="preset"):
        MicroConfig.preset("huge")


# The same problem written with one check per careful value (TaskConfig.careful_check_tokens = 1).
P3C = Problem("p3", 5, (("+", 3), ("+", 7), ("*", 2)), 47, check_tokens=1)


@pytest.mark.parametrize("completion, correct, answer_correct, strategy", [
    ("C 5 +3 8 8 +7 15 15 *2 30 30 A 30", True, True, "C"),       # every value checked
    (SP3, True, True, "S"),                                        # the shortcut writes no checks
    (CP3, False, True, "C"),                                       # careful chain without its checks
    ("C 5 +3 8 9 +7 15 15 *2 30 30 A 30", False, True, "C"),       # a check that disagrees
    ("C 5 +3 8 8 8 +7 15 15 *2 30 30 A 30", False, True, "C"),     # a check too many
    ("C 5 +3 8 8 +7 15 15 *2 30 A 30", False, True, "C"),          # the last check missing
])
def test_check_tokens_format(completion, correct, answer_correct, strategy):
    r = check(P3C, completion)
    assert (r.correct, r.answer_correct, r.strategy) == (correct, answer_correct, strategy)


def test_check_tokens_make_careful_chains_longer_not_shortcut_ones():
    task = TaskConfig(careful_check_tokens=1)
    probs = training_problems(task, 200, seed=2, lengths=(1, 6))
    assert all(p.check_tokens == 1 for p in probs)
    for p in probs:
        careful, short = clean_trace(p), shortcut_trace(p, "none")
        assert check(p, careful).correct and check(p, short).correct
        assert len(careful.split()) == completion_tokens(p.length, "C", 1) == 4 + 3 * p.length
        assert len(short.split()) == completion_tokens(p.length, "S", 1) == 4 + 2 * p.length
    # noisy traces: a slipped value is checked as written (the check copies the slip)
    trace = noisy_trace(P3C, "C", "none", [1, 0, 0], [2, 0, 0])
    assert trace == "C 5 +3 10 10 +7 17 17 *2 34 34 A 34"
    texts = pretraining_texts(task, 400, np.random.default_rng(0), set())
    clean = [check(_parse(p, task.modulus, 1), t).correct for p, t in texts if t.startswith("C")]
    assert 0.6 < np.mean(clean) < 0.85  # slips on values only, as without checks


def test_tier_b_share_fixes_the_split():
    task = TaskConfig()
    for share in (0.0, 0.25, 1.0):
        probs = training_problems(task, 400, seed=0, tier_b_share=share)
        assert len(probs) == 400
        assert sum(not shortcut_is_right(p, task.misconception) for p in probs) == round(400 * share)
    # -1 keeps the split as drawn (today's default) and does not change it
    assert training_problems(task, 300, seed=0, tier_b_share=-1.0) == training_problems(task, 300, seed=0)


