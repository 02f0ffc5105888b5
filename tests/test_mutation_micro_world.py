"""Fast, discriminating tests of the functions that turn trained micro-world models into the pages' numbers:
``report`` (micro, checkpoint, load, examples, regime_results, phase_grid, temperature_curves, output_entropy,
_tier_config, _cell, entropy_matched, paper_sampling, instruct_summary, worlds, rollouts_per_prompt),
``micro.phase`` (run_cell, run_cells) and ``micro.evaluate`` (sample, evaluate_checkpoint) (issue 20, item 6).

The tiny preset is trained ONCE per session into ``tiny_work`` and every test reads it. Under ``make mutation``
the workdir is ``$BOUNDARY_LAB_TEST_WORKDIR`` (outside mutmut's tree), so it is trained once for the whole run:
a stage's cache key hashes its code, and mutmut's mutated files are the same for every mutant (the mutant is
chosen at run time), so no mutant retrains what the others reuse. Elsewhere it is a fresh temporary directory.
Nothing is mocked: the models are real tiny checkpoints, the checker is the micro-world's own.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from boundary_lab import report, tables
from boundary_lab.errors import InputError
from boundary_lab.micro import phase
from boundary_lab.micro.config import EvalConfig, MicroConfig, with_overrides
from boundary_lab.micro.evaluate import counts_from_samples, evaluate_checkpoint, grade_samples, sample
from boundary_lab.micro.pipeline import STAGES, rl_runs, run_pipeline
from boundary_lab.micro.regimes import regime_config
from boundary_lab.micro.task import heldout_tiers

pytestmark = pytest.mark.slow  # trains the tiny preset once (well under a minute on a quiet machine)

EVAL_TIERS = "B"  # the phase and regime cells sample one tier: half the evaluation time


@pytest.fixture(scope="session")
def tiny_work(tmp_path_factory) -> Path:
    """A workdir shared by this file's tests (and by every mutant of a mutation run, see the module docstring)."""
    root = os.environ.get("BOUNDARY_LAB_TEST_WORKDIR")
    work = Path(root) / "micro" if root else tmp_path_factory.mktemp("micro-world")
    work.mkdir(parents=True, exist_ok=True)
    return work


@pytest.fixture(scope="session")
def tiny(tiny_work):
    """The tiny preset's world, every stage (``report.micro`` reuses it)."""
    return run_pipeline(MicroConfig.preset("tiny"), tiny_work, progress=False)


# ------------------------------------------------------------------------------------------ report.micro & co


def test_micro_reuses_the_cache_and_prints_one_summary_line(tiny, tiny_work, capsys):
    res = report.micro("tiny", workdir=str(tiny_work))
    out = capsys.readouterr().out
    stages = len(res.timings) - 1  # "total" is not a stage
    assert stages == len(tiny.timings) - 1 and stages >= 5
    m = re.fullmatch(rf"micro-world: the default world, tiny scale, seed 0: 0 stages run, {stages} reused "
                     r"\((\d+) s\)\n", out)
    assert m and int(m.group(1)) < 600, out
    assert res.models["model"].tolist() == tiny.models["model"].tolist()
    assert "distilled" in res.models["model"].tolist()
    pd.testing.assert_frame_equal(res.counts, tiny.counts)
    # progress=True prints the pipeline's own lines instead of the summary
    report.micro("tiny", workdir=str(tiny_work), progress=True)
    assert "micro-world: the default world" not in capsys.readouterr().out


def test_micro_stages_leave_out_what_a_page_does_not_show(tiny, tiny_work):
    res = report.micro("tiny", workdir=str(tiny_work), stages=("pretrain", "rl", "evaluate"))
    assert "distilled" not in res.models["model"].tolist()
    assert set(res.counts["model"]) == {"base", "grpo@2", "grpo@4", "grpo-noB@4"}  # noB: its last step only
    assert res.timings.keys() == {"pretrain", "rl:grpo", "rl:grpo-noB", "evaluate:base", "evaluate:grpo@2",
                                  "evaluate:grpo@4", "evaluate:grpo-noB@4", "perplexity", "total"}


def test_micro_adds_algorithms_and_remedies_to_the_configs_own(tiny_work):
    # config on top of the preset, then the extra algorithms and remedies (nothing past pretraining is run)
    res = report.micro("tiny", config={"rl.algorithms": ["rloo"], "eval.tiers": EVAL_TIERS}, workdir=str(tiny_work),
                       algorithms=("rloo", "remax"), remedies=("nsr",), remedies_without_tier_b=True,
                       stages=("pretrain",), seed=0)
    assert res.config.rl.algorithms == ("rloo", "remax")  # deduplicated, the config's own first
    assert res.config.rl.remedies == ("nsr",) and res.config.rl.remedies_without_tier_b is True
    assert res.config.eval.tiers == EVAL_TIERS and res.config.seed == 0
    assert res.models["model"].tolist() == ["base", "teacher"]
    with_remedy = report.micro("tiny", config={"rl.remedies": ["entropy"]}, workdir=str(tiny_work),
                               remedies=("nsr", "entropy"), stages=("pretrain",)).config.rl
    assert with_remedy.remedies == ("entropy", "nsr") and with_remedy.algorithms == ()


def test_micro_keeps_the_configs_remedy_split_unless_told(tiny_work):
    cfg = report.micro("tiny", config={"rl.remedies_without_tier_b": True, "eval.tiers": EVAL_TIERS},
                       workdir=str(tiny_work), stages=("pretrain",)).config
    assert cfg.rl.remedies_without_tier_b is True and cfg.rl.algorithms == () and cfg.rl.remedies == ()


