"""``boundary-lab forecast COUNTS --k 1024,4096 [--what passk|coverage|delta_se|crossover|enough]``.

pass@k beyond the samples drawn (:mod:`boundary_lab.forecast`). Prints the same JSON shape as
``passk``: ``{"<model>": {"<k>": value}}``; ``--intervals`` turns each value into
``{"value", "ci_low", "ci_high"}``. COUNTS is a counts CSV or a sample-store directory, and bad
input fails as in ``passk`` (exit code 2, one line naming the file, row or flag).
"""
from __future__ import annotations

import json
import sys

from .. import counts as counts_mod
from .. import findings, forecast, passk
from ..errors import InputError


def register(sub) -> None:
    p = sub.add_parser("forecast", help="forecast pass@k, coverage, ΔSE or the crossover beyond n samples",
                       description=__doc__)
    p.add_argument("counts", help="CSV with header model,problem_id,n,correct, or a sample-store directory")
    p.add_argument("--k", default=None,
                   help="comma-separated k values up to 10^6 (default: n, 4n, 16n of the smallest n); "
                        "with --what enough: multiples of n (default 2,4,16)")
    p.add_argument("--what", choices=list(forecast.WHATS), default="passk",
                   help="passk; coverage (expected problems solved at k); delta_se (pass@K(base) - pass@1); "
                        "crossover (k where the base catches up, k values are the horizons); enough (problems "
                        "unsolved at n expected solved at the given multiples of n)")
    p.add_argument("--base", default=None, help="the base model (needed by delta_se and crossover)")
    p.add_argument("--model", action="append", help="only these models (repeatable)")
    p.add_argument("--family", choices=["auto", *forecast.FAMILIES], default="auto",
                   help="prior over per-problem success rates (auto: chosen by held-out likelihood)")
    p.add_argument("--n-boot", type=int, default=200, help="bootstrap replicates (each refits the prior)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--intervals", action="store_true", help="give 95%% intervals with every value")
    p.add_argument("--format", choices=["json", "csv", "table"], default="table")
    p.set_defaults(func=run)


def run(args) -> int:
    df = counts_mod.read_counts(args.counts, keep_line=True)
    if args.model:
        keep = list(args.model) + ([args.base] if args.base and args.base not in args.model else [])
        for name in keep:
            counts_mod.select_model(df, name, args.counts)
        df = df[df["model"].isin(keep)]
    if args.n_boot < 10:
        raise InputError(f"--n-boot must be >= 10, got {args.n_boot}")
    if args.k:
        ks = passk.parse_ks(args.k)
    elif args.what == "enough":
        ks = [2, 4, 16]
    else:
        n_min = int(df["n"].min())
        ks = [n_min, 4 * n_min, 16 * n_min]
    if args.what in ("delta_se", "crossover") and args.base is None:
        models = ", ".join(dict.fromkeys(df["model"]))
        raise InputError(f"--base is required with --what {args.what} (models: {models})")
    result = forecast.report(df, ks, args.what, base=args.base, family=args.family, n_boot=args.n_boot,
                             seed=args.seed, intervals=args.intervals, source=args.counts)
    sentences = {}
    if args.what == "enough" and args.format == "table":  # the same fits (same seed) say it in one sentence
        reports = forecast.enough_reports(df, ks, args.family, args.n_boot, args.seed, args.counts)
        sentences = {m: findings.enough_sentence(r) for m, r in reports.items()}
    if args.format == "json":
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
        return 0
    label = {"passk": "pass@{}", "coverage": "solved@{}", "delta_se": "dSE@{}", "crossover": "cross<={}",
             "enough": "new@{}"}[args.what]
    if args.format == "csv":
        extra = ",ci_low,ci_high" if args.intervals else ""
        print(f"model,k,{args.what}{extra}")
        for model, curve in result.items():
            for k, v in curve.items():
                cells = [v["value"], v["ci_low"], v["ci_high"]] if args.intervals else [v]
                print(f"{model},{k}," + ",".join("" if x is None else f"{x:.10g}" for x in cells))
        return 0
    width = max(len(m) for m in result) + 2 if result else 8
    keys = list(next(iter(result.values())).keys()) if result else []
    print("model".ljust(width) + "".join(f"{label.format(k):>16}" for k in keys))
    for model, curve in result.items():
        cells = []
        for v in curve.values():
            x = v["value"] if args.intervals else v
            text = "none" if x is None else (f"{x:,}" if isinstance(x, int) else f"{x:.4f}")
            if args.intervals and v["ci_low"] is not None:
                text += f" ±{(v['ci_high'] - v['ci_low']) / 2:.3g}" if not isinstance(x, int) else ""
            cells.append(f"{text:>16}")
        print(model.ljust(width) + "".join(cells))
    for sentence in sentences.values():
        print(sentence)
    return 0
