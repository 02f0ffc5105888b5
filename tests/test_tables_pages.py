"""Exact outputs of the table functions the book's pages call (boundary_lab.tables, issue 20 item 6).

Every input is hand-built and small; models, tiers, seeds and k carry different values, so a swapped
column, a dropped tier filter, a wrong model order, a sign flip or a wrong default changes a value below.
Expected values are exact fractions worked out by hand (in the comments); bootstrap intervals are pinned
against the documented default (the same call with the default spelled out) or against the seed bootstrap
of hand-built per-problem values.
"""
from __future__ import annotations

from fractions import Fraction as F
from math import comb

import numpy as np
import pandas as pd
import pytest

from boundary_lab import passk, tables
from boundary_lab.errors import InputError
from boundary_lab.measured import SeedStudy
from boundary_lab.micro.results import MicroResults

EXACT = 1e-12
NOTHING = passk.CONDITIONS_ON[True]
FIXED = passk.CONDITIONS_ON[False]
LABELS = ["0", "(0.0,0.1]", "(0.1,0.2]", "(0.2,0.3]", "(0.3,0.4]", "(0.4,0.5]", "(0.5,0.6]", "(0.6,0.7]",
          "(0.7,0.8]", "(0.8,0.9]", "(0.9,1.0]"]
SUMMARY = ["k_max", "problems", "base pass@1", "base pass@16", "base pass@kmax", "base solved", "base careful",
           "rl pass@1", "rl pass@16", "rl pass@kmax", "rl solved", "rl careful", "base_only", "compared_only",
           "crossover k", "crossings", "end at k_max"]


def approx(values):
    """Exact fractions (or lists/dicts of them) as floats compared to 1e-12."""
    if isinstance(values, dict):
        return {k: approx(v) for k, v in values.items()}
    if isinstance(values, (list, tuple)):
        return pytest.approx([float(v) for v in values], abs=EXACT)
    return pytest.approx(float(values), abs=EXACT)


def _counts(rows: list[tuple], n: int, **extra) -> pd.DataFrame:
    """(model, problem_id, correct[, tier]) rows at n samples, plus constant columns."""
    out = []
    for row in rows:
        model, pid, correct = row[:3]
        out.append({"model": model, "problem_id": pid, "n": n, "correct": correct,
                    **({"tier": row[3]} if len(row) > 3 else {}), **extra})
    return pd.DataFrame(out)


# ------------------------------------------------------------------ solvable_ids, histograms, lucky_answers


def test_solvable_ids_counts_and_lists_in_problem_order_per_listed_model():
    """Guards against: `> 0` read as `>= 0` or `> 1` (p3 with 0 / p2 with 1 correct), the model order ignored,
    `of` counting solved problems, ids unsorted or taken from the wrong column."""
    counts = pd.DataFrame({"model": ["base"] * 3 + ["rl"] * 4, "problem_id": ["p3", "p1", "p2", "p4", "p2", "p1", "p3"],
                           "n": 4, "correct": [0, 2, 1, 0, 3, 0, 0], "answer_correct": [1, 2, 1, 1, 3, 0, 2]})
    out = tables.solvable_ids(counts, ["rl", "base"])
    assert out.columns.tolist() == ["model", "solved", "of", "problem_ids"]
    assert out.to_dict("records") == [{"model": "rl", "solved": 1, "of": 4, "problem_ids": "p2"},
                                      {"model": "base", "solved": 2, "of": 3, "problem_ids": "p1 p2"}]
    by_answer = tables.solvable_ids(counts, ["base", "rl"], correct="answer_correct")
    assert by_answer.to_dict("records") == [{"model": "base", "solved": 3, "of": 3, "problem_ids": "p1 p2 p3"},
                                            {"model": "rl", "solved": 3, "of": 4, "problem_ids": "p2 p3 p4"}]
    with pytest.raises(InputError, match="unknown model 'nope'"):
        tables.solvable_ids(counts, ["nope"])


def _hist_counts() -> pd.DataFrame:
    rows = [("base", "a1", 0, "A"), ("base", "a2", 1, "A"), ("base", "a3", 10, "A"), ("base", "b1", 3, "B"),
            ("base", "b2", 3, "B"), ("rl", "a1", 10, "A"), ("rl", "a2", 10, "A"), ("rl", "a3", 5, "A"),
            ("rl", "b1", 0, "B"), ("rl", "b2", 1, "B")]
    out = _counts(rows, 10)
    out["kind"] = out["model"].map({"base": "base", "rl": "rl"})
    out["answer_correct"] = out["correct"] + (out["problem_id"] == "b1")  # b1: +1 by answer
    return out


def _hist_rows(per_group: list[tuple[dict, str, list[int]]], kind: bool = True) -> list[dict]:
    return [{**key, "model": model, **({"kind": model} if kind else {}), "bin": b, "label": LABELS[b], "count": c}
            for key, model, vector in per_group for b, c in enumerate(vector)]


def test_histograms_bins_per_tier_and_model_with_kind_and_labels():
    """Guards against: groups or models out of order, the kind column dropped, labels shifted by one bin,
    c/n bins computed from the wrong column, the tier split ignored."""
    counts = _hist_counts()
    z = [0] * 11

    def vec(**bins):
        v = list(z)
        for b, c in bins.items():
            v[int(b[1:])] = c
        return v

    by_tier = tables.histograms(counts, ["rl", "base"], by="tier")
    assert by_tier.columns.tolist() == ["tier", "model", "kind", "bin", "label", "count"]
    assert by_tier.to_dict("records") == _hist_rows([
        ({"tier": "A"}, "rl", vec(b5=1, b10=2)), ({"tier": "A"}, "base", vec(b0=1, b1=1, b10=1)),
        ({"tier": "B"}, "rl", vec(b0=1, b1=1)), ({"tier": "B"}, "base", vec(b3=2))])
    whole = tables.histograms(counts.drop(columns="kind"), ["base"])
    assert whole.columns.tolist() == ["model", "bin", "label", "count"]
    assert whole.to_dict("records") == _hist_rows([({}, "base", vec(b0=1, b1=1, b3=2, b10=1))], kind=False)
    # by answer: rl's b1 moves from bin 0 to bin 1, base's b1 from bin 3 to bin 4
    answer = tables.histograms(counts, ["base", "rl"], correct="answer_correct")
    assert answer.to_dict("records") == _hist_rows([({}, "base", vec(b0=1, b1=1, b3=1, b4=1, b10=1)),
                                                    ({}, "rl", vec(b1=2, b5=1, b10=2))])


