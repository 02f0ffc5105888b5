"""Fast, discriminating tests of the functions that turn trained micro-world models into the pages' numbers:
``report`` (micro, checkpoint, load, examples, regime_results, phase_grid, temperature_curves, output_entropy),
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
from boundary_lab.micro.pipeline import STAGES, run_pipeline
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
