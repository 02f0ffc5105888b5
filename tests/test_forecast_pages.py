"""The forecast pages' helpers (issue 20 item 6, issue 24): boundary_lab.forecast's outcome_matrix,
versus_truth, adaptive_vs_uniform and beside_exact (notebooks/samples_needed.ipynb, the evaluate page),
and boundary_lab.priors' Prior.sample and the to_dict of Prior, Forecast and Crossover.

Every forecast is checked against an independent route (passk's exact estimator, forecast_passk on the
same counts, the adaptive replay), never against a float this machine's rounding alone would give."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from boundary_lab import forecast as fc
from boundary_lab import passk
from boundary_lab.errors import InputError
from boundary_lab.priors import Crossover, Forecast, Prior
from boundary_lab.sampling import adaptive


def _outcomes(m: int, total: int, seed: int, a: float = 0.4, b: float = 1.5) -> np.ndarray:
    """problems x total known outcomes from per-problem rates drawn from Beta(a, b)."""
    rng = np.random.default_rng(seed)
    p = rng.beta(a, b, m)
    return rng.random((m, total)) < p[:, None]


# ------------------------------------------------------------------------------------ outcome_matrix


def test_outcome_matrix_orders_problems_and_samples():
    """Rows sorted by problem id, columns by sample id whatever the table order; a bug that skipped the
    sort, swapped index and columns, or read another column than asked would fail."""
    s = pd.DataFrame({"problem_id": ["c", "a", "b", "a", "c", "b", "a", "c", "b"],
                      "sample_id": [2, 1, 0, 0, 0, 2, 2, 1, 1],
                      "correct": [1, 0, 1, 1, 0, 0, 0, 1, 1],
                      "parsed": [0, 1, 1, 1, 1, 0, 0, 0, 1]})
    ids, mat = fc.outcome_matrix(s)
    assert ids == ["a", "b", "c"]
    assert mat.dtype == bool and mat.shape == (3, 3)
    assert mat.tolist() == [[True, False, False], [True, True, False], [False, True, True]]
    ids2, parsed = fc.outcome_matrix(s, column="parsed")
    assert ids2 == ["a", "b", "c"]
    assert parsed.dtype == bool
    assert parsed.tolist() == [[True, True, False], [True, True, False], [True, False, False]]


def test_outcome_matrix_refuses_unequal_n():
    """A problem missing a sample id is an InputError naming the cause (not a matrix padded with NaN)."""
    s = pd.DataFrame({"problem_id": ["a", "a", "b"], "sample_id": [0, 1, 0], "correct": [True, False, True]})
    with pytest.raises(InputError) as err:
        fc.outcome_matrix(s)
    assert str(err.value) == "samples: problems have different numbers of samples; the page needs equal n"


# ------------------------------------------------------------------------------------ versus_truth

COLUMNS_VT = ["model", "fit_on", "k", "forecast", "low", "high", "family", "truth"]


def test_versus_truth_rows_match_forecast_and_exact():
    """Per model x fit_on x k: the forecast of forecast_passk on the first fit_on columns (same n_boot and
    seed), truth the exact estimator on all columns up to N (NaN beyond); fit_on >= N skipped."""
    outs = {"zeta": _outcomes(10, 24, 1), "alpha": _outcomes(8, 40, 2, 1.0, 1.0)}
    ks = [1, 3, 8, 24, 40, 100]
    t = fc.versus_truth(outs, fit_on=(40, 12, 6, 24), ks=ks, n_boot=20, seed=3)
    assert list(t.columns) == COLUMNS_VT
    # zeta (N=24) skips 40 and 24; alpha (N=40) skips 40 only; dict order, then fit_on order, then k
    expected_keys = [(mdl, f, k) for mdl, fits in (("zeta", (12, 6)), ("alpha", (12, 6, 24))) for f in fits for k in ks]
    assert list(zip(t["model"], t["fit_on"], t["k"])) == expected_keys
    assert t["fit_on"].map(type).eq(int).all() and t["k"].map(type).eq(int).all()
    for mdl, out in outs.items():
        m, total = out.shape
        inside = [k for k in ks if k <= total]
        truth = passk.pass_at_k_curve(np.full(m, total), out.sum(axis=1), inside)
        for f in {"zeta": (12, 6), "alpha": (12, 6, 24)}[mdl]:
            want = fc.forecast_passk(np.full(m, f), out[:, :f].sum(axis=1), ks, n_boot=20, seed=3)
            rows = t[(t["model"] == mdl) & (t["fit_on"] == f)]
            assert np.allclose(rows["forecast"], want.value, rtol=1e-12, atol=0)
            assert np.allclose(rows["low"], want.low, rtol=1e-12, atol=0)
            assert np.allclose(rows["high"], want.high, rtol=1e-12, atol=0)
            assert set(rows["family"]) == {want.family}
            assert np.allclose(rows["truth"].iloc[:len(inside)], truth, rtol=1e-12, atol=0)
            assert rows["truth"].iloc[len(inside):].isna().all()
    # the k = N row has a truth (k <= N, not k < N) and it is the exact pass@N
    alpha_40 = t[(t["model"] == "alpha") & (t["k"] == 40)]["truth"]
    assert np.allclose(alpha_40, outs["alpha"].any(axis=1).mean(), rtol=1e-12)


def test_versus_truth_empty_keeps_columns():
    """Every fit size >= N (or no model): an empty frame that still has the eight columns."""
    t = fc.versus_truth({"m": _outcomes(4, 16, 0)}, fit_on=(16, 32), ks=[1, 8], n_boot=20)
    assert t.empty and list(t.columns) == COLUMNS_VT
    assert list(fc.versus_truth({}).columns) == COLUMNS_VT


def test_versus_truth_seed_and_n_boot_reach_the_forecast():
    """Another seed or n_boot gives other intervals (the arguments are passed on, not dropped)."""
    out = {"m": _outcomes(12, 32, 5)}
    base = fc.versus_truth(out, fit_on=(8,), ks=[4, 64, 256], n_boot=20, seed=0)
    for kw in ({"n_boot": 20, "seed": 1}, {"n_boot": 30, "seed": 0}):
        other = fc.versus_truth(out, fit_on=(8,), ks=[4, 64, 256], **kw)
        assert not np.allclose(other[["low", "high"]].to_numpy(), base[["low", "high"]].to_numpy())


def test_versus_truth_defaults():
    """Defaults: fit_on (8, 16, 32), seed 0, n_boot 200, and ks the rounded geometric grid of 40 points from
    1 to 16 N (for N = 40: the integers below, ending at 640)."""
    out = {"m": _outcomes(8, 40, 7)}
    t = fc.versus_truth(out)
    grid = [1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 14, 17, 20, 23, 27, 32, 38, 45, 53, 63, 74, 88, 103, 122, 144,
            170, 201, 237, 280, 330, 389, 459, 542, 640]  # no point of the geometric grid within 0.01 of a .5
    assert sorted(set(t["fit_on"])) == [8, 16, 32]
    assert t[t["fit_on"] == 8]["k"].tolist() == grid
    explicit = fc.versus_truth(out, fit_on=(8, 16, 32), ks=grid, n_boot=200, seed=0)
    pd.testing.assert_frame_equal(t, explicit)
    assert t.shape == (3 * len(grid), 8)
    assert t[t["k"] > 40]["truth"].isna().all() and t[t["k"] <= 40]["truth"].notna().all()


# ------------------------------------------------------------------------------------ adaptive_vs_uniform


def _expected_rows(model, out, budget, k_target, first, step, rounds, n_boot, seed):
    """The two rows of one replayed model, from the replay and forecast_passk directly."""
    m, total = out.shape
    truth = float(passk.pass_at_k_curve(np.full(m, total), out.sum(axis=1), [k_target])[0] * m)
    config = adaptive.AdaptiveConfig(budget=budget * m, first=first, k_target=k_target, step=step, rounds=rounds)
    rows = []
    for how, (n, c) in (("adaptive", adaptive.simulate(out, config, seed)), ("uniform", adaptive.uniform(out, budget))):
        f = fc.forecast_passk(n, c, [k_target], n_boot=n_boot, seed=seed)
        rows.append({"model": model, "sampling": how, "samples": int(n.sum()), "largest n": int(n.max()),
                     f"solved at k={k_target}": round(float(f.value[0] * m), 1),
                     "95% interval": f"{f.low[0] * m:.1f} to {f.high[0] * m:.1f}",
                     f"truth (n={total})": round(truth, 1), "error": round(float(f.value[0] * m) - truth, 1)})
    return rows


def test_adaptive_vs_uniform_rows():
    """One row per model and strategy, samples = budget x problems, truth the exact pass@k_target on all N
    samples (to one decimal), error = solved - truth; a model with fewer samples than the budget gets one
    "not replayed" row (and the models after it are still replayed)."""
    short = _outcomes(6, 24, 12)
    out = _outcomes(10, 64, 12)
    t = fc.adaptive_vs_uniform({"short": short, "long": out}, 32, 20, first=8, step=8, rounds=3, n_boot=20, seed=2)
    # counts [0, 2, 13, 1, 7, 9] of 24: sum of 1 - C(24 - c, 20) / C(24, 20) = 4.8116, printed 4.8
    assert short.sum(axis=1).tolist() == [0, 2, 13, 1, 7, 9]
    exact_short = sum(1 - math.comb(24 - int(c), 20) / math.comb(24, 20) for c in short.sum(axis=1))
    assert round(exact_short, 2) == 4.81
    first = t.iloc[0].to_dict()
    assert first["model"] == "short" and first["sampling"] == "not replayed"
    assert first["samples"] == 0 and first["largest n"] == 24 and first["95% interval"] == ""
    assert math.isnan(first["solved at k=20"]) and math.isnan(first["error"])
    assert first["truth (n=24)"] == 4.8 and math.isnan(first["truth (n=64)"])
    want = _expected_rows("long", out, 32, 20, 8, 8, 3, 20, 2)
    assert list(t.columns) == ["model", "sampling", "samples", "largest n", "solved at k=20", "95% interval",
                               "truth (n=24)", "error", "truth (n=64)"]
    got = t.iloc[1:][list(want[0])].to_dict("records")
    assert got == want
    # uniform spends the budget; the replay stops each problem at k_target = 20 (exact there)
    assert got[1]["samples"] == 320 and [r["largest n"] for r in got] == [20, 32]
    assert all(abs(r["error"] - round(r["solved at k=20"] - r["truth (n=64)"], 1)) <= 0.1 + 1e-9 for r in got)


@pytest.mark.parametrize("total, first, budget, replayed", [
    (24, 8, 24, True),    # N == budget: replayed (the test is N < budget, not <=)
    (24, 8, 32, False),   # N < budget
    (24, 32, 16, False),  # N < first, though the budget fits (max of the two, not min)
    (32, 32, 16, None),   # N == first >= budget: replayed, but the budget is below the first round
])
def test_adaptive_vs_uniform_replays_only_drawn_samples(total, first, budget, replayed):
    """The replay happens exactly when N >= max(first, budget)."""
    out = _outcomes(5, total, 21)
    if replayed is None:
        with pytest.raises(InputError, match="below the first round"):
            fc.adaptive_vs_uniform({"m": out}, budget, 16, first=first, step=8, rounds=2, n_boot=20)
        return
    t = fc.adaptive_vs_uniform({"m": out}, budget, 16, first=first, step=8, rounds=2, n_boot=20)
    assert t["sampling"].tolist() == (["adaptive", "uniform"] if replayed else ["not replayed"])


def test_adaptive_vs_uniform_needs_k_target_samples():
    """Fewer samples than k_target is an InputError naming the model; N == k_target is fine."""
    out = _outcomes(5, 24, 31)
    with pytest.raises(InputError) as err:
        fc.adaptive_vs_uniform({"ok": _outcomes(5, 40, 3), "tiny": out}, 16, 25, first=8, step=8, rounds=2, n_boot=20)
    assert str(err.value) == "adaptive_vs_uniform: tiny has 24 samples per problem, fewer than k_target=25"
    t = fc.adaptive_vs_uniform({"tiny": out}, 16, 24, first=8, step=8, rounds=2, n_boot=20)
    assert t["sampling"].tolist() == ["adaptive", "uniform"]


def test_adaptive_vs_uniform_arguments_reach_planner_and_forecast():
    """The defaults are first=16, step=16, rounds=8, n_boot=200, seed=0; changing any one of them (or passing
    it on wrongly) changes the table."""
    out = _outcomes(12, 256, 41, 0.3, 2.0)
    default = fc.adaptive_vs_uniform({"m": out}, 48, 256)
    assert default.to_dict("records") == _expected_rows("m", out, 48, 256, 16, 16, 8, 200, 0)
    assert default["samples"].tolist() == [576, 576]  # budget x problems, both ways
    small = dict(first=8, step=8, rounds=4, n_boot=20, seed=0)
    base = fc.adaptive_vs_uniform({"m": out}, 48, 256, **small)
    assert base.to_dict("records") == _expected_rows("m", out, 48, 256, 8, 8, 4, 20, 0)
    for name, value in (("first", 12), ("step", 4), ("rounds", 2), ("n_boot", 30), ("seed", 1)):
        other = fc.adaptive_vs_uniform({"m": out}, 48, 256, **{**small, name: value})
        assert other.to_dict("records") != base.to_dict("records"), name
    # (n_boot 201 against 200 moves no printed digit: the table rounds to 0.1)
    for name, value in (("first", 17), ("step", 17), ("rounds", 9), ("seed", 1)):
        other = fc.adaptive_vs_uniform({"m": out}, 48, 256, **{name: value})
        assert other.to_dict("records") != default.to_dict("records"), name


# ------------------------------------------------------------------------------------ beside_exact


def _counts_frame():
    """Two models (first named later in the alphabet), unequal n within a model, rows not sorted."""
    rows = []
    for model, ns, cs in (("zeta", [6, 10, 6, 12, 8, 6, 10], [0, 3, 6, 1, 0, 2, 10]),
                          ("alpha", [9, 9, 9, 9, 9, 9], [0, 1, 0, 5, 9, 2])):
        for i, (n, c) in enumerate(zip(ns, cs)):
            rows.append({"model": model, "problem_id": f"p{(5 * i) % len(ns)}", "n": n, "correct": c})
    return pd.DataFrame(rows)


def test_beside_exact_defaults_and_columns():
    """Default ks: the powers of two up to 16 x the smallest n (6 -> 64, 9 -> 128); exact where k <= min n
    (NaN beyond); forecast equal to exact there and to forecast_passk beyond; the prior column is the
    forecast's family; models in order of appearance."""
    df = _counts_frame()
    t = fc.beside_exact(df, n_boot=20, seed=4)
    assert list(t.columns) == ["model", "k", "exact", "forecast", "ci_low", "ci_high", "prior"]
    assert t["model"].tolist() == ["zeta"] * 7 + ["alpha"] * 8
    assert t["k"].tolist() == [1, 2, 4, 8, 16, 32, 64] + [1, 2, 4, 8, 16, 32, 64, 128]
    for model, kmax in (("zeta", 64), ("alpha", 128)):
        sub = df[df["model"] == model].sort_values("problem_id")
        n, c = sub["n"].to_numpy(), sub["correct"].to_numpy()
        rows = t[t["model"] == model]
        ks = rows["k"].tolist()
        inside = [k for k in ks if k <= n.min()]
        exact = passk.pass_at_k_curve(n, c, inside)
        assert np.allclose(rows["exact"].iloc[:len(inside)], exact, rtol=1e-12, atol=0)
        assert rows["exact"].iloc[len(inside):].isna().all()
        assert np.allclose(rows["forecast"].iloc[:len(inside)], exact, rtol=1e-12, atol=0)
        f = fc.forecast_passk(n, c, ks, n_boot=20, seed=4)
        assert np.allclose(rows["forecast"], f.value, rtol=1e-12, atol=0)
        assert np.allclose(rows["ci_low"], f.low, rtol=1e-12, atol=0)
        assert np.allclose(rows["ci_high"], f.high, rtol=1e-12, atol=0)
        assert set(rows["prior"]) == {f.family} and f.family in fc.FAMILIES
        assert ks[-1] == kmax
    assert t[t["model"] == "zeta"]["exact"].notna().tolist() == [True] * 3 + [False] * 4
    assert t[t["model"] == "alpha"]["exact"].notna().tolist() == [True] * 4 + [False] * 4


