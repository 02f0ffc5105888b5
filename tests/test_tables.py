"""boundary_lab.tables: the one crossover definition, ΔSE's K, seed-aware intervals, the phase-diagram
tables. Inputs make pass@1 differ from pass@K, the crossover k differ from k_max and from its index,
and span several tiers and several crossings."""
from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pandas as pd
import pytest

from boundary_lab import findings, passk, tables
from boundary_lab.errors import InputError


def frame(model: str, correct: list[int], n=8, tier="B", ids=None, **extra) -> pd.DataFrame:
    ids = ids or [f"p{i}" for i in range(len(correct))]
    return pd.DataFrame({"model": model, "problem_id": ids, "n": n, "correct": correct, "tier": tier, **extra})


def pass_at(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(comb(n - c, k), comb(n, k))


ISSUE = pd.concat([frame("base", [12, 0, 11, 11], 16), frame("rl", [2, 14, 16, 3], 16)])


# ------------------------------------------------------------------ the crossover


@pytest.mark.parametrize("base, rl, n, k, crossings, pattern", [
    ([12, 0, 11, 11], [2, 14, 16, 3], 16, None, 2, "other ends ahead"),  # issue 20: RL leads at every k >= 4
    ([2] * 16, [8] * 8 + [0] * 8, 8, 3, 1, "base overtakes"),
    ([2] * 4, [8, 8, 0, 0], 8, 3, 1, "base catches up, level at k_max"),
    ([1] * 6, [3] * 6, 8, 8, 0, "base catches up, level at k_max"),  # equal only at k = k_max = 8
    ([4, 4], [8, 0], 8, 1, 0, "base at or above from k=1"),  # a tie at k = 1
    ([5, 3], [8, 0], 8, 1, 0, "base at or above from k=1"),  # the same pass@1, the base ahead after
    ([0, 0], [1, 0], 8, None, 0, "other stays ahead"),
    ([0, 0], [0, 0], 8, 1, 0, "neither solves"),
    # RL ahead at k = 1 and 2, the base at 3, RL at 4..14, equal (both solve all) from k = 15 = index 14 on
    ([2, 6, 10], [3, 4, 12], 16, 15, 2, "base catches up, level at k_max"),
])
def test_crossover_cases(base, rl, n, k, crossings, pattern):
    found = passk.crossover([n] * len(base), base, [n] * len(rl), rl)
    assert (found.k, found.crossings, found.pattern) == (k, crossings, pattern)
    row = tables.crossover(pd.concat([frame("base", base, n), frame("rl", rl, n)]), "base", "rl").to_dict("records")[0]
    assert (row["crossover k"], row["crossings"], row["pattern"]) == (k, crossings, pattern)
    summary = tables.tier_summary(pd.concat([frame("base", base, n), frame("rl", rl, n)]).assign(careful=0), "base",
                                  "rl")
    assert (summary["crossover k"], summary["crossings"]) == (k, crossings)


def test_crossover_counts_every_change_of_lead_and_reports_k_not_an_index():
    # per problem, pass@k of c = 1 of n = 8 is k/8 and of c = 7 is 1 from k = 2: the base (7, 0, 0) stays at
    # 1/3 from k = 2 while RL (1, 1, 1) climbs as k/8 and passes it at k = 3, for good
    n = [8] * 3
    found = passk.crossover(n, [7, 0, 0], n, [1, 1, 1])
    diffs = [float(sum(pass_at(8, c, k) for c in (7, 0, 0)) / 3 - sum(pass_at(8, 1, k) for _ in range(3)) / 3)
             for k in range(1, 9)]
    assert [d > 0 for d in diffs] == [True, True, False, False, False, False, False, False]
    assert found.k is None and found.crossings == 1 and found.pattern == "other ends ahead"
    # RL ahead at k = 1 only: the crossover is k = 2 (index 1), computed here in exact fractions
    found = passk.crossover([8] * 4, [3, 3, 3, 0], [8] * 4, [8, 2, 0, 0])
    diffs = [sum(pass_at(8, c, k) for c in (3, 3, 3, 0)) - sum(pass_at(8, c, k) for c in (8, 2, 0, 0))
             for k in range(1, 9)]
    first = next(k for k in range(1, 9) if all(d >= 0 for d in diffs[k - 1:]))
    assert found.k == first == 2 and found.crossings == 1 and found.diff == 0.25


def test_several_crossings_are_counted():
    # base: one problem always solved; RL: three problems sometimes (RL ahead from k = 2 on)
    base, rl = [16, 0, 0, 0], [3, 3, 3, 0]
    found = passk.crossover([16] * 4, base, [16] * 4, rl)
    curve = lambda cs, k: sum(pass_at(16, c, k) for c in cs)  # noqa: E731
    signs = [np.sign(float(curve(base, k) - curve(rl, k))) for k in range(1, 17)]
    changes = sum(1 for a, b in zip([s for s in signs if s], [s for s in signs if s][1:]) if a != b)
    assert found.crossings == changes == 1 and found.k is None
    issue = passk.crossover([16] * 4, [12, 0, 11, 11], [16] * 4, [2, 14, 16, 3])
    assert issue.crossings == 2 and issue.end == "level" and issue.diff == -0.25


def test_level_at_k_max_is_decided_by_the_paired_interval_not_a_tolerance():
    # 40 problems all solved by both at n = 256: equal at k_max, interval [0, 0]
    same = passk.crossover([256] * 40, [1] * 40, [256] * 40, [3] * 40)
    assert same.end == "level" and same.low == same.high == 0 and same.k == 256
    # a lead of 1 problem in 40: positive but inside the interval
    one = passk.crossover([8] * 40, [1] * 40, [8] * 40, [4] * 39 + [0])
    assert one.diff == pytest.approx(1 / 40) and one.low == 0 and one.end == "level"
    # 20 problems in 40: outside it
    many = passk.crossover([8] * 40, [1] * 40, [8] * 40, [4] * 20 + [0] * 20)
    assert many.end == "base above" and many.low > 0 and many.pattern == "base overtakes"
    below = passk.crossover([8] * 40, [4] * 20 + [0] * 20, [8] * 40, [1] * 40)  # the base leads at k = 1 only
    assert below.end == "other above" and below.high < 0 and below.pattern == "other ends ahead"


def test_crossover_with_different_n_uses_the_common_n_and_the_same_k_for_solved():
    counts = pd.concat([frame("base", [1, 2, 0, 8], 8), frame("rl", [4, 0, 0, 3], 4)])
    row = tables.crossover(counts, "base", "rl").iloc[0]
    assert row["k_max"] == 4
    assert row["base solved"] == pytest.approx(float(pass_at(8, 1, 4) + pass_at(8, 2, 4) + 1))  # 2.2857, not 3
    assert row["model solved"] == 2 and row["base pass@1"] == pytest.approx(11 / 32)
    assert row["model pass@k_max"] == 0.5 and row["subset_of_base"]


def test_crossover_per_tier_and_errors():
    counts = pd.concat([ISSUE.assign(tier="A", problem_id=lambda f: "a" + f["problem_id"]),
                        frame("base", [2] * 16), frame("rl", [8] * 8 + [0] * 8)])
    table = tables.crossover(counts, "base", "rl", by="tier")
    assert table["tier"].tolist() == ["A", "B"] and table["crossover k"].tolist()[1] == 3
    assert table["pattern"].tolist() == ["other ends ahead", "base overtakes"]
    with pytest.raises(InputError, match="unknown model 'rll'"):
        tables.crossover(counts, "base", "rll")
    with pytest.raises(InputError, match="crossover needs the same problems"):
        passk.crossover([8, 8], [1, 1], [8], [1])


def test_tier_summary_counts_one_tier():
    counts = pd.concat([frame("base", [4] * 8, 64, careful=8), frame("rl", [60] * 4 + [0] * 4, 64, careful=0),
                        frame("base", [64] * 8, 64, "A", careful=0), frame("rl", [0] * 8, 64, "A", careful=64)])
    row = tables.tier_summary(counts, "base", "rl")
    got = (row["base solved"], row["rl solved"], row["base_only"], row["compared_only"], row["problems"])
    assert got == (8, 4, 4, 0, 8)
    assert row["rl pass@1"] == 30 / 64 and row["base pass@1"] == 4 / 64 and row["rl pass@kmax"] == 0.5
    assert row["base pass@16"] == pytest.approx(float(pass_at(64, 4, 16)))
    assert row["rl careful"] == 0 and row["base careful"] == 8 / 64
    k = row["crossover k"]
    assert 1 < k < 64 and row["crossings"] == 1 and row["end at k_max"] == "base above"
    assert passk.pass_at_k_curve([64] * 8, [4] * 8, [k - 1]) < 0.5 <= passk.pass_at_k_curve([64] * 8, [4] * 8, [k])
    assert tables.tier_summary(counts, "base", "rl", "A")["compared_only"] == 0
    with pytest.raises(InputError, match="unknown model 'grpo@300'"):
        tables.tier_summary(counts, "base", "grpo@300")


# ------------------------------------------------------------------ ΔSE's K


def test_delta_se_k_is_the_largest_n_common_to_both_models():
    # RL has 4 samples, the base 8: K = 4 for the table and for passk's default
    counts = pd.concat([frame("base", [8, 4], 8), frame("rl", [1, 0], 4), frame("rl8", [2, 0], 8)])
    table = tables.delta_se(counts, "base", ["rl", "rl8"])
    assert table["K"].tolist() == [4, 4]
    base_at_4 = (1 + pass_at(8, 4, 4)) / 2
    assert table["base pass@K"].tolist() == pytest.approx([float(base_at_4)] * 2)
    assert table["pass@1"].tolist() == pytest.approx([1 / 8, 1 / 8])
    assert table["pass@K"].tolist() == pytest.approx([0.5, float(pass_at(8, 2, 4)) / 2])
    assert table["delta_se"].tolist() == pytest.approx([float(base_at_4) - 1 / 8] * 2)
    assert passk.delta_se([8, 8], [8, 4], [4, 4], [1, 0]) == pytest.approx(float(base_at_4) - 1 / 8)
    only8 = tables.delta_se(counts, "base", ["rl8"])
    assert only8["K"].tolist() == [8] and only8["delta_se"].item() == pytest.approx(1 - 1 / 8)
    assert tables.delta_se(counts, "base", ["rl8"], k=2)["K"].item() == 2
    with pytest.raises(InputError, match="'nope'"):
        tables.delta_se(counts, "base", ["nope"])


# ------------------------------------------------------------------ other tables


def test_strategy_share_refuses_an_unknown_model():
    shares = pd.DataFrame({"model": ["base", "base", "rl", "rl"], "tier": ["B", "C"] * 2,
                           "strategy": ["careful"] * 4, "share": [0.25, 0.5, 0.75, 1.0]})
    table = tables.strategy_share(shares, "careful", ["rl"])
    assert table["model"].tolist() == ["rl"] and table["C"].tolist() == [1.0]
    assert tables.strategy_share(shares)["B"].tolist() == [0.25, 0.75]
    with pytest.raises(InputError, match="unknown model 'typo'"):
        tables.strategy_share(shares, "careful", ["rl", "typo"])
    assert tables.strategy_share(shares, "C").empty  # a tier letter is not a strategy


def test_paired_is_other_minus_base_on_k_not_index():
    counts = pd.concat([frame("base", [1, 2, 0], 8), frame("rl", [4, 0, 0], 8)])
    table = tables.paired(counts, "base", "rl", ks=[1, 2, 8], n_boot=50)
    assert table["k"].tolist() == [1, 2, 8]
    expected = [float((pass_at(8, 4, k) - pass_at(8, 1, k) - pass_at(8, 2, k)) / 3) for k in (1, 2, 8)]
    assert table["diff"].tolist() == pytest.approx(expected)
    assert table["wins"].tolist() == [1, 1, 0] and table["losses"].tolist() == [1, 1, 1]
    assert table["k"].tolist() == tables.paired(counts, "base", "rl", n_boot=50)["k"].tolist()[:2] + [8]


def test_curves_on_sparse_ks_and_several_tiers():
    counts = pd.concat([frame("a", [1, 2], 8, "A", ids=["x", "y"]), frame("a", [0, 8], 8, "B", ids=["z", "w"]),
                        frame("b", [8, 8], 8, "A", ids=["x", "y"]), frame("b", [0, 0], 8, "B", ids=["z", "w"])])
    cur = tables.curves(counts, ["b", "a"], by="tier", ks=[1, 3, 8], n_boot=20)
    assert cur["model"].tolist() == ["b"] * 3 + ["a"] * 3 + ["b"] * 3 + ["a"] * 3
    a_tier_a = cur.query("model == 'a' and tier == 'A'")
    assert a_tier_a["k"].tolist() == [1, 3, 8]
    assert a_tier_a["pass_at_k"].tolist() == pytest.approx([float((pass_at(8, 1, k) + pass_at(8, 2, k)) / 2)
                                                           for k in (1, 3, 8)])
    assert (cur["low"] <= cur["pass_at_k"]).all() and (cur["pass_at_k"] <= cur["high"]).all()
    assert tables.pass_table(counts, ["a", "b"])[["pass@1", "pass@8"]].values.tolist() == [[11 / 32, 0.75],
                                                                                           [0.5, 0.5]]


# ------------------------------------------------------------------ seeds


def _seeds(diffs_rl: list[list[int]]) -> list[pd.DataFrame]:
    return [pd.concat([frame("base", [4] * len(rl), 8, careful=2), frame("rl", rl, 8, careful=0)]) for rl in diffs_rl]


def test_seed_table_has_one_row_per_seed():
    table = tables.seed_table(_seeds([[8, 8, 0, 0], [8, 0, 0, 0], [8, 8, 8, 0]]), "base", "rl", seeds=[3, 5, 7])
    assert table["seed"].tolist() == [3, 5, 7] and table["rl solved"].tolist() == [2, 1, 3]
    assert table["base_only"].tolist() == [2, 3, 1]
    with pytest.raises(InputError, match="3 counts frames"):
        tables.seed_table(_seeds([[8], [0], [1]]), "base", "rl", seeds=[0])


def test_seed_difference_labels_what_each_interval_holds_fixed():
    counts = _seeds([[8, 8, 0, 0], [8, 0, 0, 0], [8, 8, 8, 0]])
    table = tables.seed_difference(counts, "base", "rl", ks=[1, 8], n_boot=500)
    assert table["conditions_on"].tolist() == [passk.CONDITIONS_ON[False]] * 2 + [passk.CONDITIONS_ON[True]] * 2
    assert table["k"].tolist() == [1, 8, 1, 8] and set(table["seeds"]) == {3} and set(table["problems"]) == {4}
    # the mean over all three seeds (not seed #0 alone), base minus RL
    at8 = np.mean([2 / 4, 3 / 4, 1 / 4])
    assert table.loc[table["k"] == 8, "diff"].tolist() == pytest.approx([at8, at8])
    assert table.loc[table["k"] == 1, "diff"].tolist() == pytest.approx([0.5 - np.mean([2 / 4, 1 / 4, 3 / 4])] * 2)
    fixed, both = table.iloc[1], table.iloc[3]
    assert both["ci_low"] <= fixed["ci_low"] and fixed["ci_high"] <= both["ci_high"]
    # the fixed-seeds interval is the problem bootstrap of the seeds' mean difference
    d = np.mean([passk.pass_at_k_matrix([8] * 4, [4] * 4, [8])[:, 0] - passk.pass_at_k_matrix([8] * 4, rl, [8])[:, 0]
                 for rl in ([8, 8, 0, 0], [8, 0, 0, 0], [8, 8, 8, 0])], axis=0)
    pc = passk.bootstrap_curve  # same weights as passk's problem bootstrap
    weights = np.random.default_rng(0).multinomial(4, [0.25] * 4, size=500) / 4
    assert [fixed["ci_low"], fixed["ci_high"]] == pytest.approx(np.quantile(weights @ d, [0.025, 0.975]), abs=1e-12)
    assert pc
    # k defaults to the largest common n
    assert tables.seed_difference(counts, "base", "rl", n_boot=50)["k"].tolist() == [8, 8]
    with pytest.raises(InputError, match="different held-out problems"):
        other = pd.concat([frame("base", [4] * 4, ids=list("wxyz")), frame("rl", [4] * 4, ids=list("wxyz"))])
        tables.seed_difference([counts[0], other], "base", "rl")
    with pytest.raises(InputError, match="no seeds"):
        tables.seed_difference([], "base", "rl")


def test_seed_curves_give_both_intervals_per_model_and_k():
    counts = _seeds([[8, 8, 0, 0], [8, 0, 0, 0], [8, 8, 8, 0]])
    cur = tables.seed_curves(counts, ["rl", "base"], ks=[1, 4], n_boot=200)
    assert cur["model"].tolist() == ["rl"] * 4 + ["base"] * 4 and cur["k"].tolist() == [1, 4] * 4
    rl = cur[cur["model"] == "rl"]
    assert rl["pass_at_k"].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert rl["conditions_on"].tolist() == [passk.CONDITIONS_ON[False]] * 2 + [passk.CONDITIONS_ON[True]] * 2
    base = cur[cur["model"] == "base"]
    assert base["pass_at_k"].tolist() == pytest.approx([0.5, float(pass_at(8, 4, 4))] * 2)
    assert (base["low"] == base["pass_at_k"]).all() and (base["high"] == base["pass_at_k"]).all()  # no spread
    assert tables.seed_curves(counts, ["rl"], n_boot=20)["k"].tolist() == [1, 2, 4, 8] * 2


def test_grid_tables_pool_seeds_per_cell():
    runs = [{"cell": {"rl.max_new_tokens": cap}, "seed": s, "model": "rl", "counts": c}
            for cap, seeds in ((14, [[0, 0, 0, 0], [8, 0, 0, 0], [0, 0, 0, 0]]), (0, [[8] * 4] * 3))
            for s, c in enumerate(_seeds(seeds))]
    run_rows, cells = tables.grid_tables(runs, "base", n_boot=300)
    assert run_rows["rl.max_new_tokens"].tolist() == [14] * 3 + [0] * 3 and run_rows["seed"].tolist() == [0, 1, 2] * 2
    capped, free = cells.iloc[0], cells.iloc[1]
    assert capped["seeds"] == 3 and capped["k_max"] == 8
    assert capped["coverage change"] == pytest.approx(4 - 1 / 3)  # base solves 4; RL 0, 1, 0
    assert capped["base_only"] == pytest.approx(4 - 1 / 3) and capped["compared_only"] == 0
    assert capped["pass@1 change"] == pytest.approx(1 / 12 - 0.5)
    assert capped["seed_ci_low"] <= capped["ci_low"] <= capped["coverage change"] <= capped["ci_high"]
    assert capped["pass@1 ci_low"] < capped["pass@1 change"] < capped["pass@1 ci_high"] < 0
    assert capped["rl careful"] == 0 and capped["seeds"] == 3
    assert free["coverage change"] == 0 and free["pass@1 change"] == 0.5 and free["seed_ci_high"] == 0
    assert findings.classify(capped) == "RL collapses: it loses both pass@1 and coverage"
    assert findings.classify(free) == "RL keeps coverage (the seed-aware interval includes 0)"


def test_seeds_and_boot_counts_reach_the_estimators():
    counts = pd.concat([frame("base", [1, 2, 3, 0, 8, 4]), frame("rl", [8, 0, 0, 1, 8, 2])])
    row = tables.crossover(counts, "base", "rl", n_boot=300, seed=5).iloc[0]
    found = passk.crossover([8] * 6, [1, 2, 3, 0, 8, 4], [8] * 6, [8, 0, 0, 1, 8, 2], n_boot=300, seed=5)
    assert (row["ci_low"], row["ci_high"]) == (found.low, found.high)
    table = tables.paired(counts, "base", "rl", ks=[2], n_boot=77, seed=3)
    pc = passk.paired_comparison([8] * 6, [8, 0, 0, 1, 8, 2], [8] * 6, [1, 2, 3, 0, 8, 4], [2], n_boot=77, seed=3)
    assert (table["ci_low"].item(), table["ci_high"].item()) == (pc.low[0], pc.high[0])
    with pytest.raises(InputError, match=r"^counts \(tier B\): unknown model 'x'"):
        tables.tier_summary(counts.assign(careful=0), "x", "rl")
    with pytest.raises(InputError, match=r"^counts: unknown model 'x'"):
        tables.crossover(counts, "x", "rl")


def test_regime_frames_have_a_fresh_index_and_seeded_bands():
    from boundary_lab.micro.results import MicroResults

    counts = pd.concat([frame(m, c, 8, length=[2, 4] * 3, careful=[1] * 6, answer_correct=[8] * 6)
                        for m, c in (("base", [1, 2, 3, 0, 8, 4]), ("grpo@3", [8, 0, 0, 1, 8, 2]))])
    models = pd.DataFrame({"model": ["base", "grpo@3"], "kind": ["base", "rl"], "main": [False, True],
                           "final": [True, True], "step": [0, 3]})
    res = {"r": MicroResults(config=None, models=models, counts=counts), "s": MicroResults(None, models, counts)}
    for table in (tables.regime_curves(res, n_boot=30), tables.share_per_checkpoint(res),
                  tables.validity_curves(res, n_boot=30)):
        assert table.index.tolist() == list(range(len(table))) and "index" not in table
    bands = tables.validity_curves(res, n_boot=30, seed=4)
    direct = tables.curves(counts, ["base", "grpo@3"], n_boot=30, seed=4)
    assert bands["high"].tolist()[:len(direct)] == direct["high"].tolist()
    curves = tables.regime_curves(res, n_boot=30, seed=4)
    assert curves["low"].tolist()[:len(direct)] == direct["low"].tolist()


def test_seed_curves_read_only_the_tier_asked():
    counts = [pd.concat([c, frame("rl", [8] * 4, 8, "A", ids=list("abcd")), frame("base", [8] * 4, 8, "A",
                                                                               ids=list("abcd"))])
              for c in _seeds([[8, 8, 0, 0], [8, 0, 0, 0]])]
    cur = tables.seed_curves(counts, ["rl"], ks=[8], n_boot=50)
    assert cur["pass_at_k"].tolist() == pytest.approx([0.375, 0.375])


def test_careful_share_by_length_on_one_tier():
    counts = pd.concat([frame("base", [1, 1, 1], 8, careful=[8, 2, 0], length=[2, 4, 4]),
                        frame("rl", [1, 1, 1], 8, careful=[0, 4, 4], length=[2, 4, 4]),
                        frame("base", [1], 8, "A", ids=["a"], careful=[8], length=[4])])
    table = tables.careful_share_by_length(counts, ["rl", "base"])
    assert table.values.tolist() == [["base", 2, 1.0], ["base", 4, 0.125], ["rl", 2, 0.0], ["rl", 4, 0.5]]
    with pytest.raises(InputError, match="unknown model 'x'"):
        tables.careful_share_by_length(counts, ["x"])
