"""``boundary-lab compare COUNTS --base A --rl B [--k K] --format json`` (contract: docs/design.md).

Prints coverage (``both``, ``base_only``, ``compared_only``, ``neither`` and the id
lists), ``delta_se`` = pass@K(base) - pass@1(RL) and per-k paired differences
(RL minus base) with problem-bootstrap 95% intervals.
"""
from __future__ import annotations

import json
import sys

from ..counts import read_counts
from ..tables import compare_report
from ._checks import at_least
from .counts import add_counts_sources, note_partial


def register(sub) -> None:
    p = sub.add_parser("compare", help="coverage sets, ΔSE and paired pass@k differences of base vs RL")
    add_counts_sources(p)
    p.add_argument("--base", required=True, help="model name of the base model")
    p.add_argument("--rl", required=True, help="model name of the RL model")
    p.add_argument("--k", type=int, default=None,
                   help="K of ΔSE = pass@K(base) - pass@1(RL); default: the largest common n (the paper uses 256)")
    p.add_argument("--ks", default=None, help="k values of the paired curve (default: powers of two up to K)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of problems")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--format", choices=["json", "table"], default="table")
    p.set_defaults(func=run)


def run(args) -> int:
    at_least(args, n_boot=1, k=1)
    df = read_counts(args.counts, keep_line=True, allow_partial=args.allow_partial)
    note_partial(args.counts, args.allow_partial)
    report = compare_report(df, args.base, args.rl, args.k, args.ks, args.n_boot, args.seed, " ".join(args.counts))
    if args.format == "json":
        json.dump(report, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"{report['n_problems']} problems; solved = at least one correct sample")
    for key in ("both", "base_only", "compared_only", "neither"):
        print(f"  {key:<10}{report[key]:>6}")
    print(f"RL-solved ⊆ base-solved: {report['rl_subset_of_base']}")
    print(f"ΔSE = pass@{report['k']}(base) - pass@1(RL) = {report['delta_se']:.4f}  (lower is better)")
    print(f"{'k':>6}{'RL - base':>12}{'95% CI':>22}{'wins':>6}{'losses':>8}{'ties':>6}")
    for kk, row in report["paired_rl_minus_base"].items():
        ci = f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]"
        print(f"{kk:>6}{row['diff']:>+12.4f}{ci:>22}{row['wins']:>6}{row['losses']:>8}{row['ties']:>6}")
    return 0
