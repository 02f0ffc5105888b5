"""Issue 27: the instruct stage, the entropy-matched temperature (Fig. 17), the paper's sampling settings,
Fig. 15 over seeds and the perplexity of both worlds: tables, sentences and stages on real (tiny) models.

Each docstring names the bug its test guards against (the plants tried: kept_pairs on answer_correct,
a flipped verdict sign, the more-rollouts comment shown for a run that kept its problems; all caught)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import boundary_lab as bl
from boundary_lab.measured import SeedStudy
from boundary_lab.micro.config import MicroConfig, ModelConfig
from boundary_lab.micro.instruct import kept_pairs
from boundary_lab.micro.pipeline import Pipeline, run_pipeline
from boundary_lab.micro.task import Problem

ABLATIONS = {"narrowing, KL 0.001": "KL", "narrowing, 32 rollouts": "rollouts"}


# ------------------------------------------------------------------ the instruct stage


def test_rejection_sampling_keeps_only_distinct_whole_chain_correct_samples():
    """Guards against: keeping answer-correct samples (check(...).answer_correct) keeps the wrong chain too."""
    p = Problem("x", 5, (("+", 3), ("*", 2)), 47, "A")
    texts = [["C 5 +3 8 *2 16 A 16", "C 5 +3 9 *2 16 A 16", "C 5 +3 8 *2 16 A 16", "S 5 +3 8 *2 17 A 17"]]
    assert kept_pairs([p], texts) == [(p.prompt, "C 5 +3 8 *2 16 A 16")]


@pytest.fixture(scope="module")
def tiny_instruct(tmp_path_factory):
    work = tmp_path_factory.mktemp("instruct")
    cfg = MicroConfig.preset("tiny")
    res = run_pipeline(cfg, work, stages=("pretrain", "rl", "instruct", "evaluate"), progress=False)
    return cfg, work, res


def test_the_instruct_stage_is_a_model_with_its_record(tiny_instruct):
    """Guards against: DONE.json without the summary (instruct_summary then fails); samples counted per problem only."""
    cfg, work, res = tiny_instruct
    assert res.select(kind="instruct") == ["instruct"]
    summary = bl.report.instruct_summary(res)
    assert summary["problems"] == cfg.instruct.problems
    assert summary["samples"] == cfg.instruct.problems * cfg.instruct.samples
    assert 0 <= summary["kept"] <= summary["samples"] and summary["problems_kept"] <= summary["problems"]
    assert {"base", "instruct", "grpo@4"} <= set(res.counts["model"])
    # the instruct model is sampled like every model: same problems, same n
    n = res.counts.groupby("model")["n"].unique()
    assert n["base"].tolist() == n["instruct"].tolist() == [cfg.eval.n]


def test_the_instruct_model_is_left_out_of_perplexity_and_other_pages(tiny_instruct):
    """Guards against: ppl_sources keeping kind 'instruct' (the perplexity page and the distillation page would then
    compute two perplexity tables of one world)."""
    cfg, work, _ = tiny_instruct
    pipe = Pipeline(cfg, work, progress=False)
    with_instruct = pipe.models(("pretrain", "rl", "distill", "instruct"))
    without = pipe.models(("pretrain", "rl", "distill"))
    assert pipe.ppl_dir(with_instruct) == pipe.ppl_dir(without)
    assert "instruct" not in [m["kind"] for m in without]


def test_an_instruct_setting_retrains_only_the_instruct_model(tiny_instruct):
    """Guards against: h_instruct not hashing c.instruct (a new setting would reuse the old model)."""
    cfg, work, _ = tiny_instruct
    other = bl.micro.config.with_overrides(cfg, {"instruct.steps": 3})
    a, b = Pipeline(cfg, work, progress=False), Pipeline(other, work, progress=False)
    assert a.instruct_dir() != b.instruct_dir()
    assert a.base_dir() == b.base_dir() and a.distill_dir() == b.distill_dir()


def test_instruct_sentence_states_what_was_kept_and_solved():
    """Guards against: the sentence reading base_only as compared_only."""
    cov = pd.DataFrame({"tier": ["A", "B"], "model": ["instruct"] * 2, "model_solved": [40, 12],
                        "base_solved": [41, 10], "compared_only": [0, 3], "base_only": [1, 1]})
    summary = {"problems": 512, "samples": 4096, "kept": 900, "problems_kept": 300, "temperature": 0.7,
               "steps": 150, "per_problem": 8}
    text = bl.findings.instruct_sentence(summary, cov)
    assert "kept 900 distinct whole-chain-correct traces on 300 problems" in text
    assert "tier B: 12 problems against the base's 10 (3 the base never solves, 1 lost)" in text
    assert "nothing was kept" in bl.findings.instruct_sentence({**summary, "kept": 0, "problems_kept": 0}, cov)


# ------------------------------------------------------------------ Fig. 17: sampling entropy and its sentence


def test_sampled_entropy_is_the_entropy_of_the_tempered_distribution(tmp_path):
    """A model whose logits are 8x another's, sampled at T = 8, samples the other's T = 1 distribution: the
    same entropy. Planted: the entropy of softmax(logits) instead of softmax(logits / T) (2.3 vs 4.1 nats)."""
    import torch

    from boundary_lab.micro.evaluate import sampled_entropy
    from boundary_lab.micro.model import build_model, save_checkpoint

    model = build_model(ModelConfig(hidden_size=32, num_layers=1, num_heads=1, intermediate_size=32), 13)
    save_checkpoint(model, 13, tmp_path / "a")
    with torch.no_grad():
        model.model.norm.weight.mul_(8.0)  # the final norm scales the (tied) head's logits
    save_checkpoint(model, 13, tmp_path / "b")
    prompts = ["Q 5 +3 =", "Q 2 *4 -1 ="]
    plain = sampled_entropy(tmp_path / "a", 13, prompts, 1.0, 8, 8, seed=0)["entropy"]
    sharp = sampled_entropy(tmp_path / "b", 13, prompts, 1.0, 8, 8, seed=0)["entropy"]
    tempered = sampled_entropy(tmp_path / "b", 13, prompts, 8.0, 8, 8, seed=0)["entropy"]
    assert sharp < plain - 1
    assert tempered == pytest.approx(plain, rel=0.02)
    with pytest.raises(bl.errors.InputError, match="temperature=0"):
        sampled_entropy(tmp_path / "a", 13, prompts, 0.0, 1, 8, seed=0)


def _role_counts(base: list[int], rl: list[int], matched: list[int], n: int = 16) -> pd.DataFrame:
    rows = []
    for role, model, temp, correct in (("base", "base (T = 0.6)", 0.6, base), ("rl", "rl (T = 0.6)", 0.6, rl),
                                       ("rl matched", "rl (T = 1.3, entropy-matched)", 1.3, matched)):
        rows += [{"model": model, "role": role, "temperature": temp, "problem_id": f"p{i}", "n": n, "correct": c,
                  "tier": "B"} for i, c in enumerate(correct)]
    return pd.DataFrame(rows)


def _found(counts: pd.DataFrame, matched: float = 1.3, reached: bool = True) -> dict:
    ent = pd.DataFrame({"role": ["target", "probe", "matched"], "entropy": [0.9, 0.5, 0.88]})
    return {"entropies": ent, "counts": counts, "matched": matched, "reached": reached}


def test_entropy_matched_sentence_reports_the_papers_direction_or_not():
    """Guards against: the verdict comparing RL at the matched temperature with RL at T = 0.6 instead of the base
    (the first case then reads 'overtakes')."""
    base = [8, 8, 8, 8, 8, 8, 4, 4, 4, 4]
    below = _role_counts(base, [16, 16, 16, 16, 16, 0, 0, 0, 0, 0], [16, 16, 16, 16, 16, 2, 0, 0, 0, 0])
    text = bl.findings.entropy_matched_sentence(_found(below), "test run", n_boot=200)
    assert "RL matches the base at T = 1.3" in text and "as in the paper, RL stays below the base" in text
    assert "pass@16 is 1.000 for the base, 0.500 for RL at T = 0.6 and 0.600 at T = 1.3" in text
    above = _role_counts([8] * 5 + [0] * 5, [0] * 10, [16] * 10)
    assert "unlike the paper, RL at the matched temperature overtakes the base" in \
        bl.findings.entropy_matched_sentence(_found(above), "test run", n_boot=200)


def test_temperature_table_rows_follow_the_roles():
    """Guards against: k_max from the first model only; pass@1 computed at k = 16."""
    table = bl.tables.temperature_table(_role_counts([8, 0], [16, 0], [4, 4]))
    assert table["role"].tolist() == ["base", "rl", "rl matched"]
    assert table["pass@1"].tolist() == [0.25, 0.5, 0.25]
    assert table["solved"].tolist() == [1, 1, 2] and table["k_max"].tolist() == [16] * 3


# ------------------------------------------------------------------ the paper's sampling settings


def _pair(base: list[int], rl: list[int], n: int = 8) -> pd.DataFrame:
    return pd.DataFrame([{"model": m, "problem_id": f"p{i}", "n": n, "correct": c, "careful": 0, "tier": "B"}
                         for m, values in (("base", base), ("grpo@300", rl)) for i, c in enumerate(values)])


def test_sampling_table_and_sentence_compare_the_two_settings():
    """Guards against: the table labelling the paper's counts as the micro-world's (the sentence then says the lead
    appears under the wrong setting)."""
    own = {"narrowing": _pair([1, 1, 1, 1], [8, 8, 0, 0])}
    paper = {"narrowing": _pair([1, 1, 1, 1], [8, 8, 8, 8])}
    table = bl.tables.sampling_table(own, paper)
    assert table["sampling"].tolist() == ["T = 1.0, top-p 1.0", "T = 0.6, top-p 0.95"]
    assert table["base_only"].tolist() == [2, 0]
    text = bl.findings.sampling_sentence(table)
    assert "the paper's settings take away the base's lead at large k" in text
    assert "at T = 1.0, top-p 1.0 base - RL pass@8 is +0.500 (base_only 2, compared_only 0" in text


# ------------------------------------------------------------------ Fig. 15 over seeds


@pytest.fixture(scope="module")
def relabelled_study():
    """The shipped study with stand-in ablations (a test only): 'KL' is plain narrowing relabelled (every
    difference exactly 0), '32 rollouts' is the uncapped regime's RL model over the same base."""
    study = bl.measured.seed_study()
    if study is None:
        pytest.skip("no seed study shipped")
    c = study.counts
    kl = c[(c["regime"] == "narrowing") & (c["seed"] < 3)].assign(regime="narrowing, KL 0.001")
    more = c[(c["regime"] == "uncapped") & (c["seed"] < 3)].assign(regime="narrowing, 32 rollouts")
    c = c[~c["regime"].isin(list(ABLATIONS))]
    return SeedStudy(meta=study.meta, counts=pd.concat([c, kl, more], ignore_index=True))