def test_lucky_answers_hard_problems_valid_chains_and_share():
    """n = 20: accuracy 1/20 is hard (the bound is inclusive), 2/20 is not at the default 5% but is at 10%,
    0 never is. Guards against: `<=` read as `<`, `>` as `>=`, correct and answer_correct swapped,
    lucky samples with the wrong sign, the max(1, ...) guard changed (rl has exactly one answer-correct sample)."""
    base = [("base", "p1", 1, 1), ("base", "p2", 0, 2), ("base", "p3", 0, 0), ("base", "p4", 0, 1),
            ("base", "p5", 18, 20)]
    rl = [("rl", "p1", 0, 1), ("rl", "p2", 0, 0), ("rl", "p3", 0, 0), ("rl", "p4", 0, 0), ("rl", "p5", 0, 0)]
    counts = pd.DataFrame([{"model": m, "problem_id": p, "n": 20, "correct": c, "answer_correct": a}
                           for m, p, c, a in base + rl])
    out = tables.lucky_answers(counts, ["rl", "base"])
    assert out.columns.tolist() == ["model", "hard_solvable", "with_valid_chain", "answer_correct_samples",
                                    "lucky_samples", "lucky_share"]
    # base: hard p1 (valid), p4 (no valid chain); lucky 0 + 2 + 0 + 1 + 2 = 5 of 24
    assert out.to_dict("records") == [
        {"model": "rl", "hard_solvable": 1, "with_valid_chain": 0, "answer_correct_samples": 1, "lucky_samples": 1,
         "lucky_share": 1.0},
        {"model": "base", "hard_solvable": 2, "with_valid_chain": 1, "answer_correct_samples": 24, "lucky_samples": 5,
         "lucky_share": approx(F(5, 24))}]
    wider = tables.lucky_answers(counts, ["base"], max_accuracy=0.1).iloc[0]
    assert (wider["hard_solvable"], wider["with_valid_chain"]) == (3, 1)
    none_right = counts.assign(answer_correct=counts["correct"])[counts["model"] == "rl"]
    assert tables.lucky_answers(none_right, ["rl"]).iloc[0].to_dict() == {
        "model": "rl", "hard_solvable": 0, "with_valid_chain": 0, "answer_correct_samples": 0, "lucky_samples": 0,
        "lucky_share": 0.0}
    with pytest.raises(InputError, match="^counts: column 'answer_correct' is needed for the chain-validity check$"):
        tables.lucky_answers(counts.drop(columns="answer_correct"), ["base"])


# ------------------------------------------------------------------ perplexity


def test_perplexity_summary_median_quartiles_count_in_first_seen_order():
    """Guards against: groups sorted instead of first-seen, one grouping key dropped, q25/q75 swapped or at
    another quantile, the count replaced by a sum."""
    ppl = pd.DataFrame({"scorer": ["rl", "base", "rl", "base", "base", "base", "base", "rl"],
                        "answers_from": ["base", "rl", "base", "rl", "rl", "rl", "base", "rl"],
                        "ppl": [5.0, 1.0, 7.0, 2.0, 3.0, 10.0, 4.0, 8.0],
                        "problem_id": list("abcdefgh")})
    # base on rl: 1, 2, 3, 10 -> median 2.5, q25 1.75, q75 4.75
    out = tables.perplexity_summary(ppl[ppl["problem_id"] != "g"])
    assert out.columns.tolist() == ["scorer", "answers_from", "median", "q25", "q75", "responses"]
    assert out.to_dict("records") == [
        {"scorer": "rl", "answers_from": "base", "median": 6.0, "q25": 5.5, "q75": 6.5, "responses": 2},
        {"scorer": "base", "answers_from": "rl", "median": 2.5, "q25": 1.75, "q75": 4.75, "responses": 4},
        {"scorer": "rl", "answers_from": "rl", "median": 8.0, "q25": 8.0, "q75": 8.0, "responses": 1}]
    four = tables.perplexity_summary(ppl[ppl["scorer"] == "base"])
    assert four["responses"].tolist() == [4, 1] and four["answers_from"].tolist() == ["rl", "base"]


def test_perplexity_worlds_stacks_every_world_with_labels():
    """Guards against: the world label or the PPL_<scorer>(Y_<answers>) label built from swapped columns."""
    def res(values):
        return MicroResults(config=None, models=pd.DataFrame(), counts=pd.DataFrame(), perplexity=pd.DataFrame(
            {"scorer": ["base", "rl"], "answers_from": ["rl", "base"], "ppl": values}))

    out = tables.perplexity_worlds({"default world": res([1.5, 2.5]), "narrowing world": res([3.5, 4.5])})
    assert out.columns.tolist() == ["scorer", "answers_from", "ppl", "world", "responses"]
    assert out.to_dict("records") == [
        {"scorer": "base", "answers_from": "rl", "ppl": 1.5, "world": "default world", "responses": "PPL_base(Y_rl)"},
        {"scorer": "rl", "answers_from": "base", "ppl": 2.5, "world": "default world", "responses": "PPL_rl(Y_base)"},
        {"scorer": "base", "answers_from": "rl", "ppl": 3.5, "world": "narrowing world",
         "responses": "PPL_base(Y_rl)"},
        {"scorer": "rl", "answers_from": "base", "ppl": 4.5, "world": "narrowing world",
         "responses": "PPL_rl(Y_base)"}]
    assert out.index.tolist() == [0, 1, 2, 3]


# ------------------------------------------------------------------ the CLI's JSON reports


def test_passk_report_is_per_model_in_first_seen_order():
    """rl (first seen) c = 2, 0 of 4: pass@1 1/4, pass@2 (1 - 1/6)/2 = 5/12; base c = 1, 1: pass@1 1/4,
    pass@2 1 - 3/6 = 1/2. Guards against: models sorted, k labels shifted, the 'pass@' prefix kept."""
    counts = _counts([("rl", "p", 2), ("rl", "q", 0), ("base", "p", 1), ("base", "q", 1)], 4)
    report = tables.passk_report(counts, [1, 2])
    assert list(report) == ["rl", "base"] and [list(v) for v in report.values()] == [["1", "2"], ["1", "2"]]
    assert report == {"rl": approx({"1": F(1, 4), "2": F(5, 12)}), "base": approx({"1": F(1, 4), "2": F(1, 2)})}


def _compare_counts() -> pd.DataFrame:
    # base n = 8, rl n = 4 (different n: a swapped n column changes every value)
    base = [("b", "p1", 4), ("b", "p2", 0), ("b", "p3", 8), ("b", "p4", 2), ("b", "p5", 0)]
    rl = [("r", "p1", 4), ("r", "p2", 1), ("r", "p3", 4), ("r", "p4", 0), ("r", "p5", 0)]
    return pd.concat([_counts(base, 8), _counts(rl, 4)], ignore_index=True)


