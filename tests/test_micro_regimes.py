"""Regimes of the micro-world (issues 11, 20): the named settings, the mechanism of the regime switch
checked deterministically on the task's own traces and checker, and the regime sentences."""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

from boundary_lab import findings, tables
from boundary_lab.errors import InputError
from boundary_lab.micro import phase, regimes
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.results import MicroResults
from boundary_lab.micro.task import (
    CAREFUL,
    SHORTCUT,
    check,
    clean_trace,
    completion_tokens,
    heldout_tiers,
    shortcut_is_right,
    shortcut_trace,
)
from boundary_lab.micro.tokenizer import encode_ids, vocabulary


def test_narrowing_cap_cuts_long_careful_chains_only():
    s = regimes.regime_settings("narrowing")
    cap, checks = s["rl.max_new_tokens"], s["task.careful_check_tokens"]
    lo, hi = s["task.tier_ab_lengths"]
    # a chain is rewarded when its completion (without the end token) fits the cap
    fits = {(strategy, L): completion_tokens(L, strategy, checks) <= cap for strategy in (CAREFUL, SHORTCUT)
            for L in range(1, hi + 1)}
    assert all(fits[(SHORTCUT, L)] for L in range(1, hi + 1))
    assert all(fits[(CAREFUL, L)] for L in range(1, hi))
    assert not fits[(CAREFUL, hi)] and lo < hi
    cfg = regimes.regime_config("narrowing")
    assert cfg.rl.max_new_tokens == cap and cfg.task.careful_check_tokens == checks
    assert regimes.regime_config("contrast").rl.max_new_tokens == 0
    assert regimes.regime_config("uncapped").rl.max_new_tokens == 0
    assert regimes.regime_config("uncapped").task == cfg.task
    assert regimes.regime_settings("contrast") == {}
    with pytest.raises(InputError, match="regime: unknown 'steep'; choose one of narrowing, uncapped, contrast$"):
        regimes.regime_settings("steep")
    tiny = regimes.regime_config("narrowing", "tiny", 3, {"rl.trainer.steps": 7, "rl.trainer.checkpoint_steps": (7,)})
    assert (tiny.seed, tiny.rl.trainer.steps) == (3, 7) and tiny.model == MicroConfig.preset("tiny").model
    assert tiny.model != MicroConfig.preset("default").model and tiny.rl.max_new_tokens == cap


def _cut(problem, text: str, cap: int) -> str:
    """What a rollout capped at ``cap`` new tokens writes: the first ``cap`` tokens of ``text``."""
    vocab = vocabulary(problem.modulus)
    names = {i: t for t, i in vocab.items()}
    ids = encode_ids(vocab, text)
    return " ".join(names[i] for i in (ids[:cap] if cap else ids))


@pytest.mark.parametrize("cap, length, careful_reward, shortcut_reward", [
    (regimes.NARROWING_CAP, 4, 0, 1),  # the cap cuts the careful chain: only the shortcut is paid
    (regimes.NARROWING_CAP, 3, 1, 1),  # a shorter careful chain fits
    (0, 4, 1, 1),                      # no cap: both are paid
])
def test_cap_switches_the_regime(cap, length, careful_reward, shortcut_reward):
    """The mechanism, deterministically: under the narrowing cap a slip-free careful chain of length 4 is
    cut and earns 0 from the whole-chain reward, the slip-free shortcut earns 1; without the cap both earn 1."""
    cfg = regimes.regime_config("narrowing", settings={"rl.max_new_tokens": cap})
    assert cfg.rl.reward == "chain"
    problems = [p for p in heldout_tiers(cfg.task) if p.length == length
                and shortcut_is_right(p, cfg.task.misconception)]
    assert len(problems) >= 5
    for p in problems:
        careful, shortcut = clean_trace(p), shortcut_trace(p, cfg.task.misconception)
        assert check(p, careful).correct and check(p, shortcut).correct  # both right when written whole
        assert int(check(p, _cut(p, careful, cfg.rl.max_new_tokens)).correct) == careful_reward
        assert int(check(p, _cut(p, shortcut, cfg.rl.max_new_tokens)).correct) == shortcut_reward


def test_narrowing_world_file_matches_the_named_regime():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "book" / "worlds" / "narrowing.yaml"
    assert MicroConfig.preset("default", config=str(path)) == regimes.regime_config("narrowing")


def test_grid_cells_vary_the_first_axis_slowest():
    assert phase.grid_cells({"a": [1, 2], "b": [3, 4]}) == [{"a": 1, "b": 3}, {"a": 1, "b": 4},
                                                           {"a": 2, "b": 3}, {"a": 2, "b": 4}]
    assert phase.grid_cells({}) == [{}]


def test_old_names_resolve_to_their_new_homes_with_a_warning():
    with pytest.warns(DeprecationWarning, match="moved to boundary_lab.tables.tier_summary"):
        assert phase.tier_b_table is tables.tier_summary
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert phase.regime_config is regimes.regime_config and phase.grid_sentences is findings.grid_sentences
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        phase.nope  # noqa: B018


