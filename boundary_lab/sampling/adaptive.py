"""Adaptive sampling: spend a budget of samples in rounds, where they decide the outcome at a target k.

Anchor: Kazdan et al. 2025, "Efficient Prediction of Pass@k Scaling" (dynamic sampling: after a
first round, more samples go to the hardest problems). Two planners:

- ``unsolved`` (the default; :func:`plan_unsolved`): each later round gives its samples, ``step``
  at a time, to the problems with the fewest successes so far, then the fewest samples, with no
  cap per problem, so the budget reaches deep into the problems no sample has solved yet.
- ``variance`` (:func:`plan_round`): each round ranks problems by how much ``step`` more samples
  are expected to shrink the posterior variance of their pass@k at ``k_target`` under the fitted
  prior (:mod:`boundary_lab.priors`), one step per problem per round.

On the micro-world (``benchmarks/forecast_adaptive.py``, five seeds, truth at n = 4096, LOG.md) the
variance planner under-forecast the problems solved at k = 1024 by 1.2 on average over the held-out
seeds: its prior judged problems unsolved in 144 samples hopeless and spent half the budget on problems
solved in nearly every sample. The unsolved planner's mean error was -0.02 (mean absolute 1.57 against
1.75, uniform 2.46). A problem whose n reaches ``k_target`` has an exact estimate and drops out.

The planner is pure numpy on counts (:func:`plan_round`); :func:`simulate` replays it on a matrix
of known outcomes (the validation; :func:`boundary_lab.forecast.adaptive_vs_uniform`
compares it with uniform sampling), and :func:`sample_adaptive` runs it on a model through the
sampling path into an ordinary sample store (``boundary-lab sample --budget N --adaptive``).

>>> import numpy as np
>>> n, c = np.full(6, 8), np.array([0, 0, 1, 4, 8, 8])
>>> extra = plan_round(n, c, budget=16, k_target=256, step=8, family="beta")
>>> extra.tolist()       # the two never-solved and the once-solved problem compete; solved ones get nothing
[8, 8, 0, 0, 0, 0]
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace

import numpy as np

from .. import benchmarks, priors
from ..errors import InputError
from ..seeding import derive_seed
from ..store import SampleStore
from ..store import counts as store_counts
from . import default_backend, get_backend
from .run import grade_chunk, problem_key, sample_benchmark


@dataclass(frozen=True)
class AdaptiveConfig:
    """How ``sample --budget N --adaptive`` spends its samples."""

    budget: int = field(metadata={"help": "total samples over all problems (e.g. 64 per problem on average)"})
    first: int = field(default=16, metadata={"help": "samples per problem in the first round (issue 24: fit on 16)"})
    k_target: int = field(default=1024, metadata={"help": "the k whose outcome the later rounds decide (paper: 1024)"})
    step: int = field(default=16, metadata={"help": "samples a chosen problem gets per round (one batch)"})
    rounds: int = field(default=8, metadata={"help": "rounds after the first (the budget is split evenly)"})
    family: str = field(default="auto", metadata={"help": "prior family of boundary_lab.forecast (auto: held-out)"})
    planner: str = field(default="unsolved", metadata={
        "help": "unsolved: fewest successes first, then fewest samples, any number of steps per round "
                "(Kazdan et al. 2025's dynamic sampling); variance: the largest expected drop in posterior "
                "variance, one step per problem per round (LOG.md 2026-12-07 compares the two)"})

    def validate(self, problems: int) -> "AdaptiveConfig":
        for name in ("budget", "first", "k_target", "step", "rounds"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.first < 2:
            raise InputError(f"first must be >= 2 (the prior needs two samples of a problem), got {self.first}")
        if self.planner not in PLANNERS:
            raise InputError(f"planner: unknown {self.planner!r}; choose one of {', '.join(PLANNERS)}")
        if self.budget < self.first * problems:
            raise InputError(f"budget={self.budget} is below the first round ({self.first} x {problems} problems "
                             f"= {self.first * problems})")
        return self


def _variance_after(prior, n: np.ndarray, c: np.ndarray, k: np.ndarray, step: int) -> np.ndarray:
    """Expected posterior variance of 1 - (1-p)^k after ``step`` more samples, per problem."""
    from scipy.special import gammaln

    base = prior.log_marginal(n, c)
    out = np.zeros(n.size)
    log_choose = gammaln(step + 1) - gammaln(np.arange(step + 1) + 1) - gammaln(step - np.arange(step + 1) + 1)
    for j in range(step + 1):
        n2, c2 = n + step, c + j
        lm = prior.log_marginal(n2, c2)
        pred = np.exp(log_choose[j] + lm - base)  # P(j successes in the next `step`)
        out += pred * _variance(prior, n2, c2, k, lm)
    return out


def _variance(prior, n, c, k, lm=None) -> np.ndarray:
    """Posterior variance of 1 - (1-p)^k per problem (k may differ by problem)."""
    lm = prior.log_marginal(n, c) if lm is None else lm
    f1 = np.exp(prior.log_marginal(n + k, c) - lm)
    f2 = np.exp(prior.log_marginal(n + 2 * k, c) - lm)
    return np.clip(f2 - f1 * f1, 0.0, None)


def gains(n, c, k_target: int, step: int, family: str = "auto", seed: int = 0) -> np.ndarray:
    """Expected drop in the posterior variance of each problem's pass@k_target from ``step`` more samples.

    Problems whose n already reaches ``k_target`` (exact estimate) gain 0.
    """
    n = np.asarray(n, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    prior = priors.select_prior(n, c, seed=seed).prior if family == "auto" else priors.fit_prior(n, c, family)
    k = np.full(n.size, float(k_target))
    gain = _variance(prior, n, c, k) - _variance_after(prior, n, c, k, step)
    return np.where(n < k_target, np.clip(gain, 0.0, None), 0.0)


def plan_round(n, c, budget: int, k_target: int, step: int, family: str = "auto", seed: int = 0) -> np.ndarray:
    """Extra samples per problem for one round: ``step`` each to the problems with the largest gain.

    Ties (and a prior so sure that no problem gains) fall back to Kazdan et al.'s rule: fewest
    successes first, then fewest samples. Problems whose n reaches ``k_target`` get nothing; the
    remainder of ``budget`` not divisible by ``step`` goes to the next problem in line.
    """
    n = np.asarray(n, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    g = np.round(gains(n, c, k_target, step, family, seed), 12)
    order = [int(i) for i in np.lexsort((n, c, -g)) if n[i] < k_target]
    extra = np.zeros(n.size, dtype=np.int64)
    chosen = order[: max(budget // step, 0)]
    extra[chosen] = step
    if budget % step and len(order) > len(chosen):
        extra[order[len(chosen)]] = budget % step
    return extra


def plan_unsolved(n, c, budget: int, k_target: int, step: int, cap=None) -> np.ndarray:
    """Extra samples per problem for one round, ``step`` at a time: each step goes to the problem with
    the fewest successes, then the fewest samples (counting the steps already given this round).

    Unlike :func:`plan_round`, a problem may get many steps in one round, so a budget can reach the
    problems no sample has solved yet instead of those solved in every sample. Problems whose n
    reaches ``k_target`` (or ``cap``, the samples there are to draw) get nothing more.

    >>> plan_unsolved([16, 16, 16, 16], [0, 0, 3, 16], budget=64, k_target=1024, step=16).tolist()
    [32, 32, 0, 0]
    """
    n = np.asarray(n, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    limit = int(k_target if cap is None else min(k_target, cap))
    extra = np.zeros(n.size, dtype=np.int64)
    # a heap of (successes, samples so far, index): the same order as sorting every step, in log time
    heap = [(int(ci), int(ni), i) for i, (ni, ci) in enumerate(zip(n, c)) if ni < limit]
    heapq.heapify(heap)
    left = int(budget)
    while left > 0 and heap:
        ci, have, i = heapq.heappop(heap)
        give = min(step, left, limit - have)
        extra[i] += give
        left -= give
        if have + give < limit:
            heapq.heappush(heap, (ci, have + give, i))
    return extra


PLANNERS = ("variance", "unsolved")


def _plan(config: AdaptiveConfig, n, c, budget: int, seed: int, cap=None) -> np.ndarray:
    if config.planner == "unsolved":
        return plan_unsolved(n, c, budget, config.k_target, config.step, cap)
    return plan_round(n, c, budget, config.k_target, config.step, config.family, seed=seed)


def schedule(config: AdaptiveConfig, problems: int) -> list[int]:
    """Samples per later round: what the first round leaves, split evenly over ``rounds``.

    >>> schedule(AdaptiveConfig(budget=640, first=16, rounds=3), 10)
    [160, 160, 160]
    """
    left = config.budget - config.first * problems
    base, extra = divmod(left, config.rounds)
    return [base + (1 if r < extra else 0) for r in range(config.rounds)]


def simulate(outcomes: np.ndarray, config: AdaptiveConfig, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Replay the planner on known outcomes (problems x samples, in draw order): final (n, c).

    Each problem reveals its samples in order, so the replay sees exactly what a sampler would.
    """
    outcomes = np.asarray(outcomes, dtype=bool)
    m, pool = outcomes.shape
    config.validate(m)
    cum = np.concatenate([np.zeros((m, 1), dtype=np.int64), np.cumsum(outcomes, axis=1)], axis=1)
    n = np.full(m, config.first, dtype=np.int64)
    for r, round_budget in enumerate(schedule(config, m)):
        extra = _plan(config, n, cum[np.arange(m), n], round_budget, seed + r, cap=pool)
        n = np.minimum(n + extra, pool)
    return n, cum[np.arange(m), n]