def test_compare_report_exact_fields():
    """base (n = 8) pass@1, @2, @4 per problem: p1 1/2, 11/14, 69/70; p3 1; p4 1/4, 13/28, 11/14 -> means
    7/20, 9/20, 97/175. rl (n = 4): p1 1; p2 1/4, 1/2, 1; p3 1 -> 9/20, 1/2, 3/5. Guards against: base and
    rl swapped anywhere, k not the smaller n, ΔSE with the wrong ends, ks not defaulting to powers of two up to k."""
    counts = _compare_counts()
    report = tables.compare_report(counts, "b", "r")
    paired = report.pop("paired_rl_minus_base")
    assert report == {
        "both": 2, "base_only": 1, "compared_only": 1, "neither": 1, "both_ids": ["p1", "p3"],
        "base_only_ids": ["p4"], "compared_only_ids": ["p2"], "neither_ids": ["p5"], "base": "b", "rl": "r",
        "n_problems": 5, "rl_subset_of_base": False, "k": 4, "delta_se": approx(F(97, 175) - F(9, 20)),
        "pass_at_k": {"b": approx({"1": F(7, 20), "2": F(9, 20), "4": F(97, 175)}),
                      "r": approx({"1": F(9, 20), "2": F(1, 2), "4": F(3, 5)})}}
    assert list(paired) == ["1", "2", "4"]
    diffs = {"1": F(1, 10), "2": F(1, 20), "4": F(8, 175)}
    for k, row in paired.items():
        assert row["diff"] == approx(diffs[k])
        assert (row["wins"], row["losses"], row["ties"]) == (2, 1, 2)  # p1, p2 up; p4 down; p3, p5 tied
    # the interval: the paired bootstrap of rl - base at its defaults (1000 replicates, seed 0)
    pc = passk.paired_comparison([4] * 5, [4, 1, 4, 0, 0], [8] * 5, [4, 0, 8, 2, 0], [1, 2, 4], n_boot=1000, seed=0)
    assert paired == pc.to_dict()
    assert paired["1"]["ci_low"] < paired["1"]["ci_high"]
    other_seed = tables.compare_report(counts, "b", "r", seed=3, n_boot=500)["paired_rl_minus_base"]
    pc3 = passk.paired_comparison([4] * 5, [4, 1, 4, 0, 0], [8] * 5, [4, 0, 8, 2, 0], [1, 2, 4], n_boot=500, seed=3)
    assert other_seed == pc3.to_dict() != paired


def test_compare_report_k_ks_and_errors_name_the_source():
    """Guards against: an explicit k ignored, a ks string not parsed and sorted, k missing from the n check,
    the source label dropped."""
    counts = _compare_counts()
    report = tables.compare_report(counts, "b", "r", k=2, ks="2,1")
    assert (report["k"], report["delta_se"]) == (2, approx(F(9, 20) - F(9, 20)))
    assert report["pass_at_k"] == {"b": approx({"1": F(7, 20), "2": F(9, 20)}),
                                   "r": approx({"1": F(9, 20), "2": F(1, 2)})}
    assert list(report["paired_rl_minus_base"]) == ["1", "2"]
    assert tables.compare_report(counts, "b", "r", ks=[1])["delta_se"] == approx(F(97, 175) - F(9, 20))
    lined = counts.assign(_line=range(2, 12))
    with pytest.raises(InputError, match=r"^s.csv: line 7 \(model='r', problem_id='p1'\): k=8 exceeds n=4$"):
        tables.compare_report(lined, "b", "r", k=8, ks=[1], source="s.csv")
    with pytest.raises(InputError, match=r"^s.csv: line 2 \(model='b', problem_id='p1'\): k=9 exceeds n=8$"):
        tables.compare_report(lined, "b", "r", ks=[1, 9], source="s.csv")
    with pytest.raises(InputError, match="^s.csv: problem_id='p5' appears for model 'b' only"):
        tables.compare_report(counts.iloc[:-1], "b", "r", source="s.csv")
    with pytest.raises(InputError, match="^counts: problem_id='p5' appears for model 'b' only"):
        tables.compare_report(counts.iloc[:-1], "b", "r")


# ------------------------------------------------------------------ the shipped multi-seed study


def _study_rows(regime, seed, n_max, model, correct, pids, tiers, n=4, careful=None):
    return [{"regime": regime, "seed": seed, "n_max": n_max, "model": model, "rl_label": "grpo@300",
             "problem_id": p, "tier": t, "length": 2, "n": n, "correct": c,
             "careful": c if careful is None else careful}
            for p, t, c in zip(pids, tiers, correct)]


def _seed_study() -> SeedStudy:
    """uncapped first (the study's regime order is first-seen); tier B holds B2 and B3."""
    pids, tiers = ["A0", "A1", "B2", "B3"], ["A", "A", "B", "B"]
    rows = []
    for regime, seed, base, rl in (("uncapped", 1, [1, 1, 2, 2], [0, 0, 4, 4]),
                                   ("narrowing", 0, [4, 0, 2, 1], [4, 4, 4, 0]),
                                   ("narrowing", 3, [0, 0, 1, 3], [4, 4, 1, 1])):
        rows += _study_rows(regime, seed, 4, "base", base, pids, tiers)
        rows += _study_rows(regime, seed, 4, "rl", rl, pids, tiers)
    # the same seed at n = 2: must never leak into the n = 4 tables
    rows += _study_rows("narrowing", 0, 2, "base", [2, 2, 2, 2], pids, tiers, n=2)
    rows += _study_rows("narrowing", 0, 2, "rl", [0, 0, 0, 0], pids, tiers, n=2)
    return SeedStudy(meta={}, counts=pd.DataFrame(rows))


def test_seed_study_table_rows_columns_and_difference():
    """Tier B, n = 4. narrowing seed 0: base B 2, 1 -> pass@1 3/8, pass@4 1; rl B 4, 0 -> 1/2, 1/2; seed 3: base
    1, 3 -> 1/2, 1; rl 1, 1 -> 1/4, 1. uncapped seed 1: base 1/2, 1; rl 1, 1. Guards against: the regime column
    elsewhere, the difference signed rl - base or at pass@1, the tier or n_max ignored, regimes re-ordered."""
    table = tables.seed_study_table(_seed_study(), 4)
    assert table.columns.tolist() == ["regime", "seed", *SUMMARY, "base - rl at k_max"]
    assert table.index.tolist() == [0, 1, 2]
    assert table[["regime", "seed", "base pass@1", "rl pass@1", "base pass@kmax", "rl pass@kmax", "base solved",
                  "rl solved", "base_only", "base - rl at k_max"]].values.tolist() == [
        ["uncapped", 1, 0.5, 1.0, 1.0, 1.0, 2, 2, 0, 0.0],
        ["narrowing", 0, 0.375, 0.5, 1.0, 0.5, 2, 1, 1, 0.5],
        ["narrowing", 3, 0.5, 0.25, 1.0, 1.0, 2, 2, 0, 0.0]]
    # careful = correct here: base careful of narrowing seed 0 is (2 + 1) / 8
    assert table["base careful"].tolist() == [0.5, 0.375, 0.5]
    one = tables.seed_study_table(_seed_study(), 4, regimes=["narrowing"])
    assert one["seed"].tolist() == [0, 3] and one["regime"].tolist() == ["narrowing"] * 2
    # every tier: narrowing seed 0 base 4, 0, 2, 1 -> pass@4 3/4; rl 4, 4, 4, 0 -> 3/4
    every = tables.seed_study_table(_seed_study(), 4, tier=None, regimes=["narrowing"])
    # seed 3: base 0, 0, 1, 3 -> 2 of 4 solved; rl 4 of 4 -> -1/2
    assert every["base - rl at k_max"].tolist() == [0.0, -0.5] and every["problems"].tolist() == [4, 4]
    at_two = tables.seed_study_table(_seed_study(), 2, regimes=["narrowing"])
    assert at_two[["seed", "k_max", "base - rl at k_max"]].values.tolist() == [[0, 2, 1.0]]


