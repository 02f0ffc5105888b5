"""``boundary-lab merge RUN1 RUN2 ... -o OUT``: merge sample stores (e.g. the shards of one run).

The runs must agree on model, benchmark (sha256), template and sampling config, and
no problem may appear in two of them; otherwise nothing is written and the exit code is 2.
"""
from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("merge", help="merge sample stores into one", description=__doc__)
    p.add_argument("runs", nargs="+", help="run directories")
    p.add_argument("-o", "--out", required=True, help="new run directory")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..store import merge

    merged = merge(args.runs, args.out)
    print(f"{merged.path}: {len(merged.completed_problems())} problems from {len(args.runs)} runs")
    return 0
