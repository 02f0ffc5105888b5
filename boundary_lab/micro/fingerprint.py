"""Fingerprints of a micro-world run: one sha256 per stage output, keyed by what it is.

A fingerprint names an artifact by stage and model label (``pretrain``,
``rl:grpo@300``, ``distill``, ``evaluate:base``, ``perplexity``), never by its cache
directory, whose name also hashes the source code. It hashes content, not files:
a checkpoint's tensors (names, dtypes, shapes and bytes, in name order), an
evaluation's completions and counts, the perplexity table's values. So a file
format's metadata (a library version in a parquet footer) cannot change it, and
two runs agree exactly when their numbers do.

:func:`first_difference` says which stage first differs between two sets, in
pipeline order: a pretraining difference explains every later one.

>>> first_difference({"pretrain": "a", "rl:grpo@4": "b"}, {"pretrain": "a", "rl:grpo@4": "c"})
'rl:grpo@4'
>>> first_difference({"pretrain": "a"}, {"pretrain": "a"}) is None
True
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from safetensors.numpy import load_file

from .pipeline import Pipeline

ORDER = ("pretrain", "rl", "distill", "evaluate", "perplexity")


def tensors_sha256(path: str | Path) -> str:
    """sha256 over a safetensors file's tensors: name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name, arr in sorted(load_file(str(path)).items()):
        digest.update(f"{name}|{arr.dtype}|{arr.shape}|".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    """sha256 of a frame's values (columns sorted, rows as given), floats by their exact repr."""
    frame = frame[sorted(frame.columns)]
    text = frame.to_csv(index=False, float_format=None, lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprints(cfg, workdir: str | Path, stages=("pretrain", "rl", "distill", "evaluate"),
                 existing: bool = False) -> dict[str, str]:
    """The fingerprints of a finished run of ``cfg`` under ``workdir`` (its stages must be done; with
    ``existing``, only the models whose stage a page ran: a page trains only the runs it shows)."""
    pipe = Pipeline(cfg, workdir, progress=False)
    models = pipe.models(stages)
    if existing:
        models = [m for m in models if (Path(m["path"]) / "model.safetensors").exists()]
    out: dict[str, str] = {}
    for m in models:
        key = "pretrain" if m["kind"] == "base" else "distill" if m["kind"] == "distilled" else f"rl:{m['model']}"
        out[key] = tensors_sha256(Path(m["path"]) / "model.safetensors")
    if "evaluate" in stages:
        for m in models:
            d = pipe.eval_dir(m)
            if existing and not (d / "DONE.json").exists():
                continue
            samples = pd.read_parquet(d / "samples.parquet")
            counts = pd.read_csv(d / "counts.csv", dtype={"problem_id": str})
            out[f"evaluate:{m['model']}"] = hashlib.sha256(
                (frame_sha256(samples) + frame_sha256(counts)).encode()).hexdigest()
    return dict(sorted(out.items(), key=lambda kv: (ORDER.index(kv[0].split(":")[0]), kv[0])))


def first_difference(got: dict[str, str], want: dict[str, str]) -> str | None:
    """The first key, in pipeline order, whose fingerprint differs or is missing on one side."""
    keys = sorted(set(got) | set(want), key=lambda k: (ORDER.index(k.split(":")[0]), k))
    return next((k for k in keys if got.get(k) != want.get(k)), None)
