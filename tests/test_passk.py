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
    (10, 5, 3, Fraction(11, 12)),  # the seed notebook printed 1.0 here
    (4, 4, 4, Fraction(1)),
    (4, 0, 4, Fraction(0)),
    (2, 1, 1, Fraction(1, 2)),
    (100, 3, 1, Fraction(3, 100)),
])
def test_known_values(n, c, k, expected):
    assert passk.pass_at_k(n, c, k) == pytest.approx(float(expected), abs=1e-15)


def test_seed_notebook_regression_5_of_10_k3():
    assert round(float(passk.pass_at_k(10, 5, 3)), 4) == 0.9167


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


def test_invariant_to_sample_order():
    rng = np.random.default_rng(0)
    outcomes = rng.random((20, 32)) < 0.1
    shuffled = np.array([rng.permutation(row) for row in outcomes])
    a = passk.pass_at_k_curve(np.full(20, 32), outcomes.sum(1), [1, 4, 32])
    b = passk.pass_at_k_curve(np.full(20, 32), shuffled.sum(1), [1, 4, 32])
    assert np.array_equal(a, b)


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
    # 1 - (1 - c/n)^k overstates pass@k when k is close to n.
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
