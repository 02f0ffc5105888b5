"""``boundary-lab passk COUNTS --k 1,2,4 [--format json|csv|table]`` (contract: docs/design.md).

Prints ``{"<model>": {"<k>": value}}`` with ``--format json``.
"""
from __future__ import annotations

import json
import sys

from .. import counts as counts_mod
from .. import passk
from ..tables import passk_report
from .counts import add_counts_sources, note_partial


def register(sub) -> None:
    p = sub.add_parser("passk", help="unbiased pass@k per model from a counts CSV or a sample store")
    add_counts_sources(p)
    p.add_argument("--k", default=None, help="comma-separated k values (default: powers of two up to the smallest n)")
    p.add_argument("--format", choices=["json", "csv", "table"], default="table")
    p.add_argument("--model", action="append", help="only these models (repeatable)")
    p.set_defaults(func=run)


def run(args) -> int:
    df = counts_mod.read_counts(args.counts, keep_line=True, allow_partial=args.allow_partial)
    note_partial(args.counts, args.allow_partial)
    source = " ".join(args.counts)
    if args.model:
        for name in args.model:
            counts_mod.select_model(df, name, source)  # unknown names fail here
        df = df[df["model"].isin(args.model)]
    ks = passk.parse_ks(args.k) if args.k else passk.default_ks(int(df["n"].min()))
    counts_mod.check_k(df, ks, source)
    result = passk_report(df, ks)
    if args.format == "json":
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    elif args.format == "csv":
        print("model,k,pass_at_k")
        for model, curve in result.items():
            for k, v in curve.items():
                print(f"{model},{k},{v:.10g}")
    else:
        width = max(len(m) for m in result) + 2
        print("model".ljust(width) + "".join(f"{'pass@' + str(k):>12}" for k in ks))
        for model, curve in result.items():
            print(model.ljust(width) + "".join(f"{v:>12.4f}" for v in curve.values()))
    return 0
