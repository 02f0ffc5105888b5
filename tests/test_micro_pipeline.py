"""The micro-world pipeline end to end on the tiny preset: models as columns, caching by settings and code, CLI."""
from __future__ import annotations

import pandas as pd
import pytest

from boundary_lab.cli import main
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.pipeline import rl_runs, run_pipeline

pytestmark = pytest.mark.slow

MODELS = ["base", "grpo@2", "grpo@4", "grpo-noB@4", "distilled"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("micro")
    return work, run_pipeline(MicroConfig.preset("tiny"), work, progress=False)


def test_a_cached_world_loads_without_torch_or_transformers(tiny_run):
    """Pages whose stages are all cached (most of the book's) skip ~2.7 CPU-s of imports."""
    import subprocess
    import sys

    work, _ = tiny_run
    code = ("import sys, boundary_lab as bl; res = bl.report.micro('tiny', workdir=sys.argv[1]); "
            "assert len(res.counts); print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(work)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_results_in_memory(tiny_run):
    work, res = tiny_run
    counts = res.counts
    assert list(dict.fromkeys(counts.model)) == MODELS
    columns = {"model", "problem_id", "n", "correct", "answer_correct", "tier", "careful", "shortcut", "kind"}
    assert columns <= set(counts)
    assert (counts.n == 8).all() and len(counts) == len(MODELS) * 24
    assert (counts.correct <= counts.answer_correct).all() and (counts.careful + counts.shortcut <= counts.n).all()
    for m in MODELS:
        assert len(res.samples(m)) == 24 * 8
    assert set(res.strategy_shares.strategy) <= {"careful", "shortcut", "other"}  # words, never tier letters
    for path in res.models.query("kind != 'teacher'").path:  # every checkpoint is an ordinary HF directory
        assert (pd.io.common.Path(path) / "config.json").exists()
    assert {"base", "grpo@4", "teacher", "distilled"} <= set(res.perplexity.answers_from)
    assert (res.perplexity.ppl >= 1).all()
    assert set(res.rl_metrics.run) == {"grpo", "grpo-noB"}
    assert not (work / "results").exists()  # nothing a page would have to find by path


def test_models_are_selected_by_columns(tiny_run):
    _, res = tiny_run
    assert res.select(kind="rl", split="noB", final=True) == ["grpo-noB@4"]
    assert res.select(main=True) == ["grpo@2", "grpo@4"] and res.one(main=True, final=True) == "grpo@4"
    assert res.select(kind="distilled") == ["distilled"] and res.select(kind="teacher") == ["teacher"]
    with pytest.raises(Exception, match="2 models match"):
        res.one(kind="rl", final=True)


def _trained(res) -> list[str]:
    return sorted(k for k, v in res.timings.items() if k != "total" and not v["cached"])


def test_a_setting_reruns_exactly_the_stages_it_affects(tiny_run):
    work, res = tiny_run
    again = run_pipeline(MicroConfig.preset("tiny"), work, progress=False)
    assert _trained(again) == []
    pd.testing.assert_frame_equal(res.counts, again.counts)
    more = run_pipeline(MicroConfig.preset("tiny", config={"eval.n": 4}), work, progress=False)
    assert _trained(more) == sorted([f"evaluate:{m}" for m in MODELS] + ["perplexity"])
    rl = run_pipeline(MicroConfig.preset("tiny", config={"rl.trainer.lr": 1e-3}), work, stages=("pretrain", "rl"),
                      progress=False)
    assert _trained(rl) == ["rl:grpo", "rl:grpo-noB"]  # the base model and distillation are reused


def test_pretraining_is_deterministic_by_seed(tiny_run, tmp_path):
    work, _ = tiny_run
    (base,) = (work / "models").glob("pretrain-*")
    run_pipeline(MicroConfig.preset("tiny"), tmp_path / "again", stages=("pretrain",), progress=False)
    (again,) = (tmp_path / "again" / "models").glob("pretrain-*")
    assert again.name == base.name
    assert (again / "model.safetensors").read_bytes() == (base / "model.safetensors").read_bytes()
    run_pipeline(MicroConfig.preset("tiny", seed=1), tmp_path / "other", stages=("pretrain",), progress=False)
    (other,) = (tmp_path / "other" / "models").glob("pretrain-*")
    assert other.name != base.name


def test_cli_reuses_the_cache_and_prints_a_summary(tiny_run, capsys, tmp_path):
    work, res = tiny_run
    assert main(["micro", "--preset", "tiny", "--workdir", str(work), "--quiet", "--out", str(tmp_path)]) == 0
    assert "grpo-noB@4" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "counts.csv", dtype={"problem_id": str}),
                                  res.counts.reset_index(drop=True), check_dtype=False)