def _results(tier_a: bool = True) -> MicroResults:
    """Base and two main checkpoints on tier B (and a tier A that must not leak into tier-B tables)."""
    def rows(model, correct, answer, careful, tier="B"):
        return pd.DataFrame({"model": model, "problem_id": [f"{tier}{i}" for i in range(8)], "n": 64,
                             "correct": correct, "answer_correct": answer, "tier": tier, "length": [2, 4] * 4,
                             "careful": careful, "shortcut": [64 - c for c in careful]})
    counts = [rows("base", [4] * 8, [12] * 8, [32, 16] * 4), rows("grpo@100", [30] * 6 + [1, 0], [40] * 8, [40, 8] * 4),
              rows("grpo@300", [60] * 4 + [0] * 4, [60] * 4 + [5] * 4, [64, 0] * 4)]
    if tier_a:
        counts += [rows(m, [64] * 8, [64] * 8, [0] * 8, "A") for m in ("base", "grpo@100", "grpo@300")]
    models = pd.DataFrame({"model": ["base", "grpo@100", "grpo@300"], "kind": ["base", "rl", "rl"],
                           "main": [False, True, True], "final": [True, False, True], "step": [0, 100, 300]})
    return MicroResults(config=None, models=models, counts=pd.concat(counts, ignore_index=True))


def test_validity_curves_count_answers_at_least_as_often_as_chains_on_the_tier_asked():
    cur = tables.validity_curves({"narrowing": _results()}, n_boot=20)
    assert set(cur["model"]) == {"base, whole chain", "base, answer only", "grpo@300, whole chain",
                                 "grpo@300, answer only"}
    wide = cur.pivot_table(index="k", columns="model", values="pass_at_k")
    assert (wide["grpo@300, answer only"] >= wide["grpo@300, whole chain"]).all()
    # tier A (every chain right) would lift the whole-chain curve to 1: the tier filter keeps it out
    assert wide.loc[64, "grpo@300, answer only"] == 1.0 and wide.loc[64, "grpo@300, whole chain"] == 0.5
    assert wide.loc[1, "base, whole chain"] == 4 / 64


def test_regime_tables_read_the_final_main_checkpoint_on_one_tier():
    res = {"narrowing": _results(), "uncapped": _results()}
    table = tables.regime_table(res)
    assert table["regime"].tolist() == ["narrowing", "uncapped"] and table["model"].tolist() == ["grpo@300"] * 2
    assert table["rl solved"].tolist() == [4, 4] and table["base_only"].tolist() == [4, 4]
    cov = tables.regime_coverage(res)
    assert cov["model"].tolist() == ["grpo@100", "grpo@300"] * 2 and cov["base_only"].tolist() == [1, 4] * 2
    curves = tables.regime_curves(res, n_boot=20)
    assert set(curves["model"]) == {"base", "grpo@100", "grpo@300"} and set(curves["regime"]) == set(res)
    assert curves.query("model == 'grpo@300' and k == 64 and regime == 'uncapped'")["pass_at_k"].item() == 0.5


def test_share_per_checkpoint_and_its_sentences():
    shares = tables.share_per_checkpoint({"narrowing": _results()})
    at = shares.set_index(["model", "length"])["careful share"]
    assert at[("base", "all")] == 48 * 4 / (64 * 8) and at[("base", "2")] == 0.5 and at[("base", "4")] == 0.25
    assert at[("grpo@300", "2")] == 1.0 and at[("grpo@300", "4")] == 0.0
    assert shares["step"].tolist()[:3] == [0, 100, 300]  # ordered by step within a length
    text = findings.share_sentences(shares).splitlines()
    assert text == ["- narrowing regime, careful share base -> step 300: length 2: 0.500 -> 1.0000, "
                    "length 4: 0.250 -> 0.0000. RL split the strategies by length: careful where it is kept, "
                    "the shortcut elsewhere."]


def test_share_sentences_name_what_rl_did_per_length():
    rows = [("narrowing", s, L, v) for s, L, v in [(0, "2", 0.25), (0, "4", 0.25), (300, "2", 0.99), (300, "4", 0.001)]]
    rows += [("uncapped", s, L, v) for s, L, v in [(0, "2", 0.25), (0, "4", 0.25), (300, "2", 0.99), (300, "4", 0.98)]]
    rows += [("contrast", s, L, v) for s, L, v in [(0, "2", 0.25), (0, "4", 0.25), (300, "2", 0.5), (300, "4", 0.01)]]
    shares = pd.DataFrame(rows, columns=["regime", "step", "length", "careful share"])
    text = findings.share_sentences(shares).splitlines()
    assert "narrowing" in text[0] and "split the strategies by length" in text[0] and "0.0010" in text[0]
    assert "uncapped" in text[1] and "careful strategy at every length" in text[1]
    assert "contrast" in text[2] and "shortcut at every length" in text[2]  # 0.5 is not above half