def test_ablation_table_uses_the_common_seeds_and_seed_aware_intervals(relabelled_study):
    """Guards against: frames over every seed of plain narrowing (5) instead of the common ones (3); the base taken from
    the ablation's rl rows."""
    table = bl.tables.ablation_table(relabelled_study, 256, "narrowing", list(ABLATIONS), "B", n_boot=200)
    assert set(table["seeds"]) == {3}
    assert set(table["conditions_on"]) == {"nothing: seeds and problems resampled"}
    kl = table[table["ablation"] == "narrowing, KL 0.001"]
    same = kl[kl["difference"] == "narrowing, KL 0.001 - narrowing"]
    assert same["diff"].abs().max() == 0 and same["ci_low"].abs().max() == 0
    base = kl[kl["difference"] == "base - narrowing, KL 0.001"].iloc[0]
    plain = bl.tables.seed_study_table(relabelled_study, 256, "B", ["narrowing"])
    assert base["diff"] == pytest.approx(plain[plain["seed"] < 3]["base - rl at k_max"].mean())


def test_ablation_report_verdicts_and_not_measured_yet(relabelled_study):
    """The not-measured-yet text and the KL verdict on stand-in data (its sign logic: the hand-built test)."""
    text = bl.findings.ablation_report(relabelled_study, "narrowing", ABLATIONS, "B", 256, n_boot=200)
    assert text.startswith("Fig. 15 over seeds, measured by")
    assert "3 seeds common to every regime, n = 256" in text
    assert "pass@1 is about the same, as in the paper, but pass@256 is not lower" in text
    missing = SeedStudy(meta=relabelled_study.meta,
                        counts=relabelled_study.counts.query("regime != 'narrowing, KL 0.001'"))
    assert bl.findings.ablation_report(missing, "narrowing", ABLATIONS).startswith(
        "Not measured yet: the shipped seed study has no regime 'narrowing, KL 0.001'")
    assert bl.findings.ablation_report(None, "narrowing", ABLATIONS).startswith("Not measured yet")


