"""The micro-world task: chains of operations mod p whose every step is checkable.

A problem is a start value and a chain of ``(op, operand)`` steps. The prompt
reads ``Q 5 + 3 * 7 * 2 =``; a trace (the completion) starts with a strategy
token, restates the start value and then each unit of steps followed by the
value after it, and ends with ``A <answer>``. Restating keeps every computation
local: a value's inputs sit at fixed offsets just before it (a 338k-parameter
Llama learnt no arithmetic in 1500 steps when it had to find them in the prompt):

- careful ``C``: one value after every step, ``C 5 + 3 8 * 7 9 * 2 18 A 18``;
- shortcut ``S``: one value after each *pair* of steps (the last step alone when
  the length is odd), ``S 5 + 3 * 7 9 * 2 18 A 18``. It makes fewer slips, but carries a planted misconception:
  it fuses ``(*a then *b)`` as ``*(a+b)``, which is wrong unless a+b = ab (mod p).

Tiers of held-out problems: ``A`` (the shortcut is right), ``B`` (only the
careful path works), ``C`` (lengths beyond pretraining).

The checker grades the answer alone (``answer_correct``) and the whole chain
(``correct``: every written value follows from the previous one and the answer
is the last value and true). A *lucky* trace has the right answer on a wrong chain.

>>> p = Problem("x", 5, (("+", 3), ("*", 7), ("*", 2)), 47)
>>> p.prompt, p.answer
('Q 5 + 3 * 7 * 2 =', 18)
>>> clean_trace(p)
'C 5 + 3 8 * 7 9 * 2 18 A 18'
>>> shortcut_values(p, "mul_as_add")   # (+3 then *7) fused right, then *2 alone
[9, 18]
>>> check(p, "C 5 + 3 8 * 7 9 * 2 18 A 18")
CheckResult(correct=True, answer_correct=True, strategy='C')
>>> check(p, "C 5 + 3 8 * 7 10 * 2 18 A 18")   # lucky: right answer, wrong chain
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


@dataclass(frozen=True)
class Problem:
    """A chain ``start op1 a1 op2 a2 ...`` mod ``modulus``."""

    problem_id: str
    start: int
    steps: tuple[tuple[str, int], ...]
    modulus: int
    tier: str = ""

    @property
    def prompt(self) -> str:
        return " ".join(["Q", str(self.start), *[f"{op} {a}" for op, a in self.steps], "="])

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


def groups(length: int) -> list[tuple[int, ...]]:
    """Step indices the shortcut fuses: pairs, and a last single step when odd."""
    return [tuple(range(i, min(i + 2, length))) for i in range(0, length, 2)]


def fused_step(problem: Problem, group: tuple[int, ...], x: int, misconception: str) -> int:
    """Apply a group of steps to ``x`` the way the shortcut does (with its misconception)."""
    p = problem.modulus
    ops = [problem.steps[i] for i in group]
    if misconception == "mul_as_add" and len(ops) == 2 and ops[0][0] == ops[1][0] == "*":
        return (x * (ops[0][1] + ops[1][1])) % p
    for op, a in ops:
        x = apply_op(op, x, a, p)
    return x


def shortcut_values(problem: Problem, misconception: str) -> list[int]:
    """The values a slip-free shortcut writes (wrong where the misconception bites)."""
    out, x = [], problem.start
    for g in groups(problem.length):
        x = fused_step(problem, g, x, misconception)
        out.append(x)
    return out


def shortcut_is_right(problem: Problem, misconception: str) -> bool:
    """True when the slip-free shortcut reaches a fully valid chain (tier-A type)."""
    return shortcut_values(problem, misconception) == shortcut_values(problem, "none")


def units(problem: Problem, strategy: str) -> list[tuple[int, ...]]:
    """The step groups a strategy writes one value for: single steps, or the shortcut's pairs."""
    return [(i,) for i in range(problem.length)] if strategy == CAREFUL else groups(problem.length)


def unit_tokens(problem: Problem, unit: tuple[int, ...]) -> list[str]:
    """The restated steps of a unit, e.g. ``['*', '7', '*', '2']``."""
    return [t for i in unit for t in (problem.steps[i][0], str(problem.steps[i][1]))]


