"""The micro-world pipeline's bookkeeping that needs no trained model: which RL runs a config asks for,
the models table, and the guessing baselines ``results`` computes (issue 20 item 6: mutants of these
survived the slow tests, which only ever see the tiny preset's defaults)."""
from __future__ import annotations

import os
import warnings
from fractions import Fraction

import pytest

from boundary_lab.micro import phase
from boundary_lab.micro.config import MicroConfig, with_overrides
from boundary_lab.micro.pipeline import Pipeline, rl_runs


def _cfg(**settings) -> MicroConfig:
    return with_overrides(MicroConfig.preset("tiny"), settings)


@pytest.mark.parametrize("noB, split", [(False, "full"), (True, "noB")])
def test_remedy_runs_carry_their_remedy_and_the_chosen_split(noB, split):
    cfg = _cfg(**{"rl.remedies": ("nsr", "kl_reset"), "rl.remedies_without_tier_b": noB, "rl.without_tier_b": True,
                  "rl.algorithms": ("rloo",)})
    runs = rl_runs(cfg)
    main = cfg.rl.trainer.algorithm
    assert [(r.algorithm, r.remedy, r.split, r.main) for r in runs] == [
        (main, "", "full", True), (main, "", "noB", False), ("rloo", "", "full", False),
        (main, "nsr", split, False), (main, "kl_reset", split, False)]
    suffix = "-noB" if noB else ""
    assert [r.label for r in runs[3:]] == [f"{main}{suffix}+nsr", f"{main}{suffix}+kl_reset"]


def test_the_models_table_lists_remedies_with_their_own_labels(tmp_path):
    cfg = _cfg(**{"rl.remedies": ("nsr",), "rl.without_tier_b": False})
    rows = Pipeline(cfg, tmp_path, progress=False).models(("pretrain", "rl"))
    remedy = [r for r in rows if r["remedy"]]
    assert [(r["model"], r["split"], r["final"], r["main"]) for r in remedy] == [
        (f"{cfg.rl.trainer.algorithm}+nsr@{cfg.rl.trainer.steps}", "full", True, False)]
    # no "rl" stage: the base alone
    assert [r["model"] for r in Pipeline(cfg, tmp_path, progress=False).models(("pretrain",))] == ["base"]


def test_results_guess_baselines_are_exact_for_the_answer_and_each_chain_length(tmp_path):
    cfg = _cfg()
    pipe = Pipeline(cfg, tmp_path, progress=False)
    res = pipe.results(stages=("pretrain",))
    p = cfg.task.modulus
    lengths = sorted({q.length for q in pipe.problems})
    assert len(lengths) >= 2  # several chain lengths, so p ** L and p * L differ for some L
    assert sorted(set(res.guess["metric"])) == sorted(["answer"] + [f"chain_len{L}" for L in lengths])
    for metric, choices in [("answer", p)] + [(f"chain_len{L}", p ** L) for L in lengths]:
        rows = res.guess[res.guess["metric"] == metric]
        assert rows["k"].tolist() == [2 ** i for i in range(11)]
        for k, value in zip(rows["k"], rows["pass_at_k"]):
            exact = 1 - (1 - Fraction(1, choices)) ** k
            assert value == pytest.approx(float(exact), rel=1e-12, abs=1e-300), (metric, k)


def test_results_add_a_teacher_row_without_a_checkpoint(tmp_path):
    res = Pipeline(_cfg(), tmp_path, progress=False).results(stages=("pretrain",))
    assert res.models["model"].tolist() == ["base", "teacher"]
    teacher = res.models.set_index("model").loc["teacher"]
    assert teacher["kind"] == "teacher" and teacher["path"] == ""
    assert res.models.set_index("model").loc["base", "path"] != ""
    assert res.rl_metrics.empty and res.counts.empty  # no rl stage, no evaluation asked for


def test_a_moved_name_warns_at_the_callers_line_and_returns_the_new_home():
    from boundary_lab import tables

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        moved = phase.tier_b_table
    assert moved is tables.tier_summary
    (w,) = caught
    assert issubclass(w.category, DeprecationWarning)
    assert str(w.message) == "boundary_lab.micro.phase.tier_b_table moved to boundary_lab.tables.tier_summary"
    if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut's trampoline adds a frame inside the library
        assert w.filename == __file__  # stacklevel: the caller's line, not the library's
    with pytest.raises(AttributeError, match="has no attribute 'not_a_name'"):
        phase.not_a_name  # noqa: B018


def test_every_models_row_is_complete_and_points_at_its_stage(tmp_path):
    cfg = _cfg(seed=3)  # a seed other than the default, so a row that drops it shows
    pipe = Pipeline(cfg, tmp_path, progress=False)
    rows = pipe.models(("pretrain", "rl", "distill", "instruct"))
    blank = dict(algorithm="", remedy="", split="", step=0, seed=3, main=False, final=True)
    assert rows[0] == {**blank, "model": "base", "kind": "base", "path": str(pipe.base_dir())}
    assert rows[-2] == {**blank, "model": "distilled", "kind": "distilled", "path": str(pipe.distill_dir())}
    assert rows[-1] == {**blank, "model": "instruct", "kind": "instruct", "path": str(pipe.instruct_dir())}
    assert len({r["path"] for r in rows}) == len(rows)


def test_evaluating_a_missing_checkpoint_names_the_model_and_the_stage_to_run(tmp_path):
    from boundary_lab.errors import InputError

    pipe = Pipeline(_cfg(), tmp_path, progress=False)
    with pytest.raises(InputError) as err:
        pipe.run_evaluate(pipe.models(("pretrain",)))
    assert str(err.value) == (f"evaluate: model base: no checkpoint at {pipe.base_dir()} (run its stage first)")


def test_cache_keys_change_with_the_stage_code(tmp_path, monkeypatch):
    """Changed evaluation or perplexity code must not reuse a cached result (the code's hash stands in for an edit)."""
    from boundary_lab.micro import pipeline

    pipe = Pipeline(_cfg(**{"rl.without_tier_b": False}), tmp_path, progress=False)
    models = pipe.models(("pretrain", "rl", "distill"))
    before_eval, before_ppl = pipe.eval_dir(models[0]), pipe.ppl_dir(models)
    real = pipeline.code_hash
    monkeypatch.setattr(pipeline, "code_hash", lambda stage: real(stage) + ("x" if stage == "evaluate" else ""))
    assert pipe.eval_dir(models[0]) != before_eval
    monkeypatch.setattr(pipeline, "code_hash", lambda stage: real(stage) + ("x" if stage == "perplexity" else ""))
    assert pipe.eval_dir(models[0]) == before_eval and pipe.ppl_dir(models) != before_ppl