def test_checkpoint_finds_trained_models_by_label(tiny, tiny_work):
    paths = dict(zip(tiny.models["model"], tiny.models["path"]))
    assert report.checkpoint("base", "tiny", workdir=str(tiny_work)) == paths["base"]
    assert report.checkpoint("grpo@2", "tiny", workdir=str(tiny_work)) == paths["grpo@2"]
    assert report.checkpoint("rl", "tiny", workdir=str(tiny_work)) == paths["grpo@4"]
    assert report.checkpoint("distilled", "tiny", workdir=str(tiny_work)) == paths["distilled"]
    # config reaches the pipeline: another learning rate is another (untrained) RL run
    with pytest.raises(InputError, match=r"^model 'rl': not trained yet under .* --seed 0 --workdir "):
        report.checkpoint("rl", "tiny", config={"rl.trainer.lr": 0.5}, workdir=str(tiny_work))
    with pytest.raises(InputError, match=r"^model 'sft': not a micro-world model; known: base, grpo@2, grpo@4, "
                                         r"grpo-noB@4, distilled$"):
        report.checkpoint("sft", "tiny", workdir=str(tiny_work))


def test_checkpoint_names_the_command_that_trains_a_missing_model(tiny_work, tmp_path):
    with pytest.raises(InputError) as err:
        report.checkpoint("base", "tiny", seed=7, workdir=str(tmp_path))
    assert str(err.value) == (f"model 'base': not trained yet under {tmp_path} "
                              f"(boundary-lab micro --preset tiny --seed 7 --workdir {tmp_path})")
    with pytest.raises(InputError, match="not trained yet"):  # seed reaches the pipeline: seed 7 is not trained
        report.checkpoint("base", "tiny", seed=7, workdir=str(tiny_work))


def test_load_reads_a_readers_counts_or_the_micro_world(tiny, tiny_work, tmp_path):
    path = tmp_path / "counts.csv"
    theirs = pd.DataFrame({"model": ["m", "m"], "problem_id": ["1", "2"], "n": [4, 4], "correct": [1, 3]})
    theirs.to_csv(path, index=False)
    res, counts = report.load(str(path), "tiny", workdir=str(tiny_work))
    assert res is None and counts[["model", "problem_id", "n", "correct"]].values.tolist() == \
        [["m", "1", 4, 1], ["m", "2", 4, 3]]
    res, counts = report.load("", "tiny", workdir=str(tiny_work), config={"eval.n": 8})
    assert res is not None and counts is res.counts
    pd.testing.assert_frame_equal(counts, tiny.counts)
    res, counts = report.load("", "tiny", workdir=str(tiny_work), config={"eval.tiers": EVAL_TIERS})
    assert set(counts["tier"]) == {"B"} and res.config.eval.tiers == EVAL_TIERS


def test_compared_model_panel_column_available_and_timings(tiny):
    table = pd.DataFrame({"model": ["qwen-rl", "qwen"], "tier": ["A", "B"]})
    assert report.compared_model(tiny, table) == "grpo@4"
    assert report.compared_model(None, table, rl="qwen-rl") == "qwen-rl"
    assert report.compared_model(tiny, table, rl="grpo@2") == "grpo@2"
    with pytest.raises(InputError) as err:
        report.compared_model(None, table)
    assert str(err.value) == "rl: name the model to compare with the base; your counts hold qwen, qwen-rl"
    assert report.panel_column(table, "tier") == "tier" and report.panel_column(table, "") is None
    with pytest.raises(InputError) as err:
        report.panel_column(table, "length")
    assert str(err.value) == ("group_by: the counts have no column 'length' (they have model, tier); "
                              "pass group_by='' for one panel")
    assert report.available(table, ["tier", "length", "model"]) == ["tier", "model"]
    frame = report.timings_frame({"pretrain": {"seconds": 2.0, "cached": False}, "total": {"seconds": 3.0}})
    assert frame["stage"].tolist() == ["pretrain", "total"] and frame["seconds"].tolist() == [2.0, 3.0]
    assert frame["cached"].iloc[0] is False or frame["cached"].iloc[0] == False  # noqa: E712 (numpy bool)


@pytest.mark.parametrize("model, per_tier", [("base", 2), ("grpo@4", 3)])
def test_examples_show_the_first_sample_of_the_first_problems_per_tier(tiny, model, per_tier):
    ex = report.examples(tiny, model, per_tier=per_tier)
    assert ex.columns.tolist() == ["tier", "problem_id", "prompt", "answer", "completion", "answer_correct",
                                   "correct"]
    assert ex["tier"].tolist() == [t for t in "ABC" for _ in range(per_tier)]
    first = tiny.problems.groupby("tier", sort=True).head(per_tier)
    assert ex["problem_id"].tolist() == first["problem_id"].tolist()
    assert ex["prompt"].tolist() == first["prompt"].tolist() and ex["answer"].tolist() == first["answer"].tolist()
    s = tiny.samples(model).set_index(["problem_id", "sample_id"])
    for row in ex.itertuples():
        one = s.loc[(row.problem_id, 0)]
        assert (row.completion, row.correct, row.answer_correct) == (one.completion, one.correct, one.answer_correct)


def test_examples_default_to_the_base_model(tiny):
    pd.testing.assert_frame_equal(report.examples(tiny), report.examples(tiny, "base", 2))


# ------------------------------------------------------------------------------------------ micro.phase


# The cells run in the "contrast" regime (the tiny preset as it is), so they reuse the tiny world's pretrained
# model and main RL run and only evaluate again.
REGIME = "contrast"


def _cell_cfg(**settings) -> MicroConfig:
    return regime_config(REGIME, "tiny", 0, {"eval.tiers": EVAL_TIERS, **settings})


def test_run_cell_trains_only_the_main_run_and_counts_base_and_final(tiny_work):
    import torch

    # a cell trains neither the noB run nor extra algorithms or remedies, whatever the config asks
    cfg = _cell_cfg(**{"rl.without_tier_b": True, "rl.algorithms": ("rloo",), "rl.remedies": ("nsr",)})
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        counts = phase.run_cell(cfg, tiny_work)
        assert torch.get_num_threads() == 2  # the cell's own thread count (1) is restored afterwards
    finally:
        torch.set_num_threads(before)
    assert counts["model"].drop_duplicates().tolist() == ["base", "grpo@4"]
    n_problems = len([q for q in heldout_tiers(cfg.task) if q.tier == "B"])
    assert counts.groupby("model").size().tolist() == [n_problems, n_problems]
    assert set(counts["n"]) == {cfg.eval.n} and set(counts["tier"]) == {"B"}
    assert counts["problem_id"].map(type).eq(str).all()
    # the counts are the pipeline's own evaluation of the same models
    plain = with_overrides(cfg, {"rl.without_tier_b": False, "rl.algorithms": (), "rl.remedies": ()})
    res = run_pipeline(plain, tiny_work, stages=("pretrain", "rl", "evaluate"), progress=False)
    assert res.models["model"].tolist() == ["base", "grpo@2", "grpo@4", "teacher"]
    mine = res.counts[res.counts["model"].isin(["base", "grpo@4"])].drop(columns="kind").reset_index(drop=True)
    pd.testing.assert_frame_equal(counts.reset_index(drop=True), mine)
    assert not list(tiny_work.glob("models/rl-rloo-*")) and not list(tiny_work.glob("models/rl-grpo+nsr-*"))