def test_seed_study_intervals_mean_over_seeds_with_both_intervals():
    """base - rl, tier B: narrowing k = 1: seed 0 3/8 - 1/2, seed 3 1/2 - 1/4 -> mean 1/16; k = 4: 1/2, 0 -> 1/4.
    uncapped (one seed, both problems alike): -1/2 at k = 1 and 0 at k = 4, intervals of zero width.
    Guards against: ks not (1, n_max), tier or n_boot defaults changed, the regime column misplaced."""
    study = _seed_study()
    iv = tables.seed_study_intervals(study, 4)
    assert iv.columns.tolist() == ["regime", "k", "seeds", "problems", "diff", "ci_low", "ci_high", "conditions_on"]
    assert iv.index.tolist() == list(range(8))
    assert iv[["regime", "k", "seeds", "problems", "conditions_on"]].values.tolist() == [
        ["uncapped", 1, 1, 2, FIXED], ["uncapped", 4, 1, 2, FIXED], ["uncapped", 1, 1, 2, NOTHING],
        ["uncapped", 4, 1, 2, NOTHING], ["narrowing", 1, 2, 2, FIXED], ["narrowing", 4, 2, 2, FIXED],
        ["narrowing", 1, 2, 2, NOTHING], ["narrowing", 4, 2, 2, NOTHING]]
    assert iv["diff"].tolist() == approx([-0.5, 0, -0.5, 0, F(1, 16), F(1, 4), F(1, 16), F(1, 4)])
    assert iv["ci_low"].tolist()[:4] == iv["ci_high"].tolist()[:4] == approx([-0.5, 0, -0.5, 0])
    seeds, frames = study.by_seed("narrowing", 4)
    oracle = tables.seed_difference(frames, "base", "rl", ks=[1, 4], tier="B", n_boot=2000)
    assert iv.iloc[4:].drop(columns="regime").reset_index(drop=True).equals(oracle)
    assert iv.iloc[4:]["ci_low"].tolist() != iv.iloc[4:]["ci_high"].tolist()
    fewer = tables.seed_study_intervals(study, 4, tier=None, n_boot=300, regimes=["narrowing"])
    # every tier at k = 4: seed 0 3/4 - 3/4, seed 3 (1/2 + 1 ... ) base 2 of 4 solved, rl 4 of 4 -> -1/2
    assert fewer["regime"].tolist() == ["narrowing"] * 4 and fewer["problems"].tolist() == [4] * 4
    assert fewer[fewer["k"] == 4]["diff"].tolist() == approx([F(-1, 4), F(-1, 4)])
    oracle300 = tables.seed_difference(frames, "base", "rl", ks=[1, 4], tier=None, n_boot=300)
    assert fewer.drop(columns="regime").equals(oracle300)


# ------------------------------------------------------------------ one benchmark mixing tiers


def test_mix_values_scales_each_tier_to_its_weight():
    """Tiers A, A, B; weights A 3/4, B 1/4: scale A = 3/4 * 3/2 = 9/8, B = 1/4 * 3 = 3/4. base n = 4, rl n = 8
    (a swapped n column changes pass@4). Columns: base pass@1, @4, rl pass@1, @4, base solved, rl solved."""
    pair = pd.DataFrame({"tier": ["A", "A", "B"], "n_base": 4, "correct_base": [2, 0, 1], "n_rl": 8,
                         "correct_rl": [8, 2, 0]})
    got = tables._mix_values(pair, {"A": 0.75, "B": 0.25}, [1, 4])
    rows = [[F(1, 2), 1, 1, 1, 1, 1], [0, 0, F(1, 4), 1 - F(comb(6, 4), comb(8, 4)), 0, 1], [F(1, 4), 1, 0, 0, 1, 0]]
    scale = [F(9, 8), F(9, 8), F(3, 4)]
    assert got.shape == (3, 6)
    for row, want, s in zip(got.tolist(), rows, scale):
        assert row == approx([F(v) * s for v in want])
    # the weighted mean over problems is the weights' mean over tiers: base pass@1 3/4 * 1/4 + 1/4 * 1/4
    assert got.mean(axis=0)[0] == approx(F(1, 4))


def _mix_study() -> SeedStudy:
    """Problems A0, A1 (tier A), B2 (tier B), C3 (tier C, outside every weight), n = 4; seeds 0 and 1."""
    pids, tiers = ["A0", "A1", "B2", "C3"], ["A", "A", "B", "C"]
    rows = []
    for regime, seed, base, rl in (("narrowing", 0, [2, 0, 1, 4], [4, 4, 0, 0]),
                                   ("narrowing", 1, [0, 0, 4, 0], [1, 0, 4, 4]),
                                   ("uncapped", 0, [4, 4, 4, 4], [0, 4, 0, 0]),
                                   ("uncapped", 1, [4, 0, 0, 4], [4, 4, 4, 0])):
        rows += _study_rows(regime, seed, 4, "base", base, pids, tiers)
        rows += _study_rows(regime, seed, 4, "rl", rl, pids, tiers)
    return SeedStudy(meta={}, counts=pd.DataFrame(rows))


MIX_COLUMNS = ["seed", "base pass@1", "base pass@4", "rl pass@1", "rl pass@4", "base solved share",
               "rl solved share", "pass@1 change", "solved share change", "pass@1 change low", "pass@1 change high",
               "solved share change low", "solved share change high"]
WEIGHTS = {"A": 0.25, "B": 0.75}


def test_mix_table_per_seed_and_summary_exact():
    """Weights A 1/4, B 3/4 (scale A 3/8, B 9/4; tier C left out). Seed 0: base pass@1 1/4 * 1/4 + 3/4 * 1/4 =
    1/4, pass@4 1/4 * 1/2 + 3/4 = 7/8; rl pass@1 = pass@4 = 1/4 * 1 + 0 = 1/4. Seed 1: base 3/4, 3/4; rl pass@1
    1/4 * 1/8 + 3/4 = 25/32, pass@4 7/8. Guards against: tiers unweighted, tier C kept, base and rl swapped,
    the change signed base - rl, the summary not a mean over seeds, the interval on the wrong columns."""
    mix = tables.mix_table(_mix_study(), "narrowing", 4, WEIGHTS)
    assert mix.columns.tolist() == MIX_COLUMNS
    assert mix["seed"].tolist() == [0, 1, "all"]
    values = mix[MIX_COLUMNS[1:9]].to_numpy().tolist()
    assert values[0] == approx([F(1, 4), F(7, 8), F(1, 4), F(1, 4), F(7, 8), F(1, 4), 0, F(-5, 8)])
    assert values[1] == approx([F(3, 4), F(3, 4), F(25, 32), F(7, 8), F(3, 4), F(7, 8), F(1, 32), F(1, 8)])
    assert values[2] == approx([F(1, 2), F(13, 16), F(33, 64), F(9, 16), F(13, 16), F(9, 16), F(1, 64), F(-1, 4)])
    assert mix.iloc[:2][MIX_COLUMNS[9:]].isna().all().all()
    # per problem (A0, A1, B2), scaled: pass@1 change and solved change
    change = np.array([[[F(3, 16), F(3, 16) * 0], [F(3, 8), F(3, 8)], [F(-9, 16), F(-9, 4)]],
                       [[F(3, 32), F(3, 8)], [0, 0], [0, 0]]], dtype=float)
    found = passk.seed_bootstrap(change, n_boot=2000)
    total = mix.iloc[2]
    assert [total["pass@1 change low"], total["pass@1 change high"], total["solved share change low"],
            total["solved share change high"]] == approx([found.low[0], found.high[0], found.low[1], found.high[1]])
    assert total["pass@1 change low"] < total["pass@1 change high"]
    assert total["solved share change low"] < total["solved share change high"]
    fewer = passk.seed_bootstrap(change, n_boot=300)
    small = tables.mix_table(_mix_study(), "narrowing", 4, WEIGHTS, n_boot=300).iloc[2]
    assert [small["pass@1 change low"], small["solved share change high"]] == approx([fewer.low[0], fewer.high[1]])


