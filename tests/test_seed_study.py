"""The multi-seed study's tables, sentences and figure (boundary_lab.measured, tables.seed_study_*, mix_table).

Inputs are chosen so that pass@1 != pass@k_max, k_max != any index, seeds differ, and tiers
have different sizes: a planted swap of base and RL, a dropped tier weight or an index used as k
changes an exact value below.
"""
import math

import matplotlib
import pandas as pd
import pytest

import boundary_lab as bl
from boundary_lab.errors import InputError
from boundary_lab.measured import SeedStudy

matplotlib.use("Agg")


def _rows(regime, seed, n, model, correct, tiers):
    return [{"regime": regime, "seed": seed, "n_max": n, "model": model, "rl_label": "grpo@300",
             "problem_id": f"{t}{i}", "tier": t, "length": 2, "n": n, "correct": c, "careful": 0}
            for i, (c, t) in enumerate(zip(correct, tiers))]


def _study() -> SeedStudy:
    tiers = ["A", "A", "A", "B", "B"]  # 3 tier-A problems, 2 tier-B ones
    rows = []
    # narrowing: RL better at k = 1 on A, loses one B problem entirely in both seeds
    rows += _rows("narrowing", 0, 4, "base", [2, 2, 2, 1, 1], tiers)
    rows += _rows("narrowing", 0, 4, "rl", [4, 4, 4, 1, 0], tiers)
    rows += _rows("narrowing", 3, 4, "base", [2, 2, 2, 1, 2], tiers)
    rows += _rows("narrowing", 3, 4, "rl", [4, 4, 3, 2, 0], tiers)
    # uncapped: RL gains and keeps every problem in seed 0; loses one in seed 3
    rows += _rows("uncapped", 0, 4, "base", [2, 2, 2, 1, 1], tiers)
    rows += _rows("uncapped", 0, 4, "rl", [4, 4, 4, 4, 4], tiers)
    rows += _rows("uncapped", 3, 4, "base", [2, 2, 2, 1, 2], tiers)
    rows += _rows("uncapped", 3, 4, "rl", [4, 4, 4, 0, 4], tiers)
    meta = {"date": "2026-12-07T00:00:00+00:00", "commit": "abc1234", "command": "python scripts/seed_study.py",
            "machine": {"cpu": "test CPU", "host_capability": "AVX512", "mode": "pinned", "aten": "AVX2",
                        "mkl_cbwr": "COMPATIBLE"}}
    return SeedStudy(meta=meta, counts=pd.DataFrame(rows))


def test_by_seed_and_unknown_regime():
    study = _study()
    seeds, frames = study.by_seed("narrowing", 4)
    assert seeds == [0, 3] and [len(f) for f in frames] == [10, 10]
    with pytest.raises(InputError, match="no counts for regime 'nope' at n = 4"):
        study.by_seed("nope", 4)
    assert "test CPU" in study.source() and "abc1234" in study.source()


def test_seed_study_table_exact():
    table = bl.tables.seed_study_table(_study(), 4, tier=None)
    row = table[(table.regime == "narrowing") & (table.seed == 3)].iloc[0]
    # base pass@4: every problem solved -> 1; RL pass@4: 4 of 5 solved -> 0.8
    assert math.isclose(row["base - rl at k_max"], 0.2)
    assert (row["base_only"], row["compared_only"], row["k_max"]) == (1, 0, 4)
    # RL pass@1 = mean(c/n) = (4 + 4 + 3 + 2 + 0) / 20
    assert math.isclose(row["rl pass@1"], 13 / 20)
    assert table[table.regime == "uncapped"]["base_only"].tolist() == [0, 1]


def test_intervals_label_what_they_hold_fixed():
    iv = bl.tables.seed_study_intervals(_study(), 4, tier=None, n_boot=400)
    end = iv[(iv.regime == "narrowing") & (iv.k == 4)]
    assert set(end.conditions_on.str.split(":").str[0].str.split(" ").str[0]) == {"these", "nothing"}
    assert all(math.isclose(d, 0.2) for d in end["diff"])  # both seeds: 1 - 0.8
    start = iv[(iv.regime == "narrowing") & (iv.k == 1)].iloc[0]
    assert math.isclose(start["diff"], ((8 / 20 - 13 / 20) + (9 / 20 - 13 / 20)) / 2)


def test_mix_table_weights_tiers_exactly():
    mix = bl.tables.mix_table(_study(), "narrowing", 4, {"A": 0.9, "B": 0.1}, n_boot=400)
    s0 = mix[mix.seed == 0].iloc[0]
    # seed 0: base pass@1 A = 0.5 (each 2/4), B = 0.25; RL A = 1, B = (1/4 + 0) / 2
    assert math.isclose(s0["base pass@1"], 0.9 * 0.5 + 0.1 * 0.25)
    assert math.isclose(s0["rl pass@1"], 0.9 * 1.0 + 0.1 * 0.125)
    # solved at k = 4: base every problem; RL all of A and one of two B problems
    assert math.isclose(s0["base solved share"], 1.0) and math.isclose(s0["rl solved share"], 0.9 + 0.1 * 0.5)
    total = mix[mix.seed == "all"].iloc[0]
    assert total["pass@1 change low"] <= total["pass@1 change"] <= total["pass@1 change high"]
    assert math.isclose(total["solved share change"], -0.05)
    with pytest.raises(InputError, match="sum to 1"):
        bl.tables.mix_table(_study(), "narrowing", 4, {"A": 0.9, "B": 0.2})


