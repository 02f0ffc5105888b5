"""Issue 21: samples are never silently duplicated, reused, truncated or misgraded.

Two writers on one store, a retrained checkpoint, over-long runs, partial stores, the counts
command, and the one-line errors of the CLI's error boundary, all with real parts (tiny models,
the hf backend, the CLI in subprocesses where processes matter).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from boundary_lab.cli import main
from boundary_lab.store import LOCK_FILE, SampleStore, counts, read_samples
from boundary_lab.tiny_models import make_tiny_model

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "boundary_lab.cli"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return make_tiny_model(tmp_path_factory.mktemp("m"), arch="llama", hidden=64, layers=1, seed=0)


def problems_file(path, count, words=1):
    with open(path, "w") as fh:
        for i in range(count):
            question = " ".join([f"What is {i} + {i}?"] * words)
            fh.write(json.dumps({"problem_id": f"q{i}", "question": question, "answer": str(2 * i)}) + "\n")
    return path


def sample_args(model, bench, out, *extra, n=4, max_new=12, backend="hf"):
    return ["sample", "--model", str(model), "--benchmark", str(bench), "--n", str(n), "--backend", backend,
            "--out", str(out), "--max-new-tokens", str(max_new), "--template", "raw", "--quiet", *extra]


def one_error_line(err: str) -> str:
    lines = [x for x in err.strip().splitlines() if x.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


# ----------------------------------------------------------------------------- one writer per store

def test_two_writers_on_one_store_the_second_fails_fast_and_the_store_stays_intact(model, tmp_path, capsys):
    """The issue's case: two ``sample`` processes with one ``--out`` (the first in its own process, the
    second through the same CLI entry point here, so that it starts while the first is sampling)."""
    bench = problems_file(tmp_path / "p.jsonl", 8)
    out = tmp_path / "run"
    args = sample_args(model, bench, out, "--batch-problems", "2", n=4, max_new=16)
    first = subprocess.Popen(CLI + args, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not ((out / LOCK_FILE).exists() and (out / LOCK_FILE).read_text().startswith(f"pid {first.pid} ")):
        assert first.poll() is None and time.time() < deadline, "the first writer never took the lock"
        time.sleep(0.05)
    start = time.monotonic()
    assert main(args) == 2
    took = time.monotonic() - start
    assert first.poll() is None, "the first writer finished before the second started: make it sample more"
    line = one_error_line(capsys.readouterr().err)
    assert f"another writer is using this sample store (pid {first.pid} on " in line and "sample --model" in line
    assert took < 5  # refused before loading the model
    _, err_first = first.communicate(timeout=600)
    assert first.returncode == 0, err_first
    df = read_samples(out)
    assert len(df) == 8 * 4 and not df.duplicated(["problem_id", "sample_id"]).any()
    table = counts(out)
    assert len(table) == 8 and set(table["n"]) == {4}
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["shards"]) == 4 == len(list((out / "shards").glob("shard-*.parquet")))


def test_a_writer_lock_is_released_when_its_process_dies(model, tmp_path):
    bench = problems_file(tmp_path / "p.jsonl", 2)
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from boundary_lab.store import lock_writer; "
                               "lock_writer(sys.argv[1]); print('held', flush=True); time.sleep(600)", str(out)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    assert main(sample_args(model, bench, out)) == 2
    holder.kill()
    holder.wait()
    assert main(sample_args(model, bench, out)) == 0  # flock dies with its process: no stale lock
    assert len(read_samples(out)) == 8


# ----------------------------------------------------------------------------- identity: the weights

def test_a_retrained_checkpoint_at_the_same_path_is_refused(tmp_path):
    bench = problems_file(tmp_path / "p.jsonl", 2)
    ckpt = make_tiny_model(tmp_path / "ckpt", hidden=32, layers=1, seed=0)
    out = tmp_path / "run"
    assert main(sample_args(ckpt, bench, out, n=2)) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_identity"]["path"] == str(Path(ckpt).resolve())
    make_tiny_model(tmp_path / "ckpt", hidden=32, layers=1, seed=1)  # retrained: new weights, same path
    from boundary_lab.errors import InputError
    from boundary_lab.sampling import SamplingConfig
    from boundary_lab.sampling.run import sample_benchmark

    with pytest.raises(InputError) as info:
        sample_benchmark(ckpt, bench, out, SamplingConfig(n=2, max_new_tokens=12), backend="hf", template="raw")
    assert "model_identity.sha256" in str(info.value) and "sampled differently" in str(info.value)
    assert json.loads((out / "manifest.json").read_text()) == manifest  # the old store is untouched


@pytest.mark.slow
def test_a_retrained_micro_checkpoint_gets_its_own_store_and_the_old_store_refuses_it(tmp_path, monkeypatch):
    """The issue's case: ``micro:rl`` after retraining. The default store path and the store's identity
    both carry the weights hash; ``sample --model micro:rl`` works as the notebook does."""
    from boundary_lab import evaluate
    from boundary_lab.errors import InputError
    from boundary_lab.micro.config import MicroConfig
    from boundary_lab.micro.pipeline import run_pipeline

    work = tmp_path / "micro"
    run_pipeline(MicroConfig.preset("tiny"), work, stages=("pretrain", "rl"), progress=False)
    cfg = evaluate.EvalSettings(model="micro:rl", benchmark="micro-tierA", n=2, backend="hf", max_new_tokens=32,
                                limit=2, micro_workdir=str(work), micro_preset="tiny")
    monkeypatch.chdir(tmp_path)  # default stores live under runs/evaluate of the working directory
    first = evaluate.sample(cfg)
    assert first.path.parent.name.startswith("micro-rl-w") and len(first.read()) == 4
    old = first.manifest["model_identity"]
    # the CLI takes micro:<name> like the notebook, and resumes the very same store (nothing to do)
    assert main(["sample", "--model", "micro:rl", "--micro-workdir", str(work), "--micro-preset", "tiny",
                 "--benchmark", "micro-tierA", "--n", "2", "--backend", "hf", "--max-new-tokens", "32",
                 "--limit", "2", "--out", str(first.path), "--quiet"]) == 0
    # retrain with another seed, so micro:rl is another checkpoint (at the tiny scale another RL learning
    # rate alone can leave the weights bit-identical: then the store is rightly the same)
    run_pipeline(MicroConfig.preset("tiny", seed=1), work, stages=("pretrain", "rl"), progress=False)
    import dataclasses

    new = dataclasses.replace(cfg, micro_preset="tiny")
    from boundary_lab.report import checkpoint

    # point micro:rl at the retrained checkpoint the way a rerun of the page would find it
    path = checkpoint("rl", preset="tiny", seed=1, workdir=str(work))
    from boundary_lab.sampling.identity import model_identity

    ident = model_identity(path)
    assert ident["sha256"] != old["sha256"]
    assert evaluate.default_store(new, ident) != evaluate.default_store(new, old)
    from boundary_lab.sampling import SamplingConfig
    from boundary_lab.sampling.run import sample_benchmark

    with pytest.raises(InputError, match="model_identity"):  # forcing the old store: refused, not reused
        sample_benchmark(path, "micro-tierA", first.path, SamplingConfig(n=2, max_new_tokens=32, seed=0),
                         backend="hf", limit=2, model_name="micro:rl")


# ----------------------------------------------------------------------------- context preflight

def test_preflight_refuses_an_over_long_hf_run_in_one_line_and_leaves_no_store(tmp_path, capsys):
    short = make_tiny_model(tmp_path / "short", hidden=32, layers=1, max_positions=64)
    bench = problems_file(tmp_path / "p.jsonl", 3, words=4)
    out = tmp_path / "run"
    assert main(sample_args(short, bench, out, max_new=60)) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("error: --max-new-tokens 60: the longest prompt (problem_id 'q")
    assert "exceed the model's context of 64 tokens (max_position_embeddings); lower --max-new-tokens to" in line
    assert "--truncate-to-context" in line
    assert not out.exists()  # nothing half-made is left behind
    # opting in: every sample gets context - longest prompt tokens at most, and the store says so
    assert main(sample_args(short, bench, out, "--truncate-to-context", max_new=60)) == 0
    store = SampleStore.open(out)
    ctx = store.manifest["context"]
    assert ctx["length"] == 64 and ctx["max_new_tokens"] == 64 - ctx["longest_prompt_tokens"] < 60
    df = store.read()
    assert df["n_tokens"].max() <= ctx["max_new_tokens"] and set(df["finish_reason"]) <= {"stop", "length"}
    assert store.manifest["sampling"]["max_new_tokens"] == 60  # what was asked stays the run's identity


@pytest.mark.slow
@pytest.mark.vllm
def test_preflight_refuses_an_over_long_vllm_run_in_one_line(tmp_path):
    pytest.importorskip("vllm")
    short = make_tiny_model(tmp_path / "short", hidden=64, layers=1, max_positions=64)
    bench = problems_file(tmp_path / "p.jsonl", 3, words=4)
    out = tmp_path / "run"
    proc = subprocess.run(CLI + sample_args(short, bench, out, backend="vllm", max_new=60), env=ENV,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2, proc.stderr[-3000:]
    line = one_error_line(proc.stderr)
    assert "exceed the model's context of 64 tokens (vLLM --max-model-len)" in line  # the flag that sets it
    assert "Traceback" not in proc.stderr and proc.stdout == ""  # vLLM's own logs go to stderr
    assert not out.exists()


# ----------------------------------------------------------------------------- readers, partial stores, counts

@pytest.fixture
def two_stores(tmp_path, model):
    bench = problems_file(tmp_path / "p.jsonl", 6)
    for name in ("base", "rl"):
        assert main(sample_args(model, bench, tmp_path / name, "--batch-problems", "2", "--model-name", name,
                                "--seed", str(len(name)))) == 0
    return tmp_path / "base", tmp_path / "rl"


def test_an_incomplete_store_is_an_error_unless_allow_partial(two_stores, capsys):
    base, rl = two_stores
    (base / "shards" / "shard-00001.parquet").unlink()  # a lost shard: 2 of 6 problems
    before = (base / "manifest.json").read_bytes()
    for cmd in (["passk", str(base), "--k", "1"], ["compare", str(base), str(rl), "--base", "base", "--rl", "rl"],
                ["counts", str(base), str(rl)]):
        assert main(cmd) == 2
        assert "incomplete sample store: 2 of 6 problems missing" in one_error_line(capsys.readouterr().err)
    assert main(["passk", str(base), "--k", "1", "--allow-partial", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "base" in json.loads(out) and "2 of 6 problems missing" in err and "--allow-partial" in err
    assert (base / "manifest.json").read_bytes() == before  # readers never rewrite the manifest


def test_counts_command_writes_one_csv_that_passk_compare_and_pages_take(two_stores, tmp_path, capsys):
    from boundary_lab import tables
    from boundary_lab.counts import read_counts

    base, rl = two_stores
    csv = tmp_path / "counts.csv"
    assert main(["counts", str(base), str(rl), "-o", str(csv)]) == 0
    df = pd.read_csv(csv)
    assert list(df.columns[:4]) == ["model", "problem_id", "n", "correct"] and set(df["model"]) == {"base", "rl"}
    capsys.readouterr()
    assert main(["passk", str(csv), "--k", "1,4", "--format", "json"]) == 0
    from_csv = json.loads(capsys.readouterr().out)
    assert main(["passk", str(base), str(rl), "--k", "1,4", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_csv  # several stores = their counts CSV
    assert main(["compare", str(csv), "--base", "base", "--rl", "rl", "--format", "json", "--n-boot", "50"]) == 0
    assert json.loads(capsys.readouterr().out)["n_problems"] == 6
    # the pages' calls on that CSV, with an extra verdict column as store.counts writes it
    df["answer_correct"] = df["correct"]
    df["tier"] = "A"
    df.to_csv(csv, index=False)
    table = read_counts(csv)
    assert table["answer_correct"].dtype.kind == "i" and table["n"].dtype.kind == "i"
    for col in ("correct", "answer_correct"):
        curves = tables.curves(table, ["base", "rl"], by="tier", n_boot=20, correct=col)
        assert set(curves["model"]) == {"base", "rl"}
    assert len(tables.paired(table, "base", "rl", by=None, n_boot=20)) > 0


def test_counts_refuses_a_missing_shard_and_a_csv_that_is_its_own_input(model, tmp_path, capsys):
    bench = problems_file(tmp_path / "p.jsonl", 4)
    for i in range(2):
        assert main(sample_args(model, bench, tmp_path / f"s{i}", "--shard", f"{i}/2")) == 0
    capsys.readouterr()
    assert main(["counts", str(tmp_path / "s0"), str(tmp_path / "s1")]) == 0
    assert len(pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))) == 4  # shards, no merge needed
    assert main(["counts", str(tmp_path / "s0")]) == 2
    assert "shard(s) 1/2 not given" in one_error_line(capsys.readouterr().err)
    csv = _counts_csv(tmp_path)
    before = Path(csv).read_bytes()
    assert main(["counts", csv, "-o", csv]) == 2
    assert "is also an input" in one_error_line(capsys.readouterr().err) and Path(csv).read_bytes() == before


# ----------------------------------------------------------------------------- one error boundary

def _bad_parquet(tmp_path, model):
    bench = problems_file(tmp_path / "p.jsonl", 2)
    assert main(sample_args(model, bench, tmp_path / "run")) == 0
    shard = next((tmp_path / "run" / "shards").glob("shard-*.parquet"))
    shard.write_bytes(shard.read_bytes()[:40])
    return ["passk", str(tmp_path / "run"), "--k", "1"]


def _latin1_csv(tmp_path, model):
    (tmp_path / "c.csv").write_bytes("model,problem_id,n,correct\nbasé,p1,4,1\n".encode("latin-1"))
    return ["passk", str(tmp_path / "c.csv"), "--k", "1"]


def _counts_csv(tmp_path):
    (tmp_path / "c.csv").write_text("model,problem_id,n,correct\nbase,p1,4,1\nrl,p1,4,2\n")
    return str(tmp_path / "c.csv")


def _pairs_jsonl(tmp_path):
    (tmp_path / "pairs.jsonl").write_text(json.dumps({"prompt": "1 + 1 =", "response": " 2"}) + "\n")
    return str(tmp_path / "pairs.jsonl")


def _grade_in_place(tmp_path, model):
    (tmp_path / "s.jsonl").write_text(json.dumps({"completion": "\\boxed{2}", "answer": "2"}) + "\n")
    return ["grade", str(tmp_path / "s.jsonl"), "--kind", "math", "-o", str(tmp_path / "s.jsonl")]


def _sample(*extra, **kw):
    def build(tmp_path, model):
        return sample_args(model, problems_file(tmp_path / "p.jsonl", 3), tmp_path / "run", *extra, **kw)
    return build


ERRORS = [  # (case, argv builder, the one line must contain)
    ("non-UTF-8 CSV", _latin1_csv, "not UTF-8 text (byte b'\\xe9'"),
    ("truncated parquet shard", _bad_parquet, "unreadable store shard"),
    ("compare --n-boot 0", lambda t, m: ["compare", _counts_csv(t), "--base", "base", "--rl", "rl", "--n-boot", "0"],
     "--n-boot must be >= 1, got 0"),
    ("sample --device cuda on CPU", _sample("--device", "cuda"), "torch sees no CUDA GPU here"),
    ("ppl on a nonexistent model", lambda t, m: ["ppl", "--model", str(t / "nope"), "--samples", _pairs_jsonl(t)],
     "no such model directory"),
    ("vLLM greedy with n > 1", _sample("--temperature", "0", backend="vllm"),
     "vLLM samples greedily only once per prompt"),
    ("sample --limit -3", _sample("--limit", "-3"), "--limit must be >= 1, got -3"),
    ("ppl --limit -2", lambda t, m: ["ppl", "--model", str(m), "--samples", _pairs_jsonl(t), "--limit", "-2"],
     "--limit must be >= 1, got -2"),
    ("sample --n 0", _sample(n=0), "--n must be >= 1, got 0"),
    ("book --only nope", lambda t, m: ["book", "--only", "nope", "--check"], "--only 'nope': no such run"),
    ("grade IN -o IN", _grade_in_place, "-o is the input file"),
]


@pytest.mark.parametrize("case,build,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input_is_one_line_and_exit_2(case, build, message, tmp_path, model, capsys):
    argv = build(tmp_path, model)
    capsys.readouterr()
    before = {f: f.stat().st_mtime_ns for f in tmp_path.rglob("*") if f.is_file()}
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert message in one_error_line(err), err
    assert "Traceback" not in err
    if case == "grade IN -o IN":
        assert {f: f.stat().st_mtime_ns for f in tmp_path.rglob("*") if f.is_file()} == before


def test_a_csv_with_a_byte_order_mark_is_read(tmp_path, capsys):
    (tmp_path / "c.csv").write_bytes(b"\xef\xbb\xbfmodel,problem_id,n,correct\nbase,p1,4,1\n")
    assert main(["passk", str(tmp_path / "c.csv"), "--k", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"base": {"1": 0.25}}


def test_anything_else_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    import boundary_lab.commands.passk as passk_cmd

    def boom(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(passk_cmd, "run", boom)
    monkeypatch.delenv("BOUNDARY_LAB_TRACEBACK", raising=False)
    assert main(["passk", _counts_csv(tmp_path)]) == 1
    assert one_error_line(capsys.readouterr().err).startswith("error: ZeroDivisionError: a bug")


# ----------------------------------------------------------------------------- progress within a chunk

def test_progress_counts_samples_within_a_chunk(model):
    from boundary_lab.sampling import SamplingConfig
    from boundary_lab.sampling.hf import HFBackend

    seen = []
    backend = HFBackend(model, batch_size=4)
    backend.generate(["a", "b", "c"], SamplingConfig(n=4, max_new_tokens=4), progress=seen.append)
    assert seen == [4, 4, 4]  # one update per finished decode batch, before the chunk ends


# ----------------------------------------------------------------------------- book: the current checkout

def test_book_builds_the_checkout_of_the_current_directory(tmp_path):
    import shutil

    copy = tmp_path / "clone"
    for part in ("boundary_lab", "book", "notebooks"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("executed", "__pycache__"))
    shutil.copy(ROOT / "_toc.yml", copy / "_toc.yml")
    (copy / "book" / "runs.yml").write_text("runs:\n  - name: only_in_this_clone\n"
                                            "    notebook: notebooks/passk_estimator.ipynb\n")
    proc = subprocess.run(CLI + ["book", "--check"], cwd=copy / "notebooks", env=ENV, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"building the checkout at {copy}" in proc.stderr
    assert "[book] checked 1 run(s): inputs present" in proc.stdout
