"""Plain-language findings: the rows of :func:`boundary_lab.tables.crossover` as sentences.

The book's prose must not hard-code results, yet a reader wants the upshot of
a figure stated. These helpers only turn computed rows into sentences, saying
where the measurement agrees or disagrees with the paper's claims (RL ahead at
k = 1; the base catching up or overtaking at large k; RL-solved problems a
subset of base-solved ones). A misspelt model name and two models that do not
cover the same problems are errors, as in :mod:`boundary_lab.tables`.

>>> import pandas as pd
>>> counts = pd.DataFrame({"model": ["base"] * 16 + ["rl"] * 16, "problem_id": [f"p{i}" for i in range(16)] * 2,
...                        "n": 8, "correct": [2] * 16 + [8] * 8 + [0] * 8})
>>> for line in compare(counts, "base", "rl", by=None):  # doctest: +NORMALIZE_WHITESPACE
...     print(line)
all problems: pass@1 base 0.250, rl 0.500; pass@8 base 1.000, rl 0.500.
all problems: solved at k = 8: base 16, rl 8 of 16; rl-solved ⊆ base-solved: yes.
all problems: the base overtakes rl at k = 3 and ends above it at k = 8
    (base − rl +0.500, 95% interval [0.250, 0.750]; as the paper reports).
"""
from __future__ import annotations

import pandas as pd

from . import passk, tables
from .micro.regimes import regime_of
from .tables import crossover

# One sentence per pattern of passk.crossover; {end} adds the interval at k_max.
_CROSSING = {
    "neither solves": "neither model solves any problem here.",
    "base at or above from k=1": ("{base} is at or above {other} already at k = 1 and stays so through k = {n}{end} "
                                  "(the paper's RL models lead at k = 1)."),
    "other stays ahead": "{other} stays ahead at every k up to {n}{end} (the paper reports the base catching up).",
    "other ends ahead": ("{other} is ahead at k = {n}{end} after the curves cross (the paper reports the base "
                         "ending above)."),
    "base overtakes": "the base overtakes {other} at k = {k} and ends above it at k = {n}{end}; as the paper reports).",
    "base catches up, level at k_max": ("the base catches up with {other} at k = {k} and they end level at "
                                        "k = {n}{end}; the paper's base models end above their RL versions on "
                                        "most benchmarks)."),
}


def _end(row: dict, base: str, other: str, closes: bool) -> str:
    """`` (base − other +0.500, 95% interval [0.250, 0.750]``, closed unless the pattern's sentence adds more."""
    text = (f" ({base} − {other} {row['diff at k_max']:+.3f}, 95% interval "
            f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]")
    return text + (")" if closes else "")


def compare(counts: pd.DataFrame, base: str, other: str, by: str | None = "tier",
            correct: str = "correct") -> list[str]:
    """Sentences comparing ``other`` with ``base`` per group of ``by`` (or all problems): both ends of
    the curves, the problems solved at the same k, and the crossover (:func:`boundary_lab.passk.crossover`);
    a crossing that changes hands more than once is said."""
    lines = []
    for row in crossover(counts, base, other, by=by, correct=correct).to_dict("records"):
        label, n = (f"{by} {row[by]}" if by else "all problems"), row["k_max"]
        lines.append(f"{label}: pass@1 {base} {row['base pass@1']:.3f}, {other} {row['model pass@1']:.3f}; "
                     f"pass@{n} {base} {row['base pass@k_max']:.3f}, {other} {row['model pass@k_max']:.3f}.")
        lines.append(f"{label}: solved at k = {n}: {base} {row['base solved']:g}, {other} {row['model solved']:g} "
                     f"of {row['problems']}; {other}-solved ⊆ {base}-solved: "
                     f"{'yes' if row['subset_of_base'] else 'no'}.")
        pattern = row["pattern"]
        end = "" if pattern == "neither solves" else _end(row, base, other, pattern not in (
            "base overtakes", "base catches up, level at k_max"))
        text = _CROSSING[pattern].format(base=base, other=other, n=n, k=row["crossover k"], end=end)
        if row["crossings"] > 1:
            text += f" The lead changes hands {row['crossings']} times between k = 1 and k = {n}."
        lines.append(f"{label}: {text}")
    return lines


def markdown(counts: pd.DataFrame, base: str, others: list[str], by: str | None = "tier") -> str:
    """Every sentence comparing each of ``others`` with ``base``, as a markdown list (for ``bl.notebook.glue_text``)."""
    return "\n".join(f"- {line}" for other in others for line in compare(counts, base, other, by=by))


