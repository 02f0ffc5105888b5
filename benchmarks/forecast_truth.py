"""The micro-world's ground truth for the forecast (issue 24): many samples per problem, drawn in blocks.

The narrowing world's seed-0 base and GRPO@300 models of the five-seed study
(``runs/seed_study/index.jsonl``, read-only) were evaluated there at n = 1024 on tiers A and B.
This script adds blocks of ``--block`` more samples per problem for both models, alternating,
each block in its own random stream (``(model, "truth", block)``), cached as an outcome matrix
under ``--out``; a killed run resumes at the next missing block, and every finished block counts.
:func:`load` stacks the study's 1024 samples and every finished block into one problems x N
matrix per model, so the truth's n is 1024 + blocks x block (target 4096: 12 blocks of 256).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/forecast_truth.py --blocks 12
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import boundary_lab  # noqa: F401  (pins CPU numerics before torch loads)

INDEX = Path("runs/seed_study/index.jsonl")
OUT = Path("runs/forecast_truth")
CONFIG = "book/worlds/narrowing.yaml"  # the narrowing world the study trained (scripts/seed_study.py)


def study_rows(seed: int = 0, regime: str = "narrowing", index: Path = INDEX) -> dict:
    """{"base": row, "rl": row} of the study's index for one seed."""
    rows = [json.loads(line) for line in index.read_text().splitlines() if line.strip()]
    return {r["model"]: r for r in rows if r["regime"] == regime and r["seed"] == seed}


def study_matrix(eval_dir) -> tuple[list, np.ndarray]:
    """(problem ids, problems x 1024 whole-chain-correct matrix) of a study evaluation."""
    s = pd.read_parquet(Path(eval_dir) / "samples.parquet", columns=["problem_id", "sample_id", "correct"])
    table = s.pivot(index="problem_id", columns="sample_id", values="correct").sort_index()
    return table.index.tolist(), table.to_numpy(dtype=bool)


def load(seed: int = 0, out: Path = OUT, index: Path = INDEX, models=("base", "rl")) -> tuple[list, dict]:
    """(problem ids, {"base": matrix, "rl": matrix}): the study's samples, then every finished block.

    Both matrices are cut to the smaller n; ``models=("rl",)`` reads the RL model's alone."""
    ids, mats = None, {}
    for model, row in study_rows(seed, index=index).items():
        if model not in models:
            continue
        ids, mat = study_matrix(row["eval_dir"])
        blocks = sorted(Path(out).glob(f"{model}-seed{seed}-block*.npz"),
                        key=lambda p: int(p.stem.rsplit("block", 1)[1]))
        parts = [mat]
        for i, file in enumerate(blocks):
            if int(file.stem.rsplit("block", 1)[1]) != i:
                break  # blocks are used in order, without gaps
            data = np.load(file, allow_pickle=False)
            if data["ids"].tolist() != ids:
                raise ValueError(f"{file}: problems differ from the study's evaluation")
            parts.append(data["correct"])
        mats[model] = np.concatenate(parts, axis=1)
    n = min(m.shape[1] for m in mats.values())
    return ids, {k: v[:, :n] for k, v in mats.items()}


def main() -> None:
    from boundary_lab.micro.config import MicroConfig
    from boundary_lab.micro.evaluate import evaluate_checkpoint
    from boundary_lab.micro.pipeline import Pipeline

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--blocks", type=int, default=12, help="blocks per model (12 x 256 + 1024 = 4096)")
    ap.add_argument("--block", type=int, default=256, help="samples per problem in a block")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--models", default="base,rl", help="which models get blocks (rl: the adaptive comparison)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = study_rows(args.seed)
    cfg = MicroConfig.preset("default", config=CONFIG, seed=args.seed)
    pipe = Pipeline(cfg, str(out / "pipeline"), progress=False)
    ids = study_matrix(rows["base"]["eval_dir"])[0]
    by_id = {p.problem_id: p for p in pipe.problems}
    problems = [by_id[i] for i in ids]
    for b in range(args.blocks):
        for model in args.models.split(","):
            file = out / f"{model}-seed{args.seed}-block{b}.npz"
            if file.exists():
                continue
            start = time.time()
            samples, _ = evaluate_checkpoint(rows[model]["model_path"], problems, model,
                                             replace(cfg.eval, n=args.block), pipe.max_new_tokens, cfg.seed,
                                             cfg.device, False, (model, "truth", b))
            mat = samples.pivot(index="problem_id", columns="sample_id", values="correct").loc[ids].to_numpy(bool)
            np.savez_compressed(file, correct=mat, ids=np.array(ids))
            print(f"{file.name}: {mat.size:,} samples in {time.time() - start:.0f} s, mean {mat.mean():.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