def test_beside_exact_grid_edge_and_empty():
    """min n = 31: 16 x 31 = 496, so the powers of two stop at 256 (17 x 31 = 527 would reach 512);
    an empty counts frame gives an empty table with the seven columns."""
    df = pd.DataFrame({"model": ["m"] * 4, "problem_id": list("abcd"), "n": [31, 40, 31, 33], "correct": [0, 3, 31, 9]})
    t = fc.beside_exact(df, n_boot=20)
    assert t["k"].tolist() == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert t["exact"].notna().sum() == 5
    empty = fc.beside_exact(df.iloc[:0])
    assert empty.empty and list(empty.columns) == ["model", "k", "exact", "forecast", "ci_low", "ci_high", "prior"]


def test_beside_exact_given_ks_seed_and_n_boot():
    """Given ks are used as given (k = min n has an exact value); seed and n_boot reach the bootstrap;
    the default seed is 0 and the default n_boot 200."""
    df = _counts_frame()
    zeta = df[df["model"] == "zeta"]
    t = fc.beside_exact(zeta, ks=[3, 6, 7, 50], n_boot=20, seed=0)
    assert t["k"].tolist() == [3, 6, 7, 50]
    assert t["exact"].notna().tolist() == [True, True, False, False]
    assert t["exact"].iloc[1] == t["forecast"].iloc[1]
    other_seed = fc.beside_exact(zeta, ks=[3, 6, 7, 50], n_boot=20, seed=1)
    other_boot = fc.beside_exact(zeta, ks=[3, 6, 7, 50], n_boot=30, seed=0)
    for other in (other_seed, other_boot):
        assert not np.allclose(other[["ci_low", "ci_high"]].to_numpy(), t[["ci_low", "ci_high"]].to_numpy())
    default = fc.beside_exact(zeta, ks=[2, 50])
    pd.testing.assert_frame_equal(default, fc.beside_exact(zeta, ks=[2, 50], n_boot=200, seed=0))
    assert not fc.beside_exact(zeta, ks=[2, 50], n_boot=201).equals(default)
    assert not fc.beside_exact(zeta, ks=[2, 50], seed=1).equals(default)


