"""Regimes of the micro-world (issue 11): the narrowing setting, tier-B tables, pooled intervals,
and the regime switch itself at a tiny scale (real pretraining and RL, no timing)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from boundary_lab.errors import InputError
from boundary_lab.micro import phase
from boundary_lab.micro.task import CAREFUL, SHORTCUT, completion_tokens


def test_narrowing_cap_cuts_long_careful_chains_only():
    s = phase.regime_settings("narrowing")
    cap, checks = s["rl.max_new_tokens"], s["task.careful_check_tokens"]
    lo, hi = s["task.tier_ab_lengths"]
    # a chain is rewarded when its completion (without the end token) fits the cap
    fits = {(strategy, L): completion_tokens(L, strategy, checks) <= cap for strategy in (CAREFUL, SHORTCUT)
            for L in range(1, hi + 1)}
    assert all(fits[(SHORTCUT, L)] for L in range(1, hi + 1))
    assert all(fits[(CAREFUL, L)] for L in range(1, hi))
    assert not fits[(CAREFUL, hi)] and lo < hi
    cfg = phase.regime_config("narrowing")
    assert cfg.rl.max_new_tokens == cap and cfg.task.careful_check_tokens == checks
    assert phase.regime_config("contrast").rl.max_new_tokens == 0 == phase.regime_config("uncapped").rl.max_new_tokens
    assert phase.regime_config("uncapped").task == cfg.task
    with pytest.raises(InputError, match="regime"):
        phase.regime_settings("steep")


def _counts(model: str, correct: list[int], n: int = 64, careful: int = 8) -> pd.DataFrame:
    return pd.DataFrame({"model": model, "problem_id": [f"p{i}" for i in range(len(correct))], "n": n,
                         "correct": correct, "tier": "B", "length": 4, "careful": careful, "shortcut": n - careful})


def test_tier_b_table_counts_coverage_and_crossover():
    # base: every problem solved rarely; RL: half solved almost always, half never
    counts = pd.concat([_counts("base", [4] * 8), _counts("rl", [60] * 4 + [0] * 4, careful=0)])
    row = phase.tier_b_table(counts, "base", "rl")
    assert (row["base solved"], row["rl solved"], row["base_only"], row["rl_only"]) == (8, 4, 4, 0)
    assert row["rl pass@1"] > row["base pass@1"] and row["base pass@kmax"] == 1.0 and row["rl pass@kmax"] == 0.5
    assert row["rl careful"] == 0 and row["base careful"] == 8 / 64
    k = row["crossover k"]
    assert k is not None and 1 < k <= 64
    # one k earlier the base is still behind
    assert phase.crossover_k([64] * 8, [4] * 8, [64] * 8, [60] * 4 + [0] * 4, [1, k // 2]) is None
    with pytest.raises(InputError, match="no rows"):
        phase.tier_b_table(counts, "base", "grpo@300")


def test_pooled_difference_resamples_problems_across_seeds():
    seed_a = pd.concat([_counts("base", [4] * 8), _counts("rl", [60] * 4 + [0] * 4)])
    seed_b = pd.concat([_counts("base", [4] * 8), _counts("rl", [60] * 6 + [0] * 2)])
    pooled = phase.pooled_difference([seed_a, seed_b], "base", "rl")
    assert pooled["k"] == 64 and pooled["seeds"] == 2
    assert pooled["diff"] == pytest.approx((4 / 8 + 2 / 8) / 2)
    assert 0 < pooled["ci_low"] < pooled["diff"] < pooled["ci_high"] <= 1
    same = phase.pooled_difference([seed_a, seed_a], "base", "base")
    assert same["diff"] == same["ci_low"] == same["ci_high"] == 0
    other = _counts("base", [4] * 8).assign(problem_id=[f"q{i}" for i in range(8)])
    with pytest.raises(InputError, match="different held-out problems"):
        phase.pooled_difference([seed_a, pd.concat([other, other.assign(model="rl")])], "base", "rl")


def test_grid_cells_and_classification():
    assert phase.grid_cells({"a": [1, 2], "b": [3, 4]}) == [{"a": 1, "b": 3}, {"a": 1, "b": 4},
                                                           {"a": 2, "b": 3}, {"a": 2, "b": 4}]
    cell = {"ci_low": 2.0, "ci_high": 9.0, "pass@1 change": 0.3}
    assert "paper" in phase.classify(cell)
    assert "collapses" in phase.classify({**cell, "pass@1 change": -0.1})
    assert "keeps" in phase.classify({**cell, "ci_low": -1.0})


# The regime switch, measured: a tiny base of the narrowing world, RL with and without the cap.
# A tiny model writes almost no valid chain, so it is rewarded on the answer, which modulus 5 makes
# right often enough (1 in 5 by chance). Measured: careful share on length 4 after 40 steps 0.012
# with the cap, 0.381 without, 0.206 for the base (seed 0).
TINY = {"task.modulus": 5, "task.tier_size": 8, "pretrain.steps": 150, "pretrain.careful_first_steps": 40,
        "model.hidden_size": 32, "model.intermediate_size": 64,
        "rl.trainer.steps": 40, "rl.trainer.checkpoint_steps": (40,), "rl.trainer.lr": 3e-3,
        "rl.trainer.prompts_per_step": 8, "rl.trainer.rollouts_per_prompt": 8, "rl.train_problems": 256,
        "eval.n": 32, "rl.reward": "answer"}


@pytest.mark.slow
def test_cap_switches_the_regime(tmp_path):
    """Careful share on length-4 problems after RL: far lower with the cap than without it."""
    share = {}
    for cap in (phase.NARROWING_CAP, 0):
        cfg = phase.regime_config("narrowing", "tiny", 0, {**TINY, "rl.max_new_tokens": cap})
        counts = phase.run_cell(cfg, tmp_path)
        long = counts[counts["length"] == 4].groupby("model")[["careful", "n"]].sum()
        share[cap] = (long["careful"] / long["n"]).to_dict()
    final = phase.final_label(cfg)
    base = share[0]["base"]
    assert share[phase.NARROWING_CAP]["base"] == base  # the same pretrained base
    assert share[phase.NARROWING_CAP][final] < 0.5 * base
    assert share[phase.NARROWING_CAP][final] < 0.5 * share[0][final]


def test_narrowing_world_file_matches_the_named_regime():
    from pathlib import Path

    from boundary_lab.micro.config import MicroConfig

    path = Path(__file__).resolve().parents[1] / "book" / "worlds" / "narrowing.yaml"
    assert MicroConfig.preset("default", config=str(path)) == phase.regime_config("narrowing")


def test_validity_curves_count_answers_at_least_as_often_as_chains():
    from boundary_lab.report import MicroResults

    counts = pd.concat([_counts("base", [4] * 8).assign(answer_correct=12),
                        _counts("grpo@300", [60] * 4 + [0] * 4).assign(answer_correct=[60] * 4 + [5] * 4)])
    models = pd.DataFrame({"model": ["base", "grpo@300"], "kind": ["base", "rl"], "main": [False, True],
                           "final": [True, True], "step": [0, 300]})
    res = MicroResults(config=None, models=models, counts=counts)
    cur = phase.validity_curves({"narrowing": res}, n_boot=20)
    assert set(cur["model"]) == {"base, whole chain", "base, answer only", "grpo@300, whole chain",
                                 "grpo@300, answer only"}
    wide = cur.pivot_table(index="k", columns="model", values="pass_at_k")
    assert (wide["grpo@300, answer only"] >= wide["grpo@300, whole chain"]).all()
    assert wide.loc[64, "grpo@300, answer only"] == 1.0 and wide.loc[64, "grpo@300, whole chain"] == 0.5


def test_share_sentences_name_what_rl_did_per_length():
    rows = [("narrowing", s, L, v) for s, L, v in [(0, "2", 0.25), (0, "4", 0.25), (300, "2", 0.99), (300, "4", 0.001)]]
    rows += [("uncapped", s, L, v) for s, L, v in [(0, "2", 0.25), (0, "4", 0.25), (300, "2", 0.99), (300, "4", 0.98)]]
    shares = pd.DataFrame(rows, columns=["regime", "step", "length", "careful share"])
    text = phase.share_sentences(shares).splitlines()
    assert "narrowing" in text[0] and "split the strategies by length" in text[0] and "0.0010" in text[0]
    assert "uncapped" in text[1] and "careful strategy at every length" in text[1]


def test_regime_sentence_names_the_regime_and_the_scale_of_the_run():
    from boundary_lab.micro.config import MicroConfig

    book_scale = MicroConfig.preset("default", config=["book/worlds/narrowing.yaml", {"rl.trainer.steps": 150}])
    text = phase.regime_sentence(book_scale)
    assert "narrowing regime" in text and "cap of 14 tokens" in text and "150 RL steps" in text
    assert "pretrained 3000 steps, seed 0;" in text  # every tier sampled: nothing to say
    only = MicroConfig.preset("default", config=["book/worlds/narrowing.yaml", {"eval.tiers": "AB"}])
    assert "seed 0 (tiers A and B sampled, n = 256);" in phase.regime_sentence(only)
    contrast = phase.regime_sentence(MicroConfig.preset("default", seed=2))
    assert "contrast regime" in contrast and "300 RL steps" in contrast and "seed 2" in contrast
    # A later item of a config list wins over the world file; nested and dotted names mix.
    uncapped = MicroConfig.preset("default", config=["book/worlds/narrowing.yaml", {"rl": {"max_new_tokens": 0}}])
    assert phase.regime_of(uncapped) == "uncapped"


@pytest.mark.slow
def test_temperature_curves_sample_only_the_tier_at_other_temperatures(tmp_path):
    curves = phase.temperature_curves("tiny", 0, tmp_path, "narrowing", [0.5, 1.0], "B", n_boot=50)
    assert set(curves["temperature"]) == {"T = 0.5", "T = 1"} and set(curves["model"]) == {"base", "grpo@4"}
    tiers = {}
    for counts in (tmp_path / "evals").glob("*/counts.csv"):
        c = pd.read_csv(counts)
        tiers.setdefault(c["model"].iloc[0], []).append("".join(sorted(set(c["tier"]))))
    # T = 1 is the regime's own evaluation (every tier, reused by its pages); T = 0.5 samples tier B only
    assert {m: sorted(t) for m, t in tiers.items()} == {"base": ["ABC", "B"], "grpo@4": ["ABC", "B"]}