# ------------------------------------------------------------------ the micro-world's pages


def kept_sentence(counts: pd.DataFrame, base: str, models: list[str], tier: str = "B") -> str:
    """One sentence: how many of the base's solved problems on ``tier`` each model never solves.

    >>> c = pd.DataFrame({"model": ["base", "base", "a", "a", "b", "b"], "problem_id": ["1", "2"] * 3,
    ...                   "n": [4] * 6, "correct": [1, 2, 0, 3, 1, 1], "tier": ["B"] * 6})
    >>> kept_sentence(c, "base", ["a", "b"])
    'On tier B the base solves 2 problems at k = 4; b keeps all of them; a never solves 1 of them.'
    >>> kept_sentence(c.assign(correct=0), "base", ["a", "b"])
    'On tier B the base solves no problem at k = 4, so there is nothing to keep.'
    """
    cov = tables.coverage(counts[counts["tier"] == tier], base, models).set_index("model")
    k = int(counts.loc[counts["model"] == base, "n"].min())
    if int(cov["base_solved"].iloc[0]) == 0:
        return f"On tier {tier} the base solves no problem at k = {k}, so there is nothing to keep."
    kept = [m for m in models if cov.loc[m, "base_only"] == 0]
    lost = sorted((m for m in models if m not in kept), key=lambda m: (cov.loc[m, "base_only"], m))
    parts = [f"{', '.join(kept)} {'keeps' if len(kept) == 1 else 'keep'} all of them"] if kept else []
    parts += [f"{m} never solves {int(cov.loc[m, 'base_only'])} of them" for m in lost]
    return (f"On tier {tier} the base solves {int(cov['base_solved'].iloc[0])} problems at k = {k}; "
            + "; ".join(parts) + ".")


_REGIME_WORDS = {
    "narrowing": "the narrowing regime (careful chains are longer than the RL response cap of {cap} tokens on "
                 "long problems, so RL cannot remove the shortcut's edge there; `book/worlds/narrowing.yaml`)",
    "uncapped": "the uncapped regime (the narrowing world without the RL response cap)",
    "contrast": "today's world, the contrast regime (the careful path is rewarded wherever it is right, "
                "so RL keeps coverage)",
    "custom": "a custom world (settings that match no named regime)",
}


def regime_sentence(cfg) -> str:
    """One computed sentence naming the regime (:func:`boundary_lab.micro.regimes.regime_of`) a page's
    figures come from, and the scale of its run (for glue)."""
    name, trainer = regime_of(cfg), cfg.rl.trainer
    tiers = cfg.eval.tiers
    sampled = f" (tiers {' and '.join(tiers)} sampled, n = {cfg.eval.n})" if tiers and tiers != "ABC" else ""
    return ("The figures on this page come from " + _REGIME_WORDS[name].format(cap=cfg.rl.max_new_tokens)
            + f", with {trainer.steps} RL steps ({trainer.algorithm} unless named otherwise) on a base pretrained "
            f"{cfg.pretrain.steps} steps, seed {cfg.seed}{sampled}; the narrowing page shows both regimes "
            "side by side.")


def source_sentence(res) -> str:
    """One sentence naming where a page's figures come from: the user's counts (``res`` is None), or
    the micro-world regime of ``res`` (:func:`regime_sentence`)."""
    if res is None:
        return "The figures on this page come from the counts you gave (the `counts` parameter)."
    return regime_sentence(res.config)


def regime_sentences(results: dict, tier: str = "B") -> str:
    """Computed sentences (markdown list) comparing base and final RL on one tier, per regime."""
    lines = []
    for name, res in results.items():
        counts = res.counts[res.counts["tier"] == tier]
        for line in compare(counts, "base", res.select(kind="rl", main=True)[-1], by="tier"):
            lines.append(f"- {name} regime, {line}")
    return "\n".join(lines)


def share_sentences(shares: pd.DataFrame) -> str:
    """Computed sentences (markdown list): each regime's careful share per chain length, base vs the
    last checkpoint (``tables.share_per_checkpoint``), and whether RL split the strategies by length."""
    lines = []
    for name, g in shares[shares["length"] != "all"].groupby("regime", sort=False):
        last = g["step"].max()
        base = g[g["step"] == 0].set_index("length")["careful share"]
        final = g[g["step"] == last].set_index("length")["careful share"]
        parts = ", ".join(f"length {L}: {base[L]:.3f} -> {final[L]:.4f}" for L in final.index)
        if final.max() > 0.5 > final.min():
            verdict = "RL split the strategies by length: careful where it is kept, the shortcut elsewhere"
        elif final.max() <= 0.5:
            verdict = "RL moved onto the shortcut at every length"
        else:
            verdict = "RL moved onto the careful strategy at every length"
        lines.append(f"- {name} regime, careful share base -> step {last}: {parts}. {verdict}.")
    return "\n".join(lines)