def test_ablation_curves_are_seed_aware_means(relabelled_study):
    """Guards against: returning both interval kinds (each k twice per model)."""
    curves = bl.tables.ablation_curves(relabelled_study, 256, "narrowing", list(ABLATIONS), "B", n_boot=100)
    assert list(dict.fromkeys(curves["model"])) == ["base", "narrowing", *ABLATIONS]
    assert not curves.duplicated(["model", "k"]).any()
    assert (curves["low"] <= curves["pass_at_k"]).all() and (curves["pass_at_k"] <= curves["high"]).all()


def test_more_rollouts_comment_is_computed_and_only_when_it_loses():
    """Guards against: the comment shown for a more-rollouts run that keeps every problem."""
    cov = pd.DataFrame({"tier": ["B"] * 2, "model": ["grpo@150", "grpo+more_rollouts@150"],
                        "base_solved": [48, 48], "model_solved": [40, 28]})
    shares = pd.DataFrame({"model": ["grpo@150", "grpo+more_rollouts@150"], "tier": "B", "strategy": "careful",
                           "share": [0.2, 0.05]})
    labels = {"grpo@150": "", "grpo+more_rollouts@150": "more_rollouts"}
    rollouts = {"grpo@150": 8, "grpo+more_rollouts@150": 32}
    text = bl.findings.more_rollouts_comment(cov, shares, labels, rollouts)
    assert "loses 12 tier-B problems" in text and "4x the samples per step" in text
    assert "careful share on tier B is 0.050 against plain GRPO's 0.200" in text
    kept = cov.assign(model_solved=[40, 41])
    assert bl.findings.more_rollouts_comment(kept, shares, labels, rollouts) == ""