# ------------------------------------------------------------------------------------ Prior.sample

SIZE = 20000


def test_prior_sample_logit_normal():
    """logit p ~ Normal(mu = a, sigma = b): the draw is the sigmoid of the generator's normal draw."""
    prior = Prior("logit-normal", np.array([1.0]), np.array([-1.5]), np.array([0.8]))
    p = prior.sample(SIZE, np.random.default_rng(9))
    z = np.random.default_rng(9).normal(-1.5, 0.8, SIZE)
    assert p.shape == (SIZE,)
    assert np.allclose(p, 1 / (1 + np.exp(-z)), rtol=1e-12, atol=0)
    logit = np.log(p / (1 - p))
    assert abs(logit.mean() + 1.5) < 0.05 and abs(logit.std() - 0.8) < 0.05


def test_prior_sample_zero_inflated():
    """The point mass at 0 takes its weight's share of draws (exact zeros); the rest is the beta; weights
    that do not sum to one are normalised."""
    prior = Prior("zi-beta", np.array([0.6, 1.4]), np.array([np.nan, 2.0]), np.array([np.nan, 6.0]))
    p = prior.sample(SIZE, np.random.default_rng(1))
    assert p.shape == (SIZE,) and p.min() >= 0.0 and p.max() < 1.0
    zero = p == 0.0
    assert abs(zero.mean() - 0.3) < 0.02
    rest = p[~zero]
    assert abs(rest.mean() - 0.25) < 0.01  # Beta(2, 6): mean 1/4, variance 1/48
    assert abs(rest.var() - 1 / 48) < 0.002


