"""The multi-seed micro-world tables of LOG.md (n = 1024 with ``--preset full``).

For each seed: pass@1, pass@16, pass@n, problems solved, base-only and RL-only problems and the
careful-strategy share of every RL model per tier, and ΔSE of every algorithm at the largest
common n. Models and evaluations are cached under ``--workdir``, so a second call trains nothing.

    python scripts/log_tables.py --preset full --seeds 0,1,2 --set rl.algorithms=grpo,ppo,rloo,reinforce_pp,remax,dapo
"""
from __future__ import annotations

import argparse
import sys

import pandas as pd

import boundary_lab as bl


def seed_tables(res) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per model and tier: pass@k, coverage and careful share; ΔSE per model) of one seed's results."""
    counts, rl = res.counts, res.select(kind="rl", final=True)
    n = bl.tables.common_n(counts, ["base", *rl])
    passes = bl.tables.pass_table(counts, ["base", *rl], sorted({1, min(16, n), n}), by="tier")
    cover = bl.tables.coverage(counts, "base", rl, by="tier")[
        ["tier", "model", "model_solved", "base_only", "compared_only"]]
    share = bl.tables.strategy_share(res.strategy_shares, "careful", ["base", *rl]).melt(
        id_vars="model", var_name="tier", value_name="careful share")
    table = passes.merge(cover, on=["tier", "model"], how="left").merge(share, on=["tier", "model"], how="left")
    return table, bl.tables.delta_se(counts, "base", rl)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="full")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="settings, as for boundary-lab micro")
    p.add_argument("--workdir", default="runs/micro")
    args = p.parse_args(argv)
    config = dict(item.split("=", 1) for item in args.set)
    with pd.option_context("display.width", 200, "display.max_rows", 1000):
        for seed in (int(s) for s in args.seeds.split(",")):
            table, dse = seed_tables(bl.report.micro(args.preset, config=config, seed=seed, workdir=args.workdir))
            print(f"\n## seed {seed}\n{table.round(3).to_string(index=False)}\n\n"
                  f"ΔSE\n{dse.round(3).to_string(index=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