# Issue 20: a phase-diagram cell is classified only with at least this many seeds (one trained run per seed).
MIN_SEEDS = 3


def classify(cell: dict) -> str:
    """Name a phase-diagram cell's outcome (a row of ``tables.grid_tables``' cells) from its seed-aware
    intervals (seeds and problems resampled) of the coverage change and of the pass@1 change."""
    if cell["seeds"] < MIN_SEEDS:
        return f"not classified: {cell['seeds']} seed(s), at least {MIN_SEEDS} needed"
    if cell["seed_ci_high"] < 0:
        return "RL widens coverage"
    if cell["seed_ci_low"] <= 0:
        return "RL keeps coverage (the seed-aware interval includes 0)"
    if cell["pass@1 ci_low"] > 0:
        return "RL narrows: it wins at k = 1 and loses coverage at k = n (the paper's pattern)"
    if cell["pass@1 ci_high"] < 0:
        return "RL collapses: it loses both pass@1 and coverage"
    return "RL loses coverage; its pass@1 change is unclear (the seed-aware interval includes 0)"


def grid_sentences(cells: pd.DataFrame) -> str:
    """One computed sentence per phase-diagram cell, both intervals labelled by what they hold fixed."""
    axes = [c for c in cells.columns if "." in c]
    out = []
    for cell in cells.to_dict("records"):
        where = ", ".join(f"{a} = {cell[a]}" for a in axes)
        out.append(f"{where}: base solved - RL solved at k = {cell['k_max']} is {cell['coverage change']:.1f} "
                   f"over {cell['seeds']} seed(s), 95% interval [{cell['seed_ci_low']:.1f}, "
                   f"{cell['seed_ci_high']:.1f}] with seeds and problems resampled ([{cell['ci_low']:.1f}, "
                   f"{cell['ci_high']:.1f}] for these seeds' models); pass@1 change {cell['pass@1 change']:+.3f} "
                   f"[{cell['pass@1 ci_low']:+.3f}, {cell['pass@1 ci_high']:+.3f}]; careful share after RL "
                   f"{cell['rl careful']:.3f}. {classify(cell)}.")
    return "\n".join(out)


# A guess's pass@k below one problem in a hundred is below every interval the book prints (48 problems a tier).
NEGLIGIBLE_GUESS = 0.01


def guessing(modulus: int, lengths: list[int], k: int = 256) -> str:
    """Where uniform guessing matters: pass@k of guessing the answer alone (1 of ``modulus``) and a whole
    chain of L values (1 of modulus^L), per chain length, with the lengths where it is negligible.

    >>> print(guessing(13, [2, 3, 4]))  # doctest: +NORMALIZE_WHITESPACE
    Guessing uniformly, pass@256 is 1.000 for the answer alone (1 of 13), so answer-only curves say
    little at large k; for a whole chain it is 0.781 at length 2, 0.110 at length 3 and 0.009 at
    length 4: guessing matters at lengths 2 and 3 and is negligible (below 0.01) at length 4.
    """
    answer = float(passk.guess_pass_at_k(modulus, [k])[0])
    chain = {L: float(passk.guess_pass_at_k(modulus ** L, [k])[0]) for L in sorted(set(lengths))}
    listed = [f"{v:.3f} at length {L}" for L, v in chain.items()]
    said = ", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else listed[0]
    matters = [str(L) for L, v in chain.items() if v >= NEGLIGIBLE_GUESS]
    small = [str(L) for L, v in chain.items() if v < NEGLIGIBLE_GUESS]
    parts = []
    if matters:
        parts.append(f"guessing matters at length{'s' if len(matters) > 1 else ''} {' and '.join(matters)}")
    if small:
        parts.append(f"is negligible (below {NEGLIGIBLE_GUESS:g}) at length{'s' if len(small) > 1 else ''} "
                     f"{' and '.join(small)}")
    verdict = " and ".join(parts) if matters else "guessing " + parts[0]
    return (f"Guessing uniformly, pass@{k} is {answer:.3f} for the answer alone (1 of {modulus}), so answer-only "
            f"curves say little at large k; for a whole chain it is {said}: {verdict}.")