# ------------------------------------------------------------------ page helpers


def test_world_name_names_the_world_files_and_settings():
    """Guards against: naming the preset instead of the world (every page said 'default')."""
    assert bl.report.world_name("book/worlds/narrowing.yaml") == "the narrowing world"
    assert bl.report.world_name([{"rl.trainer.steps": 150}]) == "the default world (rl.trainer.steps=150)"


def test_paper_figures_mark_nothing_missing_a_cpu_can_reproduce():
    table = bl.paper_figures.frame()
    assert set(table[table["status"] == "missing"]["figure"]) == {"Fig. 4 right"}
    for fig in ("Fig. 6", "Fig. 7", "Fig. 15", "Fig. 17"):
        assert table.set_index("figure").loc[fig, "status"] == "reproduced"


def test_perplexity_worlds_frame_and_sentences(tiny_instruct):
    """Guards against: the relation word inverted (below/above)."""
    cfg, work, res = tiny_instruct
    rl = res.one(main=True, final=True)
    frame = bl.tables.perplexity_worlds({"default world": res, "narrowing world": res})
    assert frame["world"].unique().tolist() == ["default world", "narrowing world"]
    assert len(frame) == 2 * len(res.perplexity) and "PPL_base(Y_base)" in set(frame["responses"])
    ppl = pd.DataFrame({"scorer": "base", "answers_from": ["base", "base", rl, rl], "problem_id": "p",
                        "sample": [0, 1, 0, 1], "ppl": [2.0, 3.0, 1.5, 1.6]})
    text = bl.findings.perplexity_worlds_sentences({"narrowing world": dataclasses.replace(res, perplexity=ppl)})
    assert f"The median of PPL_base(Y_{rl}) is below that of PPL_base(Y_base) (1.55 vs 2.50)" in text


def test_ablation_verdicts_on_hand_built_intervals():
    """Guards against: _direction with its sign flipped (KL's lower pass@k read as higher): caught here, not by the
    relabelled study, whose KL differences are all exactly 0."""
    def rows(name, start, end, base):
        out = [{"ablation": name, "difference": f"{name} - grpo", "k": k, "seeds": 3, "diff": (lo + hi) / 2,
                "ci_low": lo, "ci_high": hi} for k, (lo, hi) in ((1, start), (256, end))]
        return out + [{"ablation": name, "difference": f"base - {name}", "k": 256, "seeds": 3,
                       "diff": (base[0] + base[1]) / 2, "ci_low": base[0], "ci_high": base[1]}]
    table = pd.DataFrame(rows("kl", (-0.02, 0.03), (-0.2, -0.05), (0.1, 0.3))
                         + rows("r32", (-0.01, 0.05), (0.01, 0.05), (0.05, 0.2)))
    text = bl.findings.ablation_sentences(table, {"kl": "KL", "r32": "rollouts"})
    assert text.count("Verdict: the paper's direction holds") == 2
    flipped = table.assign(ci_low=-table["ci_high"], ci_high=-table["ci_low"], diff=-table["diff"])
    assert "Verdict: the paper's direction does not hold here" in \
        bl.findings.ablation_sentences(flipped[flipped["ablation"] == "r32"], {"r32": "rollouts"})
