"""Priors over per-problem success rates, and pass@k beyond n from each problem's posterior (pure numpy).

The estimators behind :mod:`boundary_lab.forecast` (which adds the counts-frame reports; the figure
is :func:`boundary_lab.plots.forecast_curves`, the sentences are in :mod:`boundary_lab.findings`).

With ``c`` correct of ``n`` samples, pass@k is exact only for k <= n (:mod:`boundary_lab.passk`).
Beyond n this module fits a prior G over per-problem success probabilities p from the counts
of every problem (unequal n allowed), then forecasts each problem from its posterior:

    E[(1 - p)^k | n, c] = L(n + k, c) / L(n, c),   L(n, c) = integral of p^c (1 - p)^(n - c) dG(p)

so a problem solved 5 times in 16 and one never solved get different forecasts. G is one of
(Kazdan et al. 2025; Schaeffer et al. 2025; Verine et al. 2026):

- ``beta``: Beta(a, b), by maximum likelihood (the beta-binomial);
- ``zi-beta``: a point mass at p = 0 (problems no sample will ever solve) plus a beta;
- ``beta-mix``: a two-component beta mixture (heavy tails, bimodal difficulty);
- ``logit-normal``: logit p ~ Normal(mu, sigma), whose left tail is lighter than any beta's with
  a < 1 (integrated on a fixed grid of 241 normal quantiles spaced 0.05 sd apart, within 6 sd).

``family="auto"`` chooses by held-out likelihood: each problem's samples are split in two
(a hypergeometric split of its counts, which is exact for exchangeable samples), each family
is fitted on one half and scored on how well it predicts the other, both ways round.

For k <= every problem's n the value is the exact unbiased estimator, with the problem
bootstrap of :func:`boundary_lab.passk.bootstrap_curve`. Beyond n, the interval comes from a
bootstrap over problems that refits the prior each time; each replicate forecasts the *same*
problems (the quantity is the dataset's pass@k, as the exact estimator at large n measures it)
and adds the spread of the problems' own posteriors (a normal draw with their summed variance).

>>> n, c = [16] * 6, [0, 0, 1, 4, 16, 16]
>>> prior = fit_prior(n, c, "beta")
>>> prior.family, prior.weights.tolist()
('beta', [1.0])
>>> f = forecast_passk(n, c, [1, 16, 256], family="beta", n_boot=50)
>>> f.exact.tolist(), round(float(f.value[0]), 4)    # k <= n: the exact estimator
([True, True, False], 0.3854)
>>> bool(f.value[1] < f.value[2] < 1.0) and bool(f.low[2] <= f.value[2] <= f.high[2])
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import passk
from .errors import InputError

FAMILIES = ("beta", "zi-beta", "beta-mix", "logit-normal")
# Parameter bounds of the fits (log a, log b; logits of weights). exp(-8) ~ 3e-4: a beta that
# close to a point mass is what the zero-inflated family is for; exp(10) ~ 2e4 pins p to its mean.
_LOG_BOUNDS = (-8.0, 10.0)
_LOGIT_BOUNDS = (-12.0, 12.0)
# The forecast horizon the issue asks for: pass@k for any k up to 10^6.
MAX_K = 10**6


# ------------------------------------------------------------------ the prior

# The logit-normal's quadrature: mid-point rule on z in [-6, 6], step 0.05 (weights sum to 1).
_Z = np.linspace(-6.0, 6.0, 241)
_LOG_ZW = -0.5 * _Z**2 - np.log(np.exp(-0.5 * _Z**2).sum())


def _logit_normal_terms(mu: float, sigma: float, n: np.ndarray, c: np.ndarray):
    """log of each node's weight times p^c (1-p)^(n-c), nodes on the last axis; and the nodes' p."""
    x = mu + sigma * _Z
    log_p, log_q = -np.logaddexp(0.0, -x), -np.logaddexp(0.0, x)
    n, c = np.asarray(n, dtype=np.float64)[..., None], np.asarray(c, dtype=np.float64)[..., None]
    return _LOG_ZW + c * log_p + (n - c) * log_q, np.exp(log_p)



@dataclass(frozen=True)
class Prior:
    """A mixture of beta components and (where ``a`` is nan) a point mass at p = 0.

    >>> p = Prior("zi-beta", np.array([0.25, 0.75]), np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    >>> round(float(np.exp(p.log_marginal(np.array([2]), np.array([0]))[0])), 4)   # 1/4 + 3/4 * 1/3
    0.5
    >>> p.fail(np.array([1]), np.array([1]), 1).round(4).tolist()   # E[1-p | one success] = 1/3
    [[0.3333]]
    """

    family: str
    weights: np.ndarray
    a: np.ndarray
    b: np.ndarray
    loglik: float = float("nan")
    params: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def _component_logs(self, n: np.ndarray, c: np.ndarray) -> np.ndarray:
        """log w_j + log integral p^c (1-p)^(n-c) dBeta_j, shape (components, *n.shape)."""
        from scipy.special import betaln

        n = np.asarray(n, dtype=np.float64)
        c = np.asarray(c, dtype=np.float64)
        if self.family == "logit-normal":  # a = mu, b = sigma
            from scipy.special import logsumexp

            terms, _ = _logit_normal_terms(float(self.a[0]), float(self.b[0]), n, c)
            return logsumexp(terms, axis=-1)[None]
        out = []
        for w, a, b in zip(self.weights, self.a, self.b):
            logw = np.log(w) if w > 0 else -np.inf
            if np.isnan(a):  # the point mass at 0: only all-failure sequences have probability (1)
                comp = np.where(c + 0 * n == 0, 0.0, -np.inf)
            else:
                comp = betaln(a + c, b + n - c) - betaln(a, b)
            out.append(logw + comp)
        return np.stack(out)

    def log_marginal(self, n, c) -> np.ndarray:
        """log L(n, c): the log-probability of one given sequence of n samples with c correct."""
        from scipy.special import logsumexp

        return logsumexp(self._component_logs(n, c), axis=0)

    def fail(self, n, c, k) -> np.ndarray:
        """E[(1-p)^k | n, c] for problems (rows) and k values (columns)."""
        n = np.asarray(n, dtype=np.float64)[:, None]
        c = np.asarray(c, dtype=np.float64)[:, None]
        ks = np.atleast_1d(np.asarray(k, dtype=np.float64))[None, :]
        return np.exp(self.log_marginal(n + ks, c) - self.log_marginal(n, c))

    def posterior_moments(self, n, c, k) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of 1 - (1-p)^k, shape (problems, len(k))."""
        n = np.asarray(n, dtype=np.float64)[:, None]
        c = np.asarray(c, dtype=np.float64)[:, None]
        ks = np.atleast_1d(np.asarray(k, dtype=np.float64))[None, :]
        base = self.log_marginal(n, c)
        f1 = np.exp(self.log_marginal(n + ks, c) - base)
        f2 = np.exp(self.log_marginal(n + 2 * ks, c) - base)
        return 1.0 - f1, np.clip(f2 - f1 * f1, 0.0, None)

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Draw success probabilities from the prior (for simulations)."""
        if self.family == "logit-normal":
            return 1.0 / (1.0 + np.exp(-rng.normal(self.a[0], self.b[0], size)))
        comp = rng.choice(len(self.weights), size=size, p=self.weights / self.weights.sum())
        p = np.zeros(size)
        for j, (a, b) in enumerate(zip(self.a, self.b)):
            pick = comp == j
            if not np.isnan(a):
                p[pick] = rng.beta(a, b, size=int(pick.sum()))
        return p

    def to_dict(self) -> dict:
        if self.family == "logit-normal":
            return {"family": self.family, "components": [{"weight": 1.0, "logit_mean": float(self.a[0]),
                                                           "logit_sd": float(self.b[0])}], "loglik": float(self.loglik)}
        comps = [{"weight": float(w), **({"point_mass_at": 0.0} if np.isnan(a) else {"a": float(a), "b": float(b)})}
                 for w, a, b in zip(self.weights, self.a, self.b)]
        return {"family": self.family, "components": comps, "loglik": float(self.loglik)}


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _prior_from_params(family: str, theta: np.ndarray) -> Prior:
    if family == "beta":
        return Prior(family, np.array([1.0]), np.exp(theta[:1]), np.exp(theta[1:2]), params=theta)
    if family == "zi-beta":
        pi = _sigmoid(theta[2])
        return Prior(family, np.array([pi, 1.0 - pi]), np.array([np.nan, np.exp(theta[0])]),
                     np.array([np.nan, np.exp(theta[1])]), params=theta)
    if family == "logit-normal":
        return Prior(family, np.array([1.0]), theta[:1].copy(), np.exp(theta[1:2]), params=theta)
    if family == "beta-mix":
        w = _sigmoid(theta[4])
        return Prior(family, np.array([w, 1.0 - w]), np.exp(theta[[0, 2]]), np.exp(theta[[1, 3]]), params=theta)
    raise InputError(f"family: unknown {family!r}; choose one of {', '.join(FAMILIES)} or auto")


def _moments_start(n: np.ndarray, c: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """log a, log b of a beta matching the weighted mean and spread of c/n (method of moments)."""
    r = c / n
    tot = max(w.sum(), 1e-12)
    mu = float(np.clip((w * r).sum() / tot, 0.02, 0.98))
    var = float((w * (r - mu) ** 2).sum() / tot)
    var = float(np.clip(var, 1e-4, mu * (1 - mu) * 0.95))
    s = float(np.clip(mu * (1 - mu) / var - 1.0, 0.05, 1e3))
    return float(np.log(mu * s)), float(np.log((1 - mu) * s))


def _starts(family: str, n: np.ndarray, c: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
    la, lb = _moments_start(n, c, w)
    if family == "logit-normal":
        mu = float(np.log(np.exp(la) / np.exp(lb)))  # logit of the mean rate
        return [np.array([mu - 1.0, np.log(2.0)]), np.array([mu, np.log(0.8)])]
    if family == "beta":
        return [np.array([la, lb]), np.array([np.log(0.3), np.log(1.0)])]
    zero = float((w * (c == 0)).sum() / max(w.sum(), 1e-12))
    if family == "zi-beta":
        pos = c > 0
        la1, lb1 = _moments_start(n[pos], c[pos], w[pos]) if pos.any() else (la, lb)
        logit = float(np.log(max(zero, 0.02) / max(1 - zero, 0.02)))
        return [np.array([la1, lb1, logit - 1.0]), np.array([la, lb, -4.0])]
    r = c / n
    lo = r <= np.median(np.repeat(r, np.maximum(w.round().astype(int), 0))) if w.sum() >= 1 else r <= 0.5
    if lo.all() or not lo.any():
        lo = r <= r.mean()
    starts = []
    for part in (lo, ~lo):
        starts.append(_moments_start(n[part], c[part], w[part]) if part.any() and w[part].sum() > 0 else (la, lb))
    share = float(w[lo].sum() / max(w.sum(), 1e-12))
    share = min(max(share, 0.05), 0.95)
    return [np.array([*starts[0], *starts[1], np.log(share / (1 - share))]),
            np.array([np.log(0.2), np.log(5.0), la, lb, 0.0])]


def _bounds(family: str) -> list[tuple[float, float]]:
    return {"logit-normal": [(-20.0, 15.0), (np.log(0.05), np.log(8.0))], "beta": [_LOG_BOUNDS] * 2,
            "zi-beta": [_LOG_BOUNDS] * 2 + [_LOGIT_BOUNDS],
            "beta-mix": [_LOG_BOUNDS] * 4 + [_LOGIT_BOUNDS]}[family]


def _nll_grad(theta: np.ndarray, family: str, n: np.ndarray, c: np.ndarray, w: np.ndarray):
    """Negative log-likelihood of the counts and its gradient in the unconstrained parameters."""
    from scipy.special import betaln, digamma

    if family == "logit-normal":
        sigma = float(np.exp(theta[1]))
        terms, p = _logit_normal_terms(float(theta[0]), sigma, n, c)
        top = terms.max(axis=-1, keepdims=True)
        resp = np.exp(terms - top)
        total = resp.sum(axis=-1, keepdims=True)
        resp /= total
        score = c[:, None] - n[:, None] * p[None, :]  # d/dx of c log p + (n-c) log(1-p), x = logit p
        value = -float(w @ (top[:, 0] + np.log(total[:, 0])))
        grad = -np.array([w @ (resp * score).sum(axis=1), w @ (resp * score * sigma * _Z).sum(axis=1)])
        return (value, grad) if np.isfinite(value) else (1e300, np.zeros_like(theta))
    if family == "beta":
        betas, logits = [(0, 1)], None
    elif family == "zi-beta":
        betas, logits = [(0, 1)], 2
    else:
        betas, logits = [(0, 1), (2, 3)], 4
    weight = 1.0 if logits is None else float(1.0 / (1.0 + np.exp(-theta[logits])))
    # log-weights of the components, in order: the first beta gets `weight` in beta-mix; in zi-beta
    # the point mass gets `weight` and the beta 1 - weight.
    terms, grads_ab = [], []
    for j, (ia, ib) in enumerate(betas):
        a, b = np.exp(theta[ia]), np.exp(theta[ib])
        if family == "beta":
            logw = 0.0
        elif family == "zi-beta":
            logw = np.log1p(-weight) if weight < 1 else -np.inf
        else:
            logw = np.log(weight) if j == 0 else np.log1p(-weight)
        terms.append(logw + betaln(a + c, b + n - c) - betaln(a, b))
        common = digamma(a + b) - digamma(a + b + n)
        grads_ab.append((a * (digamma(a + c) - digamma(a) + common), b * (digamma(b + n - c) - digamma(b) + common)))
    if family == "zi-beta":
        terms.append(np.where(c == 0, np.log(weight) if weight > 0 else -np.inf, -np.inf))
    stacked = np.stack(terms)
    top = stacked.max(axis=0)
    resp = np.exp(stacked - top)
    total = resp.sum(axis=0)
    loglik = top + np.log(total)
    resp /= total
    grad = np.zeros_like(theta)
    for j, (ia, ib) in enumerate(betas):
        grad[ia] = -(w * resp[j] * grads_ab[j][0]).sum()
        grad[ib] = -(w * resp[j] * grads_ab[j][1]).sum()
    if family == "zi-beta":  # d/dt of log(1-s) is -s, of log s is 1-s
        grad[logits] = -(w * (resp[1] - weight)).sum()
    elif family == "beta-mix":
        grad[logits] = -(w * (resp[0] - weight)).sum()
    value = -float(w @ loglik)
    if not np.isfinite(value):
        return 1e300, np.zeros_like(theta)
    return value, grad


def _fit_grouped(family: str, n: np.ndarray, c: np.ndarray, w: np.ndarray, starts=None) -> Prior:
    """Maximum-likelihood prior for distinct (n, c) pairs with multiplicities ``w``."""
    from scipy.optimize import minimize

    n = n.astype(np.float64)
    c = c.astype(np.float64)
    best = None
    bounds = _bounds(family)
    for x0 in starts if starts is not None else _starts(family, n, c, w):
        x0 = np.clip(x0, [lo for lo, _ in bounds], [hi for _, hi in bounds])
        res = minimize(_nll_grad, x0, args=(family, n, c, w), jac=True, method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
    prior = _prior_from_params(family, best.x)
    return Prior(prior.family, prior.weights, prior.a, prior.b, loglik=-float(best.fun), params=best.x)


def _grouped(n, c) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (n, c) pairs, their multiplicities, and each problem's pair index."""
    n, c = passk._as_counts(n, c)
    pairs, inverse, counts = np.unique(np.stack([n, c], axis=1), axis=0, return_inverse=True, return_counts=True)
    return pairs[:, 0], pairs[:, 1], counts.astype(np.float64), inverse.reshape(-1)


def fit_prior(n, c, family: str = "beta") -> Prior:
    """The maximum-likelihood prior of one family for per-problem counts (n may differ by problem).

    >>> fit_prior([10] * 4, [0, 0, 10, 10], "zi-beta").weights.round(2).tolist()   # half never solved
    [0.5, 0.5]
    """
    if family not in FAMILIES:
        raise InputError(f"family: unknown {family!r}; choose one of {', '.join(FAMILIES)} or auto")
    gn, gc, gw, _ = _grouped(n, c)
    return _fit_grouped(family, gn, gc, gw)


@dataclass(frozen=True)
class Selection:
    """The family chosen by held-out likelihood, the score of every family, and the full-data fits.

    ``per_problem``: each problem's held-out log-likelihood under each family (columns in the
    order of ``families``); the bootstrap resamples these sums to choose a family per replicate.
    """

    family: str
    heldout: dict
    prior: Prior
    families: tuple = ()
    per_problem: np.ndarray | None = None
    fits: dict = field(default_factory=dict)


def select_prior(n, c, families=FAMILIES, seed: int = 0) -> Selection:
    """Fit each family on half of every problem's samples, score the other half, both ways; pick the best.

    Problems with n = 1 cannot be split; they stay out of the comparison (and in the final fit).

    >>> sel = select_prior([16] * 40 + [16] * 40, [0] * 40 + [8] * 40, seed=1)
    >>> sel.family != "beta", sorted(sel.heldout) == sorted(FAMILIES)
    (True, True)
    """
    n, c = passk._as_counts(n, c)
    families = tuple(families)
    for fam in families:
        if fam not in FAMILIES:
            raise InputError(f"family: unknown {fam!r}; choose one of {', '.join(FAMILIES)} or auto")
    split = n >= 2
    if len(families) == 1 or split.sum() < 2:
        prior = fit_prior(n, c, families[0])
        return Selection(families[0], {}, prior, families[:1], None, {families[0]: prior})
    rng = np.random.default_rng(seed)
    ns, cs = n[split], c[split]
    n1 = ns // 2
    c1 = rng.hypergeometric(cs, ns - cs, n1)
    halves = ((n1, c1), (ns - n1, cs - c1))
    per_problem = np.zeros((n.size, len(families)))
    for j, fam in enumerate(families):
        for fit_n, fit_c in halves:
            prior = fit_prior(fit_n, fit_c, fam)
            per_problem[split, j] += prior.log_marginal(ns, cs) - prior.log_marginal(fit_n, fit_c)
    scores = {fam: float(per_problem[:, j].sum()) for j, fam in enumerate(families)}
    best = max(scores, key=scores.get)
    fits = {fam: fit_prior(n, c, fam) for fam in families}
    return Selection(best, scores, fits[best], families, per_problem, fits)


# ------------------------------------------------------------- the forecasts


@dataclass
class _Fit:
    """One model's counts, its prior (full data) and the bootstrap priors refitted on resampled problems."""

    n: np.ndarray
    c: np.ndarray
    gn: np.ndarray
    gc: np.ndarray
    gw: np.ndarray
    inverse: np.ndarray
    selection: Selection
    boots: list
    boot_weights: np.ndarray  # (n_boot, groups): how often each (n, c) pair is drawn

    @property
    def prior(self) -> Prior:
        return self.selection.prior

    def exact_part(self, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per (n, c) pair: where k <= n (mask) and the exact unbiased pass@k there (0 elsewhere)."""
        mask = ks[None, :] <= self.gn[:, None]
        values = np.zeros(mask.shape)
        for n_value in np.unique(self.gn):
            ok = ks <= n_value
            if ok.any():
                rows = np.flatnonzero(self.gn == n_value)
                values[np.ix_(rows, np.flatnonzero(ok))] = passk.pass_at_k_matrix(
                    self.gn[rows], self.gc[rows], ks[ok])
        return mask, values

    def per_group(self, prior: Prior, ks: np.ndarray, exact=None) -> tuple[np.ndarray, np.ndarray]:
        """Per (n, c) pair: the forecast (exact for k <= n) and its posterior variance (0 where exact)."""
        mean, var = prior.posterior_moments(self.gn, self.gc, ks)
        mask, values = exact if exact is not None else self.exact_part(ks)
        return np.where(mask, values, mean), np.where(mask, 0.0, var)

    def draws(self, ks: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Bootstrap replicates of the dataset pass@k (rows) at ``ks`` (columns); ``z``: one normal per row."""
        m = self.n.size
        out = np.empty((len(self.boots), ks.size))
        all_exact = ks <= self.n.min()
        exact_mean = None
        if all_exact.any():
            per, _ = self.per_group(self.prior, ks[all_exact])
            exact_mean = self.boot_weights @ per / m  # the problem bootstrap of the exact estimator
        exact = self.exact_part(ks)
        for b, prior in enumerate(self.boots):
            mean, var = self.per_group(prior, ks, exact)
            out[b] = (self.gw @ mean + np.sqrt(self.gw @ var) * z[b]) / m
        np.clip(out, 0.0, 1.0, out=out)  # the normal draw of the posterior spread must not leave [0, 1]
        if exact_mean is not None:
            out[:, all_exact] = exact_mean
        return out

    def value(self, ks: np.ndarray) -> np.ndarray:
        mean, _ = self.per_group(self.prior, ks)
        return self.gw @ mean / self.n.size


def _fit(n, c, family: str, n_boot: int, seed: int, indices: np.ndarray | None = None) -> _Fit:
    n, c = passk._as_counts(n, c)
    if n.max() < 2:
        raise InputError("forecast: every problem has n = 1 sample; with one sample per problem the spread of "
                         "success rates cannot be told from their mean, so nothing beyond n can be forecast")
    gn, gc, gw, inverse = _grouped(n, c)
    if family == "auto":
        selection = select_prior(n, c, seed=seed)
    else:
        prior = fit_prior(n, c, family)
        selection = Selection(family, {}, prior, (family,), None, {family: prior})
    if indices is None:
        indices = np.random.default_rng(seed).integers(0, n.size, size=(n_boot, n.size))
    boot_w = np.stack([np.bincount(inverse[row], minlength=gn.size) for row in indices]).astype(np.float64)
    boots = []
    for row, w in zip(indices, boot_w):
        # The choice of family is part of the fit: each replicate chooses again on its resampled
        # problems' held-out scores, so the interval carries the uncertainty of the choice.
        fam = selection.family
        if selection.per_problem is not None:
            fam = selection.families[int(np.argmax(selection.per_problem[row].sum(axis=0)))]
        boots.append(_fit_grouped(fam, gn, gc, w, starts=[selection.fits[fam].params]))
    return _Fit(n, c, gn, gc, gw, inverse, selection, boots, boot_w)


def _check_ks(ks) -> np.ndarray:
    ks = passk._as_ks(ks)
    if ks.max() > MAX_K:
        raise InputError(f"k={int(ks.max())} is beyond the forecast horizon {MAX_K}")
    return ks


@dataclass(frozen=True)
class Forecast:
    """pass@k of one model at ``ks``: exact where every problem has n >= k, forecast beyond."""

    ks: list
    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    exact: np.ndarray
    n_problems: int
    family: str
    heldout: dict
    prior: dict
    confidence: float = 0.95

    @property
    def solved(self) -> np.ndarray:
        """Expected number of problems solved with k samples each (pass@k times the problems)."""
        return self.value * self.n_problems

    def to_dict(self) -> dict:
        return {"ks": list(self.ks), "value": self.value.tolist(), "low": self.low.tolist(),
                "high": self.high.tolist(), "exact": self.exact.tolist(), "n_problems": self.n_problems,
                "family": self.family, "heldout_loglik": self.heldout, "prior": self.prior,
                "confidence": self.confidence}


def _interval(draws: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - confidence) / 2
    return np.quantile(draws, alpha, axis=0), np.quantile(draws, 1 - alpha, axis=0)


def _forecast_from(fit: _Fit, ks: np.ndarray, draws: np.ndarray, confidence: float) -> Forecast:
    low, high = _interval(draws, confidence)
    value = fit.value(ks)
    return Forecast([int(k) for k in ks], value, np.minimum(low, value), np.maximum(high, value),
                    ks <= fit.n.min(), int(fit.n.size), fit.selection.family, fit.selection.heldout,
                    fit.prior.to_dict(), confidence)


def forecast_passk(n, c, ks, family: str = "auto", n_boot: int = 200, confidence: float = 0.95,
                   seed: int = 0) -> Forecast:
    """pass@k for any k up to 10^6 with a bootstrap interval (see the module docstring).

    ``family``: one of :data:`FAMILIES`, or ``auto`` (chosen by held-out likelihood).
    """
    ks = _check_ks(ks)
    fit = _fit(n, c, family, n_boot, seed)
    z = np.random.default_rng([seed, 1]).standard_normal(n_boot)
    return _forecast_from(fit, ks, fit.draws(ks, z), confidence)


@dataclass(frozen=True)
class Pair:
    """Two models fitted on the same problems with the same bootstrap resamples."""

    base: _Fit
    other: _Fit
    z_base: np.ndarray
    z_other: np.ndarray
    confidence: float

    def difference(self, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """pass@k(base) - pass@k(other): point values and bootstrap replicates."""
        value = self.base.value(ks) - self.other.value(ks)
        draws = self.base.draws(ks, self.z_base) - self.other.draws(ks, self.z_other)
        return value, draws


def fit_pair(n_base, c_base, n_other, c_other, family: str = "auto", n_boot: int = 200,
             confidence: float = 0.95, seed: int = 0) -> Pair:
    """Fit both models of aligned counts; the bootstrap resamples the same problems for both."""
    nb, cb = passk._as_counts(n_base, c_base)
    no, co = passk._as_counts(n_other, c_other)
    if nb.size != no.size:
        raise InputError(f"a pair needs the same problems ({nb.size} vs {no.size})")
    idx = np.random.default_rng(seed).integers(0, nb.size, size=(n_boot, nb.size))
    rng = np.random.default_rng([seed, 2])
    return Pair(_fit(nb, cb, family, n_boot, seed, idx), _fit(no, co, family, n_boot, seed, idx),
                rng.standard_normal(n_boot), rng.standard_normal(n_boot), confidence)


def crossover_grid(k_max: int, k_exact: int = 1) -> np.ndarray:
    """The k values searched for a crossover: every k up to ``k_exact``, then ~2% steps to ``k_max``.

    >>> crossover_grid(100, 4)[:6].tolist(), int(crossover_grid(100, 4)[-1])
    ([1, 2, 3, 4, 5, 6], 100)
    """
    dense = np.arange(1, max(1, min(k_exact, k_max)) + 1)
    sparse = np.unique(np.round(np.geomspace(1, k_max, 800)).astype(np.int64))
    return np.unique(np.concatenate([dense, sparse, [k_max]]))


def _first_catch_up(diff: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """Per row: the first k where diff >= 0 after starting below 0; 0 if ahead at the start, -1 if never."""
    ahead = diff >= -1e-12
    first = np.where(ahead.any(axis=1), ks[np.argmax(ahead, axis=1)], -1)
    return np.where(ahead[:, 0], 0, first)


@dataclass(frozen=True)
class Crossover:
    """Where the base catches up with the other model (``k`` None: not below ``k_max``)."""

    k: int | None
    low: int | None
    high: int | None
    k_max: int
    prob_none: float
    base_ahead_at_1: bool
    names: tuple = ("base", "RL")
    confidence: float = 0.95

    def to_dict(self) -> dict:
        return {"k": self.k, "ci_low": self.low, "ci_high": self.high, "k_max": self.k_max,
                "prob_no_crossover": self.prob_none, "base_ahead_at_1": self.base_ahead_at_1}


def crossover(pair: Pair, k_max: int = MAX_K, names=("base", "RL")) -> Crossover:
    """The smallest k at which pass@k(base) >= pass@k(other), with a bootstrap interval."""
    k_max = int(_check_ks([k_max])[0])
    ks = crossover_grid(k_max, int(min(pair.base.n.min(), pair.other.n.min())))
    value, draws = pair.difference(ks)
    point = int(_first_catch_up(value[None, :], ks)[0])
    reps = _first_catch_up(draws, ks)
    names = tuple(names)
    if point == 0:
        return Crossover(1, 1, 1, k_max, 0.0, True, names, pair.confidence)
    prob_none = float((reps == -1).mean())
    caught = np.where(reps == -1, np.iinfo(np.int64).max, np.maximum(reps, 1))
    lo, hi = (int(v) for v in np.quantile(caught, [(1 - pair.confidence) / 2, (1 + pair.confidence) / 2],
                                           method="inverted_cdf"))
    hi_out = None if hi == np.iinfo(np.int64).max else hi
    if point == -1:
        return Crossover(None, lo if lo != np.iinfo(np.int64).max else None, hi_out, k_max, prob_none, False,
                         names, pair.confidence)
    return Crossover(point, lo, hi_out, k_max, prob_none, False, names, pair.confidence)


def forecast_delta_se(pair: Pair, k: int) -> dict:
    """ΔSE = pass@K(base) - pass@1(other) at any K (Yue et al. Figure 8), with its interval.

    pass@1 is exact (k = 1 <= n); its replicates are the problem bootstrap on the same resamples.
    """
    ks = _check_ks([k])
    base_draws = pair.base.draws(ks, pair.z_base)[:, 0]
    other_draws = pair.other.draws(np.array([1]), pair.z_other)[:, 0]
    value = float(pair.base.value(ks)[0] - pair.other.value(np.array([1]))[0])
    low, high = _interval((base_draws - other_draws)[:, None], pair.confidence)
    return {"K": int(k), "delta_se": value, "ci_low": float(min(low[0], value)), "ci_high": float(max(high[0], value))}


# -------------------------------------------------------------- is n enough?


def newly_solved(fit: _Fit, total: int) -> tuple[float, float, float]:
    """Expected number of problems unsolved now (c = 0) that ``total`` samples each would solve.

    Each unsolved problem gets ``total - n`` more samples: 1 - L(total, 0) / L(n, 0) each.
    """
    unsolved = fit.gc == 0
    if not unsolved.any():
        return 0.0, 0.0, 0.0
    extra = np.maximum(total - fit.gn[unsolved], 0)

    def expected(prior):
        mean, var = prior.posterior_moments(fit.gn[unsolved], np.zeros(unsolved.sum()), np.ones(1))
        if np.all(extra == 0):
            return np.zeros_like(mean[:, 0]), np.zeros_like(var[:, 0])
        logm = prior.log_marginal(fit.gn[unsolved], 0 * fit.gn[unsolved])
        f1 = np.exp(prior.log_marginal(fit.gn[unsolved] + extra, 0 * extra) - logm)
        f2 = np.exp(prior.log_marginal(fit.gn[unsolved] + 2 * extra, 0 * extra) - logm)
        return 1.0 - f1, np.clip(f2 - f1 * f1, 0.0, None)

    w = fit.gw[unsolved]
    point = float(w @ expected(fit.prior)[0])
    z = np.random.default_rng(7).standard_normal(len(fit.boots))
    reps = []
    for prior, zb in zip(fit.boots, z):
        mean, var = expected(prior)
        reps.append(max(0.0, float(w @ mean + np.sqrt(w @ var) * zb)))
    low, high = np.quantile(reps, [0.025, 0.975])
    return point, float(min(low, point)), float(max(high, point))


def ordering_flip_probability(pair: Pair, k_target: int) -> float:
    """Probability (over the bootstrap) that the sign of pass@k(base) - pass@k(other) at ``k_target``
    differs from its sign at the largest common n."""
    n_common = int(min(pair.base.n.min(), pair.other.n.min()))
    now = float(pair.base.value(np.array([n_common]))[0] - pair.other.value(np.array([n_common]))[0])
    _, draws = pair.difference(_check_ks([k_target]))
    return float((np.sign(draws[:, 0]) != np.sign(now)).mean())


def enough_report(n, c, name: str = "the model", multiples=(2, 4, 16), family: str = "auto",
                  n_boot: int = 200, seed: int = 0, fit: _Fit | None = None) -> dict:
    """How many problems unsolved at n each model would solve at 2n, 4n and 16n
    (:func:`boundary_lab.findings.enough_sentence` says it in one sentence).

    ``n`` must be equal for the multiples to mean one thing: unequal n is refused.

    >>> r = enough_report([8] * 30, [0] * 10 + [1] * 10 + [6] * 10, n_boot=20)
    >>> r["unsolved"], r["n"], [row["multiple"] for row in r["newly_solved"]]
    (10, 8, [2, 4, 16])
    """
    n_arr, c_arr = passk._as_counts(n, c)
    if np.unique(n_arr).size != 1:
        raise InputError(f"is-n-enough needs the same n for every problem (got n from {int(n_arr.min())} "
                         f"to {int(n_arr.max())}); use the forecast at a fixed k instead")
    n0 = int(n_arr[0])
    fit = fit or _fit(n_arr, c_arr, family, n_boot, seed)
    rows = []
    for mult in multiples:
        point, low, high = newly_solved(fit, mult * n0)
        rows.append({"multiple": int(mult), "k": int(mult * n0), "expected": point, "ci_low": low, "ci_high": high})
    unsolved = int((c_arr == 0).sum())
    return {"model": name, "n": n0, "unsolved": unsolved, "newly_solved": rows, "family": fit.selection.family}


def pair_ordering(pair: Pair, k_target: int) -> dict:
    """pass@n(base) - pass@n(other) at the largest common n, and the probability that the
    ordering at ``k_target`` differs (:func:`boundary_lab.findings.ordering_sentence`)."""
    n_common = int(min(pair.base.n.min(), pair.other.n.min()))
    now = float(pair.base.value(np.array([n_common]))[0] - pair.other.value(np.array([n_common]))[0])
    return {"n": n_common, "difference": now, "k_target": int(k_target),
            "flip_probability": ordering_flip_probability(pair, k_target)}


# ------------------------------------------------------ simulated families

# Families of per-problem success rates for validation (benchmarks/forecast_validation.py, tests):
# a beta; a Kumaraswamy(0.3, 3), a power-law left tail (Schaeffer et al. 2025) that is in none of
# FAMILIES; a logit-normal (light left tail); a zero-inflated beta (Verine et al. 2026); a two-beta mixture.
SIMULATED = {
    "beta": lambda rng, m: rng.beta(0.4, 2.0, m),
    "heavy-tailed": lambda rng, m: (1.0 - (1.0 - rng.random(m)) ** (1 / 3.0)) ** (1 / 0.3),
    "logit-normal": lambda rng, m: 1 / (1 + np.exp(-rng.normal(-1.5, 2.0, m))),
    "zero-inflated": lambda rng, m: np.where(rng.random(m) < 0.3, 0.0, rng.beta(0.5, 1.5, m)),
    "mixture": lambda rng, m: np.where(rng.random(m) < 0.5, rng.beta(0.3, 8.0, m), rng.beta(4.0, 2.0, m)),
}


def simulated_rates(family: str, m: int, seed) -> np.ndarray:
    """``m`` success probabilities from one of :data:`SIMULATED`.

    >>> float(simulated_rates("zero-inflated", 1000, 0).min())
    0.0
    """
    if family not in SIMULATED:
        raise InputError(f"simulated family: unknown {family!r}; choose one of {', '.join(SIMULATED)}")
    return SIMULATED[family](np.random.default_rng(seed), m)


def true_passk(p, ks) -> np.ndarray:
    """The dataset pass@k of known success rates: mean of 1 - (1-p)^k."""
    return (-np.expm1(np.asarray(ks, dtype=float)[None, :] * np.log1p(-np.asarray(p)[:, None]))).mean(axis=0)