def test_prior_sample_beta_mixture():
    """A two-component mixture: each component its weight's share, each with its own (a, b) the right way
    round; one component is a plain beta."""
    prior = Prior("beta-mix", np.array([0.25, 0.75]), np.array([1.0, 30.0]), np.array([30.0, 1.0]))
    p = prior.sample(SIZE, np.random.default_rng(2))
    assert p.shape == (SIZE,) and p.min() > 0.0 and p.max() < 1.0
    low = p < 0.5
    assert abs(low.mean() - 0.25) < 0.02
    assert abs(p[low].mean() - 1 / 31) < 0.005 and abs(p[~low].mean() - 30 / 31) < 0.005
    single = Prior("beta", np.array([1.0]), np.array([2.0]), np.array([3.0])).sample(SIZE, np.random.default_rng(3))
    assert abs(single.mean() - 0.4) < 0.01 and abs(single.var() - 0.04) < 0.004  # Beta(2, 3): var 6/150


def test_prior_sample_is_reproducible_by_seed():
    """The same generator seed gives the same draws, another seed other draws, for every kind of prior."""
    priors = [Prior("logit-normal", np.array([1.0]), np.array([0.0]), np.array([1.0])),
              Prior("zi-beta", np.array([0.5, 0.5]), np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))]
    for prior in priors:
        a = prior.sample(50, np.random.default_rng(5))
        assert a.shape == (50,)
        assert np.array_equal(a, prior.sample(50, np.random.default_rng(5)))
        assert not np.array_equal(a, prior.sample(50, np.random.default_rng(6)))
    assert priors[0].sample(0, np.random.default_rng(0)).shape == (0,)