def test_mix_table_weights_must_sum_to_one():
    """Guards against: the check dropped, its tolerance widened, a valid split refused, an error without its seed."""
    for weights in ({"A": 0.9, "B": 0.2}, {"A": 0.5, "B": 0.4}, {"A": 2.0, "B": 0.5}):
        with pytest.raises(InputError, match=r"weights: the tier shares must sum to 1, got \{'A'"):
            tables.mix_table(_mix_study(), "narrowing", 4, weights)
    study = _mix_study()
    gap = study.counts[~((study.counts["seed"] == 1) & (study.counts["model"] == "rl")
                         & (study.counts["problem_id"] == "A1"))]
    with pytest.raises(InputError, match="^counts of seed 1: problem_id='A1' appears for model 'base' only"):
        tables.mix_table(SeedStudy(meta={}, counts=gap), "narrowing", 4, WEIGHTS)
    only_a = tables.mix_table(_mix_study(), "narrowing", 4, {"A": 1.0})
    # tier A only: seed 0 base 2, 0 -> pass@1 1/4; rl 4, 4 -> 1; seed 1 base 0, 0; rl 1, 0 -> 1/8
    assert only_a["rl pass@1"].tolist() == approx([1, F(1, 8), F(9, 16)])


def test_mix_weights_are_the_regimes_careful_only_share():
    """The careful-only share of 20,000 drawn problems: 2,699 in the narrowing world (tiers A/B of lengths 2-4),
    3,847 in the contrast world (length 4 only). Guards against: tiers A and B swapped, the regime argument
    ignored, another default regime."""
    assert tables.mix_weights() == {"A": 1.0 - 0.13495, "B": 0.13495}
    assert tables.mix_weights("contrast") == {"A": 1.0 - 0.19235, "B": 0.19235}


def test_mix_tables_stacks_regimes_in_order():
    """uncapped, weights A 1/4, B 3/4: seed 0 base pass@1 1/4 + 3/4 = 1, rl 1/4 * 1/2 = 1/8; seed 1 base 1/8,
    rl 1. Guards against: a regime label on the wrong block, the default n_boot changed."""
    study = _mix_study()
    both = tables.mix_tables(study, ["uncapped", "narrowing"], 4, WEIGHTS)
    assert both.columns.tolist() == [*MIX_COLUMNS, "regime"]
    assert both["regime"].tolist() == ["uncapped"] * 3 + ["narrowing"] * 3 and both.index.tolist() == list(range(6))
    assert both["seed"].tolist() == [0, 1, "all"] * 2
    assert both["base pass@1"].tolist()[:3] == approx([1, F(1, 8), F(9, 16)])
    assert both["rl pass@1"].tolist()[:3] == approx([F(1, 8), 1, F(9, 16)])
    for regime in ("uncapped", "narrowing"):
        block = both[both["regime"] == regime].drop(columns="regime").reset_index(drop=True)
        pd.testing.assert_frame_equal(block, tables.mix_table(study, regime, 4, WEIGHTS, n_boot=2000))
    small = tables.mix_tables(study, ["narrowing"], 4, WEIGHTS, n_boot=300)
    pd.testing.assert_frame_equal(small.drop(columns="regime"), tables.mix_table(study, "narrowing", 4, WEIGHTS, 300))


# ------------------------------------------------------------------ the phase grid from the study


def _grid_study(n_max: int = 1024) -> SeedStudy:
    pids, tiers = ["A0", "B1", "B2"], ["A", "B", "B"]
    rows = []
    for regime, seed, base, rl in (("narrowing", 0, [4, 2, 1], [4, 4, 0]), ("narrowing", 2, [0, 1, 3], [4, 0, 0]),
                                   ("no careful data", 5, [4, 4, 4], [0, 4, 4])):
        rows += _study_rows(regime, seed, n_max, "base", base, pids, tiers)
        rows += _study_rows(regime, seed, n_max, "rl", rl, pids, tiers)
    meta = {"regimes": {"narrowing": {"regime": "narrowing", "settings": {}},
                        "no careful data": {"regime": "uncapped", "settings": {"rl.tier_b_share": 0.0}}}}
    return SeedStudy(meta=meta, counts=pd.DataFrame(rows))


def test_study_grid_places_each_regime_by_its_settings():
    """Guards against: cells placed by the regime's name or the named regime without the study's settings, the
    default axes, n_max (1024), tier (B) or n_boot (2000) changed, the seeds' frames crossed."""
    study = _grid_study()
    runs, cells = tables.study_grid(study, ["no careful data", "narrowing"])
    seeds = {s: f for s, f in zip(*study.by_seed("narrowing", 1024))}
    other = study.by_seed("no careful data", 1024)[1][0]
    narrow, flat = {"rl.max_new_tokens": 14, "rl.tier_b_share": 0.25}, {"rl.max_new_tokens": 0, "rl.tier_b_share": 0.0}
    want = tables.grid_tables([{"cell": flat, "seed": 5, "model": "rl", "counts": other},
                               {"cell": narrow, "seed": 0, "model": "rl", "counts": seeds[0]},
                               {"cell": narrow, "seed": 2, "model": "rl", "counts": seeds[2]}],
                              base="base", tier="B", n_boot=2000)
    pd.testing.assert_frame_equal(runs, want[0])
    pd.testing.assert_frame_equal(cells, want[1])
    assert cells[["rl.max_new_tokens", "rl.tier_b_share", "seeds"]].values.tolist() == [[0, 0.0, 1], [14, 0.25, 2]]
    # tier B, solved at k_max = 4: narrowing seed 0 base 2 rl 1, seed 2 base 2 rl 0 -> coverage change 3/2
    assert cells["coverage change"].tolist() == approx([0, F(3, 2)])
    assert runs["seed"].tolist() == [5, 0, 2] and runs["rl pass@1"].tolist() == approx([1, F(1, 2), 0])


def test_study_grid_axes_tier_n_max_and_errors():
    """Guards against: custom axes, tier, n_max or n_boot not passed on; a missing regime or axis accepted."""
    study = _grid_study(n_max=16)
    runs, cells = tables.study_grid(study, ["narrowing"], axes=("rl.tier_b_share",), n_max=16, tier="A", n_boot=50)
    assert cells.columns.tolist()[:3] == ["rl.tier_b_share", "seeds", "k_max"]
    # tier A (A0): seed 0 base 4 rl 4, seed 2 base 0 rl 4 -> rl pass@1 1 - base pass@1 (1 + 0) / 2 = 1/2
    assert cells["pass@1 change"].tolist() == approx([F(1, 2)])
    assert runs["problems"].tolist() == [1, 1]
    seeds, frames = study.by_seed("narrowing", 16)
    want = tables.grid_tables([{"cell": {"rl.tier_b_share": 0.25}, "seed": s, "model": "rl", "counts": f}
                               for s, f in zip(seeds, frames)], tier="A", n_boot=50)
    pd.testing.assert_frame_equal(cells, want[1])
    # the regime's config at the default preset and seed 0 (the study's seeds are its own runs)
    assert tables.study_grid(study, ["narrowing"], axes=("seed",), n_max=16, n_boot=20)[1]["seed"].tolist() == [0]
    with pytest.raises(InputError, match=r"seed study: no regime 'nope' in its metadata; measured: \['narrowing'"):
        tables.study_grid(study, ["nope"], n_max=16)
    with pytest.raises(InputError, match="no regime 'narrowing'"):
        tables.study_grid(SeedStudy(meta={}, counts=study.counts), ["narrowing"], n_max=16)
    with pytest.raises(InputError, match=r"axes: no setting named 'rl.nope' \(dotted names of MicroConfig\)"):
        tables.study_grid(study, ["narrowing"], axes=("rl.tier_b_share", "rl.nope"), n_max=16)