def test_regime_sentences_compare_base_and_final_checkpoint():
    text = findings.regime_sentences({"narrowing": _results()}).splitlines()
    assert len(text) == 3 and all(line.startswith("- narrowing regime, tier B: ") for line in text)
    assert "solved at k = 64: base 8, grpo@300 4 of 8" in text[1]


def test_regime_sentence_names_the_regime_and_the_scale_of_the_run():
    book_scale = MicroConfig.preset("default", config=["book/worlds/narrowing.yaml", {"rl.trainer.steps": 150}])
    text = findings.regime_sentence(book_scale)
    assert text.startswith("The figures on this page come from the narrowing regime (careful chains are longer")
    assert "narrowing regime" in text and "cap of 14 tokens" in text and "150 RL steps" in text
    assert "pretrained 3000 steps, seed 0;" in text  # every tier sampled: nothing to say
    only = MicroConfig.preset("default", config=["book/worlds/narrowing.yaml", {"eval.tiers": "AB"}])
    assert "seed 0 (tiers A and B sampled, n = 256);" in findings.regime_sentence(only)
    contrast = findings.regime_sentence(MicroConfig.preset("default", seed=2))
    assert "contrast regime" in contrast and "300 RL steps" in contrast and "seed 2" in contrast
    # A later item of a config list wins over the world file; nested and dotted names mix.
    uncapped = MicroConfig.preset("default", config=["book/worlds/narrowing.yaml", {"rl": {"max_new_tokens": 0}}])
    assert regimes.regime_of(uncapped) == "uncapped" and "uncapped regime" in findings.regime_sentence(uncapped)
    custom = regimes.regime_config("narrowing", settings={"rl.tier_b_share": 0.5})
    assert regimes.regime_of(custom) == "custom" and "custom world" in findings.regime_sentence(custom)
    assert findings.source_sentence(None).endswith("(the `counts` parameter).")
    res = MicroResults(config=MicroConfig.preset("default", seed=2), models=pd.DataFrame(), counts=pd.DataFrame())
    assert findings.source_sentence(res) == contrast


@pytest.mark.slow
def test_temperature_curves_sample_only_the_tier_at_other_temperatures(tmp_path):
    from boundary_lab import report

    curves = report.temperature_curves("tiny", 0, tmp_path, "narrowing", [0.5, 1.0], "B", n_boot=50)
    assert set(curves["temperature"]) == {"T = 0.5", "T = 1"} and set(curves["model"]) == {"base", "grpo@4"}
    tiers = {}
    for counts in (tmp_path / "evals").glob("*/counts.csv"):
        c = pd.read_csv(counts)
        tiers.setdefault(c["model"].iloc[0], []).append("".join(sorted(set(c["tier"]))))
    # T = 1 is the regime's own evaluation (every tier, reused by its pages); T = 0.5 samples tier B only
    assert {m: sorted(t) for m, t in tiers.items()} == {"base": ["ABC", "B"], "grpo@4": ["ABC", "B"]}


def test_micro_results_select_and_one_name_what_is_missing(tmp_path):
    models = pd.DataFrame({"model": ["base", "grpo@100", "grpo@300", "grpo-noB@300"],
                           "kind": ["base", "rl", "rl", "rl"],
                           "split": ["", "full", "full", "noB"], "main": [False, True, True, False],
                           "final": [True, False, True, True]})
    guess = pd.DataFrame({"metric": ["answer", "chain_len2"], "k": [1, 1], "pass_at_k": [0.1, 0.01]})
    res = MicroResults(config=None, models=models, counts=pd.DataFrame(), guess=guess,
                       sample_dirs={"base": tmp_path, "grpo@300": tmp_path / "none"})
    assert res.select(kind="rl", final=True) == ["grpo@300", "grpo-noB@300"]
    assert res.select() == models["model"].tolist()
    assert res.one(main=True, final=True) == "grpo@300"
    with pytest.raises(InputError, match="select: no column 'step'; models have model, kind, split, main, final$"):
        res.select(step=300)
    with pytest.raises(InputError, match=r"2 models match \(grpo@100, grpo@300\); the models are base, grpo@100, "):
        res.one(main=True)
    with pytest.raises(InputError, match=r"0 models match \(none\)"):
        res.one(kind="teacher")
    assert res.answer_guess()["pass_at_k"].tolist() == [0.1]
    pd.DataFrame({"sample_id": [0, 1]}).to_parquet(tmp_path / "samples.parquet")
    assert res.samples("base")["sample_id"].tolist() == [0, 1]
    with pytest.raises(InputError, match="samples: no evaluated model 'rl'; known: base, grpo@300$"):
        res.samples("rl")


def test_final_label_names_the_main_runs_last_step():
    cfg = regimes.regime_config("narrowing", "tiny", settings={"rl.trainer.algorithm": "rloo", "rl.trainer.steps": 9,
                                                               "rl.trainer.checkpoint_steps": (9,)})
    assert phase.final_label(cfg) == "rloo@9"
