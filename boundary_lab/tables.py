"""Every table behind the book, the CLI and LOG.md, computed from counts in one place.

Each function takes a tidy counts frame (``model, problem_id, n, correct`` plus
optional columns such as ``tier``, ``kind`` or ``answer_correct``) and returns a
tidy frame, so the same call serves a micro-world run and a 7B model's sample
store. An unknown model name and two models that do not cover the same problems
are errors (:class:`~boundary_lab.errors.InputError`), never a silent intersection.
``by`` names a column that splits the problems into groups (e.g. ``"tier"``).

>>> import pandas as pd
>>> counts = pd.DataFrame({"model": ["base", "base", "rl", "rl"], "problem_id": ["a", "b", "a", "b"],
...                        "n": [4, 4, 4, 4], "correct": [1, 2, 4, 0]})
>>> coverage(counts, "base", ["rl"])[["model", "both", "base_only", "compared_only"]].to_dict("records")
[{'model': 'rl', 'both': 1, 'base_only': 1, 'compared_only': 0}]
>>> delta_se(counts, "base", ["rl"])[["model", "K", "delta_se"]].to_dict("records")
[{'model': 'rl', 'K': 4, 'delta_se': 0.5}]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import passk
from .counts import align, check_k, select_model
from .errors import InputError
from .micro.regimes import regime_config
from .micro.task import careful_only_share
from .settings import leaf_fields


def _groups(counts: pd.DataFrame, by: str | None):
    if by is None:
        yield {}, counts
    else:
        for key, group in counts.groupby(by, sort=True):
            yield {by: key}, group


def _pair(group: pd.DataFrame, base: str, other: str, source: str = "counts") -> pd.DataFrame:
    """Both models' rows joined on problem id; unknown names and unpaired problems are errors."""
    return align(select_model(group, base, source), select_model(group, other, source), source)


def _kind(rows: pd.DataFrame) -> dict:
    """The model's ``kind`` column, carried into a table when the counts have it (plots colour by it)."""
    return {"kind": rows["kind"].iloc[0]} if "kind" in rows else {}


def common_n(counts: pd.DataFrame, models: list[str]) -> int:
    """The largest k every listed model reaches on every problem: the default K of ΔSE and pass@n."""
    return int(min(select_model(counts, m)["n"].min() for m in models))


def pass_table(counts: pd.DataFrame, models: list[str], ks: list[int] | None = None, by: str | None = None,
               correct: str = "correct") -> pd.DataFrame:
    """pass@k of each model (rows) at a few k (columns; default 1 and the common n): the paper's Tables 2-3."""
    ks = ks or [1, common_n(counts, models)]
    rows = []
    for key, group in _groups(counts, by):
        for model in models:
            sub = select_model(group, model)
            values = passk.pass_at_k_curve(sub["n"], sub[correct], ks)
            rows.append({**key, "model": model, **{f"pass@{k}": float(v) for k, v in zip(ks, values)}})
    return pd.DataFrame(rows)


