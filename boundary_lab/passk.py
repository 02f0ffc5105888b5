"""pass@k: the unbiased estimator, bootstrap intervals, coverage, ΔSE, histograms.

Pure numpy; importing this module never imports torch.

The estimator (Chen et al. 2021, used by Yue et al. 2025 §2.1) for one problem
with ``n`` samples of which ``c`` are correct is

    pass@k = 1 - C(n-c, k) / C(n, k)  =  1 - prod_{j=0}^{k-1} (n-c-j) / (n-j)

The product form never builds a binomial coefficient, so nothing overflows at
n = 4096. The dataset value is the *mean over problems* of the per-problem
values (never pooled counts).

>>> round(float(pass_at_k(10, 5, 3)), 4)
0.9167
>>> float(pass_at_k(1024, 1, 512))
0.5
>>> pass_at_k_curve([4, 4], [4, 1], [1, 2, 4]).tolist()
[0.625, 0.75, 1.0]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from .errors import InputError

# Paper, Figures 5 and 13: "0, (0, 0.1], (0.1, 0.2], ..., (0.9, 1.0]".
HISTOGRAM_LABELS = ["0"] + [f"({i / 10:.1f},{(i + 1) / 10:.1f}]" for i in range(10)]


def _as_counts(n, c) -> tuple[np.ndarray, np.ndarray]:
    n = np.atleast_1d(np.asarray(n))
    c = np.atleast_1d(np.asarray(c))
    if n.shape != c.shape:
        n, c = np.broadcast_arrays(n, c)
    if n.dtype.kind not in "iu" or c.dtype.kind not in "iu":
        if not (np.all(np.mod(n, 1) == 0) and np.all(np.mod(c, 1) == 0)):
            raise InputError("n and c must be integers")
    n = n.astype(np.int64)
    c = c.astype(np.int64)
    if np.any(n < 1):
        raise InputError(f"n must be >= 1 (got n={int(n[np.argmax(n < 1)])})")
    if np.any(c < 0) or np.any(c > n):
        i = int(np.argmax((c < 0) | (c > n)))
        raise InputError(f"need 0 <= c <= n (problem {i}: n={int(n[i])}, c={int(c[i])})")
    return n, c


def _as_ks(ks) -> np.ndarray:
    ks = np.atleast_1d(np.asarray(ks))
    if ks.dtype.kind not in "iu" and not np.all(np.mod(ks, 1) == 0):
        raise InputError(f"k must be integers (got {ks.tolist()})")
    ks = ks.astype(np.int64)
    if np.any(ks < 1):
        raise InputError(f"k must be >= 1 (got k={int(ks.min())})")
    return ks


def _fail_ratio_table(n: int, cs: np.ndarray, kmax: int) -> np.ndarray:
    """C(n-c, k)/C(n, k) for every c in ``cs`` and every k in 1..kmax, shape (len(cs), kmax).

    Built as a running product of (n-c-j)/(n-j); factors become 0 once j > n-c,
    which is exactly where C(n-c, k) = 0.
    """
    j = np.arange(kmax, dtype=np.float64)
    factors = (n - cs[:, None].astype(np.float64) - j) / (n - j)
    np.clip(factors, 0.0, None, out=factors)
    return np.cumprod(factors, axis=1)


def _checked(n, c, ks):
    """Validated counts and k values, and the largest k (no k may exceed any problem's n)."""
    n, c = _as_counts(n, c)
    ks = _as_ks(ks)
    kmax = int(ks.max())
    if np.any(n < kmax):
        i = int(np.argmax(n < kmax))
        raise InputError(f"k={kmax} exceeds n={int(n[i])} samples of problem {i}")
    return n, c, ks, kmax


def pass_at_k_matrix(n, c, ks) -> np.ndarray:
    """Per-problem pass@k, shape (problems, len(ks)).

    Problems may have different ``n``. Any k larger than a problem's n raises
    :class:`InputError`: the estimator is undefined there, and a silent 0 or a
    dropped point would bend the curve.

    >>> pass_at_k_matrix([2, 3], [1, 0], [1, 2]).round(3).tolist()
    [[0.5, 1.0], [0.0, 0.0]]
    """
    n, c, ks, kmax = _checked(n, c, ks)
    out = np.empty((n.size, ks.size), dtype=np.float64)
    # Group problems by n, then by unique c: there are at most n+1 distinct curves.
    for n_value in np.unique(n):
        rows = np.flatnonzero(n == n_value)
        unique_c, inverse = np.unique(c[rows], return_inverse=True)
        table = 1.0 - _fail_ratio_table(int(n_value), unique_c, kmax)[:, ks - 1]
        out[rows] = table[inverse]
    return out


def pass_at_k(n, c, k):
    """Per-problem unbiased pass@k. Scalars in, scalar out; arrays broadcast.

    >>> pass_at_k([5, 5], [0, 5], 3).tolist()
    [0.0, 1.0]
    """
    scalar = np.ndim(n) == 0 and np.ndim(c) == 0
    values = pass_at_k_matrix(n, c, [k])[:, 0]
    return values[0] if scalar else values


def pass_at_k_curve(n, c, ks) -> np.ndarray:
    """Dataset pass@k (mean over problems) for every k in ``ks``.

    Computed once per distinct (n, c) pair and weighted by its frequency, so
    all k <= 1024 for 10^5 problems cost about as much as for 1025 problems.
    """
    n, c, ks, kmax = _checked(n, c, ks)
    total = np.zeros(ks.size, dtype=np.float64)
    for n_value in np.unique(n):
        unique_c, freq = np.unique(c[n == n_value], return_counts=True)
        fail = _fail_ratio_table(int(n_value), unique_c, kmax)[:, ks - 1]
        total += freq @ (1.0 - fail)
    return total / n.size


def default_ks(max_n: int) -> list[int]:
    """Powers of two up to ``max_n`` (and max_n itself), the paper's x-axis.

    >>> default_ks(100)
    [1, 2, 4, 8, 16, 32, 64, 100]
    """
    ks = [2**i for i in range(int(np.log2(max_n)) + 1)]
    if ks[-1] != max_n:
        ks.append(int(max_n))
    return ks


def biased_pass_at_k(n, c, k) -> np.ndarray:
    """The common but biased plug-in 1 - (1 - c/n)^k (for teaching, never for results)."""
    n, c = _as_counts(n, c)
    return 1.0 - (1.0 - c / n) ** k


def guess_pass_at_k(n_choices: int, ks) -> np.ndarray:
    """Exact pass@k of guessing uniformly among ``n_choices`` answers: 1 - (1 - 1/m)^k.

    >>> round(float(guess_pass_at_k(97, [256])[0]), 2)
    0.93
    """
    ks = _as_ks(ks).astype(np.float64)
    return -np.expm1(ks * np.log1p(-1.0 / n_choices))


def subsample_pass_at_k(n, c, k: int, draws: int = 200, seed: int = 0) -> np.ndarray:
    """The naive estimate: per problem draw k of the n samples, score "any correct", average.

    Returns ``draws`` dataset-level estimates. Their mean is the unbiased
    pass@k (a random k-subset has no correct sample with hypergeometric
    probability C(n-c,k)/C(n,k)); their spread is the noise the estimator removes.

    >>> est = subsample_pass_at_k([10] * 50, [5] * 50, 3, draws=400, seed=0)
    >>> bool(abs(est.mean() - 11 / 12) < 0.01)
    True
    """
    n, c = _as_counts(n, c)
    if np.any(n < k):
        raise InputError(f"k={k} exceeds n={int(n.min())}")
    rng = np.random.default_rng(seed)
    hits = rng.hypergeometric(c, n - c, k, size=(draws, n.size)) > 0
    return hits.mean(axis=1)


# ----------------------------------------------------------------- bootstrap


def _interval(boot: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """The two-sided percentile interval of bootstrap replicates (rows), per column."""
    alpha = (1.0 - confidence) / 2
    return np.quantile(boot, alpha, axis=0), np.quantile(boot, 1 - alpha, axis=0)


def _bootstrap_weights(m: int, n_boot: int, seed: int) -> np.ndarray:
    """Multinomial resampling weights over m problems, shape (n_boot, m), rows sum to 1."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(m, np.full(m, 1.0 / m), size=n_boot) / m


@dataclass(frozen=True)
class Curve:
    """A dataset pass@k curve with a problem-level bootstrap interval."""

    ks: list[int]
    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_problems: int
    confidence: float = 0.95


def bootstrap_curve(n, c, ks, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0) -> Curve:
    """pass@k with a percentile bootstrap interval that resamples *problems*.

    Problems, not samples, are the unit: the estimator already averages the
    sampling noise within a problem, and problem difficulty is what varies.

    >>> cur = bootstrap_curve([8] * 4, [0, 2, 4, 8], [1, 8], seed=1)
    >>> cur.value.tolist()
    [0.4375, 0.75]
    """
    per_problem = pass_at_k_matrix(n, c, ks)
    weights = _bootstrap_weights(per_problem.shape[0], n_boot, seed)
    low, high = _interval(weights @ per_problem, confidence)
    return Curve(
        ks=[int(k) for k in _as_ks(ks)],
        value=per_problem.mean(axis=0),
        low=low,
        high=high,
        n_problems=per_problem.shape[0],
        confidence=confidence,
    )


@dataclass(frozen=True)
class PairedComparison:
    """Model A minus model B, per k, on the same problems."""

    ks: list[int]
    diff: np.ndarray
    low: np.ndarray
    high: np.ndarray
    wins: np.ndarray  # problems where A's pass@k > B's
    losses: np.ndarray
    ties: np.ndarray

    def to_dict(self) -> dict:
        return {
            str(k): {
                "diff": float(self.diff[i]),
                "ci_low": float(self.low[i]),
                "ci_high": float(self.high[i]),
                "wins": int(self.wins[i]),
                "losses": int(self.losses[i]),
                "ties": int(self.ties[i]),
            }
            for i, k in enumerate(self.ks)
        }


def paired_comparison(n_a, c_a, n_b, c_b, ks, n_boot: int = 1000, confidence: float = 0.95,
                      seed: int = 0, tol: float = 1e-12) -> PairedComparison:
    """Paired bootstrap of pass@k(A) - pass@k(B); arrays must be aligned by problem.

    >>> pc = paired_comparison([4, 4], [4, 0], [4, 4], [1, 1], [1, 4])
    >>> pc.diff.tolist(), pc.wins.tolist(), pc.losses.tolist()
    ([0.25, -0.5], [1, 0], [1, 1])
    """
    a = pass_at_k_matrix(n_a, c_a, ks)
    b = pass_at_k_matrix(n_b, c_b, ks)
    if a.shape != b.shape:
        raise InputError(f"paired comparison needs the same problems ({a.shape[0]} vs {b.shape[0]})")
    d = a - b
    low, high = _interval(_bootstrap_weights(d.shape[0], n_boot, seed) @ d, confidence)
    return PairedComparison(
        ks=[int(k) for k in _as_ks(ks)],
        diff=d.mean(axis=0),
        low=low,
        high=high,
        wins=(d > tol).sum(axis=0),
        losses=(d < -tol).sum(axis=0),
        ties=(np.abs(d) <= tol).sum(axis=0),
    )


# ------------------------------------------------------- seeds: a hierarchical bootstrap

# What an interval holds fixed (the ``conditions_on`` column of the tables).
CONDITIONS_ON = {
    False: "these seeds' trained models (problems resampled)",
    True: "nothing: seeds and problems resampled",
}


@dataclass(frozen=True)
class SeedInterval:
    """A mean over seeds of a mean over problems, per column, with a bootstrap interval."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    seeds: int
    problems: int
    conditions_on: str
    confidence: float = 0.95


def seed_bootstrap(values, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0,
                   resample_seeds: bool = True) -> SeedInterval:
    """Percentile interval of per-problem ``values`` (shape seeds x problems x columns, or seeds x problems).

    Every seed is one trained model evaluated on the *same* held-out problems. Each replicate
    resamples the problems (one multinomial draw of problem weights, applied within every seed:
    a problem's difficulty is shared by the seeds, so resampling it independently per seed would
    shrink the problem variance by the number of seeds), and, when ``resample_seeds``, then the
    seeds (the hierarchical bootstrap: the interval also covers a new training run). Without it,
    the seeds are held fixed, and the interval conditions on these trained models. The problem
    weights are drawn first from ``seed``, so one seed gives the fixed-seeds interval either way.

    Two seeds whose difference is constant over problems (0.1 and 0.3): holding them fixed leaves
    no doubt; resampling them spans both (a replicate is 0.1, 0.2 or 0.3).

    >>> v = [[0.1] * 4, [0.3] * 4]
    >>> fixed, both = seed_bootstrap(v, resample_seeds=False), seed_bootstrap(v)
    >>> [round(float(x), 3) for x in (fixed.value[0], fixed.low[0], fixed.high[0], both.low[0], both.high[0])]
    [0.2, 0.2, 0.2, 0.1, 0.3]
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 2:
        v = v[:, :, None]
    if v.ndim != 3 or v.shape[0] < 1 or v.shape[1] < 1:
        raise InputError(f"seed_bootstrap: need values of shape (seeds, problems[, columns]), got {v.shape}")
    n_seeds, n_problems = v.shape[:2]
    per_seed = np.einsum("bp,spk->bsk", _bootstrap_weights(n_problems, n_boot, seed), v)
    if resample_seeds:
        seed_weights = np.random.default_rng([seed, 1]).multinomial(n_seeds, np.full(n_seeds, 1.0 / n_seeds),
                                                                      size=n_boot) / n_seeds
        boot = np.einsum("bs,bsk->bk", seed_weights, per_seed)
    else:
        boot = per_seed.mean(axis=1)
    low, high = _interval(boot, confidence)
    return SeedInterval(value=v.mean(axis=(0, 1)), low=low, high=high, seeds=n_seeds, problems=n_problems,
                        conditions_on=CONDITIONS_ON[bool(resample_seeds)], confidence=confidence)


# ------------------------------------------------------- crossover: one definition


@dataclass(frozen=True)
class Crossover:
    """Where the base's pass@k curve meets another model's, on every k from 1 to ``k_max``.

    ``k``: the smallest k from which the base stays at or above the other model through k_max
    (1 when it is never behind, a tie at k = 1 included; None when it is behind at k_max).
    ``crossings``: how often the strict lead changes hands (equal values keep the last lead).
    ``end``: the paired bootstrap interval of base - other at k_max: ``"base above"`` (it excludes
    0 from above), ``"other above"``, or ``"level"`` (it contains 0); never a fixed tolerance.
    """

    k: int | None
    crossings: int
    end: str
    k_max: int
    diff: float
    low: float
    high: float
    solves: bool = True  # False when neither curve ever leaves 0

    @property
    def pattern(self) -> str:
        """The case, one of :data:`PATTERNS`."""
        if not self.solves:
            return "neither solves"
        if self.k is None:
            return "other stays ahead" if self.crossings == 0 else "other ends ahead"
        if self.k == 1:
            return "base at or above from k=1"
        return "base overtakes" if self.end == "base above" else "base catches up, level at k_max"


PATTERNS = ("neither solves", "other stays ahead", "other ends ahead", "base at or above from k=1",
            "base overtakes", "base catches up, level at k_max")


def _lead_changes(diff: np.ndarray) -> int:
    """How often the sign of the strictly non-zero entries of ``diff`` changes."""
    signs = np.sign(diff[diff != 0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def crossover(n_base, c_base, n_other, c_other, k_max: int | None = None, n_boot: int = 1000,
              confidence: float = 0.95, seed: int = 0) -> Crossover:
    """The crossover of the base and another model, aligned by problem (see :class:`Crossover`).

    ``k_max`` defaults to the largest n common to both. Here RL leads at k = 1 (0.5 vs 0.25),
    the base leads from k = 3 on and solves 4 problems to RL's 2, but with 4 problems the
    interval of the difference at k = 8 still contains 0:

    >>> cr = crossover([8] * 4, [2] * 4, [8] * 4, [8, 8, 0, 0])
    >>> cr.k, cr.crossings, cr.end, cr.pattern
    (3, 1, 'level', 'base catches up, level at k_max')
    """
    n_base, c_base = _as_counts(n_base, c_base)
    n_other, c_other = _as_counts(n_other, c_other)
    if n_base.shape != n_other.shape:
        raise InputError(f"crossover needs the same problems ({n_base.size} vs {n_other.size})")
    k_max = int(min(n_base.min(), n_other.min())) if k_max is None else int(k_max)
    ks = np.arange(1, k_max + 1)
    diff = pass_at_k_curve(n_base, c_base, ks) - pass_at_k_curve(n_other, c_other, ks)
    behind = np.flatnonzero(diff < 0)
    k = None if behind.size and behind[-1] == k_max - 1 else int(behind[-1] + 2) if behind.size else 1
    end = paired_comparison(n_base, c_base, n_other, c_other, [k_max], n_boot=n_boot, confidence=confidence,
                            seed=seed)
    low, high = float(end.low[0]), float(end.high[0])
    return Crossover(k=k, crossings=_lead_changes(diff), k_max=k_max, diff=float(end.diff[0]), low=low, high=high,
                     end="base above" if low > 0 else "other above" if high < 0 else "level",
                     solves=bool(c_base.any() or c_other.any()))


# ------------------------------------------------------- coverage, ΔSE, bins


@dataclass(frozen=True)
class Coverage:
    """Which problems each model solves at least once (c > 0), as id lists."""

    both_ids: list = field(default_factory=list)
    base_only_ids: list = field(default_factory=list)
    compared_only_ids: list = field(default_factory=list)
    neither_ids: list = field(default_factory=list)

    @property
    def rl_subset_of_base(self) -> bool:
        return not self.compared_only_ids

    def to_dict(self) -> dict:
        return {
            "both": len(self.both_ids),
            "base_only": len(self.base_only_ids),
            "compared_only": len(self.compared_only_ids),
            "neither": len(self.neither_ids),
            "both_ids": list(self.both_ids),
            "base_only_ids": list(self.base_only_ids),
            "compared_only_ids": list(self.compared_only_ids),
            "neither_ids": list(self.neither_ids),
        }


def coverage_sets(problem_ids: Sequence, c_base, c_rl) -> Coverage:
    """Split aligned problems into both / base only / RL only / neither (solved = c > 0).

    >>> coverage_sets(["a", "b", "c", "d"], [1, 1, 0, 0], [2, 0, 3, 0]).to_dict()["compared_only_ids"]
    ['c']
    """
    ids = list(problem_ids)
    base = np.asarray(c_base) > 0
    rl = np.asarray(c_rl) > 0
    pick = lambda mask: [ids[i] for i in np.flatnonzero(mask)]  # noqa: E731
    return Coverage(pick(base & rl), pick(base & ~rl), pick(~base & rl), pick(~base & ~rl))


def delta_se(n_base, c_base, n_rl, c_rl, k: int | None = None) -> float:
    """Sampling-efficiency gap of Yue et al. Figure 8: pass@K(base) - pass@1(RL).

    Lower is better for the RL model. K defaults to the largest n common to both
    models (the design's contract; the paper uses K = 256). The seed notebook
    printed the opposite sign (pass@1(RL) - pass@256(base)); we follow the paper.
    Below K = 4 (RL has 4 samples), the base's pass@4 is (1 + 1 - C(4,4)/C(8,4)) / 2 = 139/140
    and RL's pass@1 is 1/8:

    >>> round(delta_se([8, 8], [8, 4], [4, 4], [1, 0]), 6), round(139 / 140 - 1 / 8, 6)
    (0.867857, 0.867857)
    """
    if k is None:
        k = int(min(np.min(n_base), np.min(n_rl)))
    return float(pass_at_k_curve(n_base, c_base, [k])[0] - pass_at_k_curve(n_rl, c_rl, [1])[0])


def accuracy_histogram(n, c) -> np.ndarray:
    """Problem counts in the paper's accuracy bins 0, (0,0.1], ..., (0.9,1.0].

    Integer arithmetic decides the bin edges, so c/n = 0.3 lands in (0.2,0.3].

    >>> accuracy_histogram([10, 10, 10, 10], [0, 1, 3, 10]).tolist()
    [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    """
    n, c = _as_counts(n, c)
    # bin j >= 1 holds (j-1)/10 < c/n <= j/10, i.e. j = ceil(10 c / n).
    bins = -((-10 * c) // n)
    return np.bincount(bins, minlength=11)


def parse_ks(ks: Iterable[int]) -> list[int]:
    """Parse and sort a k list, removing duplicates. ``"1,2,4"`` or ints.

    >>> parse_ks("4,1,2,2")
    [1, 2, 4]
    """
    if isinstance(ks, str):
        try:
            ks = [int(x) for x in ks.split(",") if x.strip()]
        except ValueError:
            raise InputError(f"ks: must be a comma-separated list of integers (got {ks!r})") from None
    out = sorted(set(int(k) for k in ks))
    if not out or out[0] < 1:
        raise InputError(f"k values must be >= 1 (got {out})")
    return out
