"""Sample a benchmark into a sample store, grading as it goes; resumable.

The problems of shard ``i/N`` are those at positions ``i, i+N, i+2N, ...`` of the
benchmark. They are cut into fixed chunks of ``batch_problems`` problems; each chunk
is sampled, graded and committed as one store shard. A rerun on the same store skips
finished chunks, so a killed run resumes without losing or duplicating samples.

Random streams: each problem has a key (a hash of its problem id). vLLM seeds each
problem from (seed, key), so its samples do not depend on shards or chunks; the hf
backend seeds each batch from (seed, batch, keys of its problems), and chunks have
fixed boundaries, so a resumed hf run is bit-identical to an uninterrupted one.

>>> import json, tempfile
>>> from boundary_lab.tiny_models import make_tiny_model
>>> tmp = tempfile.mkdtemp()
>>> _ = open(f"{tmp}/p.jsonl", "w").write(json.dumps({"problem_id": "a", "question": "1+1?", "answer": "2"}) + "\\n")
>>> store = sample_benchmark(make_tiny_model(f"{tmp}/m", layers=1), f"{tmp}/p.jsonl", f"{tmp}/run",
...                          SamplingConfig(n=4, max_new_tokens=8), backend="hf", template="raw")
>>> len(store.read())
4
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path
from typing import Sequence

import pandas as pd

from ..errors import InputError
from ..store import SampleStore
from ..verify.registry import VerifierSpec
from ..verify.registry import verifier as registered_verifier
from . import default_backend, get_backend
from .config import Completion, SamplingConfig
from .context import check_context
from .identity import model_identity


def problem_key(problem_id: str) -> int:
    """A stable 63-bit integer for a problem id (seeds its random stream)."""
    return int.from_bytes(hashlib.sha256(str(problem_id).encode()).digest()[:8], "little") >> 1


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"i/N"`` -> (i, N) with 0 <= i < N; None -> (0, 1)."""
    if text is None:
        return 0, 1
    try:
        i, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise InputError(f"shard: expected i/N (e.g. 0/4), got {text!r}") from None
    if not 0 <= i < n:
        raise InputError(f"shard: need 0 <= i < N, got {text!r}")
    return i, n


def grade_chunk(problems: Sequence[dict], completions: Sequence[Sequence[Completion]], verifier: str | VerifierSpec,
                template: str) -> pd.DataFrame:
    """One shard's rows: every completion of every problem, graded by ``verifier`` (a registry row or its
    kind, see :mod:`boundary_lab.verify.registry`): ``extracted``, ``correct`` and the row's other fields."""
    row_spec = verifier if isinstance(verifier, VerifierSpec) else registered_verifier(verifier)
    rows, owners = [], []
    for problem, outs in zip(problems, completions):
        for j, c in enumerate(outs):
            rows.append({"problem_id": str(problem["problem_id"]), "sample_id": j, "completion": c.text,
                         "n_tokens": c.n_tokens, "finish_reason": c.finish_reason})
            owners.append(problem)
    for row, verdict in zip(rows, row_spec.grade_samples(owners, [r["completion"] for r in rows], template)):
        row.update(verdict)
    df = pd.DataFrame(rows)
    df["sample_id"] = df["sample_id"].astype("int32")
    df["n_tokens"] = df["n_tokens"].astype("int32")
    return df


