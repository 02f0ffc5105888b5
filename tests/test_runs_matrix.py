"""book/runs-gpu.yml: the paper's model pairs x six math benchmarks, run end to end with tiny local models.

The hub ids of the matrix are replaced by tiny random models built here (nothing is downloaded),
the backend by hf and the sizes by small ones; everything else (notebook, benchmarks, templates,
the base/RL pairing, sharding across two "nodes", the GPU index page) is the matrix's own.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from boundary_lab import book, paper

ROOT = Path(__file__).resolve().parents[1]


def test_matrix_lists_every_model_pair_on_the_six_benchmarks_with_the_paper_settings():
    runs = book.load_runs_file(book.GPU_RUNS_FILE)
    assert runs.output == "gpu"
    pairs = {(r.parameters["model"], r.parameters["baseline"], r.parameters["benchmark"]) for r in runs.runs}
    expected = {(p["rl"], p["base"], b) for p in paper.MODEL_PAIRS for b in paper.MATH_BENCHMARKS}
    assert pairs == expected and len(runs.runs) == len(expected) == 36
    for r in runs.runs:
        p = r.parameters
        # Qwen2.5-Math-7B's context is 4,096 tokens: 3,072 new tokens leave 1,024 for the prompt.
        max_new_tokens = 3072 if "Qwen2.5-Math-7B" in p["baseline"] else 16384
        assert (p["temperature"], p["top_p"], p["max_new_tokens"], p["backend"]) == (0.6, 0.95, max_new_tokens, "vllm")
        assert r.requires == ("gpu",)
        bench = p["benchmark"]
        llama_olympiad = bench == "olympiadbench" and "Llama" in p["model"]
        assert p["n"] == (1024 if llama_olympiad else paper.PAPER_MAX_K[bench])
    assert book.preflight(runs.runs) == [] or all("vLLM" in x or "GPU" in x for x in book.preflight(runs.runs))


def test_no_two_shards_of_an_array_job_write_one_store():
    runs = book.load_runs_file(book.GPU_RUNS_FILE).runs
    for n in (2, 12, 36):
        shards = [book.shard_runs(runs, f"{i}/{n}") for i in range(n)]
        assert sorted(r.name for s in shards for r in s) == sorted(r.name for r in runs)  # each run once
        owner = {}
        for i, shard in enumerate(shards):
            for r in shard:
                for key in book.store_keys(r):
                    assert owner.setdefault(key, i) == i, (key, r.name)
    # the documented recipe's collision: Qwen2.5-32B on gsm8k is the base of SimpleRL-Zoo and of DAPO
    both = {r.name for s in [book.shard_runs(runs, f"{i}/12") for i in range(12)] for r in s
            if {"qwen2.5-32b-gsm8k", "qwen2.5-32b-dapo-gsm8k"} <= {x.name for x in s}}
    assert {"qwen2.5-32b-gsm8k", "qwen2.5-32b-dapo-gsm8k"} <= both


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="a host without a GPU")
def test_check_on_a_host_without_a_gpu_says_in_one_line_what_is_missing(tmp_path, capsys, monkeypatch):
    from boundary_lab.cli import main

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))  # an empty cache: no model is here
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["book", "--runs", str(book.GPU_RUNS_FILE), "--check"]) == 2
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "this host lacks" in x)
    assert "a CUDA GPU (torch sees none; 36 run(s) need one)" in line
    assert "model(s) neither local nor in the Hugging Face cache" in line and "HF_HUB_OFFLINE" in line
    assert not (tmp_path / "hf").exists()  # nothing was downloaded


@pytest.mark.slow
def test_matrix_runs_end_to_end_with_tiny_models_in_two_shards(tmp_path):
    from boundary_lab.tiny_models import make_tiny_model

    parsed = book.load_runs_file(book.GPU_RUNS_FILE)
    # One run per family and per benchmark (the diagonal): every pair and every benchmark goes through.
    families = list(dict.fromkeys(r.name.rsplit("-", 1)[0] for r in parsed.runs))
    benches = list(paper.MATH_BENCHMARKS)
    picked = [r for r in parsed.runs
              if any(r.name == f"{f}-{benches[i]}" for i, f in enumerate(families))]
    assert len(picked) == 6
    models = {}
    for r in picked:
        for key in ("model", "baseline"):
            hub_id = r.parameters[key]
            if hub_id not in models:
                models[hub_id] = str(make_tiny_model(tmp_path / "models" / hub_id.replace("/", "--"),
                                                     hidden=32, layers=1, seed=len(models)))
    small = [dataclasses.replace(r, parameters={
        **r.parameters, "model": models[r.parameters["model"]], "baseline": models[r.parameters["baseline"]],
        "backend": "hf", "n": 4, "limit": 2, "max_new_tokens": 8, "n_boot": 20,
        "store": str(tmp_path / "stores" / r.name)}) for r in picked]
    out = tmp_path / "executed" / parsed.output
    logs = []
    for shard in ("0/2", "1/2"):  # two "nodes" of an array job, one output folder
        book.execute(book.shard_runs(small, shard), out_dir=out, log=logs.append)
    pages = sorted(p.stem for p in out.glob("*.ipynb"))
    assert pages == sorted(r.name for r in picked)
    for name in pages:
        nb = json.loads((out / f"{name}.ipynb").read_text())
        assert sum("image/png" in o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"]) == 3
        assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
        params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
        assert "n: int = 4  #" in "".join(params["source"])  # the values that ran, comments kept
    text, done = book.gpu_index(parsed, tmp_path / "executed")
    assert len(done) == 6 and text.count("no results") == 30 + 1 and text.count("{doc}`n = ") == 6  # + the legend
    assert "**6 of 36 runs have results in this build.**" in text
