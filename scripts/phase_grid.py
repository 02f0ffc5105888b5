"""Run the phase diagram of issue 11 outside the book (every cell cached, so it resumes).

    python scripts/phase_grid.py --seeds 0 1 2 --caps 0 14 --shares -1 0.25 0.5 --n 256 \
        --workdir runs/regimes --out runs/regimes/phase

Writes ``<out>-runs.csv`` (one row per cell and seed) and ``<out>-cells.csv`` (per cell: tier-B
coverage change at k_max with its pooled paired problem-bootstrap 95% interval, pass@1 change,
careful share after RL) and prints the computed sentences.
"""
from __future__ import annotations

import argparse
import sys

from boundary_lab.errors import InputError
from boundary_lab.micro import phase


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="default")
    ap.add_argument("--regime", default="narrowing", choices=phase.REGIMES)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--caps", type=int, nargs="+", default=[0, phase.NARROWING_CAP], help="rl.max_new_tokens values")
    ap.add_argument("--shares", type=float, nargs="+", default=[-1.0, 0.25, 0.5], help="rl.tier_b_share values")
    ap.add_argument("--n", type=int, default=256, help="samples per held-out problem (k_max)")
    ap.add_argument("--workdir", default="runs/regimes")
    ap.add_argument("--out", default="runs/regimes/phase")
    args = ap.parse_args(argv)
    axes = {"rl.max_new_tokens": args.caps, "rl.tier_b_share": args.shares}
    try:
        runs, cells = phase.run_grid(args.preset, args.regime, axes, args.seeds, args.workdir,
                                     {"eval.n": args.n}, say=True)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    runs.to_csv(f"{args.out}-runs.csv", index=False)
    cells.to_csv(f"{args.out}-cells.csv", index=False)
    print(runs.round(3).to_string(index=False))
    print(cells.round(3).to_string(index=False))
    print(phase.grid_sentences(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
