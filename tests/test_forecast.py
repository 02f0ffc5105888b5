"""Forecasting pass@k beyond n (boundary_lab.forecast, issue 24): the maths against exact
fractions, the fits against known priors, the intervals against simulated truth."""
from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from boundary_lab import findings, forecast, passk
from boundary_lab import priors as F
from boundary_lab.errors import InputError


def beta_fn(a: int, b: int) -> Fraction:
    """B(a, b) for positive integers, exactly: (a-1)!(b-1)!/(a+b-1)!."""
    return Fraction(1, a * comb(a + b - 1, a)) if a > 0 else None


def beta_prior(a, b):
    return F.Prior("beta", np.array([1.0]), np.array([float(a)]), np.array([float(b)]))


# (a, b, n, c): L(n, c) = B(a+c, b+n-c) / B(a, b), computed in exact rationals.
MARGINAL_CASES = [(1, 1, 4, 0), (1, 1, 4, 2), (2, 3, 10, 7), (3, 1, 5, 5), (1, 5, 16, 0), (4, 4, 1, 1)]


@pytest.mark.parametrize("a,b,n,c", MARGINAL_CASES)
def test_beta_marginal_is_exact(a, b, n, c):
    exact = beta_fn(a + c, b + n - c) / beta_fn(a, b)
    got = float(np.exp(beta_prior(a, b).log_marginal(np.array([n]), np.array([c]))[0]))
    assert got == pytest.approx(float(exact), rel=1e-12)


# (a, b, n, c, k): E[(1-p)^k | n, c] under Beta(a, b) = B(a+c, b+n-c+k) / B(a+c, b+n-c), exactly.
FAIL_CASES = [(1, 1, 4, 0, 4), (1, 1, 4, 1, 12), (2, 3, 8, 0, 64), (1, 2, 3, 3, 5), (5, 1, 2, 1, 100)]


@pytest.mark.parametrize("a,b,n,c,k", FAIL_CASES)
def test_posterior_fail_probability_is_exact(a, b, n, c, k):
    exact = beta_fn(a + c, b + n - c + k) / beta_fn(a + c, b + n - c)
    got = beta_prior(a, b).fail(np.array([n]), np.array([c]), [k])[0, 0]
    assert got == pytest.approx(float(exact), rel=1e-10)


def test_posterior_variance_is_exact():
    # Beta(1, 1), n = 2, c = 0: posterior Beta(1, 3); E[(1-p)^3] = 3/6 = 1/2, E[(1-p)^6] = 3/9 = 1/3.
    mean, var = beta_prior(1, 1).posterior_moments(np.array([2]), np.array([0]), [3])
    assert mean[0, 0] == pytest.approx(1 - 1 / 2)
    assert var[0, 0] == pytest.approx(1 / 3 - 1 / 4)


