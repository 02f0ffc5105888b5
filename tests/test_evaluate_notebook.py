"""notebooks/evaluate.ipynb and boundary_lab.evaluate: a model on a benchmark end to end, resumable.

The slow test runs the notebook as a user would (papermill, vLLM on the CPU, a micro-world
checkpoint on a micro-world tier), kills it after its first store shard, runs it again, and
checks that nothing was lost or drawn twice and that the figures were drawn.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from boundary_lab import benchmarks, evaluate
from boundary_lab.errors import InputError
from boundary_lab.micro.task import clean_trace, shortcut_trace
from boundary_lab.sampling.config import Completion
from boundary_lab.sampling.run import grade_chunk
from boundary_lab.verify.registry import micro_problem

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "evaluate.ipynb"


@pytest.fixture(scope="module")
def micro_model(tmp_path_factory):
    from boundary_lab.micro.config import ModelConfig
    from boundary_lab.micro.model import build_model, save_checkpoint

    tmp = tmp_path_factory.mktemp("micro")
    # head_dim 32: a head size vLLM's CPU attention supports
    cfg = ModelConfig(hidden_size=64, num_layers=2, num_heads=2, intermediate_size=64)
    return save_checkpoint(build_model(cfg, 13, seed=1), 13, tmp / "model")


def test_micro_tiers_are_registered_benchmarks_graded_by_the_micro_checker():
    problems = benchmarks.load_benchmark("micro-tierB")
    assert len(problems) == 48 and all(p["problem_id"].startswith("B-") for p in problems)
    info = benchmarks.benchmark_info("micro-tierB")
    assert info["verifier"] == "micro" and info["template"] == "raw" and len(info["sha256"]) == 64
    p = problems[0]
    prob = micro_problem(p)
    assert benchmarks.format_prompt(p, "raw") == prob.prompt
    texts = [clean_trace(prob), shortcut_trace(prob, "mul_as_add"), "C " + str(prob.start) + " A " + p["answer"]]
    rows = grade_chunk([p], [[Completion(t, len(t.split()), "stop") for t in texts]], "micro", "raw")
    # the clean chain is right; tier B is where the shortcut's misconception bites; a bare answer is lucky
    assert rows["correct"].tolist() == [True, False, False]
    assert rows["answer_correct"].tolist()[0] and rows["answer_correct"].tolist()[2]
    assert rows["extracted"].iloc[0] == p["answer"]


def test_settings_validate_and_name_their_store():
    with pytest.raises(InputError, match="backend"):
        evaluate.EvalSettings("m", "math500", backend="tgi").validate()
    with pytest.raises(InputError, match="shard"):
        evaluate.EvalSettings("m", "math500", shard="3/2").validate()
    a = evaluate.default_store(evaluate.EvalSettings("org/m", "math500", n=8, shard="1/4"))
    b = evaluate.default_store(evaluate.EvalSettings("org/m", "math500", n=8, backend="hf", shard="1/4"))
    assert a != b and a.endswith("shard1of4")


def test_micro_model_names_resolve_to_trained_checkpoints_only(tmp_path):
    assert evaluate.resolve_model("Qwen/Qwen2.5-7B") == "Qwen/Qwen2.5-7B"  # hub ids pass through
    with pytest.raises(InputError, match="not trained yet"):
        evaluate.resolve_model("micro:rl", str(tmp_path), "tiny")
    with pytest.raises(InputError, match="not a micro-world model"):
        evaluate.resolve_model("micro:gpt4", str(tmp_path), "tiny")


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill papermill and every process under it. The kernel runs in a session of its own and vLLM's
    engine under the kernel, so killing papermill's process group alone left the engine and its
    worker running, orphaned (about 4 GB each, one per test run)."""
    import psutil  # a dependency of vllm, which this test needs

    try:
        tree = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for child in tree:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait(timeout=60)
    _, alive = psutil.wait_procs(tree, timeout=30)
    assert not alive, f"processes left after the kill: {[p.pid for p in alive]}"


@pytest.mark.slow
@pytest.mark.vllm
def test_notebook_runs_with_vllm_resumes_after_a_kill_and_draws_its_figures(micro_model, tmp_path):
    pytest.importorskip("vllm")
    store = tmp_path / "store"
    out = tmp_path / "out.ipynb"
    cmd = [sys.executable, "-m", "papermill", str(NOTEBOOK), str(out), "--cwd", str(tmp_path),
           "-p", "model", str(micro_model), "-p", "benchmark", "micro-tierB", "-p", "n", "64",
           "-p", "backend", "vllm", "-p", "max_new_tokens", "24", "-p", "temperature", "1.0",
           "-p", "store", str(store), "-p", "n_boot", "50"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "VLLM_WORKER_MULTIPROC_METHOD": "spawn"}
    # First run: killed (papermill, its kernel and vLLM's workers) once the first shard is committed.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    shards = store / "shards"
    deadline = time.time() + 400
    try:
        while time.time() < deadline and proc.poll() is None and not list(shards.glob("shard-*.parquet")):
            time.sleep(0.05)
    finally:
        _kill_tree(proc)
    first = {f.name: f.read_bytes() for f in shards.glob("shard-*.parquet")}
    assert first, "the first run committed no shard before it was killed"
    done_first = set(pd.concat([pd.read_parquet(shards / f) for f in first])["problem_id"])
    assert len(done_first) < 48, "the run finished before it could be killed"
    # Second run: resumes and finishes.
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name, data in first.items():  # nothing committed before the kill was rewritten
        assert (shards / name).read_bytes() == data
    samples = pd.concat([pd.read_parquet(f) for f in sorted(shards.glob("shard-*.parquet"))])
    assert len(samples) == 48 * 64
    assert not samples.duplicated(["problem_id", "sample_id"]).any()
    assert set(samples["problem_id"]) == {p["problem_id"] for p in benchmarks.load_benchmark("micro-tierB")}
    manifest = json.loads((store / "manifest.json").read_text())
    assert manifest["backend"] == "vllm" and manifest["benchmark"]["verifier"] == "micro"
    nb = json.loads(out.read_text())
    images = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
              if "image/png" in o.get("data", {})]
    assert len(images) == 3  # pass@k curve, histogram, coverage


def test_shards_of_an_evaluation_merge_into_one_store_with_every_problem_once(micro_model, tmp_path):
    from boundary_lab.store import counts, merge

    common = dict(model=str(micro_model), benchmark="micro-tierA", n=3, backend="hf", max_new_tokens=12, limit=5)
    stores = [evaluate.sample(evaluate.EvalSettings(**common, shard=f"{i}/2", store=str(tmp_path / f"s{i}")))
              for i in range(2)]
    assert [len(s.completed_problems()) for s in stores] == [3, 2]
    merged = counts(merge([s.path for s in stores], tmp_path / "merged").path)
    assert sorted(merged["problem_id"]) == sorted(p["problem_id"] for p in benchmarks.load_benchmark("micro-tierA")[:5])
    assert (merged["n"] == 3).all()