# ------------------------------------------------------------------ paper Figs. 15 and 17


def test_temperature_table_rows_per_model_in_first_seen_order():
    """n = 32: pass@16 of c = 16 is 1 - 1/C(32,16), of c = 1 is 16/32. Guards against: k_max or 16 swapped,
    role or temperature from the wrong column, models sorted, solved counted at pass@1."""
    counts = pd.concat([_counts([("r", "p1", 32), ("r", "p2", 0), ("r", "p3", 0)], 32, role="rl", temperature=1.3),
                        _counts([("b", "p1", 16), ("b", "p2", 0), ("b", "p3", 1)], 32, role="base", temperature=0.6)],
                       ignore_index=True)
    out = tables.temperature_table(counts)
    assert out.columns.tolist() == ["model", "role", "temperature", "k_max", "pass@1", "pass@16", "pass@kmax",
                                    "solved"]
    b16 = (2 - F(1, comb(32, 16)) - F(comb(31, 16), comb(32, 16))) / 3
    assert out.to_dict("records") == [
        {"model": "r", "role": "rl", "temperature": 1.3, "k_max": 32, "pass@1": approx(F(1, 3)),
         "pass@16": approx(F(1, 3)), "pass@kmax": approx(F(1, 3)), "solved": 1},
        {"model": "b", "role": "base", "temperature": 0.6, "k_max": 32, "pass@1": approx(F(17, 96)),
         "pass@16": approx(b16), "pass@kmax": approx(F(2, 3)), "solved": 2}]
    assert F(comb(31, 16), comb(32, 16)) == F(1, 2)


def test_temperature_table_k_max_below_16_and_unequal_n():
    """b n = 8, r n = 12: k_max = 8, pass@16 is pass@8; r's solved is an expected count (n != k_max).
    Guards against: min(16, k_max) read as max (k = 16 > n raises), k_max the largest n."""
    counts = pd.concat([_counts([("b", "p1", 4), ("b", "p2", 1)], 8, role="base", temperature=0.6),
                        _counts([("r", "p1", 6), ("r", "p2", 0)], 12, role="rl", temperature=1.3)],
                       ignore_index=True)
    out = tables.temperature_table(counts)
    assert out["k_max"].tolist() == [8, 8]
    # b at 8: every problem solved -> 1; r at 8: p1 1 - C(6,8)/C(12,8) = 1 (C(6,8) = 0)
    assert out["pass@16"].tolist() == approx([1, F(1, 2)]) and out["pass@kmax"].tolist() == approx([1, F(1, 2)])
    assert out["pass@1"].tolist() == approx([F(5, 16), F(1, 4)])
    assert out["solved"].tolist() == [2, 1]
    # one problem per model: the role and temperature are read from the model's first (only) row
    single = tables.temperature_table(counts[counts["problem_id"] == "p1"])
    assert single[["model", "role", "temperature", "k_max", "pass@1"]].values.tolist() == [
        ["b", "base", 0.6, 8, 0.5], ["r", "rl", 1.3, 8, 0.5]]


def _sampling_counts(base_b, rl_b, base_a, rl_a, rl="grpo@300", base_first=False) -> pd.DataFrame:
    rows = [(rl, "b0", rl_b[0], "B"), (rl, "b1", rl_b[1], "B"), (rl, "a0", rl_a, "A"),
            ("base", "b0", base_b[0], "B"), ("base", "b1", base_b[1], "B"), ("base", "a0", base_a, "A")]
    out = _counts(rows[3:] + rows[:3] if base_first else rows, 4)
    out["careful"] = out["correct"]
    return out


def test_sampling_table_both_settings_per_regime():
    """Tier B, n = 4. narrowing own: base 2, 1 (pass@1 3/8, pass@4 1), rl 4, 0 (1/2, 1/2); paper: base 1, 1 (1/4,
    1), rl 4, 4 (1, 1). uncapped own: base 4, 4, rl 0, 0; paper: base 0, 4 (1/2, 1/2), rl 2, 4 (3/4, 1).
    Guards against: own and paper swapped, the base taken as the RL model, the difference signed rl - base."""
    own = {"narrowing": _sampling_counts([2, 1], [4, 0], 0, 4), "uncapped": _sampling_counts([4, 4], [0, 0], 4, 4)}
    paper = {"narrowing": _sampling_counts([1, 1], [4, 4], 4, 0, base_first=True),
             "uncapped": _sampling_counts([0, 4], [2, 4], 0, 0)}
    out = tables.sampling_table(own, paper)
    assert out.columns.tolist() == ["regime", "sampling", "model", *SUMMARY, "base - rl at k_max"]
    assert out[["regime", "sampling", "model"]].values.tolist() == [
        ["narrowing", "T = 1.0, top-p 1.0", "grpo@300"], ["narrowing", "T = 0.6, top-p 0.95", "grpo@300"],
        ["uncapped", "T = 1.0, top-p 1.0", "grpo@300"], ["uncapped", "T = 0.6, top-p 0.95", "grpo@300"]]
    assert out["base pass@1"].tolist() == approx([F(3, 8), F(1, 4), 1, F(1, 2)])
    assert out["rl pass@1"].tolist() == approx([F(1, 2), 1, 0, F(3, 4)])
    assert out["base - rl at k_max"].tolist() == approx([F(1, 2), 0, 1, F(-1, 2)])
    # tier A, own labels: narrowing own base 0 rl 4 -> -1; paper base 4 rl 0 -> 1
    tier_a = tables.sampling_table({"narrowing": own["narrowing"]}, {"narrowing": paper["narrowing"]}, tier="A",
                                   settings=("mine", "theirs"))
    assert tier_a[["sampling", "problems", "base - rl at k_max"]].values.tolist() == [["mine", 1, -1.0],
                                                                                    ["theirs", 1, 1.0]]