def test_extra_algorithms_and_remedies_become_models(tiny_run):
    work, _ = tiny_run
    cfg = MicroConfig.preset("tiny", config={"rl.algorithms": ["rloo"], "rl.remedies": "nsr"})
    res = run_pipeline(cfg, work, stages=("pretrain", "rl", "evaluate"), progress=False)
    assert res.timings["pretrain"]["cached"] and res.timings["rl:grpo"]["cached"]  # shared stages are reused
    assert res.select(kind="rl", final=True) == ["grpo@4", "grpo-noB@4", "rloo@4", "grpo+nsr@4"]
    assert res.one(remedy="nsr") == "grpo+nsr@4" and res.select(algorithm="rloo") == ["rloo@4"]
    # A page's results hold exactly the models its config asks for, whatever ran before (any page order).
    plain = run_pipeline(MicroConfig.preset("tiny"), work, progress=False)
    assert plain.models.model.tolist() == [*MODELS, "teacher"] and set(plain.counts.model) == set(MODELS)


def test_eval_tiers_samples_only_those_tiers(tiny_run):
    work, res = tiny_run
    only = run_pipeline(MicroConfig.preset("tiny", config={"eval.tiers": "AB"}), work,
                        stages=("pretrain", "rl", "evaluate"), progress=False)
    # models are reused, only their evaluations are new: one per model, on 2 of the 3 tiers
    assert _trained(only) == sorted([f"evaluate:{m}" for m in MODELS if m != "distilled"] + ["perplexity"])
    assert set(only.counts.tier) == {"A", "B"} and len(only.counts) == 4 * 16
    assert set(only.problems.tier) == {"A", "B"}
    # the same problems as the full evaluation's tiers A and B
    full = res.counts[res.counts.tier != "C"]
    assert sorted(only.counts.problem_id.unique()) == sorted(full.problem_id.unique())
    none_b = run_pipeline(MicroConfig.preset("tiny", config={"eval.tiers": "A"}), work,
                          stages=("pretrain", "rl", "evaluate"), progress=False)
    assert set(none_b.counts.tier) == {"A"} and none_b.perplexity.empty  # perplexity is measured on tier B


def test_caches_are_keyed_by_the_code_that_produced_them(tmp_path, monkeypatch):
    from boundary_lab.micro import pipeline

    (tmp_path / "stagecode.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(pipeline.STAGE_CODE, "probe", ("stagecode",))
    pipeline.code_hash.cache_clear()
    before = pipeline.code_hash("probe")
    (tmp_path / "stagecode.py").write_text("X = 2\n")
    pipeline.code_hash.cache_clear()
    assert pipeline.code_hash("probe") != before


def test_remedies_can_run_on_the_split_without_tier_b():
    cfg = MicroConfig.preset("tiny", config={"rl.remedies": ["entropy", "nsr"]})
    plain = {r.label: r for r in rl_runs(cfg)}
    assert plain["grpo+entropy"].split == "full" and plain["grpo+entropy"].remedy == "entropy"
    on_nob = {r.label: r for r in rl_runs(MicroConfig.preset("tiny", config={"rl.remedies": ["entropy", "nsr"],
                                                                               "rl.remedies_without_tier_b": True}))}
    assert on_nob["grpo-noB+nsr"].split == "noB" and "grpo+nsr" not in on_nob


# Settings: every MicroConfig field from the command line or a file; bad ones exit 2 with one line.
@pytest.mark.parametrize("argv, message", [
    (["--set", "task.nonexistent=1"], "task.nonexistent='1': unknown field"),
    (["--set", "task.modulus=thirteen"], "task.modulus='thirteen': expected int"),
    (["--eval.n", "0"], "eval.n=0: must be >= 1"),
    (["--set", "rl.algorithms=grpo,sgd"], "rl.algorithms: unknown 'sgd'"),
    (["--set", "rl.remedies=prayer"], "rl.remedies: unknown 'prayer'"),
    (["--set", "eval.tiers=BD"], "eval.tiers: letters of A, B, C"),
    (["--set", "rl.trainer.lr=-1"], "RLConfig.lr=-1.0"),
    (["--set", "rl.trainer.seed=3"], "rl.trainer.seed=3: set by the pipeline"),
    (["--set", "rl"], "expected FIELD=VALUE"),
    (["--stages", "pretrain,finetune"], "stages"),
])
def test_cli_bad_setting_exits_2_with_one_line(tmp_path, capsys, argv, message):
    assert main(["micro", "--preset", "tiny", "--workdir", str(tmp_path), "--quiet", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_settings_from_flags_and_files(tmp_path):
    from boundary_lab.cli import build_parser
    from boundary_lab.commands.micro import config_from_args

    world = tmp_path / "world.yaml"
    world.write_text("task:\n  shortcut_slip_rate: 0.01\nrl.trainer.steps: 600\n")
    args = build_parser().parse_args(["micro", "--config", str(world), "--set", "eval.n=64", "--task.modulus", "17"])
    cfg = config_from_args(args)
    assert (cfg.task.shortcut_slip_rate, cfg.rl.trainer.steps, cfg.rl.checkpoint_steps) == (0.01, 600, (200, 400, 600))
    assert (cfg.eval.n, cfg.task.modulus) == (64, 17)
    # a page's config parameter takes the same file (or the same settings as a dict)
    assert MicroConfig.preset("default", config=str(world)) == MicroConfig.preset(
        "default", config={"task.shortcut_slip_rate": 0.01, "rl": {"trainer": {"steps": 600}}})
    assert "--rl.trainer.entropy_coef" in build_parser()._subparsers._group_actions[0].choices["micro"].format_help()
