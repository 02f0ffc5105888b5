"""Plain-language findings computed from counts: what a build measured, in sentences.

The book's prose must not hard-code results, yet a reader wants the upshot of
a figure stated. These helpers turn a counts table into sentences whose every
number is computed, including where the measurement agrees or disagrees with
the paper's claims (RL ahead at k = 1; the base catching up or overtaking at
large k; RL-solved problems a subset of base-solved ones).

>>> import pandas as pd
>>> counts = pd.DataFrame({"model": ["base"] * 2 + ["rl"] * 2, "problem_id": ["a", "b"] * 2,
...                        "n": [8] * 4, "correct": [1, 2, 8, 0]})
>>> for line in compare(counts, "base", "rl", by=None):
...     print(line)
all problems: pass@1 base 0.188, rl 0.500; pass@8 base 1.000, rl 0.500.
all problems: solved at k = 8: base 2, rl 1 of 2; rl-solved ⊆ base-solved: yes.
all problems: the base overtakes rl at k = 3 and ends above it (as the paper reports).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import passk


def _curve(g: pd.DataFrame, correct: str, ks: list[int]) -> np.ndarray:
    return np.asarray(passk.pass_at_k_curve(g["n"].to_numpy(), g[correct].to_numpy(), ks), dtype=float)


def compare(counts: pd.DataFrame, base: str, other: str, by: str | None = "tier",
            correct: str = "correct") -> list[str]:
    """Sentences comparing ``other`` with ``base`` per group of ``by`` (or all problems)."""
    lines = []
    groups = counts.groupby(by, sort=True) if by else [("all problems", counts)]
    for key, g in groups:
        label = f"{by} {key}" if by else key
        b = g[g["model"] == base].set_index("problem_id").sort_index()
        o = g[g["model"] == other].set_index("problem_id").sort_index()
        if b.empty or o.empty:
            continue
        ids = b.index.intersection(o.index)
        b, o = b.loc[ids], o.loc[ids]
        n = int(min(b["n"].min(), o["n"].min()))
        ks = list(range(1, n + 1))
        cb, co = _curve(b, correct, ks), _curve(o, correct, ks)
        lines.append(f"{label}: pass@1 {base} {cb[0]:.3f}, {other} {co[0]:.3f}; "
                     f"pass@{n} {base} {cb[-1]:.3f}, {other} {co[-1]:.3f}.")
        solved_b, solved_o = b[correct] > 0, o[correct] > 0
        subset = bool((~solved_o | solved_b).all())
        lines.append(f"{label}: solved at k = {n}: {base} {int(solved_b.sum())}, {other} {int(solved_o.sum())} "
                     f"of {len(ids)}; {other}-solved ⊆ {base}-solved: {'yes' if subset else 'no'}.")
        lines.append(f"{label}: " + _crossing(cb, co, base, other))
    return lines


def _crossing(cb: np.ndarray, co: np.ndarray, base: str, other: str) -> str:
    """Where the base catches up with the other model, if it does."""
    if cb.max() == 0 and co.max() == 0:
        return "neither model solves any problem here."
    ahead = cb >= co - 1e-12
    if cb[0] > co[0] + 1e-12:
        return f"{base} is ahead already at k = 1 (the paper's RL models lead at k = 1)."
    if not ahead.any():
        return f"{other} stays ahead at every k up to {len(cb)} (the paper reports the base catching up)."
    first = int(np.argmax(ahead)) + 1
    if not ahead[first - 1:].all():
        return f"the curves cross more than once; the base is level or ahead at k = {first} first."
    if cb[-1] > co[-1] + 1e-12:
        return f"the base overtakes {other} at k = {first} and ends above it (as the paper reports)."
    return (f"the base catches up with {other} at k = {first} and they end level at k = {len(cb)} "
            f"(the paper's base models end above their RL versions on most benchmarks).")