def test_sampling_curves_tier_b_per_regime_in_first_seen_model_order():
    """Tier B, n = 4, ks 1, 2, 4. narrowing rl (first seen) 4, 0: 1/2 at every k; base 2, 1: pass@1 3/8, pass@2
    (5/6 + 1/2)/2 = 2/3, pass@4 1. uncapped rl 2, 4: 3/4, (5/6 + 1)/2 = 11/12, 1; base 0, 4: 1/2.
    Guards against: models sorted, tier ignored, regime labels crossed,
    the bootstrap default or seed changed."""
    paper = {"narrowing": _sampling_counts([2, 1], [4, 0], 0, 4), "uncapped": _sampling_counts([0, 4], [2, 4], 0, 0)}
    out = tables.sampling_curves(paper)
    assert out.columns.tolist() == ["model", "k", "pass_at_k", "low", "high", "n_problems", "regime"]
    assert out[["regime", "model", "k", "n_problems"]].values.tolist() == [
        [r, m, k, 2] for r in ("narrowing", "uncapped") for m in ("grpo@300", "base") for k in (1, 2, 4)]
    assert out["pass_at_k"].tolist() == approx([F(1, 2)] * 3 + [F(3, 8), F(2, 3), 1]
                                               + [F(3, 4), F(11, 12), 1] + [F(1, 2)] * 3)
    # the bootstrap: 1000 replicates from seed 0, on eight problems of distinct rates (the interval moves with both)
    rates = [0, 1, 2, 3, 5, 6, 7, 8]
    many = {"narrowing": pd.concat([_counts([("rl", f"q{i}", c, "B") for i, c in enumerate(rates)], 8),
                                    _counts([("base", f"q{i}", 8 - c, "B") for i, c in enumerate(rates)], 8)])}
    want = tables.curves(many["narrowing"], ["rl", "base"], n_boot=1000, seed=0).assign(regime="narrowing")
    got = tables.sampling_curves(many)
    pd.testing.assert_frame_equal(got, want)
    for other in ({"n_boot": 1000, "seed": 1}, {"n_boot": 1001, "seed": 0}):
        assert not got.drop(columns="regime").equals(tables.curves(many["narrowing"], ["rl", "base"], **other))
    mine = tables.sampling_curves(many, n_boot=300, seed=4)
    pd.testing.assert_frame_equal(mine, tables.curves(many["narrowing"], ["rl", "base"], n_boot=300, seed=4)
                                  .assign(regime="narrowing"))
    assert not mine.equals(got)
    # the model order is the whole frame's (rl's tier-A row comes first), not the tier's (base's B rows first)
    mixed = paper["uncapped"].iloc[[2, 3, 4, 5, 0, 1]]
    assert mixed["model"].tolist()[:2] == ["grpo@300", "base"]
    assert tables.sampling_curves({"uncapped": mixed})["model"].tolist() == ["grpo@300"] * 3 + ["base"] * 3
    other = tables.sampling_curves(paper, tier="A", n_boot=200, seed=4)
    assert other["pass_at_k"].tolist()[:3] == approx([1, 1, 1]) and other["n_problems"].tolist() == [1] * 12
    want_a = pd.concat([tables.curves(c[c["tier"] == "A"], ["grpo@300", "base"], n_boot=200, seed=4)
                        .assign(regime=r) for r, c in paper.items()], ignore_index=True)
    pd.testing.assert_frame_equal(other, want_a)


PLAIN, KL, R32 = "narrowing", "narrowing, KL", "narrowing, 32 rollouts"


def _ablation_study() -> SeedStudy:
    """plain: seeds 0, 1, 2; KL: 1, 2, 3; 32 rollouts: 2, 1 -> common seeds 1, 2. Problems A0, B1, B2, n = 4.
    The ablations' own base rows are all-wrong: the frames must take the plain run's base."""
    pids, tiers = ["A0", "B1", "B2"], ["A", "B", "B"]
    plain = {0: ([4, 4, 4], [4, 4, 4]), 1: ([4, 2, 0], [0, 4, 0]), 2: ([4, 1, 1], [0, 4, 0])}
    kl = {1: [4, 4, 4], 2: [4, 2, 0], 3: [0, 0, 0]}
    r32 = {2: [4, 0, 0], 1: [4, 1, 0]}
    rows = []
    for seed, (base, rl) in plain.items():
        rows += _study_rows(PLAIN, seed, 4, "base", base, pids, tiers)
        rows += _study_rows(PLAIN, seed, 4, "rl", rl, pids, tiers)
    for name, runs in ((KL, kl), (R32, r32)):
        for seed, rl in runs.items():
            rows += _study_rows(name, seed, 4, "base", [0, 0, 0], pids, tiers)
            rows += _study_rows(name, seed, 4, "rl", rl, pids, tiers)
    return SeedStudy(meta={}, counts=pd.DataFrame(rows))


def test_ablation_frames_take_plain_base_and_each_final_model_on_common_seeds():
    """Guards against: seeds united instead of intersected, the base from an ablation's run, labels crossed."""
    seeds, frames = tables.ablation_frames(_ablation_study(), 4, PLAIN, [KL, R32])
    assert seeds == [1, 2]
    first = frames[0][["model", "problem_id", "correct"]].values.tolist()
    assert first == [["base", "A0", 4], ["base", "B1", 2], ["base", "B2", 0], [PLAIN, "A0", 0], [PLAIN, "B1", 4],
                     [PLAIN, "B2", 0], [KL, "A0", 4], [KL, "B1", 4], [KL, "B2", 4], [R32, "A0", 4], [R32, "B1", 1],
                     [R32, "B2", 0]]
    assert frames[1]["correct"].tolist() == [4, 1, 1, 0, 4, 0, 4, 2, 0, 4, 0, 0]
    assert frames[1].index.tolist() == list(range(12)) and set(frames[1]["seed"]) == {2}
    only_kl = tables.ablation_frames(_ablation_study(), 4, PLAIN, [KL])
    assert only_kl[0] == [1, 2] and only_kl[1][0]["model"].unique().tolist() == ["base", PLAIN, KL]
    study = _ablation_study()
    lonely = SeedStudy(meta={}, counts=pd.concat([study.counts[study.counts["regime"] != R32],
                                                  study.counts[study.counts["regime"] == R32].assign(seed=9)]))
    with pytest.raises(InputError, match=r"seed study: no seed common to regimes \['narrowing', 'narrowing, KL', "):
        tables.ablation_frames(lonely, 4, PLAIN, [KL, R32])


def test_ablation_curves_are_the_seed_and_problem_resampled_means():
    """Tier B (B1, B2), ks 1, 2, 4. base seed 1: 2, 0 -> 1/4, 5/12, 1/2; seed 2: 1, 1 -> 1/4, 1/2, 1: means 1/4,
    11/24, 3/4. plain 4, 0 in both -> 1/2. KL seed 1 4, 4 -> 1; seed 2 2, 0 -> 1/4, 5/12, 1/2: 5/8, 17/24, 3/4.
    32 rollouts seed 1 1, 0 -> 1/8, 1/4, 1/2; seed 2 0, 0: 1/16, 1/8, 1/4."""
    study = _ablation_study()
    out = tables.ablation_curves(study, 4, PLAIN, [KL, R32])
    assert out.columns.tolist() == ["model", "k", "pass_at_k", "low", "high", "seeds", "conditions_on"]
    assert set(out["conditions_on"]) == {NOTHING} and out["seeds"].tolist() == [2] * 12
    assert out[["model", "k"]].values.tolist() == [[m, k] for m in ("base", PLAIN, KL, R32) for k in (1, 2, 4)]
    assert out["pass_at_k"].tolist() == approx([F(1, 4), F(11, 24), F(3, 4), F(1, 2), F(1, 2), F(1, 2),
                                                F(5, 8), F(17, 24), F(3, 4), F(1, 16), F(1, 8), F(1, 4)])
    seeds, frames = tables.ablation_frames(study, 4, PLAIN, [KL, R32])
    want = tables.seed_curves(frames, ["base", PLAIN, KL, R32], tier="B", n_boot=1000)
    pd.testing.assert_frame_equal(out, want[want["conditions_on"] == NOTHING].reset_index(drop=True))
    every = tables.ablation_curves(study, 4, PLAIN, [R32], tier=None, n_boot=100)
    # every tier: base seed 1 4, 2, 0 -> pass@1 (1 + 1/2 + 0)/3 = 1/2; seed 2 4, 1, 1 -> 1/2
    assert every["model"].unique().tolist() == ["base", PLAIN, R32] and every["pass_at_k"][0] == approx(F(1, 2))
    want_every = tables.seed_curves(frames, ["base", PLAIN, R32], tier=None, n_boot=100)
    pd.testing.assert_frame_equal(every, want_every[want_every["conditions_on"] == NOTHING].reset_index(drop=True))