def sample_benchmark(model, benchmark, out, config: SamplingConfig, backend: str | None = None,
                     template: str | None = None, shard: str | None = None, batch_problems: int = 8,
                     limit: int | None = None, progress: bool = False, backend_kwargs: dict | None = None,
                     model_name: str | None = None, sampler=None, truncate_to_context: bool = False,
                     identity: dict | None = None) -> SampleStore:
    """Sample ``config.n`` completions for every problem of ``benchmark`` into the store ``out``.

    ``model``: a model directory or hub id (resolved to its cached snapshot, fetched if
    missing). ``benchmark``: a registered name or a JSONL path (see :mod:`boundary_lab.benchmarks`).
    Running again on the same ``out`` resumes; the run's identity (model name, resolved model
    directory and weights hash, benchmark sha256, template, sampling config, shard) must then
    match. The store is locked while sampling: a second writer fails at once. ``sampler``: an
    already started backend to reuse (it is not closed here), e.g. one vLLM engine for several
    benchmarks; ``identity`` then describes its model (default: computed from ``model``).

    Before sampling, every prompt of the shard is tokenised: the longest plus
    ``config.max_new_tokens`` must fit the model's context (see
    :mod:`boundary_lab.sampling.context`), unless ``truncate_to_context``. The store records
    the context and the new-token limit used (``manifest["context"]``). Returns the store,
    closed for writing.
    """
    from .. import benchmarks
    from ..store import MANIFEST, identity_mismatches, lock_writer

    backend = backend or getattr(sampler, "name", None) or default_backend()
    info = benchmarks.benchmark_info(benchmark)
    template = template or info["template"]
    if template not in benchmarks.TEMPLATES:
        raise InputError(f"template: unknown template {template!r}; known: {', '.join(benchmarks.TEMPLATES)}")
    if batch_problems < 1:
        raise InputError(f"batch_problems must be >= 1, got {batch_problems}")
    if limit is not None and limit < 1:
        raise InputError(f"limit must be >= 1, got {limit}")
    if config.n < 1 or config.max_new_tokens < 1:
        raise InputError(f"n and max_new_tokens must be >= 1, got n={config.n}, max_new_tokens={config.max_new_tokens}")
    if backend == "vllm":
        from .vllm_backend import check_config

        check_config(config)
    shard_i, shard_n = parse_shard(shard)
    problems = benchmarks.load_benchmark(benchmark, limit=limit)
    mine = problems[shard_i::shard_n]
    identity = identity or model_identity(getattr(sampler, "model_path", None) or model)
    manifest = {"model": model_name or str(model), "model_path": identity["path"], "model_identity": identity,
                "benchmark": info, "template": template, "sampling": config.to_dict(), "seed": config.seed,
                "backend": backend, "shard": f"{shard_i}/{shard_n}", "batch_problems": batch_problems,
                "limit": limit, "problems_in_shard": len(mine), "problems_total": len(problems)}
    out = Path(out)
    fresh_dir = not out.exists()
    lock = lock_writer(out)  # before loading a model: a second writer fails at once
    store = None
    try:
        if (out / MANIFEST).exists():
            store = SampleStore.open(out, write=True, lock_fd=lock)
            diff = identity_mismatches(store.manifest, manifest)
            if diff:
                raise InputError(f"{out}: existing run was sampled differently; {'; '.join(diff)}")
            if store.manifest.get("shard") != manifest["shard"]:
                raise InputError(f"{out}: existing run is shard {store.manifest.get('shard')}, not {manifest['shard']}")
            # Resume with the run's own chunking, so chunk boundaries (and hf streams) stay put.
            batch_problems = int(store.manifest.get("batch_problems", batch_problems))
        done = store.completed_problems() if store is not None else set()
        chunks = [mine[k:k + batch_problems] for k in range(0, len(mine), batch_problems)]
        todo = [[p for p in chunk if str(p["problem_id"]) not in done] for chunk in chunks]
        todo = [c for c in todo if c]
        if not todo and store is not None:
            return store
        own_sampler = sampler is None
        if own_sampler:
            sampler = get_backend(backend, identity["path"], **(backend_kwargs or {}))
        try:
            prompts = {str(p["problem_id"]): benchmarks.format_prompt(p, template) for p in mine}
            context, source = sampler.context_length()
            names = [f"problem_id {pid!r}" for pid in prompts]
            lengths = dict(zip(names, sampler.prompt_lengths(list(prompts.values()))))
            effective = check_context(lengths, config.max_new_tokens, context, source, truncate_to_context)
            facts = {"length": context, "source": source, "longest_prompt_tokens": max(lengths.values(), default=0),
                     "max_new_tokens": effective, "truncate_to_context": truncate_to_context}
            if store is None:
                store = SampleStore.create(out, {**manifest, "context": facts}, lock_fd=lock)
            run_config = dataclasses.replace(config, max_new_tokens=effective)
            _sample_chunks(store, sampler, todo, prompts, run_config, info["verifier"], template, progress, len(mine))
        finally:
            if own_sampler:
                sampler.close()
        return store
    finally:
        if store is not None:
            store.close()
        else:
            os.close(lock)
            if fresh_dir:  # nothing was stored: leave no empty run directory behind
                shutil.rmtree(out, ignore_errors=True)


def _sample_chunks(store, sampler, todo, prompts, config, verifier, template, progress, total) -> None:
    """Sample, grade and commit each chunk of problems; the bar counts samples as requests finish."""
    bar = None
    if progress:
        from tqdm import tqdm  # plain text bars: no widget warnings in notebooks

        left = sum(map(len, todo))
        bar = tqdm(total=total * config.n, initial=(total - left) * config.n, desc="samples", unit="sample")
    try:
        for chunk in todo:
            outs = sampler.generate([prompts[str(p["problem_id"])] for p in chunk], config,
                                    progress=bar.update if bar is not None else False,
                                    keys=[problem_key(p["problem_id"]) for p in chunk])
            store.write_shard(grade_chunk(chunk, outs, verifier, template))
    finally:
        if bar is not None:
            bar.close()
