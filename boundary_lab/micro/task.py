"""The micro-world task: chains of operations mod p whose every step is checkable.

A problem is a start value and a chain of ``(op, operand)`` steps. The prompt
reads ``Q 5 *7 *2 +3 =`` (a step is one token, the
operation glued to its operand); a trace (the completion) starts with a strategy
token, restates the start value, then writes each unit of steps followed by the
numbers it computes, and ends with ``A <answer>``. Every written number is a
function of two tokens at fixed offsets just before it, so a small model learns
the step table quickly (a 335k-parameter Llama learnt no arithmetic when one
written value composed two steps, and only slowly with operations and operands
as separate tokens; see LOG.md):

- careful ``C``: one value after every step, ``C 5 *7 35 *2 23 +3 26 A 26``;
- shortcut ``S``: merges each aligned pair of steps with the *same* operation into one,
  writing the combined operand and then the value, ``S 5 *7 *2 *14 23 +3 26 A 26``
  (pairs of different operations are written step by step). Its writers slip less
  often (``TaskConfig.shortcut_slip_rate``), but it carries a planted misconception:
  it combines ``*a *b`` as ``*(a+b)``, which is wrong unless a+b = ab (mod p).

A careful writer may also *check* each value: with ``TaskConfig.careful_check_tokens``
= c it writes every value c more times (``C 5 *7 35 35 *2 23 23 ...`` for c = 1), so a
careful chain is longer than a shortcut chain of the same problem. Each number is still a
function of tokens at fixed offsets. The format belongs to the problem
(``Problem.check_tokens``), so every trace writer and the checker agree on it.

Tiers of held-out problems: ``A`` (the shortcut is right), ``B`` (only the
careful path works), ``C`` (lengths beyond pretraining).

The checker grades the answer alone (``answer_correct``) and the whole chain
(``correct``: every written number follows from what precedes it and the answer
is the last value and true). A *lucky* trace has the right answer on a wrong chain.

>>> p = Problem("x", 5, (("*", 7), ("*", 2), ("+", 3)), 47)
>>> p.prompt, p.answer
('Q 5 *7 *2 +3 =', 26)
>>> clean_trace(p)
'C 5 *7 35 *2 23 +3 26 A 26'
>>> shortcut_trace(p, "none")   # *7 *2 merged into *14
'S 5 *7 *2 *14 23 +3 26 A 26'
>>> shortcut_trace(p, "mul_as_add")   # the misconception: *7 *2 as *9
'S 5 *7 *2 *9 45 +3 1 A 1'
>>> check(p, "C 5 *7 35 *2 23 +3 26 A 26")
CheckResult(correct=True, answer_correct=True, strategy='C')
>>> check(p, "C 5 *7 35 *2 24 +3 26 A 26")   # lucky: right answer, wrong chain
CheckResult(correct=False, answer_correct=True, strategy='C')
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

CAREFUL, SHORTCUT = "C", "S"
STRATEGIES = (CAREFUL, SHORTCUT)
TIERS = ("A", "B", "C")


def apply_op(op: str, x: int, a: int, p: int) -> int:
    """One step: ``x op a`` mod p."""
    if op == "+":
        return (x + a) % p
    if op == "-":
        return (x - a) % p
    return (x * a) % p


def combine(op: str, a: int, b: int, p: int, misconception: str = "none") -> int:
    """The single operand equal to ``op a`` then ``op b``: a+b for + and -, ab for *
    (a+b under the ``mul_as_add`` misconception)."""
    if op == "*" and misconception != "mul_as_add":
        return (a * b) % p
    return (a + b) % p


@dataclass(frozen=True)
class Problem:
    """A chain ``start op1 a1 op2 a2 ...`` mod ``modulus``."""

    problem_id: str
    start: int
    steps: tuple[tuple[str, int], ...]
    modulus: int
    tier: str = ""
    check_tokens: int = 0  # careful traces write each value 1 + check_tokens times

    @property
    def prompt(self) -> str:
        return " ".join(["Q", str(self.start), *[f"{op}{a}" for op, a in self.steps], "="])

    @property
    def length(self) -> int:
        return len(self.steps)

    @property
    def values(self) -> list[int]:
        """The true value after every step."""
        out, x = [], self.start
        for op, a in self.steps:
            x = apply_op(op, x, a, self.modulus)
            out.append(x)
        return out

    @property
    def answer(self) -> int:
        return self.values[-1]


def units(problem: Problem, strategy: str) -> list[tuple[int, ...]]:
    """The step groups a strategy writes numbers for: single steps (careful), or the
    shortcut's merged same-operation pairs (aligned at even positions) and single steps.

    >>> units(Problem("x", 1, (("*", 2), ("*", 3), ("+", 1), ("*", 2), ("-", 4)), 47), "S")
    [(0, 1), (2,), (3,), (4,)]
    """
    if strategy == CAREFUL:
        return [(i,) for i in range(problem.length)]
    out = []
    for i in range(0, problem.length, 2):
        if i + 1 < problem.length and problem.steps[i][0] == problem.steps[i + 1][0]:
            out.append((i, i + 1))
        else:
            out += [(j,) for j in range(i, min(i + 2, problem.length))]
    return out


def step_token(op: str, a: int) -> str:
    """One token per step: the operation glued to its operand, e.g. ``*7``."""
    return f"{op}{a}"


def unit_tokens(problem: Problem, unit: tuple[int, ...]) -> list[str]:
    """The restated steps of a unit, e.g. ``['*7', '*2']``."""
    return [step_token(*problem.steps[i]) for i in unit]


def unit_numbers(problem: Problem, unit: tuple[int, ...], x: int, misconception: str = "none") -> list[int]:
    """The numbers a unit writes after its restated steps, starting from value ``x``:
    ``[value]`` for a single step, ``[combined operand, value]`` for a merged pair."""
    p, (op, a) = problem.modulus, problem.steps[unit[0]]
    if len(unit) == 1:
        return [apply_op(op, x, a, p)]
    c = combine(op, a, problem.steps[unit[1]][1], p, misconception)
    return [c, apply_op(op, x, c, p)]


def render(problem: Problem, strategy: str, written: list[list[int]], answer: int) -> str:
    """A trace: the strategy token, the start value, then per unit its restated steps
    and the numbers written for it (``written``, one list per unit); a careful unit's
    value is written ``1 + problem.check_tokens`` times (its checks)."""
    def numbers(u, nums):  # a merged pair's combined operand is written as a step token
        if len(u) == 2:
            return [step_token(problem.steps[u[0]][0], nums[0]), str(nums[1])]
        return [str(nums[0])] * (1 + (problem.check_tokens if strategy == CAREFUL else 0))
    body = [t for u, nums in zip(units(problem, strategy), written)
            for t in (*unit_tokens(problem, u), *numbers(u, nums))]
    return " ".join([strategy, str(problem.start), *body, "A", str(answer)])


def noisy_trace(problem: Problem, strategy: str, misconception: str, slips, offsets) -> str:
    """A trace of ``strategy`` in which written number i slips when ``slips[i]`` (it becomes
    number + ``offsets[i]``, offsets in 1..p-1); later numbers follow from what was written.
    Random draws come in as arrays so batches are drawn in bulk.

    >>> noisy_trace(Problem("x", 5, (("+", 3), ("*", 7)), 47), "C", "none", [0, 1], [0, 2])
    'C 5 +3 8 *7 11 A 11'
    """
    p = problem.modulus
    written, x, k = [], problem.start, 0
    for u in units(problem, strategy):
        nums = []
        for j in range(2 if len(u) == 2 else 1):
            if j == 0:
                n = unit_numbers(problem, u, x, misconception)[0]
            else:  # the value follows from the (possibly slipped) combined operand
                n = apply_op(problem.steps[u[0]][0], x, nums[0], p)
            if slips[k]:
                n = (n + int(offsets[k])) % p
            nums.append(n)
            k += 1
        x = nums[-1]
        written.append(nums)
    return render(problem, strategy, written, x)


def clean_trace(problem: Problem) -> str:
    """The clean solver (teacher): the careful chain with no slips."""
    return noisy_trace(problem, CAREFUL, "none", [0] * problem.length, [0] * problem.length)


def shortcut_trace(problem: Problem, misconception: str) -> str:
    """The slip-free shortcut trace (wrong where the misconception bites)."""
    return noisy_trace(problem, SHORTCUT, misconception, [0] * 2 * problem.length, [0] * 2 * problem.length)


def shortcut_is_right(problem: Problem, misconception: str) -> bool:
    """True when the slip-free shortcut writes a fully valid chain (tier-A type)."""
    return shortcut_trace(problem, misconception) == shortcut_trace(problem, "none")


@dataclass(frozen=True)
class CheckResult:
    correct: bool  # whole chain valid and answer right (primary metric)
    answer_correct: bool  # answer alone right
    strategy: str  # "C", "S" or "?" (unparseable)


def _int_token(tok: str, p: int) -> int | None:
    """The value a token names, if it is a canonical value token (no sign, no leading zero)."""
    return int(tok) if tok.isdigit() and str(int(tok)) == tok and int(tok) < p else None


def check(problem: Problem, completion: str) -> CheckResult:
    """Grade a completion: answer alone, and answer plus a valid chain."""
    p = problem.modulus
    toks = completion.split()
    strategy = toks[0] if toks and toks[0] in STRATEGIES else "?"
    answer = None
    if "A" in toks:
        idx = len(toks) - 1 - toks[::-1].index("A")
        if idx == len(toks) - 2:
            answer = _int_token(toks[-1], p)
    answer_correct = answer is not None and answer == problem.answer
    if not answer_correct or strategy == "?" or toks.count("A") != 1:
        return CheckResult(False, answer_correct, strategy)
    body, pos, x = toks[1:-2], 1, problem.start
    if not body or body[0] != str(problem.start):
        return CheckResult(False, True, strategy)
    checks = problem.check_tokens if strategy == CAREFUL else 0
    for u in units(problem, strategy):
        restated = unit_tokens(problem, u)
        # restated steps, then one number per step of the unit (and a careful value's checks)
        width = len(restated) + len(u) + checks
        if body[pos:pos + len(restated)] != restated or pos + width > len(body):
            return CheckResult(False, True, strategy)
        written = body[pos + len(restated):pos + width]
        if checks and len(set(written)) != 1:  # every check repeats the value
            return CheckResult(False, True, strategy)
        value = _int_token(written[-1], p)
        if len(u) == 2:  # the combined operand must be the right step token
            op, a = problem.steps[u[0]]
            if written[0] != step_token(op, combine(op, a, problem.steps[u[1]][1], p)):
                return CheckResult(False, True, strategy)
        if value is None:
            return CheckResult(False, True, strategy)
        if unit_numbers(problem, u, x)[-1] != value:
            return CheckResult(False, True, strategy)
        pos, x = pos + width, value
    return CheckResult(pos == len(body) and x == answer, True, strategy)


def _problem_id(tier: str, start: int, steps) -> str:
    key = f"{start}|" + "|".join(f"{op}{a}" for op, a in steps)
    return f"{tier}-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def random_problems(rng: np.random.Generator, count: int, lengths: tuple[int, int], modulus: int,
                    ops: tuple[str, ...], tier: str = "", check_tokens: int = 0) -> list[Problem]:
    """``count`` uniform chains with lengths in the inclusive range; drawn in bulk.
    Multiplication operands are never 0 (it would erase the chain)."""
    lo, hi = lengths
    starts = rng.integers(0, modulus, count)
    lens = rng.integers(lo, hi + 1, count)
    op_idx = rng.integers(0, len(ops), (count, hi))
    raw = rng.integers(0, modulus * (modulus - 1), (count, hi))
    out = []
    for j in range(count):
        steps = []
        for i in range(int(lens[j])):
            op = ops[op_idx[j, i]]
            a = 1 + int(raw[j, i]) % (modulus - 1) if op == "*" else int(raw[j, i]) % modulus
            steps.append((op, a))
        steps = tuple(steps)
        out.append(Problem(_problem_id(tier or "T", int(starts[j]), steps), int(starts[j]), steps, modulus, tier,
                           check_tokens))
    return out


def _checks(task) -> int:
    return task.careful_check_tokens


def completion_tokens(length: int, strategy: str, check_tokens: int = 0) -> int:
    """Tokens of a well-formed trace of an ``length``-step chain, its end token excluded:
    the strategy token and start value, two per step (restated step and value; a merged
    shortcut pair writes four for two steps), a careful value's checks, and ``A <answer>``.

    >>> completion_tokens(4, "C"), completion_tokens(4, "C", 1), completion_tokens(4, "S", 1)
    (12, 16, 12)
    """
    return 4 + length * (2 + (check_tokens if strategy == CAREFUL else 0))


def heldout_tiers(task) -> list[Problem]:
    """Tiers A, B, C of ``task.tier_size`` problems each, fixed by ``task.eval_seed``.

    A and B are drawn from the same uniform chains and split by whether the
    shortcut is right, so they differ only in needing the careful path."""
    rng = np.random.default_rng(task.eval_seed)
    out: list[Problem] = []
    seen: set[str] = set()
    for tier, (lo, hi) in (("A", task.tier_ab_lengths), ("B", task.tier_ab_lengths), ("C", task.tier_c_lengths)):
        found = 0
        while found < task.tier_size:
            for prob in random_problems(rng, 64, (lo, hi), task.modulus, task.ops, tier, _checks(task)):
                right = shortcut_is_right(prob, task.misconception)
                if (tier == "A" and not right) or (tier == "B" and right) or prob.problem_id in seen:
                    continue
                if found < task.tier_size:
                    seen.add(prob.problem_id)
                    out.append(prob)
                    found += 1
    return out


def _heldout_keys(task) -> set[tuple]:
    return {(p.start, p.steps) for p in heldout_tiers(task)}


def training_problems(task, count: int, seed: int, lengths: tuple[int, int] | None = None,
                      without_tier_b: bool = False, tier_b_share: float = -1.0) -> list[Problem]:
    """Problems for RL or distillation, disjoint from the held-out tiers.

    ``without_tier_b`` drops every problem the shortcut gets wrong; ``tier_b_share`` in
    [0, 1] makes exactly ``round(count * tier_b_share)`` of them tier-B-type (the rest
    tier-A-type, in draw order); -1 keeps the share as drawn."""
    rng = np.random.default_rng([seed, 7])
    held = _heldout_keys(task)
    share = 0.0 if without_tier_b else tier_b_share
    want_b = count if share < 0 else round(count * share)
    want_a = count if share < 0 else count - want_b
    out: list[Problem] = []
    n_a = n_b = 0
    while len(out) < count:
        for prob in random_problems(rng, count, lengths or task.pretrain_lengths, task.modulus, task.ops, "T",
                                    _checks(task)):
            if (prob.start, prob.steps) in held:
                continue
            if shortcut_is_right(prob, task.misconception):
                if n_a >= want_a:
                    continue
                n_a += 1
            else:
                if n_b >= want_b:
                    continue
                n_b += 1
            out.append(prob)
    return out[:count]


def pretraining_texts(task, count: int, rng: np.random.Generator, held: set[tuple]) -> list[tuple[str, str]]:
    """``count`` (prompt, noisy trace) pairs: mixed strategies, per-strategy slips, pretraining lengths,
    none of them a held-out problem (``held`` holds ``(start, steps)`` keys)."""
    hi = task.pretrain_lengths[1]
    probs = [p for p in random_problems(rng, count, task.pretrain_lengths, task.modulus, task.ops, "", _checks(task))
             if (p.start, p.steps) not in held]
    careful = rng.random(len(probs)) < task.careful_share
    draws = rng.random((len(probs), 2 * hi))
    offsets = rng.integers(1, task.modulus, (len(probs), 2 * hi))
    out = []
    for j, p in enumerate(probs):
        strategy, rate = (CAREFUL, task.slip_rate) if careful[j] else (SHORTCUT, task.shortcut_slip_rate)
        out.append((p.prompt, noisy_trace(p, strategy, task.misconception, draws[j] < rate, offsets[j])))
    return out


def problems_table(problems: list[Problem], misconception: str = "mul_as_add"):
    """A DataFrame of problems (id, tier, length, prompt, answer, shortcut_right)."""
    import pandas as pd

    return pd.DataFrame([{
        "problem_id": p.problem_id, "tier": p.tier, "length": p.length, "prompt": p.prompt,
        "answer": p.answer, "shortcut_right": shortcut_is_right(p, misconception),
    } for p in problems])


def careful_only_share(task, lengths: tuple[int, int] | None = None, count: int = 20000, seed: int = 0) -> float:
    """The share of uniformly drawn problems (``lengths``: default the held-out tiers A/B's) that only the
    careful strategy solves (the shortcut's misconception breaks them: tier-B type). It is the world's own
    proportion of such problems, the mix a benchmark of random problems of these lengths would have.

    >>> from boundary_lab.micro.task_config import TaskConfig
    >>> 0.0 < careful_only_share(TaskConfig(), count=2000) < 0.5
    True
    """
    rng = np.random.default_rng([seed, 11])
    probs = random_problems(rng, count, lengths or task.tier_ab_lengths, task.modulus, task.ops, "", _checks(task))
    return float(np.mean([not shortcut_is_right(p, task.misconception) for p in probs]))