def test_sentences_need_every_seed_or_the_seed_aware_interval():
    study = _study()
    per_seed = bl.tables.seed_study_table(study, 4, tier=None)
    text = bl.findings.seed_study_sentences(per_seed, bl.tables.seed_study_intervals(study, 4, tier=None, n_boot=400))
    narrowing, uncapped = text.split("\n\n")
    assert narrowing.startswith("**narrowing**: over 2 seeds, base - RL pass@4 is +0.200")
    assert "holding these 2 trained models fixed" in narrowing and "resampling seeds, then problems" in narrowing
    assert "RL narrows the boundary in every seed" in narrowing
    assert "1 of 2 seeds narrow" in uncapped and "does not support a claim" in uncapped


def test_seed_spread_draws_every_seed_and_the_pages_run():
    study = _study()
    per_seed = bl.tables.seed_study_table(study, 4, tier=None)
    iv = bl.tables.seed_study_intervals(study, 4, tier=None, n_boot=200)
    own = pd.DataFrame([{"regime": "narrowing", "base - rl at k_max": 0.1, "base_only": 1}])
    fig = bl.plots.seed_spread(per_seed, iv, own)
    left = fig.axes[0]
    points = sum(len(line.get_xdata()) for line in left.get_lines() if line.get_marker() in ("o", "*"))
    assert points == len(per_seed) + 1
    assert [t.get_text() for t in left.get_yticklabels()] == ["narrowing", "uncapped"]


def test_mix_sentence_verdicts():
    study = _study()
    weights = {"A": 0.9, "B": 0.1}
    narrowing = bl.findings.mix_sentence(bl.tables.mix_table(study, "narrowing", 4, weights, n_boot=400), weights,
                                         "narrowing")
    # both seeds: pass@1 up on the mix, one B problem lost -> pattern in every seed
    assert narrowing.startswith("**narrowing**, on one benchmark mixing tier A 90.0%, tier B 10.0%")
    assert "pass@1 up and coverage down: yes" in narrowing or "in every seed, but" in narrowing
    uncapped = bl.findings.mix_sentence(bl.tables.mix_table(study, "uncapped", 4, weights, n_boot=400), weights,
                                        "uncapped")
    assert "in 1 of 2 seeds only" in uncapped


def test_mix_weights_are_the_worlds_own_share():

    w = bl.tables.mix_weights("narrowing")
    assert set(w) == {"A", "B"} and math.isclose(w["A"] + w["B"], 1.0) and 0.05 < w["B"] < 0.3


def test_reports_and_quadrant():
    study = _study()
    weights = {"A": 0.9, "B": 0.1}
    text = bl.findings.seed_study_report(study, ["narrowing"], tier=None, ns=(4,), n_boot=200)
    assert text.startswith("The multi-seed numbers are a committed measurement") and "At n = 4 samples" in text
    mix = bl.tables.mix_tables(study, ["narrowing", "uncapped"], 4, weights, n_boot=200)
    assert mix.regime.tolist().count("narrowing") == 3  # two seeds and the summary
    assert bl.findings.mix_report(study, ["narrowing", "uncapped"], 4, weights, mix).count("**") == 4
    fig = bl.plots.mix_quadrant(mix)
    assert sum(len(line.get_xdata()) for line in fig.axes[0].get_lines() if line.get_marker() == "o") == 4


def _grid_study() -> SeedStudy:
    study = _study()
    rows = study.counts[study.counts.regime == "uncapped"].assign(regime="no careful data")
    meta = {**study.meta, "regimes": {"narrowing": {"regime": "narrowing", "settings": {}},
                                      "uncapped": {"regime": "uncapped", "settings": {}},
                                      "no careful data": {"regime": "uncapped", "settings": {"rl.tier_b_share": 0.0}}}}
    return SeedStudy(meta=meta, counts=pd.concat([study.counts, rows], ignore_index=True))


def test_study_grid_places_cells_by_their_settings_and_counts_exactly():
    runs, cells = bl.tables.study_grid(_grid_study(), ["narrowing", "uncapped", "no careful data"], n_max=4,
                                       n_boot=200)
    placed = [(int(c), float(s)) for c, s in zip(cells["rl.max_new_tokens"], cells["rl.tier_b_share"])]
    assert placed == [(14, 0.25), (0, 0.25), (0, 0.0)]  # from the config, not the name
    narrowing, uncapped = cells.iloc[0], cells.iloc[1]
    # tier B: narrowing loses one of two base-solved problems in both seeds; uncapped in seed 3 only
    assert (narrowing["seeds"], narrowing["k_max"]) == (2, 4)
    assert math.isclose(narrowing["coverage change"], 1.0) and math.isclose(uncapped["coverage change"], 0.5)
    # RL - base tier-B pass@1: seed 0 (1/4 + 0)/2 - (1/4 + 1/4)/2, seed 3 (2/4 + 0)/2 - (1/4 + 2/4)/2
    assert math.isclose(narrowing["pass@1 change"], -0.125)
    assert len(runs) == 6 and set(runs["seed"]) == {0, 3}
    with pytest.raises(InputError, match="no regime 'nope'"):
        bl.tables.study_grid(_grid_study(), ["nope"], n_max=4)
    with pytest.raises(InputError, match="no setting named 'rl.nope'"):
        bl.tables.study_grid(_grid_study(), ["narrowing"], axes=("rl.nope",), n_max=4)
