"""The remedies page's table outside the book: every remedy of ``bl.rl.registry`` against plain GRPO
in the narrowing regime, on its full RL split, at the book's scale (150 RL steps, tiers A and B).

Usage (LOG.md 2026-11-30, third session):

    python scripts/narrowing_remedies.py --seed 0 [--steps 150] [--workdir runs/micro]

Prints the tier-B pass@1 / pass@k_max, coverage against the base and the careful share per model,
and the page's computed sentence.
"""
from __future__ import annotations

import argparse

import pandas as pd

import boundary_lab as bl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--workdir", default="runs/micro")
    args = ap.parse_args()
    config = ["book/worlds/narrowing.yaml", {"rl.trainer.steps": args.steps,
                                             "rl.trainer.checkpoint_steps": [args.steps],
                                             "rl.without_tier_b": False, "eval.tiers": "AB"}]
    res = bl.report.micro("default", config=config, seed=args.seed, workdir=args.workdir,
                          remedies=bl.rl.registry.REMEDY_NAMES, remedies_without_tier_b=False,
                          stages=("pretrain", "rl", "evaluate"))
    names = res.select(kind="rl", algorithm=res.config.rl.trainer.algorithm, split="full", final=True)
    tier_b = res.counts[res.counts["tier"] == "B"]
    pd.set_option("display.width", 200)
    print(bl.tables.pass_table(tier_b, ["base", *names]).round(3).to_string(index=False))
    print(bl.tables.coverage(tier_b, "base", names).drop(columns="compared_only_ids").to_string(index=False))
    print(bl.tables.strategy_share(res.strategy_shares, "careful", ["base", *names]).round(3).to_string(index=False))
    print(bl.findings.kept_sentence(res.counts, "base", names))


if __name__ == "__main__":
    main()
