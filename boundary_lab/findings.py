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

from . import paper, passk, tables
from .micro.regimes import regime_of
from .tables import crossover

# One sentence per pattern of passk.crossover; {end} adds the interval at k_max.
_CROSSING = {
    "neither solves": "neither model solves any problem here.",
    "base at or above from k=1": ("{base} is at or above {other} already at k = 1 and stays so through k = {n}{end}; "
                                  "the paper's RL models lead at k = 1."),
    "other stays ahead": "{other} stays ahead at every k up to {n}{end}; the paper reports the base catching up.",
    "other ends ahead": ("{other} is ahead at k = {n}{end} after the curves cross; the paper reports the base "
                         "ending above."),
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


def _count(value) -> str:
    """A count of solved problems: exact when the model has k samples, else an expectation (``tables.solved_at``)."""
    return f"{int(value)}" if float(value).is_integer() else f"{value:.2f} (expected)"


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
        lines.append(f"{label}: solved at k = {n}: {base} {_count(row['base solved'])}, "
                     f"{other} {_count(row['model solved'])} "
                     f"of {row['problems']}; {other}-solved ⊆ {base}-solved: "
                     f"{'yes' if row['subset_of_base'] else 'no'}.")
        pattern = row["pattern"]
        end = _end(row, base, other, pattern not in ("base overtakes", "base catches up, level at k_max"))
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
    solved = int(cov["base_solved"].iloc[0])
    return (f"On tier {tier} the base solves {solved} problem{'s' if solved > 1 else ''} at k = {k}; "
            + "; ".join(parts) + ".")


_REGIME_WORDS = {
    "narrowing": "the narrowing regime (careful chains are longer than the RL response cap of {cap} tokens on "
                 "long problems, so RL cannot remove the shortcut's edge there; world file book/worlds/narrowing.yaml)",
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


# ------------------------------------------------------------------ the introduction's claims table (issue 23)
# Each claim is computed by the table function its linked page shows, on that page's own results
# (its world, tiers and scale), so the introduction cannot state a number its page does not. The
# introduction passes each page's results (boundary_lab.pages.page_results) and the other worlds.


def _tier(frame: pd.DataFrame, tier: str) -> dict:
    rows = frame[frame["tier"] == tier].to_dict("records")
    if not rows:
        raise ValueError(f"claims: no tier {tier} in this page's results (tiers: {sorted(set(frame['tier']))})")
    return rows[0]


def _rl(res) -> str:
    return res.one(main=True, final=True)


def _claim_pass1(res) -> dict:
    rl = _rl(res)
    row = _tier(crossover(res.counts, "base", rl, by="tier"), "B")
    return {"tier": "B", "K": int(row["k_max"]), "problems": int(row["problems"]),
            "measured": f"pass@1: base {row['base pass@1']:.3f}, {rl} {row['model pass@1']:.3f}",
            "holds": row["model pass@1"] > row["base pass@1"]}


def _claim_large_k(res) -> dict:
    rl = _rl(res)
    row = _tier(crossover(res.counts, "base", rl, by="tier"), "B")
    k = int(row["k_max"])
    return {"tier": "B", "K": k, "problems": int(row["problems"]),
            "measured": f"pass@{k}: base {row['base pass@k_max']:.3f}, {rl} {row['model pass@k_max']:.3f}",
            "holds": row["base pass@k_max"] >= row["model pass@k_max"] - 1e-12}


def _claim_subset(res) -> dict:
    rl = _rl(res)
    row = _tier(tables.coverage(res.counts, "base", [rl], by="tier"), "B")
    k = int(res.counts["n"].min())
    return {"tier": "B", "K": k,
            "problems": int(row["both"] + row["base_only"] + row["compared_only"] + row["neither"]),
            "measured": f"solved at k = {k}: base {row['base_solved']}, {rl} {row['model_solved']}; "
                        f"{rl} only: {row['compared_only']}",
            "holds": bool(row["subset_of_base"])}


def _claim_delta_se(res) -> dict:
    grpo = res.one(kind="rl", algorithm="grpo", split="full", remedy="", final=True)
    row = tables.delta_se(res.counts, "base", [grpo]).iloc[0]
    tiers = "".join(sorted(set(res.counts["tier"])))
    return {"tier": " and ".join(tiers), "K": int(row["K"]), "problems": int(res.counts["problem_id"].nunique()),
            "measured": f"ΔSE of {grpo}: {row['delta_se']:.3f} (pass@{int(row['K'])} base {row['base pass@K']:.3f}, "
                        f"pass@1 {row['pass@1']:.3f})",
            "holds": row["delta_se"] > 0}


def _claim_steps(res) -> dict:
    steps = res.models[res.models["main"] & (res.models["kind"] == "rl")].sort_values("step")["model"].tolist()
    if len(steps) < 2:
        raise ValueError(f"claims: the training-steps claim needs two checkpoints of the main run, found {steps}")
    first, last = steps[0], steps[-1]
    table = tables.pass_table(res.counts, [first, last], by="tier")
    table = table[table["tier"] == "B"].set_index("model")
    kcol = [c for c in table.columns if c.startswith("pass@") and c != "pass@1"][-1]
    p1, pk = table["pass@1"], table[kcol]
    return {"tier": "B", "K": int(kcol.removeprefix("pass@")),
            "problems": int(res.counts[res.counts["tier"] == "B"]["problem_id"].nunique()),
            "measured": f"{first} → {last}: pass@1 {p1[first]:.3f} → {p1[last]:.3f}, "
                        f"{kcol} {pk[first]:.3f} → {pk[last]:.3f}",
            "holds": p1[last] > p1[first] and pk[last] < pk[first]}


def _claim_distilled(res) -> dict:
    row = _tier(tables.coverage(res.counts, "base", ["distilled"], by="tier"), "C")
    k = int(res.counts["n"].min())
    return {"tier": "C", "K": k,
            "problems": int(row["both"] + row["base_only"] + row["compared_only"] + row["neither"]),
            "measured": f"solved at k = {k}: base {row['base_solved']}, distilled {row['model_solved']}; "
                        f"distilled only: {row['compared_only']}",
            "holds": row["compared_only"] > 0}


def _claim_perplexity(res) -> dict:
    rl = _rl(res)
    summary = tables.perplexity_summary(res.perplexity)
    under = summary[summary["scorer"] == "base"].set_index("answers_from")
    return {"tier": "all", "K": None, "problems": int(res.counts["problem_id"].nunique()),
            "measured": f"median perplexity under the base: its own answers {under.loc['base', 'median']:.2f}, "
                        f"{rl}'s {under.loc[rl, 'median']:.2f}",
            "holds": under.loc[rl, "median"] <= under.loc["base", "median"]}


def _reported(name: str) -> str:
    table = paper.table

    def rep(t, model, bench, metric):
        return float(t[(t.model == model) & (t.benchmark == bench) & (t.metric == metric)]["value"].iloc[0])

    if name in ("pass1", "large_k"):
        t = table("algorithms")
        if name == "pass1":
            return (f"MATH500 pass@1: Qwen2.5-7B {rep(t, 'Qwen2.5-7B', 'MATH500', 'pass@1'):.3f}, GRPO "
                    f"{rep(t, 'GRPO', 'MATH500', 'pass@1'):.3f} (Table 2)")
        return (f"Omni-MATH-Test pass@256: base {rep(t, 'Qwen2.5-7B', 'Omni-MATH-Test', 'pass@256'):.3f}, GRPO "
                f"{rep(t, 'GRPO', 'Omni-MATH-Test', 'pass@256'):.3f} (Table 2)")
    if name == "subset":
        cov = table("coverage").iloc[0]
        return (f"AIME24: base solves {cov.base_solved}/{cov.problems}, RL {cov.rl_solved}, "
                f"RL-only {cov.compared_only} (Table 4)")
    if name == "delta_se":
        d = table("delta_se")
        v = float(d[(d.model == "GRPO") & (d.benchmark == "Omni-MATH-Test")]["value"].iloc[0])
        return f"GRPO, Omni-MATH-Test: ΔSE {v:.3f} (K = 256; Table 2, Fig. 8)"
    if name == "steps":
        t = table("training_steps")
        return ("Omni-MATH-Train, GRPO step 150 → 450: pass@1 "
                f"{rep(t, 'GRPO step 150', 'Omni-MATH-Train', 'pass@1'):.3f}"
                f" → {rep(t, 'GRPO step 450', 'Omni-MATH-Train', 'pass@1'):.3f}, pass@256 "
                f"{rep(t, 'GRPO step 150', 'Omni-MATH-Train', 'pass@256'):.3f} → "
                f"{rep(t, 'GRPO step 450', 'Omni-MATH-Train', 'pass@256'):.3f} (Table 3)")
    if name == "distilled":
        return "Minerva: the distilled model's curve lies above the base's at every k (Fig. 7; values not transcribed)"
    return "AIME24: PPL_Base(Y_RL) sits at the low end of PPL_Base(Y_Base) (Fig. 6; values not transcribed)"


# (claim, its key for the paper's evidence, the page that shows it, the computation that page's table makes)
CLAIMS = (
    ("RL raises pass@1 over the base model", "pass1", "base_vs_rl", _claim_pass1),
    ("At large k the base model catches up with or overtakes the RL model", "large_k", "base_vs_rl", _claim_large_k),
    ("Problems the RL model solves are a subset of those the base solves", "subset", "coverage", _claim_subset),
    ("ΔSE = pass@K(base) − pass@1(RL) > 0: the base at large K beats RL at k = 1", "delta_se", "algorithms",
     _claim_delta_se),
    ("Longer RL training raises pass@1 and lowers pass@k at large k", "steps", "training_steps", _claim_steps),
    ("Distillation, unlike RL, adds problems the base cannot solve", "distilled", "distillation", _claim_distilled),
    ("RL answers are ones the base model already finds likely (low perplexity)", "perplexity", "perplexity",
     _claim_perplexity),
)
CLAIM_PAGES = tuple(dict.fromkeys(page for _, _, page, _ in CLAIMS))


def claim_on_page(page: str, res, claim: str | None = None) -> list[dict]:
    """The claims a page supports, computed from that page's results exactly as the page's own table does:
    ``[{claim, world, tier, problems, n, K, seed, measured, holds}]`` (what the page prints, and what the
    introduction's table must repeat)."""
    out = []
    for text, _, where, compute in CLAIMS:
        if where != page or (claim is not None and claim != text):
            continue
        row = compute(res)
        world = regime_of(res.config)
        out.append({"claim": text, "world": "default" if world == "contrast" else world,
                    "n": int(res.counts["n"].min()), "seed": int(res.config.seed), **row})
    return out


def claims(pages: dict, contrast: dict | None = None) -> pd.DataFrame:
    """The introduction's table: each claim of the paper, its reported evidence, and the number the
    linked page shows, with the world (narrowing, uncapped, default), tier, problems, samples n, K and
    seed it comes from; ``elsewhere`` gives the same measurement in each world of ``contrast`` (name ->
    results) other than the row's own, so a reader sees where the claim does not hold.

    ``pages`` maps a page name (:data:`CLAIM_PAGES`) to that page's results; a claim whose page is
    missing is left out, never computed on another page's model.
    """
    rows = []
    for text, key, page, compute in CLAIMS:
        if page not in pages:
            continue
        try:
            (row,) = claim_on_page(page, pages[page], text)
        except (KeyError, ValueError):  # a page whose run lacks the models this claim needs
            continue
        other = []
        for name, res in (contrast or {}).items():
            if name == row["world"]:
                continue
            try:
                alt = compute(res)
            except (KeyError, ValueError):
                continue
            other.append(f"{name}: {alt['measured']} ({'holds' if alt['holds'] else 'does not hold'})")
        k = "" if row["K"] is None else str(row["K"])
        rows.append({"paper's claim": text, "this build": row["measured"], "agrees": "yes" if row["holds"] else "no",
                     "world": row["world"], "tier": row["tier"], "problems": row["problems"], "n": row["n"], "K": k,
                     "seed": row["seed"], "in the other world": "; ".join(other) or "not measured",
                     "reported (Yue et al. 2025)": _reported(key), "page": page})
    return pd.DataFrame(rows)


def _interval(row) -> str:
    return f"[{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"


def seed_study_sentences(per_seed: pd.DataFrame, intervals: pd.DataFrame, what: dict | None = None) -> str:
    """One paragraph per regime of the multi-seed study: base - RL at k_max over seeds with both intervals
    (each named by what it holds fixed), RL's pass@1 gain, base_only per seed, and a verdict that needs
    every seed to agree or the seed-aware interval to exclude 0."""
    out = []
    for regime, rows in per_seed.groupby("regime", sort=False):
        iv = intervals[intervals["regime"] == regime]
        k_max = int(rows["k_max"].iloc[0])
        end, start = iv[iv["k"] == k_max], iv[iv["k"] == 1]
        fixed = end[end["conditions_on"].str.startswith("these")].iloc[0]
        both = end[end["conditions_on"].str.startswith("nothing")].iloc[0]
        gain = start[start["conditions_on"].str.startswith("nothing")].iloc[0]
        narrows = rows["base - rl at k_max"] > 0
        if narrows.all() and both["ci_low"] > 0:
            verdict = "RL narrows the boundary in every seed, and the seed-aware interval excludes 0"
        elif narrows.all():
            verdict = ("RL narrows the boundary in every seed, but with this many seeds the seed-aware interval "
                       "still contains 0")
        elif both["ci_low"] > 0:
            verdict = f"the seed-aware interval excludes 0, though {int((~narrows).sum())} seed(s) do not narrow"
        elif not narrows.any():
            verdict = "no seed narrows the boundary"
        else:
            verdict = (f"{int(narrows.sum())} of {len(rows)} seeds narrow, and the seed-aware interval contains 0: "
                       f"the measurement does not support a claim about RL here")
        label = f"**{regime}**" + (f" ({what[regime]})" if what and regime in what else "")
        out.append(
            f"{label}: over {len(rows)} seeds, base - RL pass@{k_max} is {both['diff']:+.3f}: "
            f"{_interval(fixed)} holding these {len(rows)} trained models fixed (problems resampled), "
            f"{_interval(both)} resampling seeds, then problems. RL's pass@1 gain is {-gain['diff']:+.3f} "
            f"[{-gain['ci_high']:+.3f}, {-gain['ci_low']:+.3f}] (seed-aware). base_only per seed: "
            f"{', '.join(str(int(v)) for v in rows['base_only'])}; compared_only: "
            f"{', '.join(str(int(v)) for v in rows['compared_only'])}. Verdict: {verdict}.")
    return "\n\n".join(out)


# What the paper's Fig. 7 reports for a distilled model: ahead of the base at every k (the opposite of RL).
_DISTILLED = {
    "other stays ahead": "{other} stays ahead of {base} at every k up to {n} (as the paper's Fig. 7 reports for "
                         "distillation: it adds problems the base cannot solve).",
    "other ends ahead": "{other} ends ahead of {base} at k = {n} after the curves cross (the paper's Fig. 7 has the "
                        "distilled model ahead at every k).",
    "neither solves": "neither model solves any problem here.",
}


def distillation_markdown(counts: pd.DataFrame, base: str, others: list[str], distilled: list[str],
                          by: str | None = "tier") -> str:
    """:func:`markdown`, with each distilled model's crossover sentence compared with what the paper reports for
    distillation (Fig. 7: the distilled model above the base at every k), not with what it reports for RL.

    >>> counts = pd.DataFrame({"model": ["base"] * 4 + ["distilled"] * 4, "problem_id": list("abcd") * 2,
    ...                        "n": 8, "correct": [0, 0, 0, 0, 8, 8, 4, 0], "tier": "C"})
    >>> text = distillation_markdown(counts, "base", ["distilled"], ["distilled"])
    >>> print(text.splitlines()[-1])  # doctest: +NORMALIZE_WHITESPACE
    - tier C: distilled stays ahead of base at every k up to 8 (as the paper's Fig. 7 reports for distillation: it
    adds problems the base cannot solve).
    """
    lines = []
    for other in others:
        said = compare(counts, base, other, by=by)
        if other in distilled:
            rows = crossover(counts, base, other, by=by).to_dict("records")
            for i, row in enumerate(rows):
                pattern = row["pattern"]
                if pattern in _DISTILLED:
                    label = f"{by} {row[by]}" if by else "all problems"
                    said[3 * i + 2] = f"{label}: " + _DISTILLED[pattern].format(base=base, other=other,
                                                                                 n=row["k_max"])
                else:
                    said[3 * i + 2] += " The paper's Fig. 7 has the distilled model ahead of the base at every k."
        lines += said
    return "\n".join(f"- {line}" for line in lines)


def samples_phrase(n) -> str:
    """``n = 256 samples each`` when every problem has the same n, else the range (never ``256..256``).

    >>> samples_phrase([256, 256]), samples_phrase([64, 256])
    ('n = 256 samples each', 'n = 64 to 256 samples per problem')
    """
    lo, hi = int(min(n)), int(max(n))
    return f"n = {lo} samples each" if lo == hi else f"n = {lo} to {hi} samples per problem"


def biased_gap_sentence(ks, unbiased, biased, n) -> str:
    """Where the plug-in estimate 1 − (1 − c/n)^k falls furthest below the unbiased one, and its gap at k = n,
    computed from the page's comparison table.

    >>> biased_gap_sentence([1, 2, 4], [0.5, 0.7, 0.8], [0.5, 0.65, 0.79], [4, 4])  # doctest: +NORMALIZE_WHITESPACE
    'Here the gap is largest at k = 2 (0.0500) and is 0.0100 at k = n = 4: at k = n it comes only from problems with few
    correct samples (a problem with c correct keeps a gap of about e^−c).'
    """
    gaps = [u - b for u, b in zip(unbiased, biased)]
    i = max(range(len(gaps)), key=lambda j: gaps[j])
    last = int(max(n))
    at_n = f" and is {gaps[-1]:.4f} at k = n = {last}" if int(ks[-1]) == last else ""
    return (f"Here the gap is largest at k = {int(ks[i])} ({gaps[i]:.4f}){at_n}: at k = n it comes only from "
            "problems with few correct samples (a problem with c correct keeps a gap of about e^−c).")


def share_coverage_sentence(shares: pd.DataFrame, cov: pd.DataFrame, base: str, rl: str, tier: str = "B") -> str:
    """The careful share pooled over one tier beside that tier's coverage, base vs ``rl``, saying which way each
    moved: a pooled share can rise while coverage falls (the share per chain length is the mechanism).

    ``shares`` is :func:`boundary_lab.tables.strategy_share` (models by tier), ``cov`` is
    :func:`boundary_lab.tables.coverage` by tier.

    >>> shares = pd.DataFrame({"model": ["base", "rl"], "B": [0.25, 0.5]})
    >>> cov = pd.DataFrame({"tier": ["B"], "model": ["rl"], "base_solved": [48], "model_solved": [41]})
    >>> share_coverage_sentence(shares, cov, "base", "rl")  # doctest: +NORMALIZE_WHITESPACE
    'On tier B the careful share pooled over the tier rises from 0.250 (base) to 0.500 (rl) while coverage falls from 48
    to 41 problems: a pooled share does not show where the careful path was lost (the narrowing page shows the share per
    chain length).'
    """
    s = shares.set_index("model")[tier]
    row = cov[(cov["tier"] == tier) & (cov["model"] == rl)].iloc[0]
    b, r = float(s[base]), float(s[rl])
    cb, cr = int(row["base_solved"]), int(row["model_solved"])

    def way(x, y):
        return "rises" if y > x else "falls" if y < x else "stays"

    text = (f"On tier {tier} the careful share pooled over the tier {way(b, r)} from {b:.3f} ({base}) to {r:.3f} "
            f"({rl}) while coverage {way(cb, cr)} from {cb} to {cr} problems")
    if (r > b) and (cr < cb):
        return text + (": a pooled share does not show where the careful path was lost (the narrowing page shows "
                       "the share per chain length).")
    return text + "."


def mix_sentence(mix: pd.DataFrame, weights: dict, regime: str, what: str = "") -> str:
    """Whether a regime gives the paper's pattern on one mixed benchmark (:func:`tables.mix_table`): pass@1
    up and the share of problems solved at k_max down, per seed and by the seed-aware interval."""
    seeds, total = mix[mix["seed"] != "all"], mix[mix["seed"] == "all"].iloc[0]
    k_max = next(c for c in mix.columns if c.startswith("base pass@") and c != "base pass@1").split("@")[1]
    both = ((seeds["pass@1 change"] > 0) & (seeds["solved share change"] < 0)).astype(bool)
    if both.all() and total["pass@1 change low"] > 0 and total["solved share change high"] < 0:
        verdict = "yes: in every seed, and both seed-aware intervals exclude 0"
    elif both.all():
        verdict = "in every seed, but a seed-aware interval still contains 0"
    elif both.any():
        verdict = f"in {int(both.sum())} of {len(seeds)} seeds only: not a property of RL in this world"
    else:
        verdict = "no: no seed shows it"
    shares = ", ".join(f"tier {t} {w:.1%}" for t, w in weights.items())
    return (f"**{regime}**{f' ({what})' if what else ''}, on one benchmark mixing {shares}: RL - base pass@1 "
            f"{total['pass@1 change']:+.3f} [{total['pass@1 change low']:+.3f}, {total['pass@1 change high']:+.3f}], "
            f"share of problems solved at k = {k_max} {total['solved share change']:+.3f} "
            f"[{total['solved share change low']:+.3f}, {total['solved share change high']:+.3f}] (mean over "
            f"{len(seeds)} seeds, seed-aware 95% intervals). pass@1 up and coverage down: {verdict}.")


def seed_study_report(study, regimes: list[str], tier: str = "B", ns: tuple = (256, 1024), n_boot: int = 2000) -> str:
    """Where the multi-seed numbers come from, then :func:`seed_study_sentences` at each n in ``ns``."""
    what = {k: v["what"] for k, v in study.meta.get("regimes", {}).items()}
    parts = [f"The multi-seed numbers are a committed measurement, not computed on this page: {study.source()}; "
             f"{len(study.seeds)} seeds per regime, tier {tier}."]
    for n in ns:
        per_seed = tables.seed_study_table(study, n, tier, regimes)
        intervals = tables.seed_study_intervals(study, n, tier, n_boot, regimes)
        parts.append(f"At n = {n} samples per problem:\n\n" + seed_study_sentences(per_seed, intervals, what))
    return "\n\n".join(parts)


def mix_report(study, regimes: list[str], n_max: int, weights: dict, mix: pd.DataFrame) -> str:
    """:func:`mix_sentence` for each regime of :func:`tables.mix_tables`' frame ``mix``."""
    what = {k: v["what"] for k, v in study.meta.get("regimes", {}).items()}
    return "\n\n".join(mix_sentence(mix[mix["regime"] == r].drop(columns="regime"), weights, r, what.get(r, ""))
                         for r in regimes)


# ------------------------------------------------------------------ what each figure shows (issue 23)


def _arrow(values) -> str:
    return " → ".join(f"{v:.3f}" for v in values)


def steps_sentence(table: pd.DataFrame, models: list[str], by: str | None = "tier") -> str:
    """What the training-steps figure shows, per group: pass@1 and pass@K along the checkpoints, and whether each
    moves in one direction (the paper's Table 3: pass@1 up, pass@256 down).

    >>> t = pd.DataFrame({"tier": ["B"] * 3, "model": ["base", "rl@1", "rl@2"], "pass@1": [.2, .8, .74],
    ...                   "pass@8": [1.0, .9, .85]})
    >>> print(steps_sentence(t, ["base", "rl@1", "rl@2"]))  # doctest: +NORMALIZE_WHITESPACE
    - tier B: pass@1 0.200 → 0.800 → 0.740 (not monotonic), pass@8 1.000 → 0.900 → 0.850 (falls at every step) over
    base, rl@1, rl@2.
    """
    kcol = [c for c in table.columns if c.startswith("pass@") and c != "pass@1"][-1]
    lines = []
    for key, g in (table.groupby(by, sort=False) if by else [(None, table)]):
        g = g.set_index("model").loc[models]

        def shape(v):
            d = [b - a for a, b in zip(v, v[1:])]
            return ("unchanged" if all(abs(x) < 5e-4 for x in d) else "rises at every step" if all(x > 0 for x in d)
                    else "falls at every step" if all(x < 0 for x in d) else "not monotonic")
        label = f"{by} {key}" if by else "all problems"
        lines.append(f"- {label}: pass@1 {_arrow(g['pass@1'])} ({shape(list(g['pass@1']))}), {kcol} "
                     f"{_arrow(g[kcol])} ({shape(list(g[kcol]))}) over {', '.join(models)}.")
    return "\n".join(lines)


def histogram_sentence(hist: pd.DataFrame, by: str | None = "tier") -> str:
    """What the histograms show: per model (and group), the problems never solved (bin 0) and always solved
    (bin 10), the two ends RL is said to push mass to.

    >>> h = pd.DataFrame({"model": ["base"] * 3 + ["rl"] * 3, "bin": [0, 5, 10] * 2, "count": [1, 6, 1, 3, 0, 5]})
    >>> print(histogram_sentence(h, by=None))
    - all problems: base: 1 of 8 problems never solved, 1 always solved; rl: 3 of 8 never solved, 5 always solved.
    """
    lines = []
    for key, g in (hist.groupby(by, sort=False) if by else [(None, hist)]):
        parts = []
        for i, (model, m) in enumerate(g.groupby("model", sort=False)):
            total = int(m["count"].sum())
            zero, full = int(m.loc[m["bin"] == 0, "count"].sum()), int(m.loc[m["bin"] == 10, "count"].sum())
            never = "problems never solved" if i == 0 else "never solved"
            parts.append(f"{model}: {zero} of {total} {never}, {full} always solved")
        lines.append(f"- {f'{by} {key}' if by else 'all problems'}: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def perplexity_sentence(summary: pd.DataFrame, scorer: str = "base") -> str:
    """What the perplexity boxes show: the median (and quartiles) of each set of responses under ``scorer``.

    >>> s = pd.DataFrame({"scorer": ["base", "base"], "answers_from": ["base", "rl"], "median": [1.5, 1.2],
    ...                   "q25": [1.3, 1.1], "q75": [2.0, 1.4], "responses": [10, 10]})
    >>> perplexity_sentence(s)  # doctest: +NORMALIZE_WHITESPACE
    'Under base: the responses of base have median perplexity 1.50 (quartiles 1.30–2.00), of rl 1.20 (1.10–1.40); the
    lowest median is rl’s.'
    """
    sub = summary[summary["scorer"] == scorer].reset_index(drop=True)
    parts = [f"the responses of {r.answers_from} have median perplexity {r.median:.2f} "
             f"(quartiles {r.q25:.2f}–{r.q75:.2f})"
             if i == 0 else f"of {r.answers_from} {r.median:.2f} ({r.q25:.2f}–{r.q75:.2f})"
             for i, r in enumerate(sub.itertuples())]
    low = sub.loc[sub["median"].idxmin(), "answers_from"]
    return f"Under {scorer}: " + ", ".join(parts) + f"; the lowest median is {low}’s."


def delta_se_sentence(dse: pd.DataFrame) -> str:
    """What the algorithms figure shows: the range of ΔSE over the algorithms at one K, and which are at the ends.

    >>> d = pd.DataFrame({"model": ["grpo@150", "ppo@150"], "K": [256, 256], "delta_se": [0.458, 0.421]})
    >>> delta_se_sentence(d)  # doctest: +NORMALIZE_WHITESPACE
    'ΔSE at K = 256 ranges from 0.421 (ppo@150) to 0.458 (grpo@150): positive for 2 of 2 algorithms, so the base at K
    samples solves more than every one of them does at one.'
    """
    lo, hi = dse.loc[dse["delta_se"].idxmin()], dse.loc[dse["delta_se"].idxmax()]
    pos = int((dse["delta_se"] > 0).sum())
    tail = ("so the base at K samples solves more than every one of them does at one." if pos == len(dse)
            else "so some algorithm at one sample matches or beats the base at K samples.")
    return (f"ΔSE at K = {int(dse['K'].iloc[0])} ranges from {lo['delta_se']:.3f} ({lo['model']}) to "
            f"{hi['delta_se']:.3f} ({hi['model']}): positive for {pos} of {len(dse)} algorithms, {tail}")


def remedies_sentence(cov: pd.DataFrame, remedy_of: dict, tier: str = "B") -> str:
    """What the remedies figure shows on one tier: problems each run solves against the base and plain GRPO,
    and where a remedy goes against what its paper reports. ``remedy_of`` maps each run's label to its remedy
    (the ``remedy`` column of ``res.models``; empty for the plain run); ``cov`` is
    :func:`boundary_lab.tables.coverage` by tier.

    >>> cov = pd.DataFrame({"tier": ["B"] * 2, "model": ["grpo@150", "grpo+more_rollouts@150"],
    ...                     "base_solved": [48, 48], "model_solved": [40, 28]})
    >>> labels = {"grpo@150": "", "grpo+more_rollouts@150": "more_rollouts"}
    >>> print(remedies_sentence(cov, labels))  # doctest: +NORMALIZE_WHITESPACE
    - tier B: the base solves 48 problems, plain grpo@150 40.
    - grpo+more_rollouts@150 solves 28 (12 fewer than plain GRPO); the paper reports more rollouts raising pass@k
    slightly (Fig. 15): here they do the opposite.
    """
    sub = cov[cov["tier"] == tier].set_index("model")
    (plain,) = [label for label, remedy in remedy_of.items() if not remedy]
    remedies = {label: remedy for label, remedy in remedy_of.items() if remedy}
    base, ref = int(sub["base_solved"].iloc[0]), int(sub.loc[plain, "model_solved"])
    lines = [f"- tier {tier}: the base solves {base} problems, plain {plain} {ref}."]
    for label, remedy in remedies.items():
        got = int(sub.loc[label, "model_solved"])
        diff = got - ref
        text = f"- {label} solves {got} ({abs(diff)} {'more' if diff > 0 else 'fewer'} than plain GRPO)" if diff \
            else f"- {label} solves {got} (as many as plain GRPO)"
        if remedy == "more_rollouts" and diff < 0:
            text += ("; the paper reports more rollouts raising pass@k slightly (Fig. 15): here they do the "
                     "opposite")
        lines.append(text + ".")
    return "\n".join(lines)


CODE_PAGE_COMMAND = ("papermill notebooks/code_figures.ipynb out.ipynb -p counts YOUR_COUNTS.csv "
                     "-p base BASE_MODEL -p rl RL_MODEL")


def code_figures_sentence(counts: pd.DataFrame | None, base: str, rl: str) -> str:
    """The code page's sentence: what the user's counts show (paper Table 5), or, with none, how to give them.

    >>> print(code_figures_sentence(None, "base", "rl"))  # doctest: +ELLIPSIS
    No code counts were given (`counts` is empty)...`papermill notebooks/code_figures.ipynb out.ipynb -p counts ...
    >>> df = pd.DataFrame({"model": ["b"] * 3 + ["r"] * 3, "problem_id": ["p", "q", "s"] * 2,
    ...                    "n": [4] * 6, "correct": [1, 2, 0, 4, 0, 0]})
    >>> print(code_figures_sentence(df, "b", "r"))  # doctest: +NORMALIZE_WHITESPACE
    On 3 problems with 4 samples each, b solves 2 and r 1 (r-only: none; b-only: q);
    pass@1 is 0.250 for b and 0.333 for r, pass@4 0.667 and 0.333.
    """
    if counts is None:
        return ("No code counts were given (`counts` is empty), and the default book samples no code model, "
                "so this page draws no figure. Give it yours (a counts CSV or a sample store, as "
                f"`boundary-lab passk` reads them): `{CODE_PAGE_COMMAND}`.")
    cov = tables.coverage(counts, base, [rl]).iloc[0]
    n = tables.common_n(counts, [base, rl])
    solved = tables.solvable_ids(counts, [base, rl]).set_index("model")["problem_ids"].str.split()
    base_only = [p for p in solved[base] if p not in set(solved[rl])]
    passes = tables.pass_table(counts, [base, rl], ks=[1, n]).set_index("model")
    problems = int(cov['both'] + cov['base_only'] + cov['compared_only'] + cov['neither'])
    return (f"On {problems} problems with {n} samples each, "
            f"{base} solves {int(cov['base_solved'])} and {rl} {int(cov['model_solved'])} "
            f"({rl}-only: {cov['compared_only_ids'] or 'none'}; "
            f"{base}-only: {' '.join(map(str, base_only)) or 'none'}); "
            f"pass@1 is {passes.loc[base, 'pass@1']:.3f} for {base} and {passes.loc[rl, 'pass@1']:.3f} for {rl}, "
            f"pass@{n} {passes.loc[base, f'pass@{n}']:.3f} and {passes.loc[rl, f'pass@{n}']:.3f}.")


# ------------------------------------------------------------ forecasts (issue 24)


def forecast_sentence(table: pd.DataFrame, k: int | None = None, fit_on: int = 16) -> str:
    """One sentence per model: the forecast of pass@k from ``fit_on`` samples against the exact value
    (a :func:`boundary_lab.forecast.versus_truth` frame). ``k`` defaults to the largest k with a truth.

    >>> t = pd.DataFrame({"model": ["b"], "fit_on": [16], "k": [256], "forecast": [0.9], "low": [0.85],
    ...                   "high": [0.95], "truth": [0.93], "family": ["beta"]})
    >>> forecast_sentence(t)  # doctest: +NORMALIZE_WHITESPACE
    'From 16 samples per problem, pass@256 of b is forecast at 0.900 (95% interval 0.850 to 0.950; prior beta); all
    samples give 0.930, which the interval covers.'
    """
    known = table.dropna(subset=["truth"])
    if known.empty:
        return ("No forecast to check: every fit size is at least the number of samples per problem, so "
                "the exact estimator already gives pass@k for every k it could forecast.")
    k = int(known["k"].max()) if k is None else int(k)
    parts = []
    for _, r in table[(table["k"] == k) & (table["fit_on"] == fit_on)].iterrows():
        cover = "which the interval covers" if r["low"] <= r["truth"] <= r["high"] else "outside the interval"
        parts.append(f"pass@{k} of {r['model']} is forecast at {r['forecast']:.3f} (95% interval {r['low']:.3f} to "
                     f"{r['high']:.3f}; prior {r['family']}); all samples give {r['truth']:.3f}, {cover}")
    if not parts:
        return f"No forecast from {fit_on} samples per problem at k = {k}."
    return f"From {fit_on} samples per problem, " + "; ".join(parts) + "."


def enough_sentence(report: dict) -> str:
    """"Is n enough?" in one sentence, from :func:`boundary_lab.priors.enough_report`.

    >>> r = {"model": "m", "n": 8, "unsolved": 3, "family": "beta", "newly_solved": [
    ...     {"multiple": 2, "expected": 0.4, "ci_low": 0.1, "ci_high": 0.9},
    ...     {"multiple": 16, "expected": 1.5, "ci_low": 0.5, "ci_high": 2.5}]}
    >>> enough_sentence(r)  # doctest: +NORMALIZE_WHITESPACE
    'n = 8 is not enough for m: of its 3 problems unsolved at n, 0.4 at 2n, 1.5 at 16n are expected to be solved
    (0.5 to 2.5 at 16n, 95%; prior beta).'
    """
    rows = report["newly_solved"]
    last = rows[-1]
    verdict = "is enough" if last["expected"] < 1.0 else "is not enough"
    return (f"n = {report['n']} {verdict} for {report['model']}: of its {report['unsolved']} problems unsolved at n, "
            + ", ".join(f"{r['expected']:.1f} at {r['multiple']}n" for r in rows)
            + f" are expected to be solved ({last['ci_low']:.1f} to {last['ci_high']:.1f} at "
            f"{last['multiple']}n, 95%; prior {report['family']}).")


def ordering_sentence(ordering: dict, names=("base", "RL")) -> str:
    """The chance that the ordering at k_target differs from the ordering at n
    (:func:`boundary_lab.priors.pair_ordering`).

    >>> ordering_sentence({"n": 16, "difference": -0.05, "k_target": 256, "flip_probability": 0.8})
    'At n = 16 the RL is ahead by 0.050; the probability that the ordering at k = 256 differs is 0.80.'
    """
    ahead = names[0] if ordering["difference"] > 0 else names[1]
    return (f"At n = {ordering['n']} the {ahead} is ahead by {abs(ordering['difference']):.3f}; the probability "
            f"that the ordering at k = {ordering['k_target']:,} differs is {ordering['flip_probability']:.2f}.")


def crossover_sentence(x) -> str:
    """Where the base catches up with the other model, from a :class:`boundary_lab.priors.Crossover`.

    >>> from boundary_lab.priors import Crossover
    >>> crossover_sentence(Crossover(40, 20, None, 1000, 0.1, False, ("base", "RL")))
    'The base catches up with the RL at k ≈ 40 (95% interval 20 to beyond 1,000).'
    """
    base, other = x.names
    if x.base_ahead_at_1:
        return f"The {base} is ahead of the {other} already at k = 1."
    if x.k is None:
        return (f"No crossover is expected below k = {x.k_max:,}: the {other} stays ahead "
                f"(probability {x.prob_none:.2f} under the bootstrap).")
    high = f"beyond {x.k_max:,}" if x.high is None else f"{x.high:,}"
    return (f"The {base} catches up with the {other} at k ≈ {x.k:,} "
            f"({x.confidence:.0%} interval {x.low:,} to {high}).")


# ------------------------------------------------------------- paper Figs. 15 and 17, the paper's sampling settings


def _ci(row) -> str:
    return f"{row['diff']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"


def entropy_matched_sentence(found: dict, what: str, n_boot: int = 1000, seed: int = 0) -> str:
    """What the Fig. 17 panel shows (``found``: :func:`boundary_lab.report.entropy_matched`): the entropies, the
    matched temperature, RL's pass@k_max at both temperatures against the base's with paired 95% problem-bootstrap
    intervals, and whether the paper's direction holds (pass@k improves a little and stays below the base).
    ``what`` names the run (regime, tier, seed)."""
    ent, table = found["entropies"], tables.temperature_table(found["counts"])
    base, rl, matched = (table[table["role"] == r].iloc[0] for r in ("base", "rl", "rl matched"))
    target = ent[ent["role"] == "target"]["entropy"].iloc[0]
    at_base_t = ent[(ent["role"] == "probe")]["entropy"].iloc[0]
    at_matched = ent[ent["role"] == "matched"]["entropy"].iloc[0]
    k = int(base["k_max"])
    gain = tables.paired(found["counts"], rl["model"], matched["model"], ks=[k], n_boot=n_boot, seed=seed).iloc[0]
    gap = tables.paired(found["counts"], base["model"], matched["model"], ks=[k], n_boot=n_boot, seed=seed).iloc[0]
    t0, t1 = base["temperature"], matched["temperature"]
    if t1 == t0:
        how = (f"RL's entropy at T = {t0:g} ({at_base_t:.3f} nats per token) already reaches the base's "
               f"({target:.3f}), so no higher temperature is needed and the two RL curves coincide.")
    elif not found["reached"]:
        how = (f"RL's entropy stays below the base's {target:.3f} nats per token up to T = {t1:g} ({at_matched:.3f}); "
               f"the panel shows RL at T = {t1:g}.")
    else:
        how = (f"The base samples at T = {t0:g} with {target:.3f} nats per token, RL with {at_base_t:.3f}; RL matches "
               f"the base at T = {t1:g} ({at_matched:.3f}, by bisection).")
    if gap["ci_high"] < 0:
        verdict = "as in the paper, RL stays below the base" if gain["diff"] >= 0 else (
            "RL stays below the base, as in the paper, but the higher temperature lowers its pass@k instead of "
            "raising it")
    elif gap["ci_low"] > 0:
        verdict = "unlike the paper, RL at the matched temperature overtakes the base"
    else:
        verdict = ("RL at the matched temperature and the base differ by less than the interval (the paper keeps "
                   "the base ahead)")
    return (f"{how} At k = {k} ({what}), pass@{k} is {base['pass@kmax']:.3f} for the base, {rl['pass@kmax']:.3f} for "
            f"RL at T = {t0:g} and {matched['pass@kmax']:.3f} at T = {t1:g}: the matched temperature changes RL's "
            f"pass@{k} by {_ci(gain)} and leaves it {_ci(gap)} from the base (paired 95% problem-bootstrap "
            f"intervals; pass@1 {rl['pass@1']:.3f} → {matched['pass@1']:.3f}). The paper (Fig. 17): pass@k improves "
            f"a little but stays below the base. Here {verdict}.")


def sampling_sentence(table: pd.DataFrame) -> str:
    """How the base-vs-RL comparison changes between the micro-world's sampling settings and the paper's
    (``table``: :func:`boundary_lab.tables.sampling_table`), one markdown list item per regime."""
    lines = []
    for regime, rows in table.groupby("regime", sort=False):
        own, paper_row = rows.iloc[0], rows.iloc[1]
        k = int(own["k_max"])
        parts = []
        for row in (own, paper_row):
            parts.append(f"at {row['sampling']} base - RL pass@{int(row['k_max'])} is {row['base - rl at k_max']:+.3f}"
                         f" (base_only {int(row['base_only'])}, compared_only {int(row['compared_only'])}; "
                         f"RL's pass@1 gain {row['rl pass@1'] - row['base pass@1']:+.3f})")
        ahead = [row["base - rl at k_max"] > 0 for row in (own, paper_row)]
        if ahead[0] == ahead[1]:
            change = ("the base stays ahead at large k under both settings" if ahead[0]
                      else "RL stays level with or ahead of the base at large k under both settings")
        else:
            change = ("the paper's settings put the base ahead at large k" if ahead[1]
                      else "the paper's settings take away the base's lead at large k")
        lines.append(f"- {regime} regime (k up to {k}): {parts[0]}; {parts[1]}. So {change}.")
    return "\n".join(lines)


# The paper's Fig. 15 (Yue et al. 2025, §4.4): with a KL term of 0.001, pass@1 stays about the same and pass@128
# is lower; with 32 rollouts per prompt, pass@128 is slightly higher and the base still wins at large k.
FIG15_PAPER = {"KL": "pass@1 about the same, pass@k at large k lower than plain GRPO",
               "rollouts": "pass@k at large k slightly higher than plain GRPO, and the base still ahead"}


def _direction(row) -> int:
    """+1 / -1 when the seed-aware interval excludes 0 above / below, 0 when it contains 0."""
    return 1 if row["ci_low"] > 0 else -1 if row["ci_high"] < 0 else 0


def ablation_sentences(table: pd.DataFrame, kinds: dict) -> str:
    """One markdown list item per ablation of :func:`boundary_lab.tables.ablation_table`: its differences with
    seed-aware intervals and whether the paper's direction holds. ``kinds`` maps each ablation to ``"KL"`` or
    ``"rollouts"`` (:data:`FIG15_PAPER`)."""
    lines = []
    for name, rows in table.groupby("ablation", sort=False):
        plain = rows["difference"].iloc[0].split(" - ")[1]
        vs = rows[rows["difference"] == f"{name} - {plain}"].set_index("k")
        base = rows[rows["difference"] == f"base - {name}"].iloc[0]
        k_max, seeds = int(base["k"]), int(base["seeds"])

        def show(row) -> str:
            return f"{row['diff']:+.3f} [{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]"
        start, end = vs.loc[1], vs.loc[k_max]
        if kinds[name] == "KL":
            holds = _direction(start) == 0 and _direction(end) < 0
            near = _direction(start) == 0 and end["diff"] < 0
        else:
            holds = _direction(end) > 0 and _direction(base) > 0
            near = end["diff"] > 0 and base["diff"] > 0
        verdict = ("the paper's direction holds: the seed-aware intervals exclude the opposite" if holds
                   else "the direction is the paper's, but a seed-aware interval contains 0" if near
                   else f"pass@1 is about the same, as in the paper, but pass@{k_max} is not lower: the paper's "
                        f"direction does not hold at large k" if kinds[name] == "KL" and _direction(start) == 0
                   else "the paper's direction does not hold here")
        lines.append(f"- **{name}** against plain GRPO ({plain}), over {seeds} seeds: pass@1 {show(start)}, "
                     f"pass@{k_max} {show(end)}; base - {name} at pass@{k_max} {show(base)} (mean over seeds, "
                     f"seed-aware 95% intervals: seeds, then problems resampled). The paper: "
                     f"{FIG15_PAPER[kinds[name]]}. Verdict: {verdict}.")
    return "\n".join(lines)


def ablation_report(study, plain: str, ablations: dict, tier: str = "B", n_max: int = 1024,
                    n_boot: int = 2000) -> str:
    """The remedies page's over-seeds Fig. 15 section: where the numbers come from and
    :func:`ablation_sentences`, or that the ablations are not measured yet (``ablations`` maps each regime of
    the seed study to ``"KL"`` or ``"rollouts"``)."""
    missing = [name for name in [plain, *ablations] if study is None or name not in study.regimes]
    if missing:
        have = ", ".join(study.regimes) if study is not None else "no study shipped"
        return (f"Not measured yet: the shipped seed study has no regime {', '.join(map(repr, missing))} "
                f"(it holds {have}); `scripts/seed_study.py` trains them.")
    table = tables.ablation_table(study, n_max, plain, list(ablations), tier, n_boot)
    seeds = int(table["seeds"].max())
    return (f"Fig. 15 over seeds, {study.source()}: tier {tier}, {seeds} seeds common to every regime, n = {n_max} "
            f"samples per problem.\n\n" + ablation_sentences(table, ablations))


def more_rollouts_comment(cov: pd.DataFrame, shares: pd.DataFrame, remedy_of: dict, rollouts: dict,
                          tier: str = "B") -> str:
    """Why a more-rollouts run that loses problems (the opposite of the paper's Fig. 15) does so, computed:
    its rollouts per step and careful share on ``tier`` against plain GRPO's. ``rollouts`` maps each run's label
    to its rollouts per prompt; ``shares`` is ``res.strategy_shares``. Empty when no such run loses problems."""
    sub = cov[cov["tier"] == tier].set_index("model")
    (plain,) = [label for label, remedy in remedy_of.items() if not remedy]
    share = shares[(shares["tier"] == tier) & (shares["strategy"] == "careful")].set_index("model")["share"]
    out = []
    for label, remedy in remedy_of.items():
        lost = int(sub.loc[plain, "model_solved"]) - int(sub.loc[label, "model_solved"])
        if remedy != "more_rollouts" or lost <= 0:
            continue
        mine, theirs = share.get(label, 0.0), share.get(plain, 0.0)
        why = (f"its careful share on tier {tier} is {mine:.3f} against plain GRPO's {theirs:.3f}: it moved further "
               f"onto the shortcut, which the capped rollouts on long prompts reward alone (the paper's runs have "
               f"no such cap on the careful path)" if mine < theirs else
               f"its careful share on tier {tier} ({mine:.3f}) is not below plain GRPO's ({theirs:.3f}), so the "
               f"loss is not a further move onto the shortcut")
        out.append(f"{label} loses {lost} tier-{tier} problems that plain GRPO keeps, the opposite of the paper's "
                   f"Fig. 15. It trains with {rollouts[label]} rollouts per prompt instead of {rollouts[plain]} for "
                   f"the same number of steps, {rollouts[label] / rollouts[plain]:g}x the samples per step; {why}. "
                   f"This is one training seed; the over-seeds section below tests the paper's 32-rollout claim.")
    return " ".join(out)


def perplexity_worlds_sentences(results: dict) -> str:
    """:func:`perplexity_sentence` for each world (``{world: MicroResults}``), one markdown list item each, with
    whether RL's answers are more likely under the base than the base's own (the paper's Fig. 6 reading)."""
    lines = []
    for name, res in results.items():
        summary = tables.perplexity_summary(res.perplexity)
        if summary.empty:
            lines.append(f"- **{name}**: no perplexity (tier B was not sampled).")
            continue
        rl = res.one(main=True, final=True)
        medians = summary[summary["scorer"] == "base"].set_index("answers_from")["median"]
        relation = ("below" if medians[rl] < medians["base"] else "above" if medians[rl] > medians["base"]
                    else "equal to")
        lines.append(f"- **{name}** ({res.config.rl.trainer.steps} RL steps, seed {res.config.seed}): "
                     f"{perplexity_sentence(summary)} The median of PPL_base(Y_{rl}) is {relation} that of "
                     f"PPL_base(Y_base) ({medians[rl]:.2f} vs {medians['base']:.2f}); the paper (Fig. 6) finds RL's "
                     f"answers at the low end of the base's own.")
    return "\n".join(lines)


def instruct_sentence(summary: dict, cov: pd.DataFrame, model: str = "instruct") -> str:
    """What the instruct model is and what it solves (``summary``: :func:`boundary_lab.report.instruct_summary`;
    ``cov``: :func:`boundary_lab.tables.coverage` by tier, with the instruct model among its models)."""
    rows = cov[cov["model"] == model]
    per_tier = "; ".join(f"tier {r['tier']}: {int(r['model_solved'])} problems against the base's "
                         f"{int(r['base_solved'])} ({int(r['compared_only'])} the base never solves, "
                         f"{int(r['base_only'])} lost)" for r in rows.to_dict("records"))
    if not summary["kept"]:
        trained = ("the base solved none of them, so nothing was kept and the instruct model is the base "
                   "unchanged")
    else:
        trained = (f"it kept {summary['kept']} distinct whole-chain-correct traces on {summary['problems_kept']} "
                   f"problems and fine-tuned the base on them for {summary['steps']} steps")
    return (f"The instruct model sampled the base {summary['per_problem']} times at T = {summary['temperature']:g} "
            f"on {summary['problems']} training problems ({summary['samples']} samples); {trained}. It solves, "
            f"{per_tier}.")


def adaptive_sentence(table: pd.DataFrame) -> str:
    """Adaptive vs uniform sampling at the same budget, one clause per model
    (a :func:`boundary_lab.forecast.adaptive_vs_uniform` frame).

    >>> t = pd.DataFrame({"model": ["rl", "rl"], "sampling": ["adaptive", "uniform"], "samples": [640, 640],
    ...                   "largest n": [144, 64], "solved at k=256": [8.4, 9.1], "95% interval": ["", ""],
    ...                   "truth (n=256)": [9.0, 9.0], "error": [-0.6, 0.1]})
    >>> adaptive_sentence(t)  # doctest: +NORMALIZE_WHITESPACE
    'With the same samples, the forecast number of problems solved at k = 256 is 8.4 from adaptive and 9.1 from
    uniform sampling for rl (truth 9.0 from all 256 samples: errors -0.6 and +0.1).'
    """
    solved = next((c for c in table.columns if c.startswith("solved at k=")), None)
    truth = next((c for c in table.columns if c.startswith("truth (n=")), None)
    if solved is None or table.empty or (table["sampling"] == "not replayed").all():
        return ("Adaptive vs uniform sampling was not replayed: the book draws fewer samples per problem than "
                "the first round or the budget needs.")
    k, n = solved.split("=")[1], truth.split("=")[1].rstrip(")")
    parts = []
    for model, sub in table[table["sampling"] != "not replayed"].groupby("model", sort=False):
        row = sub.set_index("sampling")
        parts.append(f"{row.loc['adaptive', solved]:.1f} from adaptive and {row.loc['uniform', solved]:.1f} from "
                     f"uniform sampling for {model} (truth {row.loc['adaptive', truth]:.1f} from all {n} samples: "
                     f"errors {row.loc['adaptive', 'error']:+.1f} and {row.loc['uniform', 'error']:+.1f})")
    return f"With the same samples, the forecast number of problems solved at k = {k} is " + "; ".join(parts) + "."
