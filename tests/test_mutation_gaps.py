"""Contracts that mutants of the book's modules showed untested (issue 20 item 6; LOG.md 2026-12-07, third
session): the held-out choice of the forecast's prior and its seeds, the validity curves' regime column,
the sampling entropy's refusal, and the default workdir the notebooks and the CLI share."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from boundary_lab import findings, priors, report, tables
from boundary_lab.counts import select_model
from boundary_lab.errors import InputError


def _counts(seed: int = 0, m: int = 60, n: int = 8):
    rng = np.random.default_rng(seed)
    p = np.r_[rng.beta(0.5, 2.0, m // 2), np.zeros(m - m // 2)]
    return np.full(m, n), rng.binomial(n, p)


def test_two_families_are_compared_on_held_out_samples():
    n, c = _counts()
    sel = priors.select_prior(n, c, families=("beta", "logit-normal"))
    assert sorted(sel.heldout) == ["beta", "logit-normal"] and sel.per_problem.shape == (60, 2)
    assert sel.family == max(sel.heldout, key=sel.heldout.get)
    one = priors.select_prior(n, c, families=("zi-beta",))
    assert one.family == "zi-beta" and one.heldout == {} and set(one.fits) == {"zi-beta"}


def test_problems_with_two_samples_are_split_one_and_one():
    n, c = np.full(40, 2), np.r_[np.zeros(20, int), np.ones(10, int), np.full(10, 2)]
    sel = priors.select_prior(n, c)
    assert sorted(sel.heldout) == sorted(priors.FAMILIES)  # every problem took part (n = 2 can be split)
    assert np.all(sel.per_problem != 0)


def test_the_held_out_split_follows_the_seed_everywhere():
    n, c = _counts(1)
    f0 = priors.forecast_passk(n, c, [64], n_boot=20, seed=0)
    f1 = priors.forecast_passk(n, c, [64], n_boot=20, seed=1)
    assert f0.heldout != f1.heldout  # the seed reaches the held-out split, not only the bootstrap
    assert priors.forecast_passk(n, c, [64], n_boot=20, seed=1).heldout == f1.heldout
    e0 = priors.enough_report(n, c, n_boot=20, seed=0)
    assert e0 == priors.enough_report(n, c, n_boot=20, seed=0)
    assert e0 != priors.enough_report(n, c, n_boot=20, seed=1)


def test_newly_solved_is_zero_when_no_more_samples_are_drawn():
    n, c = _counts(2)
    fit = priors._fit(n, c, "beta", 20, 0)
    assert priors.newly_solved(fit, 8) == (0.0, 0.0, 0.0)
    point, low, high = priors.newly_solved(fit, 64)
    assert 0 < low <= point <= high <= int((c == 0).sum())


def test_validity_curves_name_their_regime():
    from test_micro_regimes import _results  # the regime tests' small results object

    cur = tables.validity_curves({"narrowing": _results(), "contrast": _results()}, n_boot=20)
    assert list(dict.fromkeys(cur["regime"])) == ["narrowing", "contrast"]
    assert cur.groupby("regime").size().tolist() == [len(cur) // 2] * 2


def test_sampled_entropy_refuses_a_temperature_of_zero():
    from boundary_lab.micro.evaluate import sampled_entropy

    with pytest.raises(InputError, match=r"^temperature=0: the sampling entropy needs a temperature above 0$"):
        sampled_entropy("no-model-needed", 7, ["1 2"], 0, 4, 8, seed=0)


def test_the_micro_world_workdir_defaults_to_runs_micro_everywhere(tmp_path, monkeypatch):
    """The notebooks, ``report.load`` and ``report.checkpoint`` find the same cached world."""
    for fn in (report.micro, report.checkpoint, report.load):
        assert inspect.signature(fn).parameters["workdir"].default == "runs/micro", fn.__name__
    monkeypatch.chdir(tmp_path)  # nothing trained here: the error names the default workdir
    with pytest.raises(InputError, match=r"not trained yet under runs/micro \(boundary-lab micro --preset tiny "):
        report.checkpoint("base", "tiny")


def test_a_counts_frame_is_named_in_a_paired_tables_error():
    counts = pd.DataFrame({"model": ["base"], "problem_id": ["p"], "n": [4], "correct": [1], "tier": ["B"]})
    with pytest.raises(InputError, match=r"^counts: unknown model 'rl'; the file has \['base'\]$"):
        tables.paired(counts, "base", "rl")


def test_a_tie_at_every_k_is_a_crossover_at_k_1_and_names_pass_through():
    tie = priors.fit_pair([8, 8, 8], [8, 8, 8], [8, 8, 8], [8, 8, 8], family="beta", n_boot=10)
    x = priors.crossover(tie, names=("a", "b"))
    assert (x.k, x.low, x.high, x.base_ahead_at_1, x.names) == (1, 1, 1, True, ("a", "b"))
    never = priors.fit_pair([8, 8, 8], [0, 0, 0], [8, 8, 8], [8, 8, 6], family="beta", n_boot=10)
    y = priors.crossover(never, names=("a", "b"))
    assert (y.k, y.base_ahead_at_1, y.names) == (None, False, ("a", "b"))


def test_a_mixture_prior_is_named_as_such():
    n, c = _counts(3)
    for family in priors.FAMILIES:
        assert priors.fit_prior(n, c, family).family == family


def test_forecast_tables_take_ks_all_beyond_n_and_in_any_order():
    """Found by the forecast page tests: no k within n crashed, and an unsorted grid misplaced the exact values."""
    from boundary_lab import forecast, passk

    counts = pd.DataFrame({"model": ["m"] * 3, "problem_id": list("abc"), "n": [4] * 3, "correct": [0, 1, 4]})
    beyond = forecast.beside_exact(counts, ks=[8, 16], n_boot=10)
    assert beyond["k"].tolist() == [8, 16] and beyond["exact"].isna().all() and beyond["forecast"].notna().all()
    mixed = forecast.beside_exact(counts, ks=[16, 2, 1], n_boot=10)
    assert mixed["exact"].tolist()[1:] == pytest.approx(passk.pass_at_k_curve([4] * 3, [0, 1, 4], [2, 1]).tolist())
    out = np.random.default_rng(0).random((6, 32)) < 0.3
    vt = forecast.versus_truth({"m": out}, fit_on=(8,), ks=[64, 16, 256], n_boot=10)
    truth16 = passk.pass_at_k_curve(np.full(6, 32), out.sum(axis=1), [16])[0]
    assert vt["truth"].tolist()[1] == pytest.approx(truth16) and vt["truth"].isna().tolist() == [True, False, True]


def test_share_sentences_say_rl_moved_onto_the_careful_strategy_everywhere():
    shares = pd.DataFrame({"regime": "r", "length": [2, 3, 2, 3], "step": [0, 0, 9, 9],
                           "careful share": [0.2, 0.3, 0.75, 0.875]})
    assert findings.share_sentences(shares) == ("- r regime, careful share base -> step 9: length 2: 0.200 -> 0.7500, "
                                                "length 3: 0.300 -> 0.8750. RL moved onto the careful strategy at "
                                                "every length.")


def test_a_seed_on_other_problems_is_named_by_its_index():
    def seed(ids):
        return pd.DataFrame({"model": ["a"] * len(ids) + ["b"] * len(ids), "problem_id": ids * 2, "n": 4,
                             "correct": 1, "tier": "B"})

    with pytest.raises(InputError, match=r"^counts of seed #2: evaluated on different held-out problems than seed #0$"):
        tables.seed_difference([seed(["p", "q"]), seed(["p", "q"]), seed(["p", "r"])], "a", "b", n_boot=10)


def _forecast_counts():
    rng = np.random.default_rng(5)
    ids = [f"p{i}" for i in range(40)]
    base = rng.binomial(8, np.r_[rng.beta(0.6, 1.5, 30), np.zeros(10)])
    rl = rng.binomial(8, np.r_[rng.beta(2.0, 0.8, 20), np.zeros(20)])
    return pd.DataFrame({"model": ["base"] * 40 + ["rl"] * 40, "problem_id": ids * 2, "n": 8,
                         "correct": np.r_[base, rl]})


def test_forecast_report_defaults_to_passk_and_keeps_every_interval_end():
    from boundary_lab import forecast

    df = _forecast_counts()
    assert forecast.report(df, [4, 64], n_boot=20) == forecast.report(df, [4, 64], what="passk", n_boot=20)
    enough = forecast.report(df, [2, 16], what="enough", n_boot=20, intervals=True)
    for model, row in enough.items():
        expected = priors.enough_report(np.full(40, 8), select_model(df, model)["correct"].to_numpy(), model,
                                        [2, 16], "auto", 20, 0)
        for r in expected["newly_solved"]:
            cell = row[f"{r['multiple']}n"]
            assert (cell["value"], cell["ci_low"], cell["ci_high"]) == (r["expected"], r["ci_low"], r["ci_high"])
    cross = forecast.report(df, [1024], what="crossover", base="base", n_boot=20, intervals=True)["rl"]["1024"]
    x = priors.crossover(priors.fit_pair(np.full(40, 8), select_model(df, "base")["correct"].to_numpy(),
                                         np.full(40, 8), select_model(df, "rl")["correct"].to_numpy(), n_boot=20), 1024)
    assert (cross["value"], cross["ci_low"], cross["ci_high"]) == (x.k, x.low, x.high)


def test_enough_reports_default_to_the_held_out_family_and_pass_the_seed():
    from boundary_lab import forecast

    df = _forecast_counts()
    base = select_model(df, "base")["correct"].to_numpy()
    assert forecast.enough_reports(df, n_boot=20)["base"] == priors.enough_report(np.full(40, 8), base, "base",
                                                                                  [2, 4, 16], "auto", 20, 0)
    assert forecast.enough_reports(df, n_boot=20, seed=3)["base"] == priors.enough_report(
        np.full(40, 8), base, "base", [2, 4, 16], "auto", 20, 3)
    assert forecast.enough_reports(df, n_boot=20, seed=3) != forecast.enough_reports(df, n_boot=20, seed=0)
