"""Plain-language findings: the rows of :func:`boundary_lab.tables.crossover` as sentences.

The book's prose must not hard-code results, yet a reader wants the upshot of
a figure stated. These helpers only turn computed rows into sentences, saying
where the measurement agrees or disagrees with the paper's claims (RL ahead at
k = 1; the base catching up or overtaking at large k; RL-solved problems a
subset of base-solved ones). A misspelt model name and two models that do not
cover the same problems are errors, as in :mod:`boundary_lab.tables`.

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

import pandas as pd

from .tables import crossover

_CROSSING = {
    "neither solves": "neither model solves any problem here.",
    "base ahead at k=1": "{base} is ahead already at k = 1 (the paper's RL models lead at k = 1).",
    "other stays ahead": "{other} stays ahead at every k up to {n} (the paper reports the base catching up).",
    "curves cross more than once": "the curves cross more than once; the base is level or ahead at k = {k} first.",
    "base overtakes": "the base overtakes {other} at k = {k} and ends above it (as the paper reports).",
    "base catches up, level at k_max": ("the base catches up with {other} at k = {k} and they end level at k = {n} "
                                        "(the paper's base models end above their RL versions on most benchmarks)."),
}


def compare(counts: pd.DataFrame, base: str, other: str, by: str | None = "tier",
            correct: str = "correct") -> list[str]:
    """Sentences comparing ``other`` with ``base`` per group of ``by`` (or all problems)."""
    lines = []
    for row in crossover(counts, base, other, by=by, correct=correct).to_dict("records"):
        label, n = (f"{by} {row[by]}" if by else "all problems"), row["k_max"]
        lines.append(f"{label}: pass@1 {base} {row['base pass@1']:.3f}, {other} {row['model pass@1']:.3f}; "
                     f"pass@{n} {base} {row['base pass@k_max']:.3f}, {other} {row['model pass@k_max']:.3f}.")
        lines.append(f"{label}: solved at k = {n}: {base} {row['base solved']}, {other} {row['model solved']} "
                     f"of {row['problems']}; {other}-solved ⊆ {base}-solved: "
                     f"{'yes' if row['subset_of_base'] else 'no'}.")
        lines.append(f"{label}: " + _CROSSING[row["pattern"]].format(base=base, other=other, n=n,
                                                                      k=row["base catches up at k"]))
    return lines


def markdown(counts: pd.DataFrame, base: str, others: list[str], by: str | None = "tier") -> str:
    """Every sentence comparing each of ``others`` with ``base``, as a markdown list (for ``bl.notebook.glue_text``)."""
    return "\n".join(f"- {line}" for other in others for line in compare(counts, base, other, by=by))