def render(problem: Problem, strategy: str, values: list[int], answer: int) -> str:
    """A trace: the strategy token, the start value, then per unit its restated steps and
    the value after them. Each value's inputs sit at fixed offsets just before it."""
    body = [t for u, v in zip(units(problem, strategy), values) for t in (*unit_tokens(problem, u), str(v))]
    return " ".join([strategy, str(problem.start), *body, "A", str(answer)])


def clean_trace(problem: Problem) -> str:
    """The clean solver (teacher): the careful chain with no slips."""
    return render(problem, CAREFUL, problem.values, problem.answer)


def noisy_trace(problem: Problem, strategy: str, misconception: str, slips, offsets) -> str:
    """A pretraining trace. Written value i slips when ``slips[i]`` (it becomes
    value + ``offsets[i]``, offsets in 1..p-1), and later steps continue from what
    was written. Random draws come in as arrays so batches are drawn in bulk.

    >>> noisy_trace(Problem("x", 5, (("+", 3), ("*", 7)), 47), "C", "none", [0, 1], [0, 2])
    'C 5 + 3 8 * 7 11 A 11'
    """
    p = problem.modulus
    out, x = [], problem.start
    for i, g in enumerate(units(problem, strategy)):
        x = fused_step(problem, g, x, misconception if strategy == SHORTCUT else "none")
        if slips[i]:
            x = (x + int(offsets[i])) % p
        out.append(x)
    return render(problem, strategy, out, out[-1])


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
    for g in units(problem, strategy):
        restated = unit_tokens(problem, g)
        if body[pos:pos + len(restated)] != restated or pos + len(restated) >= len(body):
            return CheckResult(False, True, strategy)
        v = _int_token(body[pos + len(restated)], p)
        if v is None or fused_step(problem, g, x, "none") != v:
            return CheckResult(False, True, strategy)
        pos, x = pos + len(restated) + 1, v
    return CheckResult(pos == len(body) and x == answer, True, strategy)


def _problem_id(tier: str, start: int, steps) -> str:
    key = f"{start}|" + "|".join(f"{op}{a}" for op, a in steps)
    return f"{tier}-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def random_problems(rng: np.random.Generator, count: int, lengths: tuple[int, int], modulus: int,
                    ops: tuple[str, ...], tier: str = "") -> list[Problem]:
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
        out.append(Problem(_problem_id(tier or "T", int(starts[j]), steps), int(starts[j]), steps, modulus, tier))
    return out


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
            for prob in random_problems(rng, 64, (lo, hi), task.modulus, task.ops, tier):
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
                      without_tier_b: bool = False) -> list[Problem]:
    """Problems for RL or distillation, disjoint from the held-out tiers.

    ``without_tier_b`` drops every problem the shortcut gets wrong."""
    rng = np.random.default_rng([seed, 7])
    held = _heldout_keys(task)
    out: list[Problem] = []
    while len(out) < count:
        for prob in random_problems(rng, count, lengths or task.pretrain_lengths, task.modulus, task.ops, "T"):
            if (prob.start, prob.steps) in held:
                continue
            if without_tier_b and not shortcut_is_right(prob, task.misconception):
                continue
            out.append(prob)
    return out[:count]


def pretraining_texts(task, count: int, rng: np.random.Generator, held: set[tuple]) -> list[tuple[str, str]]:
    """``count`` (prompt, noisy trace) pairs: mixed strategies, slips, pretraining lengths,
    none of them a held-out problem (``held`` holds ``(start, steps)`` keys)."""
    hi = task.pretrain_lengths[1]
    probs = [p for p in random_problems(rng, count, task.pretrain_lengths, task.modulus, task.ops)
             if (p.start, p.steps) not in held]
    careful = rng.random(len(probs)) < task.careful_share
    slips = rng.random((len(probs), hi)) < task.slip_rate
    offsets = rng.integers(1, task.modulus, (len(probs), hi))
    return [(p.prompt, noisy_trace(p, CAREFUL if careful[j] else SHORTCUT, task.misconception, slips[j], offsets[j]))
            for j, p in enumerate(probs)]


def problems_table(problems: list[Problem], misconception: str = "mul_as_add"):
    """A DataFrame of problems (id, tier, length, prompt, answer, shortcut_right)."""
    import pandas as pd

    return pd.DataFrame([{
        "problem_id": p.problem_id, "tier": p.tier, "length": p.length, "prompt": p.prompt,
        "answer": p.answer, "shortcut_right": shortcut_is_right(p, misconception),
    } for p in problems])