def test_run_cell_says_what_it_runs_only_when_asked(tiny_work, tmp_path, capsys):
    # a workdir that shares the trained models but no evaluation: the cell evaluates, so it has something to say
    (tmp_path / "models").symlink_to(tiny_work / "models", target_is_directory=True)
    phase.run_cell(_cell_cfg(**{"eval.n": 2}), tmp_path)
    assert capsys.readouterr().out == ""
    counts = phase.run_cell(_cell_cfg(**{"eval.n": 3}), tmp_path, say=True)
    out = capsys.readouterr().out
    assert "[micro] evaluate:base: running" in out and "[micro] evaluate:grpo@4: running" in out
    assert "pretrain" not in out and "rl:" not in out  # trained models are reused, silently
    assert set(counts["n"]) == {3}
    runs = phase.run_cells("tiny", REGIME, {"eval.n": [4]}, [0], tmp_path, {"eval.tiers": EVAL_TIERS})
    assert capsys.readouterr().out == "" and set(runs[0]["counts"]["n"]) == {4}  # quiet unless asked


def test_run_cells_one_run_per_cell_and_seed_the_cell_over_the_settings(tiny_work):
    runs = phase.run_cells("tiny", REGIME, {"eval.n": [2, 3], "eval.temperature": [1.0]}, [0],
                           tiny_work, settings={"eval.n": 5, "eval.tiers": EVAL_TIERS})
    assert [(r["cell"], r["seed"], r["model"]) for r in runs] == [
        ({"eval.n": 2, "eval.temperature": 1.0}, 0, "grpo@4"), ({"eval.n": 3, "eval.temperature": 1.0}, 0, "grpo@4")]
    assert [sorted(set(r["counts"]["n"])) for r in runs] == [[2], [3]]  # the cell wins over the settings
    assert all(set(r["counts"]["tier"]) == {"B"} for r in runs)  # the settings apply under the cell
    # the regime is applied: the same counts as the narrowing cell run directly
    pd.testing.assert_frame_equal(runs[1]["counts"], phase.run_cell(_cell_cfg(**{"eval.n": 3}), tiny_work))


def test_run_cells_seeds_reach_the_config(tiny_work):
    # the rl stage of seed 1 is trained on purpose: one steps-1 run (the cheapest RL run)
    settings = {"eval.tiers": EVAL_TIERS, "eval.n": 2, "rl.trainer.steps": 1, "rl.trainer.checkpoint_steps": (1,)}
    runs = phase.run_cells("tiny", REGIME, {"eval.temperature": [1.0]}, [1, 0], tiny_work, settings=settings)
    assert [(r["seed"], r["model"]) for r in runs] == [(1, "grpo@1"), (0, "grpo@1")]
    want = [phase.run_cell(regime_config(REGIME, "tiny", s, {**settings, "eval.temperature": 1.0}), tiny_work)
            for s in (1, 0)]
    for run, counts in zip(runs, want):
        pd.testing.assert_frame_equal(run["counts"], counts)


# ------------------------------------------------------------------------------------------ report's regime pages