def test_zero_inflation_treats_solved_and_unsolved_problems_differently():
    zi = F.Prior("zi-beta", np.array([0.5, 0.5]), np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    plain = beta_prior(1, 1)
    n, k = np.array([4, 4]), [60]
    # A solved problem cannot be a never-solvable one: its forecast is the plain beta's.
    assert zi.fail(n[:1], np.array([2]), k)[0, 0] == pytest.approx(plain.fail(n[:1], np.array([2]), k)[0, 0])
    # An unsolved one: posterior weight of the point mass is 0.5 / (0.5 + 0.5 * 1/5) = 5/6.
    w0 = Fraction(1, 2) / (Fraction(1, 2) + Fraction(1, 2) * Fraction(1, 5))
    expected = w0 + (1 - w0) * Fraction(5, 65)  # E[(1-p)^60 | Beta(1, 5)] = 5/65
    assert zi.fail(n[:1], np.array([0]), k)[0, 0] == pytest.approx(float(expected), rel=1e-12)


@pytest.mark.parametrize("family", F.FAMILIES)
def test_gradient_matches_finite_differences(family):
    n = np.array([16.0, 16, 16, 32, 8])
    c = np.array([0.0, 3, 16, 1, 0])
    w = np.array([3.0, 1, 2, 1, 4])
    theta = np.array([-0.5, 0.7, 1.0, 0.2, -0.4])[: len(F._bounds(family))]
    value, grad = F._nll_grad(theta, family, n, c, w)
    assert value == pytest.approx(-(w @ F._prior_from_params(family, theta).log_marginal(n, c)), rel=1e-12)
    eps = 1e-6
    numeric = [(F._nll_grad(theta + e, family, n, c, w)[0] - F._nll_grad(theta - e, family, n, c, w)[0]) / (2 * eps)
               for e in np.eye(theta.size) * eps]
    assert np.allclose(grad, numeric, atol=1e-6)


def test_beta_fit_recovers_its_parameters():
    rng = np.random.default_rng(0)
    p = rng.beta(0.5, 2.0, 20000)
    n = rng.integers(8, 64, p.size)  # unequal n
    prior = F.fit_prior(n, rng.binomial(n, p), "beta")
    assert prior.a[0] == pytest.approx(0.5, rel=0.08) and prior.b[0] == pytest.approx(2.0, rel=0.08)


def test_zero_inflated_fit_recovers_the_never_solved_share():
    rng = np.random.default_rng(1)
    p = np.where(rng.random(20000) < 0.3, 0.0, rng.beta(1.0, 1.0, 20000))
    prior = F.fit_prior(np.full(p.size, 32), rng.binomial(32, p), "zi-beta")
    assert prior.weights[0] == pytest.approx(0.3, abs=0.02)


def test_selection_prefers_a_richer_family_when_the_beta_is_wrong():
    rng = np.random.default_rng(2)
    p = np.where(rng.random(3000) < 0.4, 0.0, rng.beta(3.0, 2.0, 3000))
    sel = F.select_prior(np.full(p.size, 16), rng.binomial(16, p), seed=0)
    assert sel.family != "beta" and sel.heldout[sel.family] > sel.heldout["beta"] + 10


def test_exact_estimator_below_n_and_forecast_above():
    n = np.array([8, 8, 16, 16])
    c = np.array([0, 3, 1, 16])
    f = F.forecast_passk(n, c, [1, 8, 12, 64], family="beta", n_boot=30)
    assert f.value[:2] == pytest.approx(passk.pass_at_k_curve(n, c, [1, 8]), abs=1e-15)
    assert f.exact.tolist() == [True, True, False, False]
    # k = 12: the n = 16 problems keep their exact value, the n = 8 ones are forecast.
    prior = F.fit_prior(n, c, "beta")
    beyond = 1 - prior.fail(n[:2], c[:2], [12])[:, 0]
    exact = passk.pass_at_k_matrix(n[2:], c[2:], [12])[:, 0]
    assert f.value[2] == pytest.approx((beyond.sum() + exact.sum()) / 4, rel=1e-12)
    # The k <= n interval is the problem bootstrap of the exact estimator.
    boot = passk.bootstrap_curve(n, c, [1, 8], n_boot=30, seed=0)
    assert np.all(f.low[:2] <= f.value[:2]) and np.all(f.high[:2] >= f.value[:2]) and boot.value.tolist() == \
        f.value[:2].tolist()


def test_forecast_is_monotone_and_reaches_a_million():
    rng = np.random.default_rng(3)
    p = rng.beta(0.3, 3.0, 500)
    c = rng.binomial(16, p)
    ks = [16, 64, 1024, 10**5, 10**6]
    f = F.forecast_passk(np.full(500, 16), c, ks, n_boot=30)
    assert np.all(np.diff(f.value) > 0) and f.value[-1] < 1.0
    assert np.all(f.high <= 1.0) and np.all(f.low >= 0.0)
    with pytest.raises(InputError, match="horizon"):
        F.forecast_passk(np.full(500, 16), c, [10**6 + 1], n_boot=30)


def test_never_solved_problems_get_less_than_solved_ones():
    f = F.fit_prior([16] * 50, [0] * 25 + [1] * 25, "zi-beta")
    unsolved, once = 1 - f.fail(np.array([16, 16]), np.array([0, 1]), [1024])[:, 0]
    assert unsolved < once


def test_delta_se_below_n_equals_the_exact_one():
    nb, cb = [8] * 4, [0, 2, 8, 1]
    nr, cr = [8] * 4, [0, 8, 8, 0]
    pair = F.fit_pair(nb, cb, nr, cr, family="beta", n_boot=30)
    assert F.forecast_delta_se(pair, 8)["delta_se"] == pytest.approx(passk.delta_se(nb, cb, nr, cr, k=8), abs=1e-15)


def simulate_pair(seed, m=400, n=16):
    """A base that solves every problem rarely, and an RL model that solves 85% of them often and
    never solves the other 15%: the RL model leads at n = 16, the base at large k."""
    rng = np.random.default_rng(seed)
    p_base = rng.beta(0.5, 8.0, m)
    hard = rng.random(m) < 0.15
    p_rl = np.where(hard, 0.0, np.clip(p_base * 8, 0, 0.98))
    return p_base, p_rl, rng.binomial(n, p_base), rng.binomial(n, p_rl)


true_curve = F.true_passk


def test_crossover_lies_within_a_factor_of_two_of_the_truth():
    p_base, p_rl, c_base, c_rl = simulate_pair(4)
    ks = F.crossover_grid(10**5, 1)
    diff = true_curve(p_base, ks) - true_curve(p_rl, ks)
    truth = int(ks[np.argmax(diff >= 0)])
    pair = F.fit_pair([16] * 400, c_base, [16] * 400, c_rl, n_boot=50)
    x = F.crossover(pair, 10**5)
    assert x.k is not None and truth / 2 <= x.k <= truth * 2
    assert x.low <= x.k <= (x.high or 10**9) and "catches up" in findings.crossover_sentence(x)
    # The RL model never loses below k = 2: no crossover expected there.
    assert F.crossover(pair, 2).k is None


def test_enough_report_refuses_unequal_n_and_counts_the_unsolved():
    with pytest.raises(InputError, match="same n"):
        F.enough_report([8, 16], [0, 1], n_boot=20)
    p_base, _, c_base, _ = simulate_pair(5)
    r = F.enough_report([16] * 400, c_base, "base", n_boot=50)
    assert r["unsolved"] == int((c_base == 0).sum())
    expected = [row["expected"] for row in r["newly_solved"]]
    assert 0 < expected[0] < expected[1] < expected[2] <= r["unsolved"]
    # Truth: the unsolved problems' chance of a first success in 15 * 16 more samples.
    unsolved = c_base == 0
    truth = float((1 - (1 - p_base[unsolved]) ** (15 * 16)).sum())
    last = r["newly_solved"][-1]
    assert last["ci_low"] <= truth <= last["ci_high"]
    sentence = findings.enough_sentence(r)
    assert "n = 16" in sentence and "16n" in sentence
    # At n itself no more samples are drawn, so nothing new is solved.
    assert F.enough_report([16] * 400, c_base, "base", multiples=(1,), n_boot=20)["newly_solved"][0]["expected"] == 0


def test_ordering_flip_probability_is_high_when_the_curves_cross():
    _, _, c_base, c_rl = simulate_pair(6)
    pair = F.fit_pair([16] * 400, c_base, [16] * 400, c_rl, n_boot=50)
    assert F.ordering_flip_probability(pair, 16) == 0.0  # k = n: the ordering is the one at n
    assert F.ordering_flip_probability(pair, 4096) > 0.9
    ordering = F.pair_ordering(pair, 4096)
    assert ordering["flip_probability"] == F.ordering_flip_probability(pair, 4096)
    assert "probability" in findings.ordering_sentence(ordering)


def test_bl_forecast_keeps_the_estimators_for_notebooks_and_the_cli():
    # issue 22 moved them to boundary_lab.priors (estimators layer); bl.forecast re-exports them
    for name in ("forecast_passk", "fit_pair", "crossover", "enough_report", "select_prior", "FAMILIES"):
        assert getattr(forecast, name) is getattr(F, name)


@pytest.mark.slow
@pytest.mark.parametrize("family", list(F.SIMULATED))
def test_interval_covers_pass_at_16n_on_simulated_data(family):
    """Nominal 95% intervals of pass@256 from n = 16 cover the truth in most replicates (the full
    study, with more replicates, is benchmarks/forecast_validation.py)."""
    hits = 0
    reps = 40
    for r in range(reps):
        rng = np.random.default_rng([10, r])
        p = F.simulated_rates(family, 300, [11, r])
        f = F.forecast_passk(np.full(300, 16), rng.binomial(16, p), [256], n_boot=100, seed=r)
        hits += bool(f.low[0] <= true_curve(p, [256])[0] <= f.high[0])
    assert hits / reps >= 0.8


def test_one_sample_per_problem_is_refused_on_the_shipped_gsm8k_solutions():
    """The package's only shipped per-sample data (GPT-3 on GSM8K) has n = 1 per model and problem."""
    import gzip
    import json

    from boundary_lab.benchmarks.loaders import data_file

    path = data_file("math/gsm8k/example_model_solutions.jsonl")
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as fh:
        c = [int(json.loads(line)["175b_finetuning"]["is_correct"]) for line in fh]
    assert len(c) == 1319 and 0 < sum(c) < len(c)
    with pytest.raises(InputError, match="n = 1"):
        F.forecast_passk([1] * len(c), c, [16], n_boot=10)