# ------------------------------------------------------------------------------------ to_dict


def test_prior_to_dict():
    """Exact keys and plain floats: the point mass as point_mass_at 0, the logit-normal as its mean and sd."""
    zi = Prior("zi-beta", np.array([0.25, 0.75]), np.array([np.nan, 1.5]), np.array([np.nan, 4.0]), loglik=-12.5)
    d = zi.to_dict()
    assert d == {"family": "zi-beta", "components": [{"weight": 0.25, "point_mass_at": 0.0},
                                                     {"weight": 0.75, "a": 1.5, "b": 4.0}], "loglik": -12.5}
    ln = Prior("logit-normal", np.array([1.0]), np.array([-0.5]), np.array([2.25]), loglik=-3.0)
    assert ln.to_dict() == {"family": "logit-normal", "components": [{"weight": 1.0, "logit_mean": -0.5,
                                                                      "logit_sd": 2.25}], "loglik": -3.0}
    for value in (d["loglik"], *d["components"][1].values(), *ln.to_dict()["components"][0].values()):
        assert type(value) is float
    assert math.isnan(Prior("beta", np.array([1.0]), np.array([2.0]), np.array([3.0])).to_dict()["loglik"])


def test_forecast_to_dict():
    """Every field under its JSON name, arrays as lists."""
    f = Forecast([1, 64], np.array([0.25, 0.5]), np.array([0.125, 0.375]), np.array([0.375, 0.75]),
                 np.array([True, False]), 7, "beta", {"beta": -3.5}, {"family": "beta"}, 0.9)
    d = f.to_dict()
    assert d == {"ks": [1, 64], "value": [0.25, 0.5], "low": [0.125, 0.375], "high": [0.375, 0.75],
                 "exact": [True, False], "n_problems": 7, "family": "beta", "heldout_loglik": {"beta": -3.5},
                 "prior": {"family": "beta"}, "confidence": 0.9}
    assert all(type(d[key]) is list for key in ("ks", "value", "low", "high", "exact"))
    assert type(d["exact"][0]) is bool and type(d["value"][0]) is float


def test_crossover_to_dict():
    """Exact keys and values; the names and confidence stay out."""
    x = Crossover(48, 16, None, 1024, 0.125, False, ("b", "r"), 0.9)
    assert x.to_dict() == {"k": 48, "ci_low": 16, "ci_high": None, "k_max": 1024, "prob_no_crossover": 0.125,
                           "base_ahead_at_1": False}
    y = Crossover(None, None, 7, 64, 0.5, True)
    assert y.to_dict() == {"k": None, "ci_low": None, "ci_high": 7, "k_max": 64, "prob_no_crossover": 0.5,
                           "base_ahead_at_1": True}
