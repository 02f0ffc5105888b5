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
>>> coverage(counts, "base", ["rl"])[["model", "both", "base_only", "rl_only"]].to_dict("records")
[{'model': 'rl', 'both': 1, 'base_only': 1, 'rl_only': 0}]
>>> delta_se(counts, "base", ["rl"])[["model", "K", "delta_se"]].to_dict("records")
[{'model': 'rl', 'K': 4, 'delta_se': 0.5}]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import passk
from .counts import align, check_k, select_model


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

    >>> df = pd.DataFrame({"model": ["a", "a"], "problem_id": ["p", "q"], "n": [4, 4], "correct": [4, 0]})
    >>> curves(df, ks=[1, 4])[["model", "k", "pass_at_k"]].to_dict("records")
    [{'model': 'a', 'k': 1, 'pass_at_k': 0.5}, {'model': 'a', 'k': 4, 'pass_at_k': 0.5}]
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
        kk = ks or passk.default_ks(int(min(merged["n_base"].min(), merged["n_rl"].min())))
        pc = passk.paired_comparison(merged["n_rl"], merged[f"{correct}_rl"], merged["n_base"],
                                     merged[f"{correct}_base"], kk, n_boot=n_boot, seed=seed)
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
            rows.append({**key, "model": other, "both": d["both"], "base_only": d["base_only"], "rl_only": d["rl_only"],
                         "neither": d["neither"], "base_solved": d["both"] + d["base_only"],
                         "model_solved": d["both"] + d["rl_only"], "subset_of_base": cov.rl_subset_of_base,
                         "rl_only_ids": " ".join(map(str, d["rl_only_ids"]))})
    return pd.DataFrame(rows)


def solvable_ids(counts: pd.DataFrame, models: list[str], correct: str = "correct") -> pd.DataFrame:
    """Solvable problem ids of each model, in problem order (the paper's Table 4)."""
    rows = []
    for model in models:
        sub = select_model(counts, model)
        rows.append({"model": model, "solved": int((sub[correct] > 0).sum()), "of": len(sub),
                     "problem_ids": " ".join(map(str, sub.loc[sub[correct] > 0, "problem_id"]))})
    return pd.DataFrame(rows)


def histograms(counts: pd.DataFrame, models: list[str], by: str | None = None, correct: str = "correct") -> pd.DataFrame:
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
    """ΔSE = pass@K(base) - pass@1(model) per model (paper Fig. 8), with both ends shown.

    K defaults to the largest common n of the base and the listed models (the paper uses 256)."""
    kk = int(k or common_n(counts, [base, *models]))
    rows = []
    for key, group in _groups(counts, by):
        for model in models:
            m = _pair(group, base, model)
            nb, cb, nm, cm = m["n_base"], m[f"{correct}_base"], m["n_rl"], m[f"{correct}_rl"]
            rows.append({**key, "model": model, "K": kk,
                         "base pass@K": float(passk.pass_at_k_curve(nb, cb, [kk])[0]),
                         "pass@1": float(passk.pass_at_k_curve(nm, cm, [1])[0]),
                         "pass@K": float(passk.pass_at_k_curve(nm, cm, [kk])[0]),
                         "delta_se": passk.delta_se(nb, cb, nm, cm, k=kk)})
    return pd.DataFrame(rows)


def crossover(counts: pd.DataFrame, base: str, other: str, by: str | None = None,
              correct: str = "correct") -> pd.DataFrame:
    """Per group, on every k from 1 to the common n: both ends of both curves, the problems solved,
    the subset relation, and where the base catches up (``pattern`` names the case)."""
    rows = []
    for key, group in _groups(counts, by):
        m = _pair(group, base, other)
        n = int(min(m["n_base"].min(), m["n_rl"].min()))
        ks = list(range(1, n + 1))
        cb = np.asarray(passk.pass_at_k_curve(m["n_base"], m[f"{correct}_base"], ks), dtype=float)
        co = np.asarray(passk.pass_at_k_curve(m["n_rl"], m[f"{correct}_rl"], ks), dtype=float)
        solved_b, solved_o = m[f"{correct}_base"] > 0, m[f"{correct}_rl"] > 0
        pattern, first = _pattern(cb, co)
        rows.append({**key, "base": base, "model": other, "k_max": n, "base pass@1": cb[0], "model pass@1": co[0],
                     "base pass@k_max": cb[-1], "model pass@k_max": co[-1], "base solved": int(solved_b.sum()),
                     "model solved": int(solved_o.sum()), "problems": len(m),
                     "subset_of_base": bool((~solved_o | solved_b).all()),
                     "base catches up at k": first, "pattern": pattern})
    return pd.DataFrame(rows)


def _pattern(cb: np.ndarray, co: np.ndarray) -> tuple[str, int | None]:
    """How the base curve ``cb`` meets the other curve ``co`` (both over k = 1..n)."""
    if cb.max() == 0 and co.max() == 0:
        return "neither solves", None  # two flat zero curves never "catch up"
    ahead = cb >= co - 1e-12
    if cb[0] > co[0] + 1e-12:
        return "base ahead at k=1", 1
    if not ahead.any():
        return "other stays ahead", None
    first = int(np.argmax(ahead)) + 1
    if not ahead[first - 1:].all():
        return "curves cross more than once", first
    return ("base overtakes" if cb[-1] > co[-1] + 1e-12 else "base catches up, level at k_max"), first


def strategy_share(shares: pd.DataFrame, strategy: str = "careful", models: list[str] | None = None) -> pd.DataFrame:
    """Share of one strategy (``careful`` or ``shortcut``) per model (rows) and tier (columns)."""
    sub = shares[shares["strategy"] == strategy]
    if models is not None:
        sub = sub[sub["model"].isin(models)]
    return sub.pivot_table(index="model", columns="tier", values="share", sort=False).reset_index()


def lucky_answers(counts: pd.DataFrame, models: list[str], max_accuracy: float = 0.05) -> pd.DataFrame:
    """The paper's §3.1 check, automated: hard problems solved by answer, and how many have a valid chain.

    A problem counts as *hard but solvable* when 0 < answer accuracy <= ``max_accuracy``
    (the paper inspected problems with accuracy between 0 and 5%). It is *valid* when
    at least one sample has a correct answer *and* a valid chain.
    """
    from .errors import InputError

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
        "pass_at_k": {name: {str(kk): float(v) for kk, v in zip(ks, passk.pass_at_k_curve(n, c, ks))}
                      for name, n, c in ((base, n_b, c_b), (rl, n_r, c_r))},
        "paired_rl_minus_base": passk.paired_comparison(n_r, c_r, n_b, c_b, ks, n_boot=n_boot, seed=seed).to_dict(),
    })
    return report
