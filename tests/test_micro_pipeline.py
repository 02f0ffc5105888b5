"""The micro-world pipeline end to end on the tiny preset: layout, caching, determinism, CLI."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from boundary_lab.cli import main
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.pipeline import run_pipeline

pytestmark = pytest.mark.slow

RESULT_FILES = ["counts.csv", "models.csv", "strategy_shares.csv", "problems.csv", "guess.csv", "rl_metrics.csv",
                "train_logs.csv", "perplexity.csv", "timings.json", "config.json"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("micro")
    results = run_pipeline(MicroConfig.preset("tiny"), work, preset="tiny", progress=False)
    return work, results


def test_results_layout(tiny_run):
    _, results = tiny_run
    for name in RESULT_FILES:
        assert (results / name).exists(), name
    counts = pd.read_csv(results / "counts.csv")
    models = ["base", "grpo@2", "grpo@4", "grpo-noB@4", "distilled"]
    assert list(dict.fromkeys(counts.model)) == models
    assert {"model", "problem_id", "n", "correct", "answer_correct", "tier", "careful", "shortcut"} <= set(counts)
    assert (counts.n == 8).all() and len(counts) == len(models) * 24
    assert (counts.correct <= counts.answer_correct).all() and (counts.careful + counts.shortcut <= counts.n).all()
    for m in models:
        samples = pd.read_parquet(results / "samples" / f"{m}.parquet")
        assert len(samples) == 24 * 8
    listed = pd.read_csv(results / "models.csv")
    assert listed.model.tolist() == models
    for path in listed.path:  # every checkpoint is an ordinary HF directory
        assert (pd.io.common.Path(path) / "config.json").exists()
        assert (pd.io.common.Path(path) / "tokenizer.json").exists()
    ppl = pd.read_csv(results / "perplexity.csv")
    assert {"base", "grpo@4", "teacher", "distilled"} <= set(ppl.answers_from)
    assert (ppl.ppl >= 1).all()
    rl = pd.read_csv(results / "rl_metrics.csv")
    assert set(rl.run) == {"grpo", "grpo-noB"}


def test_second_run_is_all_cache_hits(tiny_run):
    work, results = tiny_run
    before = pd.read_csv(results / "counts.csv")
    stamps = {p: p.stat().st_mtime_ns for p in (work / "models").rglob("model.safetensors")}
    run_pipeline(MicroConfig.preset("tiny"), work, preset="tiny", progress=False)
    timings = json.loads((results / "timings.json").read_text())
    trained = [k for k, v in timings.items() if k not in ("total", "perplexity") and not v["cached"]]
    assert trained == []
    assert stamps == {p: p.stat().st_mtime_ns for p in (work / "models").rglob("model.safetensors")}
    pd.testing.assert_frame_equal(before, pd.read_csv(results / "counts.csv"))


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
    assert (other / "model.safetensors").read_bytes() != (base / "model.safetensors").read_bytes()


def test_cli_reuses_the_cache_and_prints_a_summary(tiny_run, capsys):
    work, results = tiny_run
    assert main(["micro", "--preset", "tiny", "--workdir", str(work), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert str(results) in out and "grpo-noB@4" in out


@pytest.mark.parametrize("argv, message", [
    (["--stages", "pretrain,finetune"], "stages"),
    (["--algorithms", "sgd"], "rl.algorithm"),
    (["--remedies", "prayer"], "rl.remedies"),
    (["--n", "0"], "--n"),
])
def test_cli_bad_input_exits_2(tmp_path, capsys, argv, message):
    assert main(["micro", "--preset", "tiny", "--workdir", str(tmp_path), "--quiet", *argv]) == 2
    assert message in capsys.readouterr().err


def test_summary_tables_read_the_results(tiny_run):
    from boundary_lab.micro.summary import report

    _, results = tiny_run
    tables = report(results, ks=(1, 4, 8))
    pk = tables["pass_at_k"]
    assert set(pk.k) == {1, 4, 8} and ((pk.low <= pk.pass_at_k + 1e-12) & (pk.pass_at_k <= pk.high + 1e-12)).all()
    cov = tables["coverage"]
    assert set(cov.model) == {"grpo@2", "grpo@4", "grpo-noB@4", "distilled"}
    assert (cov.both + cov.base_only + cov.rl_only <= cov.problems).all()
    assert set(tables["perplexity"].answers_from) >= {"base", "teacher"}
    assert list(tables["careful_share"].columns) == ["A", "B", "C"]


def test_extra_algorithms_and_remedies_become_models(tiny_run):
    import dataclasses

    work, _ = tiny_run
    cfg = MicroConfig.preset("tiny")
    cfg = dataclasses.replace(cfg, rl=dataclasses.replace(cfg.rl, algorithms=("rloo",), remedies=("nsr", "entropy")))
    results = run_pipeline(cfg, work, stages=("pretrain", "rl", "evaluate"), preset="tiny-extra", progress=False)
    timings = json.loads((results / "timings.json").read_text())
    assert timings["pretrain"]["cached"] and timings["rl:grpo"]["cached"]  # shared stages are reused
    models = pd.read_csv(results / "counts.csv").model.unique().tolist()
    assert {"rloo@4", "grpo+nsr@4", "grpo+entropy@4"} <= set(models)


def test_remedies_can_run_on_the_split_without_tier_b():
    import dataclasses

    from boundary_lab.micro.pipeline import rl_runs

    cfg = MicroConfig.preset("tiny")
    rl = dataclasses.replace(cfg.rl, remedies=("entropy", "nsr"))
    plain = {r.name: r for r in rl_runs(dataclasses.replace(cfg, rl=rl))}
    assert not plain["grpo+entropy"].without_tier_b and dict(plain["grpo+entropy"].overrides) == {"entropy_coef": 0.01}
    on_nob = {r.name: r for r in rl_runs(dataclasses.replace(cfg, rl=dataclasses.replace(rl, remedies_without_tier_b=True)))}
    assert on_nob["grpo-noB+nsr"].without_tier_b and dict(on_nob["grpo-noB+nsr"].overrides) == {"nsr_only": True}
    assert "grpo+nsr" not in on_nob
