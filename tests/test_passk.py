"""The pass@k estimator against exact rational arithmetic and brute force."""
from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

import numpy as np
import pytest

from boundary_lab import passk
from boundary_lab.errors import InputError


def exact_pass_at_k(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(comb(n - c, k), comb(n, k))


@pytest.mark.parametrize("n,c,k,expected", [
    (1024, 1, 512, Fraction(1, 2)),
    (10, 5, 3, Fraction(11, 12)),  # regression: the seed notebook printed 1.0 here
    (4, 4, 4, Fraction(1)),
    (4, 0, 4, Fraction(0)),
    (2, 1, 1, Fraction(1, 2)),
    (100, 3, 1, Fraction(3, 100)),
])
def test_known_values(n, c, k, expected):
    assert passk.pass_at_k(n, c, k) == pytest.approx(float(expected), abs=1e-15)


@pytest.mark.parametrize("n", [1, 7, 64, 1024, 4096])
def test_against_fractions_for_every_k(n):
    rng = np.random.default_rng(n)
    cs = sorted(set([0, 1, n // 2, n - 1, n] + rng.integers(0, n + 1, 6).tolist()))
    cs = [c for c in cs if 0 <= c <= n]
    ks = sorted(set([1, min(2, n), n // 3 or 1, n // 2 or 1, n] + rng.integers(1, n + 1, 8).tolist()))
    got = passk.pass_at_k_matrix([n] * len(cs), cs, ks)
    assert np.all(np.isfinite(got))
    for i, c in enumerate(cs):
        for j, k in enumerate(ks):
            assert abs(got[i, j] - float(exact_pass_at_k(n, c, k))) <= 1e-12, (n, c, k)


@pytest.mark.parametrize("n", [1, 5, 256, 4096])
def test_c_zero_and_c_n_for_every_k(n):
    ks = list(range(1, n + 1))
    m = passk.pass_at_k_matrix([n, n], [0, n], ks)
    assert np.all(m[0] == 0.0)
    assert np.all(m[1] == 1.0)


def test_no_overflow_nan_at_4096():
    n = 4096
    cs = np.arange(n + 1)
    m = passk.pass_at_k_matrix(np.full(cs.size, n), cs, [1, 2, 64, 1024, 4096])
    assert np.all(np.isfinite(m)) and m.min() >= 0 and m.max() <= 1
    assert np.all(np.diff(m, axis=0) >= -1e-15)  # more correct samples never lowers pass@k


def test_per_problem_average_not_pooled():
    # Pooled counts (8 samples, 4 correct) would give 1 - C(4,4)/C(8,4) = 69/70.
    assert passk.pass_at_k_curve([4, 4], [4, 0], [4])[0] == 0.5


@pytest.mark.parametrize("n,c", [(5, 2), (6, 3), (7, 1), (8, 5)])
def test_brute_force_over_all_k_subsets(n, c):
    samples = [1] * c + [0] * (n - c)
    for k in range(1, n + 1):
        subsets = list(itertools.combinations(range(n), k))
        hits = sum(any(samples[i] for i in s) for s in subsets)
        assert passk.pass_at_k(n, c, k) == pytest.approx(hits / len(subsets), abs=1e-14)


def test_invariant_to_problem_order_and_keeps_n_with_c():
    # Mixed n: the curve groups problems by n and c internally; permuting whole problems must not change it,
    # while permuting c alone (mismatching n and c) must.
    rng = np.random.default_rng(0)
    n = rng.choice([8, 16, 64], size=40)
    c = rng.binomial(n, rng.random(40))
    ks = [1, 4, 8]
    perm = rng.permutation(40)
    np.testing.assert_allclose(passk.pass_at_k_curve(n[perm], c[perm], ks), passk.pass_at_k_curve(n, c, ks),
                               rtol=0, atol=1e-14)
    shuffled_c = c[perm]
    valid = np.minimum(shuffled_c, n)  # keep counts legal after mismatching
    assert not np.allclose(passk.pass_at_k_curve(n, valid, ks), passk.pass_at_k_curve(n, c, ks))
    m = passk.pass_at_k_matrix(n, c, ks)
    np.testing.assert_array_equal(passk.pass_at_k_matrix(n[perm], c[perm], ks), m[perm])


def test_curve_equals_mean_of_matrix_with_mixed_n():
    n = [8, 16, 16, 1024]
    c = [1, 0, 16, 3]
    ks = [1, 2, 8]
    assert np.allclose(passk.pass_at_k_curve(n, c, ks), passk.pass_at_k_matrix(n, c, ks).mean(0), atol=1e-15)


@pytest.mark.parametrize("n,c,k", [(4, 1, 5), (1024, 0, 2048)])
def test_k_above_n_is_an_error(n, c, k):
    with pytest.raises(InputError, match="exceeds"):
        passk.pass_at_k(n, c, k)
    with pytest.raises(InputError, match="exceeds"):
        passk.pass_at_k_curve([n], [c], [k])


@pytest.mark.parametrize("n,c", [(4, 5), (4, -1), (0, 0)])
def test_bad_counts_are_errors(n, c):
    with pytest.raises(InputError):
        passk.pass_at_k(n, c, 1)


def test_biased_estimator_differs():
    # 1 - (1 - c/n)^k understates pass@k when k is close to n: 1 - 0.5^10 < 1, while any 10 of the
    # 10 samples include a correct one.
    assert passk.biased_pass_at_k(10, 5, 10)[0] < 1.0 == passk.pass_at_k(10, 5, 10)


def test_guess_baseline_exact():
    assert passk.guess_pass_at_k(97, [1])[0] == pytest.approx(1 / 97)
    assert passk.guess_pass_at_k(2, [3])[0] == pytest.approx(7 / 8)


def test_bootstrap_is_seeded_and_brackets_the_value():
    rng = np.random.default_rng(1)
    n = np.full(200, 64)
    c = rng.binomial(64, rng.random(200))
    a = passk.bootstrap_curve(n, c, [1, 8, 64], seed=3)
    b = passk.bootstrap_curve(n, c, [1, 8, 64], seed=3)
    assert np.array_equal(a.low, b.low) and np.array_equal(a.high, b.high)
    assert np.all(a.low <= a.value) and np.all(a.value <= a.high)
    assert np.all(a.high - a.low > 0)


def test_paired_comparison_counts_and_sign():
    pc = passk.paired_comparison([4, 4, 4], [4, 0, 2], [4, 4, 4], [0, 0, 2], [1, 4])
    assert pc.diff.tolist() == [pytest.approx(1 / 3), pytest.approx(1 / 3)]
    assert pc.wins.tolist() == [1, 1] and pc.losses.tolist() == [0, 0] and pc.ties.tolist() == [2, 2]


def test_coverage_sets_and_subset():
    cov = passk.coverage_sets(["a", "b", "c", "d"], [1, 1, 0, 0], [1, 0, 0, 0])
    assert cov.to_dict()["both_ids"] == ["a"] and cov.base_only_ids == ["b"]
    assert cov.neither_ids == ["c", "d"] and cov.rl_subset_of_base


def test_delta_se_sign_follows_paper():
    # base: pass@4 = 0.5; RL: pass@1 = 0.25 -> ΔSE = +0.25 (lower is better for RL)
    assert passk.delta_se([4, 4], [4, 0], [4, 4], [1, 1], k=4) == pytest.approx(0.25)


@pytest.mark.parametrize("n,c,bin_index", [
    (10, 0, 0), (10, 1, 1), (100, 10, 1), (100, 11, 2), (10, 3, 3), (3, 1, 4), (10, 9, 9), (10, 10, 10),
    (1024, 1, 1), (1000, 999, 10),
])
def test_histogram_bins_are_exact(n, c, bin_index):
    h = passk.accuracy_histogram([n], [c])
    assert h.sum() == 1 and h[bin_index] == 1


# ----------------------------------------------------------- intervals that can fail: simulated truth

SIM_K = [1, 4, 16]


def _beta_truth(a: float, b: float, ks) -> np.ndarray:
    """Population pass@k when each problem's success rate is Beta(a, b): 1 - E[(1-p)^k] = 1 - B(a, b+k)/B(a, b)."""
    from math import lgamma

    def log_beta(x, y):
        return lgamma(x) + lgamma(y) - lgamma(x + y)
    return np.array([1 - np.exp(log_beta(a, b + k) - log_beta(a, b)) for k in ks])


def _simulated_benchmark(rng, problems: int, n: int, a: float, b: float):
    p = rng.beta(a, b, size=problems)
    return np.full(problems, n), rng.binomial(n, p)


def test_bootstrap_interval_covers_the_truth_at_its_nominal_rate():
    # 300 benchmarks of 200 problems drawn from a known difficulty distribution: the 95% interval must
    # contain the population pass@k about 95% of the time. Measured: 0.927, 0.937, 0.947 for k = 1, 4, 16.
    # A 90% interval labelled 95% covers 0.88-0.90, one half as wide 0.65-0.69: both fall outside 0.91-0.99.
    rng = np.random.default_rng(2026)
    truth = _beta_truth(0.3, 1.2, SIM_K)
    hits = np.zeros(len(SIM_K))
    sims = 300
    for i in range(sims):
        n, c = _simulated_benchmark(rng, 200, 16, 0.3, 1.2)
        cur = passk.bootstrap_curve(n, c, SIM_K, n_boot=400, seed=i)
        assert cur.confidence == 0.95
        hits += (cur.low <= truth) & (truth <= cur.high)
    coverage = hits / sims
    assert np.all((0.91 <= coverage) & (coverage <= 0.99)), coverage


def _correlated_pair(rng, problems: int = 150, n: int = 16):
    """Two models on the same problems: RL is the base with every problem's success rate raised by 0.1."""
    p = rng.beta(0.3, 1.2, size=problems)
    base = rng.binomial(n, p)
    rl = rng.binomial(n, np.clip(p + 0.1, 0, 1))
    return np.full(problems, n), base, rl, p


def test_paired_interval_is_narrower_than_unpaired_and_covers_the_difference():
    rng = np.random.default_rng(7)
    ks = [1, 8]
    covered, sims = np.zeros(len(ks)), 300
    ratios = []
    for i in range(sims):
        n, base, rl, p = _correlated_pair(rng)
        pc = passk.paired_comparison(n, rl, n, base, ks, n_boot=400, seed=i)
        # The difference of the two models' expected pass@k on these problems (the paired target).
        truth = np.array([np.mean((1 - (1 - np.clip(p + 0.1, 0, 1)) ** k) - (1 - (1 - p) ** k)) for k in ks])
        covered += (pc.low <= truth) & (truth <= pc.high)
        if i < 30:
            a = passk.bootstrap_curve(n, rl, ks, n_boot=400, seed=2 * i + 1)
            b = passk.bootstrap_curve(n, base, ks, n_boot=400, seed=2 * i + 2)
            unpaired = np.hypot(a.high - a.low, b.high - b.low)  # width of the difference of independent draws
            ratios.append((pc.high - pc.low) / unpaired)
    # Shared difficulty cancels in the paired difference. Measured median width ratio 0.33 at k=1 and 0.68
    # at k=8; an unpaired bootstrap inside paired_comparison would give about 1.
    median = np.median(ratios, axis=0)
    assert median[0] < 0.5 and median[1] < 0.85, median
    coverage = covered / sims  # measured 0.947 (k=1) and 0.993 (k=8)
    assert np.all((0.90 <= coverage) & (coverage <= 0.998)), coverage


# ----------------------------------------------------------- small contracts (each pinned after a mutation survived)


def test_scalar_in_scalar_out_and_errors_name_the_problem():
    assert np.ndim(passk.pass_at_k(10, 5, 3)) == 0 and passk.pass_at_k([10], [5], 3).shape == (1,)
    assert passk.pass_at_k(10, [5, 6], 3).shape == (2,) and passk.pass_at_k([10, 12], 5, 3).shape == (2,)
    with pytest.raises(InputError, match="k=8 exceeds n=4 samples of problem 1"):
        passk.pass_at_k_curve([8, 4], [1, 1], [8])
    with pytest.raises(InputError, match="problem 1: n=4, c=5"):
        passk.pass_at_k_curve([8, 4], [1, 5], [1])


def test_biased_estimator_value():
    assert passk.biased_pass_at_k(10, 5, 10)[0] == pytest.approx(1 - 0.5 ** 10)
    assert passk.biased_pass_at_k([4, 8], [1, 2], 2).tolist() == pytest.approx([1 - 0.75 ** 2] * 2)


def test_coverage_dict_and_compared_only():
    cov = passk.coverage_sets(["a", "b", "c", "d", "e"], [1, 1, 0, 0, 2], [1, 0, 3, 0, 0])
    assert cov.to_dict() == {"both": 1, "base_only": 2, "compared_only": 1, "neither": 1, "both_ids": ["a"],
                             "base_only_ids": ["b", "e"], "compared_only_ids": ["c"], "neither_ids": ["d"]}
    assert not cov.rl_subset_of_base


def test_delta_se_default_k_is_the_largest_n_common_to_both_models():
    # base: n = 4 and 8, so K = 4; pass@4 = (1 + 1 - C(6,4)/C(8,4)) / 2.
    expected = (1 + 1 - 15 / 70) / 2 - 0.25
    assert passk.delta_se([4, 8], [4, 2], [4, 4], [1, 1]) == pytest.approx(expected)
    # RL sampled twice: K = 2 although every base problem has 8 samples; pass@2 = 1 - C(6,2)/C(8,2)
    assert passk.delta_se([8, 8], [2, 2], [2, 2], [1, 0]) == pytest.approx(1 - 15 / 28 - 0.25)


def test_seed_bootstrap_quantiles_are_the_stated_level():
    # three seeds whose difference is constant over problems (0, 0, 1): a replicate's mean is j/3, and
    # P(1) = 1/27 = 3.7% lies between 2.5% and 5%, so the 95% interval's top is 1 (a 90% one's would be 2/3)
    values = [[0.0] * 5, [0.0] * 5, [1.0] * 5]
    both = passk.seed_bootstrap(values, n_boot=4000, seed=1)
    assert (both.low[0], both.high[0]) == (0.0, 1.0) and both.seeds == 3 and both.problems == 5
    assert passk.seed_bootstrap(values, n_boot=4000, seed=1, confidence=0.9).high[0] == pytest.approx(2 / 3)
    fixed = passk.seed_bootstrap(values, n_boot=4000, seed=1, resample_seeds=False)
    assert fixed.low[0] == fixed.high[0] == pytest.approx(1 / 3) and fixed.value[0] == pytest.approx(1 / 3)
    assert (fixed.conditions_on, both.conditions_on) == (passk.CONDITIONS_ON[False], passk.CONDITIONS_ON[True])


def test_seed_bootstrap_resamples_problems_shared_by_the_seeds():
    # one seed: seeds cannot vary, so both intervals are the problem bootstrap of passk.bootstrap_curve
    per_problem = passk.pass_at_k_matrix([8] * 6, [0, 1, 2, 4, 8, 8], [1, 4])
    one = passk.seed_bootstrap(per_problem[None], n_boot=300, seed=2)
    curve = passk.bootstrap_curve([8] * 6, [0, 1, 2, 4, 8, 8], [1, 4], n_boot=300, seed=2)
    assert np.allclose(one.low, curve.low) and np.allclose(one.high, curve.high)
    assert np.allclose(one.value, curve.value) and one.value[0] != one.value[1]
    # two identical seeds: the hierarchical interval is the fixed-seeds one (the same problem weights)
    two = np.stack([per_problem, per_problem])
    assert np.allclose(passk.seed_bootstrap(two, n_boot=300, seed=2).low, one.low)
    with pytest.raises(InputError, match="shape"):
        passk.seed_bootstrap([1.0, 2.0])


def test_histogram_always_has_eleven_bins():
    assert passk.accuracy_histogram([10, 10], [0, 0]).tolist() == [2] + [0] * 10


def test_paired_comparison_to_dict():
    pc = passk.paired_comparison([4, 4, 4], [4, 0, 2], [4, 4, 4], [0, 0, 2], [1, 4], n_boot=50, seed=0)
    d = pc.to_dict()
    assert list(d) == ["1", "4"]
    assert d["1"] == {"diff": pytest.approx(1 / 3), "ci_low": float(pc.low[0]), "ci_high": float(pc.high[0]),
                      "wins": 1, "losses": 0, "ties": 2}
    assert d["4"]["diff"] == pytest.approx(1 / 3) and d["4"]["ties"] == 2


def test_subsample_estimates_average_to_the_unbiased_value():
    est = passk.subsample_pass_at_k([10] * 50, [5] * 50, 3, draws=400, seed=0)
    assert est.shape == (400,) and abs(est.mean() - 11 / 12) < 0.01 and est.std() > 0
    assert np.array_equal(est, passk.subsample_pass_at_k([10] * 50, [5] * 50, 3, draws=400, seed=0))
    default = passk.subsample_pass_at_k([10] * 50, [5] * 50, 3)
    assert default.shape == (200,) and np.array_equal(default, passk.subsample_pass_at_k([10] * 50, [5] * 50, 3,
                                                                                        draws=200, seed=0))
    assert passk.subsample_pass_at_k([4], [4], 4, draws=5).tolist() == [1.0] * 5
    assert passk.subsample_pass_at_k([4], [0], 1, draws=5).tolist() == [0.0] * 5
    with pytest.raises(InputError, match="k=5 exceeds n=4"):
        passk.subsample_pass_at_k([4, 8], [1, 1], 5)


@pytest.mark.parametrize("max_n, expected", [(1, [1]), (8, [1, 2, 4, 8]), (100, [1, 2, 4, 8, 16, 32, 64, 100])])
def test_default_ks(max_n, expected):
    assert passk.default_ks(max_n) == expected


def test_parse_ks():
    assert passk.parse_ks("4, 1,2,2,") == [1, 2, 4]
    assert passk.parse_ks([8, 3]) == [3, 8]
    with pytest.raises(InputError, match=r"ks: must be a comma-separated list of integers \(got '1,x'\)"):
        passk.parse_ks("1,x")
    for bad in ("", "0,1", [-1]):
        with pytest.raises(InputError, match="k values must be >= 1"):
            passk.parse_ks(bad)


def test_intervals_are_the_bootstrap_quantiles_at_the_stated_level():
    # Rebuild the bootstrap by hand (multinomial problem weights from the same seed): the interval must be the
    # 2.5% and 97.5% quantiles, so a 96.7% or a 90% interval labelled 95% fails here.
    rng = np.random.default_rng(5)
    n = np.full(60, 16)
    c_a, c_b = rng.binomial(16, rng.random(60)), rng.binomial(16, rng.random(60))
    ks = [1, 4]
    a = passk.pass_at_k_matrix(n, c_a, ks)
    weights = np.random.default_rng(0).multinomial(60, np.full(60, 1 / 60), size=1000) / 60
    cur = passk.bootstrap_curve(n, c_a, ks)  # defaults: 1000 resamples, 95%, seed 0
    np.testing.assert_allclose(cur.low, np.quantile(weights @ a, 0.025, axis=0), rtol=1e-12)
    np.testing.assert_allclose(cur.high, np.quantile(weights @ a, 0.975, axis=0), rtol=1e-12)
    assert (cur.ks, cur.n_problems, cur.confidence) == ([1, 4], 60, 0.95)
    assert passk.bootstrap_curve(n, c_a, ks, confidence=0.9).confidence == 0.9
    d = a - passk.pass_at_k_matrix(n, c_b, ks)
    pc = passk.paired_comparison(n, c_a, n, c_b, ks)
    np.testing.assert_allclose(pc.low, np.quantile(weights @ d, 0.025, axis=0), rtol=1e-12)
    np.testing.assert_allclose(pc.high, np.quantile(weights @ d, 0.975, axis=0), rtol=1e-12)
    other = passk.paired_comparison(n, c_a, n, c_b, ks, seed=1)
    assert not np.array_equal(other.low, pc.low)
    with pytest.raises(InputError, match=r"needs the same problems \(60 vs 59\)"):
        passk.paired_comparison(n, c_a, n[:-1], c_b[:-1], ks)


def test_matrix_error_names_the_first_short_problem():
    with pytest.raises(InputError, match="k=4 exceeds n=2 samples of problem 1"):
        passk.pass_at_k_matrix([4, 2, 3], [1, 1, 1], [4])


def test_counts_must_be_whole_numbers():
    # Integral floats are counts (a CSV read may give 4.0); anything else is named.
    assert passk.pass_at_k_curve([4.0, 4], [2, 2.0], [2]).tolist() == pytest.approx([1 - 1 / 6])
    for n, c in (([4.5], [2]), ([4], [2.5]), ([4.5], [2.5]), ([4], [0.5])):
        with pytest.raises(InputError, match="^n and c must be integers$"):
            passk.pass_at_k_curve(n, c, [1])
    with pytest.raises(InputError, match=r"^n must be >= 1 \(got n=0\)$"):
        passk.pass_at_k_curve([3, 0], [1, 0], [1])
    with pytest.raises(InputError, match=r"^need 0 <= c <= n \(problem 1: n=3, c=-1\)$"):
        passk.pass_at_k_curve([3, 3], [1, -1], [1])
    with pytest.raises(InputError, match=r"^k must be integers \(got \[1.5\]\)$"):
        passk.pass_at_k_curve([3], [1], [1.5])
    with pytest.raises(InputError, match=r"^k must be >= 1 \(got k=0\)$"):
        passk.pass_at_k_curve([3], [1], [0, 1])
    assert passk.pass_at_k_curve([3], [1], [1.0, 2.0]).tolist() == pytest.approx([1 / 3, 2 / 3])


def test_n_error_names_the_first_bad_n():
    with pytest.raises(InputError, match=r"n must be >= 1 \(got n=0\)"):
        passk.pass_at_k_matrix([2, 1, 0], [0, 0, 0], [1])


def test_crossover_interval_is_seeded_and_its_defaults_are_stated():
    args = ([8] * 30, [1, 2, 3, 0, 8, 4] * 5, [8] * 30, [8, 0, 0, 1, 8, 2] * 5)
    default = passk.crossover(*args)
    assert default == passk.crossover(*args, k_max=8, n_boot=1000, confidence=0.95, seed=0)
    pc = passk.paired_comparison(*args, [8], n_boot=1000, seed=0)
    assert (default.low, default.high, default.diff) == (pc.low[0], pc.high[0], pc.diff[0])
    assert passk.crossover(*args, k_max=4).k_max == 4
