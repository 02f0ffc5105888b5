"""ΔSE of the six RL algorithms in the narrowing regime (issue 11), tier B, one seed per call.

    python scripts/narrowing_algorithms.py --seed 0 --workdir runs/regimes
    python scripts/narrowing_algorithms.py --seed 0 --steps 150   # the book's algorithms page (book scale)

Trains (or reuses) GRPO, RLOO, REINFORCE++, ReMax, DAPO and PPO on the narrowing world and prints,
per algorithm: tier-B pass@1, pass@k_max, solved, base_only, compared_only, careful share and
ΔSE = pass@k_max(base) - pass@1(RL).
"""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from boundary_lab import tables
from boundary_lab.micro import phase
from boundary_lab.micro.pipeline import run_pipeline
from boundary_lab.rl.registry import ALGORITHM_NAMES


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--workdir", default="runs/regimes")
    ap.add_argument("--steps", type=int, default=0, help="RL steps of every run (0: the preset's, 300)")
    args = ap.parse_args(argv)
    steps = {"rl.trainer.steps": args.steps, "rl.trainer.checkpoint_steps": (args.steps,)} if args.steps else {}
    cfg = phase.regime_config("narrowing", args.preset, args.seed,
                              {"eval.n": args.n, "rl.without_tier_b": False, "rl.algorithms": tuple(ALGORITHM_NAMES),
                               **steps})
    res = run_pipeline(cfg, args.workdir, stages=("pretrain", "rl", "evaluate"), progress=False, say=True)
    finals = res.select(kind="rl", final=True)
    counts = res.counts[res.counts["tier"] == "B"]
    rows = [{"model": m, **phase.tier_b_table(counts, "base", m)} for m in finals]
    table = pd.DataFrame(rows).merge(tables.delta_se(counts, "base", finals)[["model", "delta_se"]], on="model")
    pd.set_option("display.width", 250)
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
