"""``boundary-lab ppl --model M --samples RUN_OR_JSONL``: perplexity of responses under a model.

SAMPLES is a sample store (prompts are rebuilt from its benchmark and template) or a
JSONL file whose lines have ``prompt`` and ``response`` (or ``completion``). Prints a
JSON summary; ``-o`` writes one row per response (``n_tokens, sum_logprob,
mean_logprob, perplexity`` plus ``problem_id``/``sample_id`` where known) as CSV.

Example (paper Fig. 6: RL answers under the base model)::

    boundary-lab ppl --model Qwen/Qwen2.5-7B --samples runs/rl -o ppl_rl_under_base.csv
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ._checks import at_least


def register(subparsers) -> None:
    p = subparsers.add_parser("ppl", help="perplexity of sampled responses under a model", description=__doc__)
    p.add_argument("--model", required=True, help="model directory or hub id that scores the responses")
    p.add_argument("--samples", required=True, help="sample store directory or JSONL of prompt/response")
    p.add_argument("--backend", choices=["hf", "vllm"], default="hf")
    p.add_argument("--limit", type=int, default=None, help="score only the first LIMIT responses")
    p.add_argument("-o", "--out", default=None, help="CSV with one row per response")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def read_pairs_jsonl(path: Path) -> list[dict]:
    """Rows with ``prompt`` and ``response`` from a JSONL file; bad lines are an InputError."""
    from ..benchmarks.loaders import iter_jsonl

    rows = []
    for lineno, rec in iter_jsonl(path):
        response = rec.get("response", rec.get("completion"))
        if not isinstance(response, str) or not isinstance(rec.get("prompt"), str):
            raise InputError(f"{path}: line {lineno}: need string fields 'prompt' and 'response' (or 'completion')")
        rows.append({k: v for k, v in rec.items() if k in ("problem_id", "sample_id")} |
                    {"prompt": rec["prompt"], "response": response})
    return rows


def read_pairs_store(path: Path) -> list[dict]:
    """Prompt/response rows of a sample store, prompts rebuilt from its benchmark and template."""
    from .. import benchmarks
    from ..store import SampleStore

    store = SampleStore.open(path)
    bench = store.manifest.get("benchmark", {})
    source = bench.get("name") if bench.get("name") in benchmarks.SPECS else bench.get("path")
    if benchmarks.benchmark_info(source)["sha256"] != bench.get("sha256"):
        raise InputError(f"{path}: benchmark file {source} changed since sampling (sha256 differs)")
    problems = {str(p["problem_id"]): p for p in benchmarks.load_benchmark(source)}
    template = store.manifest.get("template", "qwen-boxed")
    df = store.read(["problem_id", "sample_id", "completion"])
    prompts = {pid: benchmarks.format_prompt(problems[pid], template) for pid in df["problem_id"].unique()}
    return [{"problem_id": r.problem_id, "sample_id": int(r.sample_id), "prompt": prompts[r.problem_id],
             "response": r.completion} for r in df.itertuples()]


def run(args) -> int:
    import pandas as pd

    from ..scoring import score_pairs

    at_least(args, limit=1)
    path = Path(args.samples)
    if path.is_dir():
        rows = read_pairs_store(path)
    elif path.exists():
        rows = read_pairs_jsonl(path)
    else:
        raise InputError(f"{path}: no such file or directory")
    rows = rows[: args.limit] if args.limit is not None else rows
    if not rows:
        raise InputError(f"{path}: no responses to score")
    scores = score_pairs(args.model, [(r["prompt"], r["response"]) for r in rows], backend=args.backend,
                         progress=not args.quiet)
    table = pd.concat([pd.DataFrame([{k: v for k, v in r.items() if k not in ("prompt", "response")} for r in rows]),
                       scores], axis=1)
    if args.out:
        table.to_csv(args.out, index=False)
    scored = table["perplexity"].dropna()
    print(json.dumps({"model": args.model, "samples": str(path), "responses": len(table),
                      "mean_perplexity": float(scored.mean()) if len(scored) else None,
                      "median_perplexity": float(scored.median()) if len(scored) else None,
                      "mean_logprob": float(table["sum_logprob"].sum() / max(1, table["n_tokens"].sum()))}))
    return 0