def test_regime_results_evaluate_each_regime_with_its_extra_settings(tiny, tiny_work):
    # the contrast regime is the tiny preset as it is: no model is trained, only evaluated again
    extra = {"contrast": {"eval.tiers": EVAL_TIERS, "eval.n": 2}, "uncapped": {"eval.n": 3}}
    out = report.regime_results("tiny", 0, tiny_work, extra=extra, regimes=("contrast",))
    assert list(out) == ["contrast"]
    res = out["contrast"]
    assert res.config.rl.without_tier_b is False and res.config.seed == 0 and res.config.rl.max_new_tokens == 0
    assert res.models["model"].tolist() == ["base", "grpo@2", "grpo@4", "teacher"]  # no distill, no noB run
    assert set(res.counts["n"]) == {2} and set(res.counts["tier"]) == {"B"}
    plain = report.regime_results("tiny", 0, tiny_work, regimes=("contrast",))["contrast"]
    # without extra settings: the tiny world's own evaluations of the same models
    mine = tiny.counts[tiny.counts["model"].isin(["base", "grpo@2", "grpo@4"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(plain.counts.reset_index(drop=True), mine)


def test_phase_grid_tables_every_cell(tiny_work):
    axes = {"eval.n": [3, 2]}
    runs, cells = report.phase_grid("tiny", REGIME, axes, [0], tiny_work, settings={"eval.tiers": EVAL_TIERS},
                                    n_boot=40)
    want = tables.grid_tables(phase.run_cells("tiny", REGIME, axes, [0], tiny_work, {"eval.tiers": EVAL_TIERS}),
                              n_boot=40)
    pd.testing.assert_frame_equal(runs, want[0])
    pd.testing.assert_frame_equal(cells, want[1])
    assert cells["eval.n"].tolist() == [3, 2] and runs["k_max"].tolist() == [3, 2]


def test_temperature_curves_one_curve_per_model_and_temperature(tiny_work, tmp_path):
    # a workdir that shares the trained models but no evaluation, to see which evaluations the curves ask for
    (tmp_path / "models").symlink_to(tiny_work / "models", target_is_directory=True)
    settings = {"eval.n": 3}
    curves = report.temperature_curves("tiny", 0, tmp_path, REGIME, [1.0, 0.5], "B", settings=settings, n_boot=30)
    assert curves["temperature"].drop_duplicates().tolist() == ["T = 1", "T = 0.5"]
    tiers = sorted("".join(sorted(set(pd.read_csv(c)["tier"]))) for c in tmp_path.glob("evals/*/counts.csv"))
    # the regime's own temperature evaluates every tier (its pages reuse it); another one only the tier shown
    assert tiers == ["ABC", "ABC", "B", "B"]
    for t, only in ((1.0, {}), (0.5, {"eval.tiers": "B"})):
        counts = phase.run_cell(regime_config(REGIME, "tiny", 0, {**settings, "eval.temperature": t, **only}),
                                tmp_path)
        want = tables.curves(counts[counts["tier"] == "B"], ["base", "grpo@4"], n_boot=30, seed=0)
        got = curves[curves["temperature"] == f"T = {t:g}"].drop(columns="temperature").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)
        assert set(got["k"]) == {1, 2, 3}
    assert len(list(tmp_path.glob("evals/*/counts.csv"))) == 4  # the checks above reused every evaluation


def test_output_entropy_is_the_mean_entropy_over_each_models_own_tokens(tiny):
    import torch

    from boundary_lab.micro.model import load_checkpoint
    from boundary_lab.micro.pretrain import batch_tensors
    from boundary_lab.micro.tokenizer import vocabulary

    out = report.output_entropy({"w": tiny}, tier="B", problems=2, samples=3)
    assert out.columns.tolist() == ["regime", "model", "step", "entropy", "tokens"]
    assert out["model"].tolist() == ["base", "grpo@2", "grpo@4"] and out["step"].tolist() == [0, 2, 4]
    assert set(out["regime"]) == {"w"}
    prompts = tiny.problems.set_index("problem_id")["prompt"]
    paths = dict(zip(tiny.models["model"], tiny.models["path"]))
    for row in out.itertuples():
        s = tiny.samples(row.model)
        s = s[s["tier"] == "B"]
        first = list(dict.fromkeys(s["problem_id"]))[:2]
        s = s[s["problem_id"].isin(first) & (s["sample_id"] < 3)]
        assert len(s) == 6
        net, _ = load_checkpoint(paths[row.model])
        total, tokens = 0.0, 0
        for pid, text in zip(s["problem_id"], s["completion"]):  # one sequence at a time: no padding
            ids, labels = batch_tensors(vocabulary(tiny.config.task.modulus), [(prompts[pid], text)])
            with torch.no_grad():
                p = torch.softmax(net(input_ids=ids).logits[0, :-1].double(), -1)
            keep = labels[0, 1:] != -100
            total += float(-(p * p.log()).sum(-1)[keep].sum())
            tokens += int(keep.sum())
        assert row.tokens == tokens
        assert math.isclose(row.entropy, total / tokens, rel_tol=1e-4)
        assert 0 < row.entropy < math.log(len(vocabulary(tiny.config.task.modulus)))


# ------------------------------------------------------------------------------------------ micro.evaluate


@pytest.fixture(scope="session")
def tiny_base(tiny_work):
    """The tiny preset's pipeline with its base model trained (nothing evaluated: a mutant of micro.evaluate
    re-keys the evaluate stage, and these tests must not re-evaluate every model for it)."""
    from boundary_lab.micro.pipeline import Pipeline

    pipe = Pipeline(MicroConfig.preset("tiny"), tiny_work, progress=False)
    pipe.run_pretrain()
    return pipe


@pytest.fixture(scope="session")
def base_model(tiny_base):
    from boundary_lab.micro.model import load_checkpoint

    return load_checkpoint(tiny_base.base_dir())


def _problems(pipe, k: int = 3):
    return pipe.problems[:: max(1, len(pipe.problems) // k)][:k]  # from every tier


def test_sample_returns_n_completions_per_prompt_seeded(tiny_base, base_model):
    model, tok = base_model
    prompts = [q.prompt for q in _problems(tiny_base)]
    a = sample(model, tok, prompts, 4, 1.0, 1.0, 30, seed=3)
    assert [len(row) for row in a] == [4, 4, 4] and all(isinstance(t, str) for row in a for t in row)
    assert a == sample(model, tok, prompts, 4, 1.0, 1.0, 30, seed=3)  # deterministic on one machine
    assert a != sample(model, tok, prompts, 4, 1.0, 1.0, 30, seed=4)  # the seed reaches the sampler
    assert a != sample(model, tok, prompts, 4, 1.0, 1.0, 30, seed=3, stream=(5,))  # and the stream
    # the default batch is EvalConfig's (the rows of a batch share one random stream, so the batch changes draws)
    assert a == sample(model, tok, prompts, 4, 1.0, 1.0, 30, seed=3, batch_size=EvalConfig.batch_size)
    assert a != sample(model, tok, prompts, 4, 1.0, 1.0, 30, seed=3, batch_size=1)
    short = sample(model, tok, prompts, 4, 1.0, 1.0, 3, seed=3)
    assert all(len(tok(t, add_special_tokens=False).input_ids) <= 3 for row in short for t in row)
    assert any(len(tok(t, add_special_tokens=False).input_ids) > 3 for row in a for t in row)


def test_sample_top_p_and_temperature_reach_the_sampler(tiny_base, base_model):
    model, tok = base_model
    prompts = [q.prompt for q in _problems(tiny_base)]
    greedy = sample(model, tok, prompts, 1, 0.0, 1.0, 30, seed=0)
    narrow = sample(model, tok, prompts, 3, 1.0, 1e-9, 30, seed=1)  # nucleus of one token: greedy
    assert narrow == [row * 3 for row in greedy]
    cold = sample(model, tok, prompts, 3, 1e-4, 1.0, 30, seed=2)  # near-zero temperature: greedy
    assert cold == narrow
    hot = sample(model, tok, prompts, 3, 1.0, 1.0, 30, seed=1)
    assert hot != narrow


def test_evaluate_checkpoint_samples_grades_and_counts_each_problem(tiny_base, base_model):
    model, tok = base_model
    probs = _problems(tiny_base, 4)
    path = tiny_base.base_dir()
    cfg = EvalConfig(n=5, temperature=0.7, top_p=0.9, batch_size=3)  # every argument distinct
    samples, counts = evaluate_checkpoint(path, probs, "mine", cfg, 25, 11, stream=(2,))
    texts = sample(model, tok, [q.prompt for q in probs], 5, 0.7, 0.9, 25, 11, 3, stream=(2,))
    pd.testing.assert_frame_equal(samples, grade_samples(probs, texts))
    pd.testing.assert_frame_equal(counts, counts_from_samples(samples, "mine"))
    assert counts["problem_id"].tolist() == [q.problem_id for q in probs] and set(counts["n"]) == {5}
    assert counts["model"].tolist() == ["mine"] * 4 and set(counts["tier"]) == {"A", "B", "C"}
    assert (counts["careful"] + counts["shortcut"] <= counts["n"]).all()
    assert (counts["correct"] <= counts["answer_correct"]).all()


def test_the_pipeline_evaluates_with_the_models_label_as_its_stream(tiny_base):
    pipe = tiny_base
    base = pipe.models(("pretrain",))[0]
    pipe.run_evaluate([base])
    stored = pd.read_parquet(pipe.eval_dir(base) / "samples.parquet")
    again, counts = evaluate_checkpoint(base["path"], pipe.problems, "base", pipe.cfg.eval, pipe.max_new_tokens,
                                        pipe.cfg.seed, stream=("base",))
    cols = ["problem_id", "sample_id", "completion", "correct", "answer_correct", "strategy"]
    pd.testing.assert_frame_equal(again[cols], stored[cols])
    assert len(stored) == len(pipe.problems) * pipe.cfg.eval.n and set(counts["n"]) == {pipe.cfg.eval.n}


def test_stages_list_is_what_report_micro_runs_by_default():
    assert STAGES == ("pretrain", "rl", "distill", "evaluate")


# ------------------------------------------------------------------------------------------ report's paper settings
# (_tier_config, _cell, entropy_matched, paper_sampling) and the distillation page (instruct_summary, worlds,
# rollouts_per_prompt)


@pytest.mark.parametrize("settings, evaluation, tiers, temperature, top_p", [
    # the regime's own sampling: every tier, so the page reuses the regime's own evaluation
    ({"eval.n": 3}, {"temperature": 1.0}, "", 1.0, 1.0),
    ({"eval.n": 3}, {"temperature": 1.0, "top_p": 1.0}, "", 1.0, 1.0),
    # any other setting samples the one tier shown, the others as the regime has them
    ({"eval.n": 3}, {"temperature": 0.6}, "C", 0.6, 1.0),
    ({"eval.n": 3}, {"top_p": 0.95}, "C", 1.0, 0.95),
    ({"eval.n": 3}, {"temperature": 0.6, "top_p": 0.95}, "C", 0.6, 0.95),
    # "changed" is judged against the regime with the settings: a setting's own temperature is not a change,
    # and the settings' tiers give way to the tier shown only when something changed
    ({"eval.temperature": 0.6, "eval.tiers": "AB"}, {"temperature": 0.6}, "AB", 0.6, 1.0),
    ({"eval.temperature": 0.6, "eval.tiers": "AB"}, {"temperature": 1.0}, "C", 1.0, 1.0),
    (None, {"top_p": 0.5}, "C", 1.0, 0.5),
])
def test_tier_config_samples_only_the_tier_when_sampling_changes(settings, evaluation, tiers, temperature, top_p):
    """Catches a dropped tier restriction, a restriction applied when nothing changed, a change judged against
    the preset instead of the regime with its settings, and settings or evaluation values not passed on."""
    cfg = report._tier_config("narrowing", "tiny", 3, settings, "C", **evaluation)
    assert (cfg.eval.tiers, cfg.eval.temperature, cfg.eval.top_p) == (tiers, temperature, top_p)
    assert cfg.eval.n == (settings or {}).get("eval.n", 8) and cfg.seed == 3
    assert cfg.task.careful_check_tokens == 1 and cfg.rl.max_new_tokens == 14  # the regime on the tiny preset
    assert cfg.pretrain.steps == 40
    # the same config (so the same cached evaluation) as temperature_curves builds for the same sampling
    only = {} if tiers == (settings or {}).get("eval.tiers", "") else {"eval.tiers": "C"}
    want = regime_config("narrowing", "tiny", 3, {**(settings or {}), "eval.temperature": temperature,
                                                  "eval.top_p": top_p, **only})
    assert cfg == want


def test_cell_counts_base_and_final_with_the_pipeline_that_names_them(tiny, tiny_work):
    """Catches _cell's pipeline keeping the noB run, extra algorithms or remedies, a lost workdir, progress
    switched on, or its model rows filtered wrongly (a non-final or non-main checkpoint, or no base)."""
    cfg = _cell_cfg(**{"rl.without_tier_b": True, "rl.algorithms": ("rloo",), "rl.remedies": ("nsr",)})
    counts, pipe, models = report._cell(cfg, tiny_work)
    pd.testing.assert_frame_equal(counts, phase.run_cell(cfg, tiny_work))
    assert counts["model"].drop_duplicates().tolist() == ["base", "grpo@4"] and set(counts["tier"]) == {"B"}
    assert (pipe.cfg.rl.without_tier_b, pipe.cfg.rl.algorithms, pipe.cfg.rl.remedies) == (False, (), ())
    assert pipe.cfg.eval == cfg.eval and pipe.cfg.seed == 0 and pipe.work == tiny_work
    assert (pipe.progress, pipe.say) == (False, False)
    assert list(models) == ["base", "grpo@4"]
    paths = dict(zip(tiny.models["model"], tiny.models["path"]))
    assert {k: (m["path"], m["kind"], m["step"], m["main"], m["final"]) for k, m in models.items()} == {
        "base": (paths["base"], "base", 0, False, True), "grpo@4": (paths["grpo@4"], "rl", 4, True, True)}


# The RL runs of entropy_matched's tests: the tiny preset's own main run earns no reward (its base is close to
# uniform), so its weights stay the base's and which entropy is higher is left to sampling noise. A run that
# sharpens (a higher learning rate on more rollouts: RL at T = 0.6 ~2.1 nats against the base's ~3.3, at T = 1 above
# it) forces the bisection; an entropy bonus (RL ~4.0 nats at T = 0.6) forces the match at the base temperature.
SHARP = {"rl.trainer.lr": 0.01, "rl.trainer.prompts_per_step": 16, "rl.trainer.rollouts_per_prompt": 8}
FLAT = {"rl.trainer.entropy_coef": 1.0}


def _replay_entropies(out, cfg, work, tier, base_temperature, high, steps, problems, samples):
    """Check ``out["entropies"]`` row by row: each is ``sampled_entropy`` of the named model at the named
    temperature on the first ``problems`` prompts of ``tier`` (seed and stream as documented), and the probes
    follow the bisection that the measured entropies dictate. Returns the unrounded matched temperature."""
    from boundary_lab.micro.evaluate import sampled_entropy
    from boundary_lab.micro.pipeline import Pipeline

    pipe = Pipeline(cfg, work, progress=False)
    paths = {m["model"]: m["path"] for m in pipe.models(("pretrain", "rl"))
             if m["kind"] == "base" or (m["final"] and m["main"])}
    prompts = [q.prompt for q in heldout_tiers(cfg.task) if q.tier == tier][:problems]
    rows = out["entropies"]
    assert rows.columns.tolist() == ["model", "temperature", "role", "entropy", "tokens"]
    target = rows["entropy"].iloc[0]
    low, top, temps = base_temperature, high, [base_temperature, base_temperature]
    if rows["entropy"].iloc[1] >= target:
        branch, matched = "at base", low
    elif rows["entropy"].iloc[2] < target:
        branch, matched = "not reached", top
        temps.append(high)
    else:
        branch = "bisection"
        temps.append(high)
        for row in rows.iloc[3:3 + steps].itertuples():
            mid = (low + top) / 2
            temps.append(mid)
            low, top = (mid, top) if row.entropy < target else (low, mid)
        matched = round((low + top) / 2, 2)
    temps.append(matched)
    assert rows["role"].tolist() == ["target"] + ["probe"] * (len(temps) - 2) + ["matched"]
    assert rows["model"].tolist() == ["base"] + ["grpo@4"] * (len(temps) - 1)
    assert rows["temperature"].tolist() == [round(t, 4) for t in temps]
    with report._threads(cfg.threads):
        for row, t in zip(rows.itertuples(), temps):
            found = sampled_entropy(paths[row.model], cfg.task.modulus, prompts, t, samples, pipe.max_new_tokens, 0,
                                    stream=("entropy", row.model))
            assert (row.entropy, row.tokens) == (found["entropy"], found["tokens"]), row
    if branch == "bisection":  # the bracket still holds the crossing
        probe = dict(zip(temps[1:-1], rows["entropy"].iloc[1:-1]))
        assert probe[low] < target <= probe[top] and top - low == pytest.approx((high - base_temperature) / 2 ** steps)
    assert (out["matched"], out["reached"]) == (matched, branch != "not reached")
    return branch


def _expected_counts(work, settings, tier, base_temperature, matched):
    """entropy_matched's ``counts`` rebuilt from run_cell at the two temperatures (configs built as
    temperature_curves builds them, not through _tier_config)."""
    def counts_at(t):
        own = t == regime_config(REGIME, "tiny", 0, settings).eval.temperature
        return phase.run_cell(regime_config(REGIME, "tiny", 0, {**settings, "eval.temperature": t,
                                                                **({} if own else {"eval.tiers": tier})}), work)

    at_base, at_matched = counts_at(base_temperature), counts_at(matched)
    frames = [at_base[at_base["model"] == "base"].assign(role="base", temperature=base_temperature),
              at_base[at_base["model"] == "grpo@4"].assign(role="rl", temperature=base_temperature),
              at_matched[at_matched["model"] == "grpo@4"].assign(role="rl matched", temperature=matched)]
    both = pd.concat(frames, ignore_index=True)
    return both[both["tier"] == tier]


def _labelled(both, matched, base_temperature):
    names = {"base": f"base (T = {base_temperature:g})", "rl": f"grpo@4 (T = {base_temperature:g})",
             "rl matched": f"grpo@4 (T = {matched:g}, entropy-matched)"}
    return both.assign(model=both["role"].map(names)), list(names.values())


def _check_counts_and_curves(out, work, settings, tier, base_temperature, n_boot):
    """Catches a dropped tier filter, swapped roles or temperatures, the wrong model's rows, a counts frame of
    another sampling, or curves built with other bootstrap settings."""
    matched = out["matched"]
    want, labels = _labelled(_expected_counts(work, settings, tier, base_temperature, matched), matched,
                             base_temperature)
    got = out["counts"]
    n_tier = len([q for q in heldout_tiers(regime_config(REGIME, "tiny", 0, settings).task) if q.tier == tier])
    assert got["model"].drop_duplicates().tolist() == labels
    assert got["role"].tolist() == ["base"] * n_tier + ["rl"] * n_tier + ["rl matched"] * n_tier
    assert got["temperature"].tolist() == [base_temperature] * 2 * n_tier + [matched] * n_tier
    ids = got["problem_id"].tolist()
    assert set(got["tier"]) == {tier} and ids[:n_tier] == ids[n_tier:2 * n_tier] == ids[2 * n_tier:]
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(out["curves"], tables.curves(want, labels, n_boot=n_boot, seed=0))
    assert out["curves"]["model"].drop_duplicates().tolist() == labels


def test_entropy_matched_bisects_to_the_temperature_where_rl_reaches_the_base_entropy(tiny_work):
    """RL sharper than the base: target, probes at the base temperature and at ``high`` (default 3.0), then
    ``steps`` (default 8) halvings whose direction follows each measured entropy, and the match rounded to 0.01.
    Catches a flipped bisection, a wrong midpoint, off-by-one steps, other defaults, arguments not passed to
    sampled_entropy (prompts of another tier, too many problems or samples, another seed or stream)."""
    out = report.entropy_matched("tiny", 0, tiny_work, REGIME, "B", settings=SHARP, problems=2, samples=3, n_boot=20)
    cfg = regime_config(REGIME, "tiny", 0, SHARP)
    assert _replay_entropies(out, cfg, tiny_work, "B", 0.6, 3.0, 8, 2, 3) == "bisection"
    assert 0.6 < out["matched"] < 3.0 and out["matched"] == round(out["matched"], 2)
    assert len(out["entropies"]) == 1 + 2 + 8 + 1
    _check_counts_and_curves(out, tiny_work, SHARP, "B", 0.6, 20)


def test_entropy_matched_stops_at_high_when_rl_stays_below_the_base_entropy(tiny_work):
    """RL sharper than the base and ``high`` too low to reach it: no bisection, matched = high, not reached.
    Catches the not-reached branch returning the base temperature or ``reached`` True."""
    out = report.entropy_matched("tiny", 0, tiny_work, REGIME, "B", settings=SHARP, base_temperature=0.6, high=0.65,
                                 steps=2, problems=3, samples=2, n_boot=20)
    cfg = regime_config(REGIME, "tiny", 0, SHARP)
    assert _replay_entropies(out, cfg, tiny_work, "B", 0.6, 0.65, 2, 3, 2) == "not reached"
    assert (out["matched"], out["reached"]) == (0.65, False)
    assert out["entropies"]["temperature"].tolist() == [0.6, 0.6, 0.65, 0.65]
    _check_counts_and_curves(out, tiny_work, SHARP, "B", 0.6, 20)


def test_entropy_matched_at_the_base_temperature_when_rl_is_already_as_random(tiny_work):
    """RL with an entropy bonus is flatter than the base: matched at the base temperature, reached, no other
    probe. With the defaults (tier B, T = 0.6, 16 problems and samples, 1000 bootstrap draws); then at the
    regime's own temperature, whose evaluation holds every tier: the counts keep only the tier asked for."""
    out = report.entropy_matched("tiny", 0, tiny_work, REGIME, settings=FLAT)
    cfg = regime_config(REGIME, "tiny", 0, FLAT)
    assert _replay_entropies(out, cfg, tiny_work, "B", 0.6, 3.0, 8, 16, 16) == "at base"
    assert (out["matched"], out["reached"]) == (0.6, True)
    assert out["entropies"]["role"].tolist() == ["target", "probe", "matched"]
    _check_counts_and_curves(out, tiny_work, FLAT, "B", 0.6, 1000)
    # tier C: its prompts come after tiers A and B in the pipeline's problems, which hold every tier here
    own = report.entropy_matched("tiny", 0, tiny_work, REGIME, "C", settings=FLAT, base_temperature=1.0,
                                 problems=2, samples=2, n_boot=20)
    assert _replay_entropies(own, cfg, tiny_work, "C", 1.0, 3.0, 8, 2, 2) == "at base"
    assert (own["matched"], own["reached"]) == (1.0, True)
    assert set(phase.run_cell(regime_config(REGIME, "tiny", 0, FLAT), tiny_work)["tier"]) == {"A", "B", "C"}
    _check_counts_and_curves(own, tiny_work, FLAT, "C", 1.0, 20)


def _paper_cfg(regime: str, **settings) -> MicroConfig:
    return regime_config(regime, "tiny", 0, {"eval.n": 3, **settings})


def test_paper_sampling_counts_each_regime_at_the_papers_settings(tiny_work):
    """Catches other default settings (T = 0.6, top-p 0.95, tier B), settings or the regime not applied,
    a tier restriction dropped, or regimes answered out of order."""
    out = report.paper_sampling("tiny", 0, tiny_work, ["narrowing", REGIME], settings={"eval.n": 3})
    assert list(out) == ["narrowing", REGIME]
    for name, counts in out.items():
        want = phase.run_cell(_paper_cfg(name, **{"eval.temperature": 0.6, "eval.top_p": 0.95, "eval.tiers": "B"}),
                              tiny_work)
        pd.testing.assert_frame_equal(counts, want)
        assert counts["model"].drop_duplicates().tolist() == ["base", "grpo@4"]
        assert set(counts["tier"]) == {"B"} and set(counts["n"]) == {3}
    # the narrowing world's tier B holds problems of lengths 2-4 (tier_ab_lengths), the tiny preset's does not
    assert set(out["narrowing"]["length"]) != set(out[REGIME]["length"])


@pytest.mark.parametrize("tier, temperature, top_p", [("C", 0.6, 1.0), ("A", 1.0, 0.95)])
def test_paper_sampling_passes_tier_temperature_and_top_p(tiny_work, tier, temperature, top_p):
    """Catches the tier, temperature or top-p not reaching the evaluation (each changed alone)."""
    out = report.paper_sampling("tiny", 0, tiny_work, [REGIME], tier, settings={"eval.n": 3},
                                temperature=temperature, top_p=top_p)
    want = phase.run_cell(_paper_cfg(REGIME, **{"eval.temperature": temperature, "eval.top_p": top_p,
                                                "eval.tiers": tier}), tiny_work)
    assert list(out) == [REGIME] and set(out[REGIME]["tier"]) == {tier}
    pd.testing.assert_frame_equal(out[REGIME], want)


def test_instruct_summary_reads_the_stage_record_and_the_settings(tmp_path):
    """Catches keys read from the wrong field of DONE.json, settings other than ``res.config.instruct``'s, or
    another model's directory; a missing record names the stages to run."""
    from boundary_lab.micro.results import MicroResults

    done = tmp_path / "instruct-x"
    done.mkdir()
    (done / "DONE.json").write_text('{"stage": "instruct", "problems": 12, "samples": 36, "kept": 5, '
                                    '"problems_kept": 3}')
    cfg = MicroConfig.preset("tiny", config={"instruct.temperature": 0.9, "instruct.steps": 7, "instruct.samples": 3})
    models = pd.DataFrame({"model": ["base", "instruct"], "path": [str(tmp_path), str(done)]})
    summary = report.instruct_summary(MicroResults(config=cfg, models=models, counts=pd.DataFrame()))
    assert summary == {"problems": 12, "samples": 36, "kept": 5, "problems_kept": 3, "temperature": 0.9, "steps": 7,
                       "per_problem": 3}
    assert list(summary) == ["problems", "samples", "kept", "problems_kept", "temperature", "steps", "per_problem"]
    (done / "DONE.json").unlink()
    with pytest.raises(InputError) as err:
        report.instruct_summary(MicroResults(config=cfg, models=models, counts=pd.DataFrame()))
    assert str(err.value) == (f"instruct: no trained instruct model at {done} "
                              "(run stages=('pretrain', 'rl', 'distill', 'evaluate', 'instruct'))")
    assert report.WITH_INSTRUCT == (*STAGES, "instruct")


def test_instruct_summary_of_the_trained_stage(tiny_work):
    """The tiny instruct stage's own record: problems and samples follow its settings, and what it kept is what
    the base's own samples (recomputed here) hold."""
    from boundary_lab.micro.instruct import kept_pairs
    from boundary_lab.micro.model import load_checkpoint
    from boundary_lab.micro.pipeline import Pipeline
    from boundary_lab.micro.task import training_problems

    cfg = MicroConfig.preset("tiny", config={"instruct.problems": 16, "instruct.samples": 3})
    res = run_pipeline(cfg, tiny_work, stages=("pretrain", "instruct"), progress=False)
    summary = report.instruct_summary(res)
    pipe = Pipeline(cfg, tiny_work, progress=False)
    problems = training_problems(cfg.task, 16, 0, tier_b_share=cfg.rl.tier_b_share)
    model, tok = load_checkpoint(pipe.base_dir())
    texts = sample(model, tok, [p.prompt for p in problems], 3, 0.7, 1.0, pipe.max_new_tokens, 0, stream=("instruct",))
    pairs = kept_pairs(problems, texts)
    assert summary == {"problems": 16, "samples": 48, "kept": len(pairs),
                       "problems_kept": len({prompt for prompt, _ in pairs}), "temperature": 0.7, "steps": 10,
                       "per_problem": 3}


def test_worlds_runs_micro_for_each_named_world(tiny, tiny_work, capsys):
    """Catches a world's settings, the stages, the seed or the workdir not reaching micro, or worlds answered
    under other names or in another order."""
    out = report.worlds("tiny", 0, str(tiny_work), {"plain": {}, "one tier": {"eval.tiers": "B"}},
                        stages=("pretrain", "rl", "evaluate"))
    assert list(out) == ["plain", "one tier"]
    said = capsys.readouterr().out.splitlines()
    assert [line.split(":")[1] for line in said] == [" the default world, tiny scale, seed 0",
                                                     " the default world (eval.tiers=B), tiny scale, seed 0"]
    plain, one = out["plain"], out["one tier"]
    assert plain.models["model"].tolist() == ["base", "grpo@2", "grpo@4", "grpo-noB@4", "teacher"]  # no distilled
    mine = tiny.counts[tiny.counts["model"] != "distilled"].reset_index(drop=True)
    pd.testing.assert_frame_equal(plain.counts.reset_index(drop=True), mine)
    assert one.config.eval.tiers == "B" and set(one.counts["tier"]) == {"B"} and plain.config.eval.tiers == ""
    every = report.worlds("tiny", 0, str(tiny_work), {"all": None})["all"]  # stages: every default one
    assert every.models["model"].tolist() == tiny.models["model"].tolist()
    seed1 = report.worlds("tiny", 1, str(tiny_work), {"s": {}}, stages=("pretrain",))["s"]
    assert seed1.config.seed == 1 and seed1.models["model"].tolist() == ["base", "teacher"]
    assert seed1.models["path"].iloc[0] != tiny.models["path"].iloc[0]
    assert seed1.models["path"].iloc[0].startswith(str(tiny_work))


def test_rollouts_per_prompt_applies_each_models_remedy_to_the_worlds_trainer(tiny):
    """Catches the remedy ignored, applied to every model, or to another trainer than the world's; labels
    answered out of order or all of them instead of those asked for."""
    from boundary_lab.micro.results import MicroResults

    cfg = MicroConfig.preset("tiny", config={"rl.trainer.rollouts_per_prompt": 6})
    models = pd.DataFrame({"model": ["base", "grpo@4", "grpo+more_rollouts@4", "grpo-noB+nsr@4"],
                           "remedy": ["", "", "more_rollouts", "nsr"]})
    res = MicroResults(config=cfg, models=models, counts=pd.DataFrame())
    got = report.rollouts_per_prompt(res, ["grpo+more_rollouts@4", "grpo@4", "grpo-noB+nsr@4"])
    assert got == {"grpo+more_rollouts@4": 32, "grpo@4": 6, "grpo-noB+nsr@4": 6}
    assert list(got) == ["grpo+more_rollouts@4", "grpo@4", "grpo-noB+nsr@4"]
    assert report.rollouts_per_prompt(res, ["grpo@4"]) == {"grpo@4": 6}
    # the trained tiny world: no remedy, its trainer's 4 rollouts per prompt
    assert report.rollouts_per_prompt(tiny, ["grpo@2", "grpo-noB@4"]) == {"grpo@2": 4, "grpo-noB@4": 4}


def test_results_carry_every_rl_runs_metrics_and_the_pretraining_log(tiny, tiny_work):
    """``Pipeline.results``: one block of metrics rows per RL run, labelled as the run, and the stages' logs."""
    tiny = run_pipeline(MicroConfig.preset("tiny"), tiny_work, progress=False)  # cached: results() runs here
    runs = rl_runs(tiny.config)
    assert list(dict.fromkeys(tiny.rl_metrics["run"])) == [r.label for r in runs]
    first = tiny.rl_metrics.drop_duplicates("run").set_index("run")
    for r in runs:
        assert (first.loc[r.label, "algorithm"], first.loc[r.label, "split"]) == (r.algorithm, r.split)
    assert {"pretrain", "distill"} <= set(tiny.train_logs["stage"])
