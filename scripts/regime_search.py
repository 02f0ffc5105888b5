"""Measure a micro-world regime on tier B: base vs final RL checkpoint, per seed and pooled.

Usage (issue 11; every table in /work/notes/issue11.md and LOG.md 2026-11-30 comes from it):

    python scripts/regime_search.py --regime narrowing --seeds 0 1 2 --n 1024
    python scripts/regime_search.py --regime contrast --seeds 0 --set rl.trainer.steps=600

Each (setting, seed) is cached by the pipeline under ``--workdir`` (pretraining is
shared by every RL setting on the same world). Prints one tier-B row per seed, the
pooled base-minus-RL difference at k_max with its paired problem-bootstrap interval,
and the careful share per chain length; ``--out`` appends the rows to a CSV.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from boundary_lab import tables
from boundary_lab.errors import InputError
from boundary_lab.micro import phase
from boundary_lab.micro.regimes import REGIMES, regime_config


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regime", default="narrowing", choices=REGIMES)
    ap.add_argument("--preset", default="default")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--n", type=int, default=256, help="samples per held-out problem (k_max)")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="dotted override")
    ap.add_argument("--workdir", default="runs/regimes")
    ap.add_argument("--out", default="", help="append the per-seed rows to this CSV")
    args = ap.parse_args(argv)
    try:
        settings = {}
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"--set {item!r}: expected FIELD=VALUE")
            settings[key] = value  # converted to the field's type by the config layer
        settings["eval.n"] = args.n
        rows, counts = [], []
        for s in args.seeds:
            cfg = regime_config(args.regime, args.preset, s, settings)
            c = phase.run_cell(cfg, args.workdir, say=True)
            rl = phase.final_label(cfg)
            row = {"regime": args.regime, "settings": " ".join(args.set), "seed": s,
                   **tables.tier_summary(c, "base", rl)}
            rows.append(row)
            counts.append(c)
            print(pd.DataFrame([row]).to_string(index=False), flush=True)
            print(tables.careful_share_by_length(c, ["base", rl]).pivot(index="model", columns="length",
                                                                       values="careful share").round(4).to_string())
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.round(3).to_string(index=False))
    both = tables.seed_difference(counts, "base", rl)  # two intervals, each labelled by what it holds fixed
    print(both.round(3).to_string(index=False))
    if args.out:
        seed_aware = both[both["conditions_on"].str.startswith("nothing")].iloc[0]
        table = table.assign(**{f"seed-aware {k}": seed_aware[k] for k in ("k", "diff", "ci_low", "ci_high")})
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, mode="a", header=not out.exists(), index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