def uniform(outcomes: np.ndarray, per_problem: int) -> tuple[np.ndarray, np.ndarray]:
    """The same budget spent evenly: the first ``per_problem`` samples of each problem."""
    outcomes = np.asarray(outcomes, dtype=bool)
    n = np.full(outcomes.shape[0], per_problem, dtype=np.int64)
    return n, outcomes[:, :per_problem].sum(axis=1)


# ------------------------------------------------------------- on a model


def sample_adaptive(model, benchmark, out, sampling, config: AdaptiveConfig, backend: str | None = None,
                    template: str | None = None, limit: int | None = None, progress: bool = False,
                    backend_kwargs: dict | None = None, model_name: str | None = None, sampler=None):
    """``boundary-lab sample --budget N --adaptive``: a first round of ``config.first`` per problem
    (an ordinary run, :func:`boundary_lab.sampling.run.sample_benchmark`), then rounds planned by
    :func:`plan_round` and appended to the same store, so per-problem n differs.

    Resumable: each round's plan is a function of the store's counts, and the samples of a problem
    are seeded by (seed, problem, its n so far), so a killed run re-plans from what was committed
    and neither loses nor duplicates a sample. Returns the store (closed for writing).
    """
    problems = {str(p["problem_id"]): p for p in benchmarks.load_benchmark(benchmark, limit=limit)}
    config.validate(len(problems))
    first = replace(sampling, n=config.first)
    sample_benchmark(model, benchmark, out, first, backend=backend, template=template, limit=limit,
                     progress=progress, backend_kwargs=backend_kwargs, model_name=model_name, sampler=sampler)
    info = benchmarks.benchmark_info(benchmark)
    store = SampleStore.open(out, write=True)
    template = store.manifest.get("template") or template or info["template"]
    plan = schedule(config, len(problems))
    own = sampler is None
    try:
        for r, round_budget in enumerate(plan):
            table = store_counts(store.path).set_index("problem_id").loc[list(problems)]
            target = config.first * len(problems) + sum(plan[: r + 1])
            spent = int(table["n"].sum())
            if spent >= target:
                continue  # committed before a restart
            extra = _plan(config, table["n"].to_numpy(), table["correct"].to_numpy(), min(round_budget, target - spent),
                          sampling.seed + r)
            if not extra.any():
                break
            if sampler is None:
                sampler = get_backend(backend or default_backend(), model, **(backend_kwargs or {}))
            for pid, have, more in zip(table.index, table["n"], extra):
                if more == 0:
                    continue
                cfg = replace(sampling, n=int(more), seed=derive_seed(sampling.seed, "adaptive", pid, int(have)))
                outs = sampler.generate([benchmarks.format_prompt(problems[pid], template)], cfg,
                                        keys=[problem_key(pid)])
                df = grade_chunk([problems[pid]], outs, info["verifier"], template)
                df["sample_id"] = (df["sample_id"] + int(have)).astype("int32")
                store.write_shard(df, extend=True)
            if progress:
                print(f"adaptive round {r + 1}/{len(plan)}: {int(extra.sum())} samples to "
                      f"{int((extra > 0).sum())} problems", flush=True)
    finally:
        store.close()
        if own and sampler is not None:
            sampler.close()
    return store


def run_from_args(args, model, sampling, backend_kwargs: dict) -> int:
    """The ``sample --adaptive`` branch of :mod:`boundary_lab.commands.sample` (``--n``: the first round)."""
    if not args.adaptive or args.budget is None:
        raise InputError(f"budget and adaptive go together (got budget={args.budget}, adaptive={args.adaptive})")
    if args.shard:
        raise InputError(f"adaptive sampling plans over all problems at once; it cannot run shard={args.shard!r}")
    config = AdaptiveConfig(budget=args.budget, first=args.n, k_target=args.k_target, step=args.step,
                            rounds=args.rounds, planner=getattr(args, "planner", "unsolved"))
    store = sample_adaptive(model, args.benchmark, args.out, sampling, config, backend=args.backend,
                            template=args.template, limit=args.limit, progress=not args.quiet,
                            backend_kwargs=backend_kwargs, model_name=args.model_name or args.model)
    n = store_counts(store.path)["n"]
    print(f"{store.path}: {len(n)} problems, {int(n.sum())} samples (n from {int(n.min())} to {int(n.max())})")
    return 0
