"""Forecast pass@k beyond n from counts frames: the CLI's and the pages' reports (issue 24).

The estimators (priors over per-problem success rates, posterior pass@k, the problem bootstrap,
crossover, ΔSE, "is n enough") are :mod:`boundary_lab.priors`, re-exported here so that
``bl.forecast.forecast_passk`` and friends work from a notebook; this module turns counts frames
and outcome matrices into the tables the CLI and the page print. The figure is
:func:`boundary_lab.plots.forecast_curves`; the sentences are
:func:`boundary_lab.findings.forecast_sentence`, :func:`~boundary_lab.findings.enough_sentence`,
:func:`~boundary_lab.findings.ordering_sentence` and :func:`~boundary_lab.findings.crossover_sentence`.

>>> df = pd.DataFrame({"model": ["m"] * 6, "problem_id": list("abcdef"), "n": [16] * 6,
...                    "correct": [0, 0, 1, 4, 16, 16]})
>>> out = report(df, [16, 256], family="beta", n_boot=20)
>>> round(out["m"]["16"], 4), out["m"]["16"] < out["m"]["256"] < 1
(0.6667, True)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import passk
from .counts import align, select_model
from .errors import InputError
from .priors import (
    FAMILIES,
    MAX_K,
    SIMULATED,
    Crossover,
    Forecast,
    Pair,
    Prior,
    Selection,
    _check_ks,
    crossover,
    crossover_grid,
    enough_report,
    fit_pair,
    fit_prior,
    forecast_delta_se,
    forecast_passk,
    newly_solved,
    ordering_flip_probability,
    pair_ordering,
    select_prior,
    simulated_rates,
    true_passk,
)
from .sampling import adaptive

__all__ = ["FAMILIES", "MAX_K", "SIMULATED", "WHATS", "Crossover", "Forecast", "Pair", "Prior", "Selection",
           "adaptive_vs_uniform", "beside_exact", "crossover", "crossover_grid", "enough_report", "enough_reports",
           "fit_pair", "fit_prior", "forecast_delta_se", "forecast_passk", "newly_solved", "ordering_flip_probability",
           "outcome_matrix", "pair_ordering", "report", "select_prior", "simulated_rates", "true_passk", "versus_truth"]


# ------------------------------------------------- counts tables (CLI, pages)

WHATS = ("passk", "coverage", "delta_se", "crossover", "enough")


def report(df, ks, what: str = "passk", base: str | None = None, family: str = "auto", n_boot: int = 200,
           seed: int = 0, intervals: bool = False, source: str = "counts") -> dict:
    """``{model: {k: value}}`` from a counts frame (``boundary-lab forecast --format json``).

    ``what``: ``passk`` (pass@k), ``coverage`` (expected problems solved at k), ``delta_se``
    (pass@K(base) - pass@1(model) for every other model, K in ``ks``), ``crossover`` (the k where
    the base catches up with each other model, None if not below k_max in ``ks``), ``enough``
    (problems unsolved at n expected solved at ``k`` = multiples of n given in ``ks``).
    With ``intervals`` each value is ``{"value", "ci_low", "ci_high"}`` (+ ``exact``).
    """
    if what not in WHATS:
        raise InputError(f"what: unknown {what!r}; choose one of {', '.join(WHATS)}")
    ks = [int(k) for k in _check_ks(ks)]
    models = list(dict.fromkeys(df["model"]))

    def cell(value, low=None, high=None, exact=None):
        if not intervals:
            return value
        out = {"value": value, "ci_low": low, "ci_high": high}
        return out if exact is None else {**out, "exact": exact}

    out = {}
    if what in ("passk", "coverage"):
        for model in models:
            rows = select_model(df, model, source)
            f = forecast_passk(rows["n"].to_numpy(), rows["correct"].to_numpy(), ks, family, n_boot, seed=seed)
            scale = f.n_problems if what == "coverage" else 1
            out[model] = {str(k): cell(float(f.value[i] * scale), float(f.low[i] * scale), float(f.high[i] * scale),
                                       bool(f.exact[i])) for i, k in enumerate(ks)}
        return out
    if what == "enough":
        for model, r in enough_reports(df, ks, family, n_boot, seed, source).items():
            out[model] = {f"{row['multiple']}n": cell(row["expected"], row["ci_low"], row["ci_high"])
                          for row in r["newly_solved"]}
        return out
    if base is None:
        raise InputError(f"base is required with what={what!r} (models: {', '.join(models)})")
    base_rows = select_model(df, base, source)
    for model in models:
        if model == base:
            continue
        m = align(base_rows, select_model(df, model, source), source)
        pair = fit_pair(m["n_base"].to_numpy(), m["correct_base"].to_numpy(), m["n_rl"].to_numpy(),
                        m["correct_rl"].to_numpy(), family, n_boot, seed=seed)
        if what == "delta_se":
            vals = {}
            for k in ks:
                d = forecast_delta_se(pair, k)
                vals[str(k)] = cell(d["delta_se"], d["ci_low"], d["ci_high"])
            out[model] = vals
        else:
            vals = {}
            for k in ks:
                x = crossover(pair, k, names=(base, model))
                vals[str(k)] = cell(x.k, x.low, x.high) if intervals else x.k
            out[model] = vals
    return out


# ------------------------------------------------------------ the book's page


def outcome_matrix(samples, column: str = "correct") -> tuple[list, np.ndarray]:
    """(problem ids, problems x n matrix of one verdict in sample order) from a samples table.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"problem_id": ["b", "a", "a", "b"], "sample_id": [1, 1, 0, 0],
    ...                   "correct": [True, False, True, False]})
    >>> outcome_matrix(s)[0], outcome_matrix(s)[1].tolist()
    (['a', 'b'], [[True, False], [False, True]])
    """
    table = samples.pivot(index="problem_id", columns="sample_id", values=column).sort_index()
    if table.isna().any().any():
        raise InputError("samples: problems have different numbers of samples; the page needs equal n")
    return table.index.tolist(), table.to_numpy(dtype=bool)


def versus_truth(outcomes: dict, fit_on=(8, 16, 32), ks=None, n_boot: int = 200, seed: int = 0):
    """Forecasts from the first ``fit_on`` samples of each problem against the exact pass@k of all of them.

    ``outcomes``: {model: problems x N matrix}. Returns a tidy frame (model, fit_on, k, forecast,
    low, high, exact, truth: the exact estimator on all N samples, NaN beyond N). Fit sizes >= N
    are skipped.
    """
    rows = []
    for model, out in outcomes.items():
        m, total = out.shape
        grid = ks if ks is not None else sorted({int(k) for k in np.unique(np.geomspace(1, 16 * total, 40).round())})
        inside = [k for k in grid if k <= total]  # any order; none inside leaves every truth NaN
        truth = dict(zip(inside, passk.pass_at_k_curve(np.full(m, total), out.sum(axis=1), inside))) if inside else {}
        for f in fit_on:
            if f >= total:
                continue
            fc = forecast_passk(np.full(m, f), out[:, :f].sum(axis=1), grid, n_boot=n_boot, seed=seed)
            for i, k in enumerate(grid):
                rows.append({"model": model, "fit_on": int(f), "k": int(k), "forecast": float(fc.value[i]),
                             "low": float(fc.low[i]), "high": float(fc.high[i]), "family": fc.family,
                             "truth": float(truth[k]) if k in truth else float("nan")})
    return pd.DataFrame(rows, columns=["model", "fit_on", "k", "forecast", "low", "high", "family", "truth"])


def enough_reports(df, multiples=(2, 4, 16), family: str = "auto", n_boot: int = 200, seed: int = 0,
                   source: str = "counts") -> dict:
    """{model: :func:`boundary_lab.priors.enough_report`} for every model of a counts frame."""
    out = {}
    for model in dict.fromkeys(df["model"]):
        rows = select_model(df, model, source)
        out[model] = enough_report(rows["n"].to_numpy(), rows["correct"].to_numpy(), model,
                                   [int(k) for k in multiples], family, n_boot, seed)
    return out


def adaptive_vs_uniform(outcomes: dict, budget_per_problem: int, k_target: int, first: int = 16, step: int = 16,
                        rounds: int = 8, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Adaptive vs uniform sampling at the same budget, replayed on known outcomes (problems x N per model).

    For each model: the expected number of problems solved at ``k_target`` that each strategy's
    counts forecast (with its interval), and the exact one from all N samples (``truth``; it
    needs N >= ``k_target``). The replay is :func:`boundary_lab.sampling.adaptive.simulate`.
    """
    rows = []
    for model, out in outcomes.items():
        m, total = out.shape
        if total < k_target:
            raise InputError(f"adaptive_vs_uniform: {model} has {total} samples per problem, fewer than "
                             f"k_target={k_target}")
        truth = float(passk.pass_at_k_curve(np.full(m, total), out.sum(axis=1), [k_target])[0] * m)
        if total < max(first, budget_per_problem):  # a replay can only spend samples that were drawn
            rows.append({"model": model, "sampling": "not replayed", "samples": 0, "largest n": total,
                         f"solved at k={k_target}": float("nan"), "95% interval": "",
                         f"truth (n={total})": round(truth, 1), "error": float("nan")})
            continue
        config = adaptive.AdaptiveConfig(budget=budget_per_problem * m, first=first, k_target=k_target, step=step,
                                         rounds=rounds)
        runs = (("adaptive", adaptive.simulate(out, config, seed)),
                ("uniform", adaptive.uniform(out, budget_per_problem)))
        for how, (n, c) in runs:
            fc = forecast_passk(n, c, [k_target], n_boot=n_boot, seed=seed)
            rows.append({"model": model, "sampling": how, "samples": int(n.sum()), "largest n": int(n.max()),
                         f"solved at k={k_target}": round(float(fc.solved[0]), 1),
                         "95% interval": f"{fc.low[0] * m:.1f} to {fc.high[0] * m:.1f}",
                         f"truth (n={total})": round(truth, 1), "error": round(float(fc.solved[0]) - truth, 1)})
    return pd.DataFrame(rows)