def curves(counts: pd.DataFrame, models: list[str] | None = None, by: str | None = None, ks=None,
           correct: str = "correct", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """pass@k curves with 95% problem-bootstrap intervals, one row per (model, group, k), in ``models`` order.

    A ``kind`` column in ``counts`` is carried along (the plots colour by it).

    >>> df = pd.DataFrame({"model": ["a", "a"], "problem_id": ["p", "q"], "n": [4, 4], "correct": [4, 1]})
    >>> curves(df, ks=[1, 2])[["model", "k", "pass_at_k"]].to_dict("records")
    [{'model': 'a', 'k': 1, 'pass_at_k': 0.625}, {'model': 'a', 'k': 2, 'pass_at_k': 0.75}]
    """
    models = list(dict.fromkeys(counts["model"])) if models is None else models
    ks = ks or passk.default_ks(common_n(counts, models))
    rows = []
    for model in models:
        sub = select_model(counts, model)
        check_k(sub, ks)
        for key, group in _groups(sub, by):
            cur = passk.bootstrap_curve(group["n"].to_numpy(), group[correct].to_numpy(), ks, n_boot=n_boot, seed=seed)
            rows += [{"model": model, **_kind(group), **key, "k": k, "pass_at_k": float(v), "low": float(lo),
                      "high": float(hi), "n_problems": cur.n_problems}
                     for k, v, lo, hi in zip(cur.ks, cur.value, cur.low, cur.high)]
    out = pd.DataFrame(rows)
    return out.sort_values([by, "model"] if by else ["model"], key=lambda s: s.map(
        {m: i for i, m in enumerate(models)}) if s.name == "model" else s, kind="stable").reset_index(drop=True)


def paired(counts: pd.DataFrame, base: str, other: str, by: str | None = None, ks=None, n_boot: int = 1000,
           seed: int = 0, correct: str = "correct", source: str = "counts") -> pd.DataFrame:
    """Per group and k: ``other`` minus ``base`` pass@k with a paired bootstrap 95% interval, wins/losses/ties."""
    rows = []
    for key, group in _groups(counts, by):
        merged = _pair(group, base, other, source)
        group_ks = ks or passk.default_ks(int(min(merged["n_base"].min(), merged["n_rl"].min())))
        pc = passk.paired_comparison(merged["n_rl"], merged[f"{correct}_rl"], merged["n_base"],
                                     merged[f"{correct}_base"], group_ks, n_boot=n_boot, seed=seed)
        rows += [{**key, "k": int(k), **row} for k, row in pc.to_dict().items()]
    return pd.DataFrame(rows)


def coverage(counts: pd.DataFrame, base: str, others: list[str], by: str | None = None,
             correct: str = "correct") -> pd.DataFrame:
    """Both / base only / other only / neither per model (and group); solved = at least one correct."""
    rows = []
    for key, group in _groups(counts, by):
        for other in others:
            merged = _pair(group, base, other)
            cov = passk.coverage_sets(merged["problem_id"].tolist(), merged[f"{correct}_base"], merged[f"{correct}_rl"])
            d = cov.to_dict()
            rows.append({**key, "model": other, "both": d["both"], "base_only": d["base_only"],
                         "compared_only": d["compared_only"], "neither": d["neither"],
                         "base_solved": d["both"] + d["base_only"],
                         "model_solved": d["both"] + d["compared_only"], "subset_of_base": cov.rl_subset_of_base,
                         "compared_only_ids": " ".join(map(str, d["compared_only_ids"]))})
    return pd.DataFrame(rows)


def solvable_ids(counts: pd.DataFrame, models: list[str], correct: str = "correct") -> pd.DataFrame:
    """Solvable problem ids of each model, in problem order (the paper's Table 4)."""
    rows = []
    for model in models:
        sub = select_model(counts, model)
        rows.append({"model": model, "solved": int((sub[correct] > 0).sum()), "of": len(sub),
                     "problem_ids": " ".join(map(str, sub.loc[sub[correct] > 0, "problem_id"]))})
    return pd.DataFrame(rows)


def histograms(counts: pd.DataFrame, models: list[str], by: str | None = None,
               correct: str = "correct") -> pd.DataFrame:
    """Tidy accuracy histograms (bins 0..10 = the paper's 0, (0,0.1], ..., (0.9,1.0])."""
    rows = []
    for key, group in _groups(counts, by):
        for model in models:
            sub = select_model(group, model)
            rows += [{**key, "model": model, **_kind(sub), "bin": b, "label": passk.HISTOGRAM_LABELS[b],
                      "count": int(count)}
                     for b, count in enumerate(passk.accuracy_histogram(sub["n"], sub[correct]))]
    return pd.DataFrame(rows)


def delta_se(counts: pd.DataFrame, base: str, models: list[str], k: int | None = None, by: str | None = None,
             correct: str = "correct") -> pd.DataFrame:
    """ΔSE = pass@K(base) - pass@1(model) per model (paper Fig. 8), with both ends shown and K in every row.

    K defaults to the largest common n of the base and the listed models (the paper uses 256)."""
    big_k = int(k or common_n(counts, [base, *models]))
    rows = []
    for key, group in _groups(counts, by):
        for model in models:
            pair = _pair(group, base, model)
            n_base, c_base = pair["n_base"], pair[f"{correct}_base"]
            n_model, c_model = pair["n_rl"], pair[f"{correct}_rl"]
            rows.append({**key, "model": model, "K": big_k,
                         "base pass@K": float(passk.pass_at_k_curve(n_base, c_base, [big_k])[0]),
                         "pass@1": float(passk.pass_at_k_curve(n_model, c_model, [1])[0]),
                         "pass@K": float(passk.pass_at_k_curve(n_model, c_model, [big_k])[0]),
                         "delta_se": passk.delta_se(n_base, c_base, n_model, c_model, k=big_k)})
    return pd.DataFrame(rows)


def solved_at(n, c, k: int) -> int | float:
    """Problems solved within k samples: the sum of per-problem pass@k (an exact count when every n is k,
    since pass@n is 1 exactly when a problem has a correct sample; an expected count otherwise), so
    two models with different n are compared at the same k.

    >>> solved_at([4, 4, 4], [0, 1, 4], 4), solved_at([8, 8], [0, 4], 4)
    (2, 0.9857142857142858)
    """
    total = float(passk.pass_at_k_matrix(n, c, [k])[:, 0].sum())
    return int(total) if bool(np.all(np.asarray(n) == k)) else total


def crossover(counts: pd.DataFrame, base: str, other: str, by: str | None = None, correct: str = "correct",
              n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per group, on every k from 1 to the common n: both ends of both curves, the problems solved at
    k_max (the same k for both), the subset relation, and the crossover (:func:`passk.crossover`: the
    smallest k from which the base stays at or above the other model through k_max, how often the
    lead changes hands, and base - other at k_max with its paired 95% interval; ``pattern`` names the case).

    >>> counts = pd.DataFrame({"model": ["b"] * 4 + ["r"] * 4, "problem_id": list("wxyz") * 2, "n": 16,
    ...                        "correct": [12, 0, 11, 11, 2, 14, 16, 3]})
    >>> row = crossover(counts, "b", "r").to_dict("records")[0]
    >>> row["crossover k"], row["crossings"], row["pattern"], row["base solved"], row["model solved"]
    (None, 2, 'other ends ahead', 3, 4)
    """
    rows = []
    for key, group in _groups(counts, by):
        pair = _pair(group, base, other)
        n_base, c_base, n_other, c_other = pair["n_base"], pair[f"{correct}_base"], pair["n_rl"], pair[f"{correct}_rl"]
        found = passk.crossover(n_base, c_base, n_other, c_other, n_boot=n_boot, seed=seed)
        k_max = found.k_max
        base_ends = passk.pass_at_k_curve(n_base, c_base, [1, k_max])
        other_ends = passk.pass_at_k_curve(n_other, c_other, [1, k_max])
        rows.append({**key, "base": base, "model": other, "k_max": k_max, "base pass@1": base_ends[0],
                     "model pass@1": other_ends[0], "base pass@k_max": base_ends[1], "model pass@k_max": other_ends[1],
                     "base solved": solved_at(n_base, c_base, k_max),
                     "model solved": solved_at(n_other, c_other, k_max),
                     "problems": len(pair), "subset_of_base": bool(((c_other == 0) | (c_base > 0)).all()),
                     "crossover k": found.k, "crossings": found.crossings, "diff at k_max": found.diff,
                     "ci_low": found.low, "ci_high": found.high, "end": found.end, "pattern": found.pattern})
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame whose ``crossover k`` keeps ints and None as they are: a row without a crossover
    must not turn the others' k into floats (``k = 3.0`` in a sentence or a page's table)."""
    table = pd.DataFrame(rows)
    if rows and "crossover k" in table:
        table["crossover k"] = pd.Series([r["crossover k"] for r in rows], index=table.index, dtype=object)
    return table


def strategy_share(shares: pd.DataFrame, strategy: str = "careful", models: list[str] | None = None) -> pd.DataFrame:
    """Share of one strategy (``careful`` or ``shortcut``) per model (rows) and tier (columns).

    An unknown model name is an error, never an empty frame."""
    sub = shares[shares["strategy"] == strategy]
    if models is not None:
        unknown = [m for m in models if m not in set(shares["model"])]
        if unknown:
            raise InputError(f"strategy shares: unknown model {unknown[0]!r}; the shares have "
                             f"{sorted(shares['model'].unique())}")
        sub = sub[sub["model"].isin(models)]
    return sub.pivot_table(index="model", columns="tier", values="share", sort=False).reset_index()


def lucky_answers(counts: pd.DataFrame, models: list[str], max_accuracy: float = 0.05) -> pd.DataFrame:
    """The paper's §3.1 check, automated: hard problems solved by answer, and how many have a valid chain.

    A problem counts as *hard but solvable* when 0 < answer accuracy <= ``max_accuracy``
    (the paper inspected problems with accuracy between 0 and 5%). It is *valid* when
    at least one sample has a correct answer *and* a valid chain.
    """
    if "answer_correct" not in counts:
        raise InputError("counts: column 'answer_correct' is needed for the chain-validity check")
    rows = []
    for model in models:
        sub = select_model(counts, model)
        acc = sub["answer_correct"] / sub["n"]
        hard = sub[(acc > 0) & (acc <= max_accuracy)]
        lucky = int((sub["answer_correct"] - sub["correct"]).sum())
        rows.append({"model": model, "hard_solvable": len(hard), "with_valid_chain": int((hard["correct"] > 0).sum()),
                     "answer_correct_samples": int(sub["answer_correct"].sum()), "lucky_samples": lucky,
                     "lucky_share": lucky / max(1, int(sub["answer_correct"].sum()))})
    return pd.DataFrame(rows)


def perplexity_summary(ppl: pd.DataFrame) -> pd.DataFrame:
    """Median and quartiles of perplexity per (scorer, answers_from)."""
    g = ppl.groupby(["scorer", "answers_from"], sort=False)["ppl"]
    return g.agg(median="median", q25=lambda s: np.quantile(s, 0.25), q75=lambda s: np.quantile(s, 0.75),
                 responses="count").reset_index()


def passk_report(counts: pd.DataFrame, ks: list[int]) -> dict[str, dict[str, float]]:
    """``{model: {k: pass@k}}`` in the order models first appear (``boundary-lab passk --format json``)."""
    table = pass_table(counts, list(dict.fromkeys(counts["model"])), ks)
    return {row.pop("model"): {c.removeprefix("pass@"): v for c, v in row.items()} for row in table.to_dict("records")}


def compare_report(counts: pd.DataFrame, base: str, rl: str, k: int | None = None, ks=None, n_boot: int = 1000,
                   seed: int = 0, source: str = "counts") -> dict:
    """Coverage sets, ΔSE and paired differences of ``rl`` vs ``base`` (``boundary-lab compare --format json``)."""
    merged = _pair(counts, base, rl, source)
    n_b, c_b = merged["n_base"].to_numpy(), merged["correct_base"].to_numpy()
    n_r, c_r = merged["n_rl"].to_numpy(), merged["correct_rl"].to_numpy()
    k = int(min(n_b.min(), n_r.min())) if k is None else k
    ks = passk.parse_ks(ks) if ks else passk.default_ks(k)
    for side in ("base", "rl"):
        check_k(merged.rename(columns={f"n_{side}": "n", f"model_{side}": "model", f"_line_{side}": "_line"}),
                [k, *ks], source)
    cov = passk.coverage_sets(merged["problem_id"].tolist(), c_b, c_r)
    report = cov.to_dict()
    report.update({
        "base": base, "rl": rl, "n_problems": int(len(merged)), "rl_subset_of_base": cov.rl_subset_of_base,
        "k": int(k), "delta_se": passk.delta_se(n_b, c_b, n_r, c_r, k=k),
        "pass_at_k": {name: {str(at): float(v) for at, v in zip(ks, passk.pass_at_k_curve(n, c, ks))}
                      for name, n, c in ((base, n_b, c_b), (rl, n_r, c_r))},
        "paired_rl_minus_base": passk.paired_comparison(n_r, c_r, n_b, c_b, ks, n_boot=n_boot, seed=seed).to_dict(),
    })
    return report


# ------------------------------------------------------------------ one tier of micro-world counts


def _tier(counts: pd.DataFrame, tier: str | None) -> pd.DataFrame:
    return counts[counts["tier"] == tier] if tier else counts


def tier_summary(counts: pd.DataFrame, base: str, other: str, tier: str | None = "B") -> dict:
    """pass@1, pass@16 and pass@k_max of both models on one tier, the problems each solves at k_max (the
    same k for both), base_only / compared_only (solved at least once by one model only), the careful share of
    each model's samples and the crossover (:func:`passk.crossover`). ``"rl"`` names ``other``.

    >>> counts = pd.DataFrame({"model": ["b"] * 4 + ["r"] * 4, "problem_id": list("wxyz") * 2, "n": 16,
    ...                        "correct": [12, 0, 11, 11, 2, 14, 16, 3], "careful": [4, 0, 0, 0, 0, 0, 0, 8],
    ...                        "tier": "B"})
    >>> row = tier_summary(counts, "b", "r")
    >>> row["rl solved"], row["base_only"], row["compared_only"], row["base careful"]
    (4, 0, 1, 0.0625)
    >>> row["crossover k"], row["crossings"]
    (None, 2)
    """
    pair = _pair(_tier(counts, tier), base, other, f"counts (tier {tier})")
    k_max = int(min(pair["n_base"].min(), pair["n_rl"].min()))
    row = {"k_max": k_max, "problems": len(pair)}
    for who in ("base", "rl"):
        n, c = pair[f"n_{who}"], pair[f"correct_{who}"]
        ends = passk.pass_at_k_curve(n, c, [1, min(16, k_max), k_max])
        row.update({f"{who} pass@1": ends[0], f"{who} pass@16": ends[1], f"{who} pass@kmax": ends[2],
                    f"{who} solved": solved_at(n, c, k_max),
                    f"{who} careful": float(pair[f"careful_{who}"].sum() / n.sum())})
    row["base_only"] = int(((pair["correct_base"] > 0) & (pair["correct_rl"] == 0)).sum())
    row["compared_only"] = int(((pair["correct_rl"] > 0) & (pair["correct_base"] == 0)).sum())
    found = passk.crossover(pair["n_base"], pair["correct_base"], pair["n_rl"], pair["correct_rl"])
    row.update({"crossover k": found.k, "crossings": found.crossings, "end at k_max": found.end})
    return row


def careful_share_by_length(counts: pd.DataFrame, models: list[str], tier: str = "B") -> pd.DataFrame:
    """Careful-strategy share of each model's samples per chain length on one tier."""
    for model in models:
        select_model(counts, model)
    sub = counts[(counts["tier"] == tier) & counts["model"].isin(models)]
    sums = sub.groupby(["model", "length"])[["careful", "n"]].sum()
    return (sums["careful"] / sums["n"]).rename("careful share").reset_index()


# ------------------------------------------------------------------ seeds: per-seed rows, two intervals


def _seed_pairs(counts_by_seed: list[pd.DataFrame], model_a: str, model_b: str, tier: str | None) -> list:
    """Each seed's rows of both models on one tier, joined by problem id; every seed must hold the same problems."""
    if not counts_by_seed:
        raise InputError("counts_by_seed: no seeds given")
    pairs = [_pair(_tier(c, tier), model_a, model_b, f"counts of seed #{i} (tier {tier})")
             for i, c in enumerate(counts_by_seed)]
    for i, pair in enumerate(pairs[1:], 1):
        if pair["problem_id"].tolist() != pairs[0]["problem_id"].tolist():
            raise InputError(f"counts of seed #{i}: evaluated on different held-out problems than seed #0")
    return pairs


def seed_table(counts_by_seed: list[pd.DataFrame], base: str, other: str, seeds: list[int] | None = None,
               tier: str | None = "B") -> pd.DataFrame:
    """One row per seed (its own trained models): :func:`tier_summary` of ``base`` vs ``other``."""
    seeds = list(range(len(counts_by_seed))) if seeds is None else list(seeds)
    if len(seeds) != len(counts_by_seed):
        raise InputError(f"seeds: {len(seeds)} labels for {len(counts_by_seed)} counts frames")
    return _frame([{"seed": s, **tier_summary(c, base, other, tier)} for s, c in zip(seeds, counts_by_seed)])


def seed_difference(counts_by_seed: list[pd.DataFrame], model_a: str, model_b: str, ks: list[int] | None = None,
                    tier: str | None = "B", n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """pass@k(model_a) - pass@k(model_b), mean over seeds, with two paired 95% bootstrap intervals per k
    (:func:`passk.seed_bootstrap`), each labelled by what it holds fixed in ``conditions_on``: the
    seeds' trained models (problems resampled), or nothing (seeds, then problems resampled). ``ks``
    defaults to the largest n common to every seed and both models.

    Two seeds of two problems, n = 2: at k = 2 the base (one correct sample each) leads RL by 1 on
    both problems in seed #0, by 1 and 0 in seed #1; the mean is 0.75. Held fixed, the seeds' mean per
    problem is 0.5 or 1, so a replicate is 0.5, 0.75 or 1; resampled, a replicate can be seed #1 alone
    on its second problem (0), with probability 1/16 > 2.5%.

    >>> def seed(rl):
    ...     return pd.DataFrame({"model": ["base", "base", "rl", "rl"], "problem_id": ["p", "q"] * 2,
    ...                          "n": 2, "correct": [1, 1, *rl], "tier": "B"})
    >>> table = seed_difference([seed([0, 0]), seed([0, 2])], "base", "rl", ks=[1, 2])
    >>> for row in table[table["k"] == 2].to_dict("records"):
    ...     print(row["diff"], row["ci_low"], row["ci_high"], row["conditions_on"])
    0.75 0.5 1.0 these seeds' trained models (problems resampled)
    0.75 0.0 1.0 nothing: seeds and problems resampled
    """
    pairs = _seed_pairs(counts_by_seed, model_a, model_b, tier)
    ks = ks or [int(min(min(p["n_base"].min(), p["n_rl"].min()) for p in pairs))]
    values = np.stack([passk.pass_at_k_matrix(p["n_base"], p["correct_base"], ks)
                       - passk.pass_at_k_matrix(p["n_rl"], p["correct_rl"], ks) for p in pairs])
    rows = []
    for resample_seeds in (False, True):
        found = passk.seed_bootstrap(values, n_boot=n_boot, seed=seed, resample_seeds=resample_seeds)
        rows += [{"k": int(k), "seeds": found.seeds, "problems": found.problems, "diff": float(v), "ci_low": float(lo),
                  "ci_high": float(hi), "conditions_on": found.conditions_on}
                 for k, v, lo, hi in zip(ks, found.value, found.low, found.high)]
    return pd.DataFrame(rows)


def seed_curves(counts_by_seed: list[pd.DataFrame], models: list[str], ks: list[int] | None = None,
                tier: str | None = "B", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """pass@k of each model, mean over seeds, with both 95% intervals per k (``conditions_on`` as in
    :func:`seed_difference`), one row per (model, k, conditions_on)."""
    rows = []
    for model in models:
        frames = [select_model(_tier(c, tier), model, f"counts of seed #{i} (tier {tier})")
                  for i, c in enumerate(counts_by_seed)]
        if any(f["problem_id"].tolist() != frames[0]["problem_id"].tolist() for f in frames):
            raise InputError(f"counts of model {model!r}: the seeds were evaluated on different held-out problems")
        model_ks = ks or passk.default_ks(int(min(f["n"].min() for f in frames)))
        values = np.stack([passk.pass_at_k_matrix(f["n"], f["correct"], model_ks) for f in frames])
        for resample_seeds in (False, True):
            found = passk.seed_bootstrap(values, n_boot=n_boot, seed=seed, resample_seeds=resample_seeds)
            rows += [{"model": model, "k": int(k), "pass_at_k": float(v), "low": float(lo), "high": float(hi),
                      "seeds": found.seeds, "conditions_on": found.conditions_on}
                     for k, v, lo, hi in zip(model_ks, found.value, found.low, found.high)]
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ the phase diagram


def grid_tables(cell_runs: list[dict], base: str = "base", tier: str = "B",
                n_boot: int = 2000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A phase diagram's tables from its runs, ``(runs, cells)``.

    ``cell_runs``: one dict per (cell, seed) with ``cell`` (the cell's dotted settings), ``seed``,
    ``model`` (the final RL label) and ``counts``. ``runs`` has one row per (cell, seed):
    the settings and :func:`tier_summary`. ``cells`` one row per cell: the coverage change at
    k_max (base solved - RL solved, mean over seeds) with its interval holding the seeds fixed
    (``ci_low``, ``ci_high``) and the seed-aware one (``seed_ci_low``, ``seed_ci_high``), the pass@1
    change (RL - base) with its seed-aware interval, base_only, compared_only and the careful share.
    """
    runs, cells, order = [], [], []
    by_cell: dict = {}
    for run in cell_runs:
        key = tuple(sorted(run["cell"].items()))
        if key not in by_cell:
            order.append(key)
        by_cell.setdefault(key, []).append(run)
    for key in order:
        group, cell = by_cell[key], dict(by_cell[key][0]["cell"])
        model = group[0]["model"]
        mine = seed_table([r["counts"] for r in group], base, model, [r["seed"] for r in group], tier)
        runs += [{**cell, **row} for row in mine.to_dict("records")]
        k_max = int(mine["k_max"].min())
        counts = [r["counts"] for r in group]
        coverage = seed_difference(counts, base, model, [k_max], tier, n_boot).set_index("conditions_on")
        pass1 = seed_difference(counts, model, base, [1], tier, n_boot).set_index("conditions_on")
        fixed, both = passk.CONDITIONS_ON[False], passk.CONDITIONS_ON[True]
        size = int(mine["problems"].iloc[0])
        # pass@n is 1 exactly when a problem is solved, so the pass@k_max difference times the
        # number of problems is the difference of solved counts.
        cells.append({**cell, "seeds": len(group), "k_max": k_max,
                      "coverage change": coverage.loc[fixed, "diff"] * size,
                      "ci_low": coverage.loc[fixed, "ci_low"] * size, "ci_high": coverage.loc[fixed, "ci_high"] * size,
                      "seed_ci_low": coverage.loc[both, "ci_low"] * size,
                      "seed_ci_high": coverage.loc[both, "ci_high"] * size,
                      "pass@1 change": pass1.loc[both, "diff"], "pass@1 ci_low": pass1.loc[both, "ci_low"],
                      "pass@1 ci_high": pass1.loc[both, "ci_high"],
                      "base_only": float(mine["base_only"].mean()),
                      "compared_only": float(mine["compared_only"].mean()),
                      "rl careful": float(mine["rl careful"].mean())})
    return pd.DataFrame(runs), pd.DataFrame(cells)


# ------------------------------------------------------------------ regimes side by side


def _main(res) -> list[str]:
    """The main RL run's checkpoints of one regime's results, in step order."""
    return res.select(kind="rl", main=True)


def regime_table(results: dict, tier: str = "B") -> pd.DataFrame:
    """One row per regime: :func:`tier_summary` of the base vs the main run's final checkpoint."""
    return _frame([{"regime": name, "model": _main(res)[-1], **tier_summary(res.counts, "base", _main(res)[-1], tier)}
                   for name, res in results.items()])


def regime_coverage(results: dict, tier: str = "B") -> pd.DataFrame:
    """:func:`coverage` of every main checkpoint against the base on one tier, per regime."""
    return pd.concat([coverage(_tier(res.counts, tier), "base", _main(res)).assign(regime=name)
                      for name, res in results.items()], ignore_index=True)


def regime_curves(results: dict, tier: str = "B", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """pass@k curves (with bootstrap bands) of the base and every main checkpoint on one tier, per regime."""
    return pd.concat([curves(_tier(res.counts, tier), ["base", *_main(res)], n_boot=n_boot, seed=seed)
                      .assign(regime=name) for name, res in results.items()], ignore_index=True)


def share_per_checkpoint(results: dict, tier: str = "B") -> pd.DataFrame:
    """Careful share of each checkpoint's samples on one tier, overall and per chain length, per regime."""
    rows = []
    for name, res in results.items():
        models = ["base", *_main(res)]
        step = dict(zip(res.models["model"], res.models["step"]))
        sub = res.counts[(res.counts["tier"] == tier) & res.counts["model"].isin(models)]
        for model, rows_of_model in sub.groupby("model", sort=False):
            parts = [("all", rows_of_model)] + [(str(length), g) for length, g in rows_of_model.groupby("length")]
            rows += [{"regime": name, "model": model, "step": int(step.get(model, 0)), "length": length,
                      "careful share": part["careful"].sum() / part["n"].sum()} for length, part in parts]
    return pd.DataFrame(rows).sort_values(["regime", "length", "step"]).reset_index(drop=True)


def validity_curves(results: dict, tier: str = "B", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """pass@k of the base and the final RL checkpoint on one tier, counted two ways: the whole chain
    valid (the primary metric) and the answer alone (lucky answers included), per regime."""
    frames = []
    for name, res in results.items():
        sub, models = _tier(res.counts, tier), ["base", _main(res)[-1]]
        for metric, column in (("whole chain", "correct"), ("answer only", "answer_correct")):
            cur = curves(sub, models, correct=column, n_boot=n_boot, seed=seed)
            frames.append(cur.assign(model=cur["model"] + f", {metric}", regime=name))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------ the shipped multi-seed study


def seed_study_table(study, n_max: int, tier: str | None = "B", regimes: list[str] | None = None) -> pd.DataFrame:
    """One row per (regime, seed) of a :class:`boundary_lab.measured.SeedStudy`: :func:`tier_summary` of the
    base vs the seed's final RL checkpoint at ``n_max`` samples per problem, and base - RL at k_max."""
    rows = []
    for regime in regimes or study.regimes:
        seeds, frames = study.by_seed(regime, n_max)
        table = seed_table(frames, "base", "rl", seeds, tier)
        table.insert(0, "regime", regime)
        table["base - rl at k_max"] = table["base pass@kmax"] - table["rl pass@kmax"]
        rows.append(table)
    return pd.concat(rows, ignore_index=True)


def seed_study_intervals(study, n_max: int, tier: str | None = "B", n_boot: int = 2000,
                         regimes: list[str] | None = None) -> pd.DataFrame:
    """Per regime, base - RL at k = 1 and at k = ``n_max``, mean over seeds, with both 95% intervals
    (:func:`seed_difference`: these seeds' trained models held fixed, or seeds resampled too)."""
    rows = []
    for regime in regimes or study.regimes:
        seeds, frames = study.by_seed(regime, n_max)
        diff = seed_difference(frames, "base", "rl", ks=[1, n_max], tier=tier, n_boot=n_boot)
        diff.insert(0, "regime", regime)
        rows.append(diff)
    return pd.concat(rows, ignore_index=True)


def _mix_values(pair: pd.DataFrame, weights: dict, ks: list[int]) -> np.ndarray:
    """Per problem: (base pass@k, RL pass@k for each k, base solved, RL solved), each scaled so that the
    plain mean over problems is the ``weights``-weighted mean over tiers."""
    sizes = pair["tier"].map(pair["tier"].value_counts())
    scale = (pair["tier"].map(weights) * len(pair) / sizes).to_numpy()[:, None]
    cols = [passk.pass_at_k_matrix(pair["n_base"], pair["correct_base"], ks),
            passk.pass_at_k_matrix(pair["n_rl"], pair["correct_rl"], ks),
            (pair["correct_base"].to_numpy() > 0)[:, None].astype(float),
            (pair["correct_rl"].to_numpy() > 0)[:, None].astype(float)]
    return np.hstack(cols) * scale


def mix_table(study, regime: str, n_max: int, weights: dict, n_boot: int = 2000) -> pd.DataFrame:
    """One benchmark that mixes tiers in the given proportions (``weights``: tier -> share, summing to 1),
    for each seed of a study regime and over seeds: pass@1 and pass@k_max of base and RL, the share of
    problems each solves at k_max, and the two changes (RL - base pass@1, RL - base solved share) with the
    seed-aware 95% interval (seeds, then problems, resampled)."""
    if abs(sum(weights.values()) - 1) > 1e-9:
        raise InputError(f"weights: the tier shares must sum to 1, got {weights}")
    seeds, frames = study.by_seed(regime, n_max)
    pairs = [_pair(c[c["tier"].isin(list(weights))], "base", "rl", f"counts of seed {s}").merge(
        c[c["model"] == "base"][["problem_id", "tier"]], on="problem_id") for s, c in zip(seeds, frames)]
    ks = [1, n_max]
    values = np.stack([_mix_values(p, weights, ks) for p in pairs])  # seeds x problems x 6
    names = ["base pass@1", f"base pass@{n_max}", "rl pass@1", f"rl pass@{n_max}", "base solved share",
             "rl solved share"]
    rows = [{"seed": s, **dict(zip(names, v.mean(axis=0)))} for s, v in zip(seeds, values)]
    table = pd.DataFrame(rows)
    change = np.stack([values[..., 2] - values[..., 0], values[..., 5] - values[..., 4]], axis=-1)
    found = passk.seed_bootstrap(change, n_boot=n_boot)
    table["pass@1 change"] = table["rl pass@1"] - table["base pass@1"]
    table["solved share change"] = table["rl solved share"] - table["base solved share"]
    summary = {"seed": "all", **{c: table[c].mean() for c in names},
               "pass@1 change": float(found.value[0]), "solved share change": float(found.value[1]),
               "pass@1 change low": float(found.low[0]), "pass@1 change high": float(found.high[0]),
               "solved share change low": float(found.low[1]), "solved share change high": float(found.high[1])}
    return pd.concat([table, pd.DataFrame([summary])], ignore_index=True)


def mix_weights(regime: str = "narrowing") -> dict:
    """Tier shares of a benchmark drawn like a regime's own problems of the held-out tiers' lengths: tier B
    (careful-only) at its natural share (:func:`boundary_lab.micro.task.careful_only_share`), tier A the rest."""
    share = careful_only_share(regime_config(regime).task)
    return {"A": 1.0 - share, "B": share}


def mix_tables(study, regimes: list[str], n_max: int, weights: dict, n_boot: int = 2000) -> pd.DataFrame:
    """:func:`mix_table` of several study regimes, one frame with a ``regime`` column."""
    return pd.concat([mix_table(study, r, n_max, weights, n_boot).assign(regime=r) for r in regimes],
                     ignore_index=True)


def study_grid(study, regimes: list[str], axes: tuple[str, ...] = ("rl.max_new_tokens", "rl.tier_b_share"),
               n_max: int = 1024, tier: str = "B", n_boot: int = 2000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A phase diagram's ``(runs, cells)`` (:func:`grid_tables`) from a shipped multi-seed study: each study
    regime is one cell, placed by the values of ``axes`` that its recorded settings give (the named regime's
    settings, then the study's own on top; read from the config, never from the regime's name)."""
    runs = []
    for name in regimes:
        spec = study.meta.get("regimes", {}).get(name)
        if spec is None:
            raise InputError(f"seed study: no regime {name!r} in its metadata; measured: {study.regimes}")
        values = {path: value for path, _, value, _ in leaf_fields(regime_config(spec["regime"], "default", 0,
                                                                                 spec["settings"]))}
        missing = [a for a in axes if a not in values]
        if missing:
            raise InputError(f"axes: no setting named {missing[0]!r} (dotted names of MicroConfig)")
        cell = {a: values[a] for a in axes}
        seeds, frames = study.by_seed(name, n_max)
        runs += [{"cell": cell, "seed": s, "model": "rl", "counts": f} for s, f in zip(seeds, frames)]
    return grid_tables(runs, base="base", tier=tier, n_boot=n_boot)


# ------------------------------------------------------------- paper Figs. 15 and 17, the paper's sampling settings


def temperature_table(counts: pd.DataFrame) -> pd.DataFrame:
    """One row per model of :func:`boundary_lab.report.entropy_matched`'s counts (``role``, ``temperature``):
    pass@1, pass@16 and pass@k_max (k_max: the largest n common to the models) and the problems solved at k_max.

    >>> counts = pd.DataFrame({"model": ["b", "b", "r", "r"], "role": ["base"] * 2 + ["rl"] * 2,
    ...                        "temperature": 0.6, "problem_id": ["x", "y"] * 2, "n": 4, "correct": [2, 0, 4, 0]})
    >>> temperature_table(counts)[["model", "pass@1", "solved"]].values.tolist()
    [['b', 0.25, 1], ['r', 0.5, 1]]
    """
    models = list(dict.fromkeys(counts["model"]))
    k_max = common_n(counts, models)
    rows = []
    for model in models:
        rows_of = select_model(counts, model)
        ends = passk.pass_at_k_curve(rows_of["n"], rows_of["correct"], [1, min(16, k_max), k_max])
        rows.append({"model": model, "role": rows_of["role"].iloc[0],
                     "temperature": float(rows_of["temperature"].iloc[0]), "k_max": k_max, "pass@1": float(ends[0]),
                     "pass@16": float(ends[1]), "pass@kmax": float(ends[2]),
                     "solved": solved_at(rows_of["n"], rows_of["correct"], k_max)})
    return pd.DataFrame(rows)


def sampling_table(own: dict, paper_settings: dict, tier: str = "B",
                   settings=("T = 1.0, top-p 1.0", "T = 0.6, top-p 0.95")) -> pd.DataFrame:
    """One row per (regime, sampling setting): :func:`tier_summary` of the base vs the regime's final RL
    checkpoint (the model in ``paper_settings[regime]`` that is not the base) on one tier, from ``own[regime]``
    (counts at the micro-world's settings) and ``paper_settings[regime]`` (at the paper's), labelled by ``settings``."""
    rows = []
    for regime, counts in paper_settings.items():
        rl = next(m for m in dict.fromkeys(counts["model"]) if m != "base")
        for label, frame in zip(settings, (own[regime], counts)):
            rows.append({"regime": regime, "sampling": label, "model": rl, **tier_summary(frame, "base", rl, tier)})
    out = _frame(rows)
    out["base - rl at k_max"] = out["base pass@kmax"] - out["rl pass@kmax"]
    return out


def ablation_frames(study, n_max: int, plain: str, ablations: list[str]) -> tuple[list[int], list[pd.DataFrame]]:
    """Per seed that every regime of ``[plain, *ablations]`` measured: one counts frame holding ``plain``'s base
    (model ``base``) and each regime's final RL checkpoint, named by its regime (paper Fig. 15 over seeds)."""
    found = {name: dict(zip(*study.by_seed(name, n_max))) for name in [plain, *ablations]}
    seeds = sorted(set.intersection(*(set(f) for f in found.values())))
    if not seeds:
        raise InputError(f"seed study: no seed common to regimes {[plain, *ablations]}")
    frames = []
    for seed in seeds:
        parts = [found[plain][seed].query("model == 'base'")]
        parts += [found[name][seed].query("model == 'rl'").assign(model=name) for name in [plain, *ablations]]
        frames.append(pd.concat(parts, ignore_index=True))
    return seeds, frames


def ablation_curves(study, n_max: int, plain: str, ablations: list[str], tier: str | None = "B",
                    n_boot: int = 1000) -> pd.DataFrame:
    """pass@k of the base, plain GRPO and each ablation, mean over the common seeds, with the seed-aware 95%
    interval (seeds, then problems resampled: :func:`seed_curves`)."""
    seeds, frames = ablation_frames(study, n_max, plain, ablations)
    found = seed_curves(frames, ["base", plain, *ablations], tier=tier, n_boot=n_boot)
    return found[found["conditions_on"].str.startswith("nothing")].reset_index(drop=True)


def ablation_table(study, n_max: int, plain: str, ablations: list[str], tier: str | None = "B",
                   n_boot: int = 2000) -> pd.DataFrame:
    """Paper Fig. 15 over seeds: for each ablation, ablation - plain GRPO at k = 1 and k = ``n_max``, and
    base - ablation at k = ``n_max``, mean over the common seeds with the seed-aware 95% interval
    (:func:`seed_difference`, seeds then problems resampled)."""
    seeds, frames = ablation_frames(study, n_max, plain, ablations)
    rows = []
    for name in ablations:
        for first, second, ks in ((name, plain, [1, n_max]), ("base", name, [n_max])):
            diff = seed_difference(frames, first, second, ks=ks, tier=tier, n_boot=n_boot)
            diff = diff[diff["conditions_on"].str.startswith("nothing")]
            rows += [{"ablation": name, "difference": f"{first} - {second}", **row} for row in diff.to_dict("records")]
    return pd.DataFrame(rows)


def sampling_curves(paper_settings: dict, tier: str = "B", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """pass@k curves with problem-bootstrap bands of the models in each regime's counts at the paper's sampling
    settings (:func:`boundary_lab.report.paper_sampling`), with a ``regime`` column."""
    return pd.concat([curves(_tier(c, tier), list(dict.fromkeys(c["model"])), n_boot=n_boot, seed=seed)
                      .assign(regime=name) for name, c in paper_settings.items()], ignore_index=True)


def perplexity_worlds(results: dict) -> pd.DataFrame:
    """Every perplexity of each world's run (``{world: MicroResults}``), with ``world`` and ``responses``
    (``PPL_<scorer>(Y_<answers>)``) columns, for side-by-side boxes."""
    return pd.concat([res.perplexity.assign(world=name, responses=lambda d: "PPL_" + d["scorer"] + "(Y_"
                                            + d["answers_from"] + ")") for name, res in results.items()],
                     ignore_index=True)