def test_ablation_table_differences_signs_and_ks():
    """Tier B. KL - plain: k = 1 (1 - 1/2, 1/4 - 1/2) -> 1/8; k = 4 (1 - 1/2, 1/2 - 1/2) -> 1/4; base - KL at 4:
    (1/2 - 1, 1 - 1/2) -> 0. 32 rollouts - plain: k = 1 (1/8 - 1/2, 0 - 1/2) -> -7/16; k = 4 (0, -1/2) -> -1/4;
    base - 32 rollouts at 4: (0, 1) -> 1/2. Guards against: differences reversed, k = 1 added to base - ablation,
    the fixed-seed rows kept, the labels wrong."""
    study = _ablation_study()
    out = tables.ablation_table(study, 4, PLAIN, [KL, R32])
    assert out.columns.tolist() == ["ablation", "difference", "k", "seeds", "problems", "diff", "ci_low", "ci_high",
                                    "conditions_on"]
    assert out[["ablation", "difference", "k"]].values.tolist() == [
        [KL, f"{KL} - {PLAIN}", 1], [KL, f"{KL} - {PLAIN}", 4], [KL, f"base - {KL}", 4],
        [R32, f"{R32} - {PLAIN}", 1], [R32, f"{R32} - {PLAIN}", 4], [R32, f"base - {R32}", 4]]
    assert out["diff"].tolist() == approx([F(1, 8), F(1, 4), 0, F(-7, 16), F(-1, 4), F(1, 2)])
    assert set(out["conditions_on"]) == {NOTHING} and out["seeds"].tolist() == [2] * 6
    assert out["problems"].tolist() == [2] * 6
    seeds, frames = tables.ablation_frames(study, 4, PLAIN, [KL, R32])
    for i, (first, second, ks) in enumerate(((KL, PLAIN, [1, 4]), ("base", KL, [4]))):
        want = tables.seed_difference(frames, first, second, ks=ks, tier="B", n_boot=2000)
        want = want[want["conditions_on"] == NOTHING]
        got = out.iloc[[0, 1] if i == 0 else [2]]
        assert got[["ci_low", "ci_high"]].values.tolist() == want[["ci_low", "ci_high"]].values.tolist()
    every = tables.ablation_table(study, 4, PLAIN, [R32], tier=None, n_boot=100)
    # every tier, base - 32 rollouts at 4: seed 1 2/3 - 2/3 = 0; seed 2 1 - 1/3 -> mean 1/3
    assert every["diff"].tolist()[2] == approx(F(1, 3)) and every["problems"].tolist() == [3] * 3
    want = tables.seed_difference(frames, "base", R32, ks=[4], tier=None, n_boot=100)
    assert every.iloc[2]["ci_low"] == want[want["conditions_on"] == NOTHING].iloc[0]["ci_low"]


# ------------------------------------------------------------------ the bootstrap defaults, on many problems


def _rich_study() -> SeedStudy:
    """Two regimes, three seeds, 16 problems (8 per tier) of varied rates at n = 8: every bootstrap interval
    moves with its number of replicates, so a changed default shows."""
    rng = np.random.default_rng(20)
    pids, tiers = [f"q{i:02d}" for i in range(16)], ["A", "B"] * 8
    rows = []
    for regime in ("narrowing", "uncapped"):
        for seed in (0, 1, 2):
            rows += _study_rows(regime, seed, 8, "base", rng.integers(0, 9, 16).tolist(), pids, tiers, n=8)
            rows += _study_rows(regime, seed, 8, "rl", rng.integers(0, 9, 16).tolist(), pids, tiers, n=8)
    meta = {"regimes": {"narrowing": {"regime": "narrowing", "settings": {}}}}
    return SeedStudy(meta=meta, counts=pd.DataFrame(rows))


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b))
    return a.equals(b)


RICH = _rich_study()
DEFAULTS = [  # (name, call with the default, the default spelled out, one replicate more)
    ("seed_study_intervals", lambda **kw: tables.seed_study_intervals(RICH, 8, **kw), 2000),
    ("mix_table", lambda **kw: tables.mix_table(RICH, "narrowing", 8, WEIGHTS, **kw), 2000),
    ("mix_tables", lambda **kw: tables.mix_tables(RICH, ["uncapped", "narrowing"], 8, WEIGHTS, **kw), 2000),
    ("study_grid", lambda **kw: tables.study_grid(RICH, ["narrowing"], n_max=8, **kw), 2000),
    ("ablation_curves", lambda **kw: tables.ablation_curves(RICH, 8, "narrowing", ["uncapped"], **kw), 1000),
    ("ablation_table", lambda **kw: tables.ablation_table(RICH, 8, "narrowing", ["uncapped"], tier=None, **kw), 2000),
]


@pytest.mark.parametrize("name, call, n_boot", DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_bootstrap_tables_default_replicates(name, call, n_boot):
    """Guards against: a changed default number of bootstrap replicates (the docs and the book's numbers use
    it), and n_boot not passed on to the function that draws."""
    default = call()
    assert _same(default, call(n_boot=n_boot))
    assert not _same(default, call(n_boot=n_boot + 1))


def test_mix_tables_passes_n_boot_on():
    """Guards against: mix_tables dropping its n_boot (each block then uses mix_table's default)."""
    small = tables.mix_tables(RICH, ["narrowing"], 8, WEIGHTS, n_boot=300)
    pd.testing.assert_frame_equal(small.drop(columns="regime"), tables.mix_table(RICH, "narrowing", 8, WEIGHTS, 300))
    assert not small.drop(columns="regime").equals(tables.mix_table(RICH, "narrowing", 8, WEIGHTS))


def test_mix_table_summary_is_the_mean_over_three_seeds():
    """Three seeds (two would make the median the mean). Guards against: the 'all' row a median or one seed's."""
    mix = tables.mix_table(RICH, "narrowing", 8, WEIGHTS, n_boot=50)
    assert mix["seed"].tolist() == [0, 1, 2, "all"]
    seeds, total = mix.iloc[:3], mix.iloc[3]
    names = [c.replace("@4", "@8") for c in MIX_COLUMNS[1:9]]
    assert mix.columns.tolist()[1:9] == names
    for column in names:
        assert total[column] == approx(seeds[column].astype(float).mean())
    assert any(abs(seeds[c].astype(float).median() - total[c]) > 1e-3 for c in names)