def beside_exact(counts: pd.DataFrame, ks=None, n_boot: int = 200, seed: int = 0,
                 source: str = "counts") -> pd.DataFrame:
    """The exact pass@k next to the forecast, for every model of a counts frame (the evaluate page).

    ``ks`` defaults to the powers of two up to 16 times the smallest n. ``exact`` is the unbiased
    estimator where every problem has n >= k (NaN beyond); ``forecast`` equals it there and comes
    from the fitted prior beyond, with its 95% interval and the prior's family.

    >>> df = pd.DataFrame({"model": ["m"] * 6, "problem_id": list("abcdef"), "n": [4] * 6,
    ...                    "correct": [0, 0, 1, 2, 4, 4]})
    >>> t = beside_exact(df, n_boot=20)
    >>> t["k"].tolist(), bool((t["exact"] == t["forecast"]).iloc[:3].all()), t["exact"].isna().tolist()[-1]
    ([1, 2, 4, 8, 16, 32, 64], True, True)
    """
    rows = []
    for model in dict.fromkeys(counts["model"]):
        sub = select_model(counts, model, source)
        n, c = sub["n"].to_numpy(), sub["correct"].to_numpy()
        grid = ks if ks is not None else [2**i for i in range(int(np.log2(16 * n.min())) + 1)]
        f = forecast_passk(n, c, grid, n_boot=n_boot, seed=seed)
        inside = [k for k in grid if k <= n.min()]  # any order; none inside leaves the exact column NaN
        exact = dict(zip(inside, passk.pass_at_k_curve(n, c, inside))) if inside else {}
        for i, k in enumerate(f.ks):
            rows.append({"model": model, "k": k, "exact": float(exact[k]) if k in exact else float("nan"),
                         "forecast": float(f.value[i]), "ci_low": float(f.low[i]), "ci_high": float(f.high[i]),
                         "prior": f.family})
    return pd.DataFrame(rows, columns=["model", "k", "exact", "forecast", "ci_low", "ci_high", "prior"])
