"""Adaptive sampling (boundary_lab.sampling.adaptive, issue 24): the planner's look-ahead maths,
its budget, the replay on known outcomes, and `boundary-lab sample --budget N --adaptive` on a real model."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import comb

from boundary_lab import priors as F
from boundary_lab.cli import main
from boundary_lab.sampling import adaptive as A
from boundary_lab.store import counts as store_counts


def test_look_ahead_obeys_the_law_of_total_variance():
    """Var now = E[Var after s more] + Var(E after s more): checks every term of the look-ahead."""
    prior = F.Prior("zi-beta", np.array([0.3, 0.7]), np.array([np.nan, 0.6]), np.array([np.nan, 3.0]))
    n, c, k, s = np.array([16, 16, 40]), np.array([0, 2, 0]), np.full(3, 512.0), 8
    after = A._variance_after(prior, n, c, k, s)
    base = prior.log_marginal(n, c)
    mean_now = 1 - np.exp(prior.log_marginal(n + k, c) - base)
    spread = np.zeros(3)
    for j in range(s + 1):
        pred = comb(s, j) * np.exp(prior.log_marginal(n + s, c + j) - base)
        mean_after = 1 - np.exp(prior.log_marginal(n + s + k, c + j) - prior.log_marginal(n + s, c + j))
        spread += pred * (mean_after - mean_now) ** 2
    assert np.allclose(A._variance(prior, n, c, k), after + spread, rtol=1e-9)
    assert np.all(after < A._variance(prior, n, c, k))


# (n, c, k_target, expected share of the round): solved-often and exact problems get nothing.
def test_plan_spends_on_the_undecided_only():
    n = np.array([16, 16, 16, 16, 1024, 16])
    c = np.array([16, 12, 0, 1, 0, 0])
    extra = A.plan_round(n, c, budget=32, k_target=1024, step=16, family="beta")
    assert extra.sum() == 32 and extra[0] == 0 and extra[1] == 0 and extra[4] == 0
    assert A.gains(n, c, 1024, 16, family="beta")[4] == 0.0  # n >= k_target: exact, nothing to gain
    assert A.plan_round(n, c, budget=40, k_target=1024, step=16, family="beta").sum() == 40  # remainder spent


def test_replay_respects_the_budget_and_reveals_samples_in_order():
    rng = np.random.default_rng(0)
    p = F.simulated_rates("zero-inflated", 60, 1)
    outcomes = rng.random((60, 512)) < p[:, None]
    config = A.AdaptiveConfig(budget=60 * 48, first=16, k_target=256, step=16, rounds=4)
    n, c = A.simulate(outcomes, config)
    assert n.sum() <= config.budget and n.min() >= 16 and n.max() > 48
    assert np.array_equal(c, [outcomes[i, : n[i]].sum() for i in range(60)])
    nu, cu = A.uniform(outcomes, 48)
    assert nu.sum() == 60 * 48 and np.array_equal(cu, outcomes[:, :48].sum(axis=1))
    # Problems solved in most of their first 16 samples are never sampled again.
    assert np.all(n[outcomes[:, :16].sum(axis=1) >= 12] == 16)


@pytest.mark.parametrize("n, c, budget, cap, expected", [
    # the never-solved first, evened out by n; the solved get nothing while an unsolved one is open
    ([16, 16, 16, 16], [0, 0, 3, 16], 64, None, [32, 32, 0, 0]),
    # fewer samples first among equal successes (then the lower index); a step at a time, the last one partial;
    # the once-solved problem waits while any never-solved one is open
    ([48, 16, 16], [0, 0, 5], 40, None, [8, 32, 0]),
    # k_target (here 40) or the samples there are (cap) stop a problem: the rest goes to the next in line
    ([32, 16, 16], [0, 0, 1], 64, 40, [8, 24, 24]),
    ([16, 16], [0, 1], 1000, 40, [24, 24]),  # nothing left to give: the budget is not forced out
])
def test_unsolved_planner_gives_steps_to_the_fewest_successes_then_fewest_samples(n, c, budget, cap, expected):
    extra = A.plan_unsolved(n, c, budget=budget, k_target=40 if cap else 1024, step=16, cap=cap)
    assert extra.tolist() == expected


def test_unsolved_planner_replay_reaches_deep_into_the_unsolved():
    rng = np.random.default_rng(3)
    p = np.r_[np.full(10, 0.9), np.full(5, 0.002), np.zeros(5)]
    outcomes = rng.random((20, 1024)) < p[:, None]
    config = A.AdaptiveConfig(budget=20 * 64, first=16, k_target=1024, step=16, rounds=4, planner="unsolved")
    n, c = A.simulate(outcomes, config)
    assert n.sum() == config.budget and np.all(n[:10] == 16)  # nothing more on problems solved in every sample
    # all the rest on the ten rarely or never solved, beyond the variance planner's one step per round (16 + 4 x 16)
    assert n[10:].sum() == 10 * 16 + (20 * 64 - 20 * 16) and n[10:].min() > 16 + 4 * 16
    assert np.array_equal(c, [outcomes[i, : n[i]].sum() for i in range(20)])
    with pytest.raises(Exception, match="planner: unknown 'greedy'"):
        A.AdaptiveConfig(budget=20 * 64, planner="greedy").validate(20)


def test_config_refuses_a_budget_below_the_first_round():
    with pytest.raises(Exception, match="below the first round"):
        A.AdaptiveConfig(budget=100, first=16).validate(10)


@pytest.mark.slow
def test_sample_adaptive_on_a_real_model_resumes(tmp_path, capsys):
    from boundary_lab.tiny_models import make_tiny_model

    problems = tmp_path / "p.jsonl"
    problems.write_text("".join(json.dumps({"problem_id": f"q{i}", "question": f"{i}+1?", "answer": str(i + 1)})
                                + "\n" for i in range(3)))
    model = make_tiny_model(tmp_path / "m", layers=1)
    args = ["sample", "--model", model, "--benchmark", problems, "--n", "4", "--budget", "20", "--adaptive",
            "--k-target", "64", "--step", "2", "--rounds", "2", "--backend", "hf", "--template", "raw",
            "--max-new-tokens", "4", "--out", tmp_path / "run", "--quiet"]
    assert main([str(a) for a in args]) == 0
    first = store_counts(tmp_path / "run").sort_values("problem_id")
    assert first["n"].sum() == 20 and first["n"].min() >= 4 and first["n"].nunique() > 1
    samples = __import__("boundary_lab.store", fromlist=["read_samples"]).read_samples(tmp_path / "run")
    assert not samples.duplicated(["problem_id", "sample_id"]).any()
    assert main([str(a) for a in args]) == 0  # resumed: nothing left to do, nothing duplicated
    again = store_counts(tmp_path / "run").sort_values("problem_id")
    assert again["n"].tolist() == first["n"].tolist()
    capsys.readouterr()
    assert main([str(a) for a in args if a != "--adaptive"]) == 2
    err = capsys.readouterr().err
    assert "adaptive" in err and "budget" in err and len(err.strip().splitlines()) == 1
