"""Forecast vs truth on the micro-world (issue 24): the narrowing world's base and GRPO@300 models.

The truth is every sample :mod:`forecast_truth` holds for one seed of the five-seed study: the
study's n = 1024 per problem (tiers A and B) plus the finished blocks of benchmarks/forecast_truth.py
(target n = 4096). Then:

1. Forecast pass@k at k = 256 and 1024 from the first 8, 16 and 32 samples (and, with --blocks,
   from disjoint blocks of 16 samples: bias and coverage on real data), against the exact
   estimator on all n.
2. The crossover k of base and RL forecast from 16 samples, against the one on the full curves.
3. Adaptive vs uniform sampling at an average budget of 64 samples per problem: the forecast
   number of problems solved at k = 1024, on n // 1024 disjoint pools of 1024 samples (each pool is
   what a sampler would have drawn), against the exact expected count from all n samples.

Seed 0 is the reported one; seeds 1-4 (n = 1024, the study's own evaluations) are where methods
were tried (--seed 1 ... 4). Writes benchmarks/results/forecast_micro[_seedS].json.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/forecast_micro.py --seed 0
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import forecast_truth  # noqa: E402

from boundary_lab import passk
from boundary_lab import priors as F
from boundary_lab.sampling import adaptive as A

OUT = Path(__file__).with_name("results") / "forecast_micro.json"


def forecast_rows(name: str, out: np.ndarray, ks, firsts, blocks: int, block: int, n_boot: int) -> list[dict]:
    m, pool = out.shape
    truth = passk.pass_at_k_curve(np.full(m, pool), out.sum(axis=1), ks)
    rows = []
    for f in firsts:
        fc = F.forecast_passk(np.full(m, f), out[:, :f].sum(axis=1), ks, n_boot=n_boot)
        for i, k in enumerate(ks):
            rows.append({"model": name, "fit_on": f, "k": k, "forecast": float(fc.value[i]), "low": float(fc.low[i]),
                         "high": float(fc.high[i]), "truth": float(truth[i]), "error": float(fc.value[i] - truth[i]),
                         "covered": bool(fc.low[i] <= truth[i] <= fc.high[i]), "family": fc.family,
                         "exact_at_n": float(passk.pass_at_k_curve(np.full(m, f), out[:, :f].sum(axis=1), [f])[0])})
    errs, hits = {k: [] for k in ks}, {k: 0 for k in ks}
    for b in range(blocks):
        cb = out[:, b * block:(b + 1) * block].sum(axis=1)
        fc = F.forecast_passk(np.full(m, block), cb, ks, n_boot=n_boot, seed=b)
        for i, k in enumerate(ks):
            errs[k].append(fc.value[i] - truth[i])
            hits[k] += bool(fc.low[i] <= truth[i] <= fc.high[i])
    for k in ks if blocks else []:
        rows.append({"model": name, "fit_on": f"{blocks} blocks of {block}", "k": k, "truth": float(truth[ks.index(k)]),
                     "bias": float(np.mean(errs[k])), "rmse": float(np.sqrt(np.mean(np.square(errs[k])))),
                     "coverage": hits[k] / blocks})
    return rows


def true_crossover(base: np.ndarray, rl: np.ndarray) -> int | None:
    m, pool = base.shape
    ks = list(range(1, pool + 1))
    diff = passk.pass_at_k_curve(np.full(m, pool), base.sum(1), ks) - passk.pass_at_k_curve(
        np.full(m, pool), rl.sum(1), ks)
    if diff[0] >= 0:
        return 1
    ahead = np.flatnonzero(diff >= -1e-12)
    return int(ahead[0]) + 1 if ahead.size else None


def adaptive_rows(name: str, out: np.ndarray, budget_per_problem: int, k_target: int, pools: int,
                  n_boot: int = 100) -> list[dict]:
    m, total = out.shape
    truth = float(passk.pass_at_k_curve(np.full(m, total), out.sum(1), [k_target])[0] * m)
    size = total // pools
    rows = []
    for r in range(pools):
        pool = out[:, r * size:(r + 1) * size]
        cfg = A.AdaptiveConfig(budget=budget_per_problem * m, first=16, k_target=k_target, step=16, rounds=8)
        runs = (("adaptive", A.simulate(pool, cfg, seed=r)), ("uniform", A.uniform(pool, budget_per_problem)))
        for how, (n, c) in runs:
            fc = F.forecast_passk(n, c, [k_target], n_boot=n_boot, seed=r)
            rows.append({"model": name, "pool": r, "how": how, "samples": int(n.sum()), "solved": float(fc.solved[0]),
                         "low": float(fc.low[0] * m), "high": float(fc.high[0] * m), "truth": truth,
                         "error": float(fc.solved[0] - truth), "n_max": int(n.max())})
    return rows


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0, help="the study's seed (0: reported; 1-4: where methods were tried)")
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--blocks", type=int, default=0, help="disjoint blocks of 16 samples for bias and coverage")
    ap.add_argument("--fits", default="8,16,32", help="samples per problem the forecasts are fitted on")
    ap.add_argument("--pools", type=int, default=0, help="adaptive vs uniform pools of 1024 (default: all n // 1024)")
    ap.add_argument("--truth", default=str(forecast_truth.OUT), help="benchmarks/forecast_truth.py's blocks")
    args = ap.parse_args()
    ids, out = forecast_truth.load(args.seed, Path(args.truth))
    n_truth = out["base"].shape[1]
    start = time.time()
    ks = [256, 1024]
    fits = [int(f) for f in args.fits.split(",")]
    rows = [r for name in out for r in forecast_rows(name, out[name], ks, fits, args.blocks, 16, args.n_boot)]
    m = len(ids)
    pair = F.fit_pair(np.full(m, 16), out["base"][:, :16].sum(1), np.full(m, 16), out["rl"][:, :16].sum(1),
                      n_boot=args.n_boot)
    x = F.crossover(pair, 10**6, names=("base", "RL"))
    adaptive = [r for name in out for r in adaptive_rows(name, out[name], 64, 1024, args.pools or n_truth // 1024)]
    tiers = np.array([i.split("-")[0] for i in ids])
    result = {
        "machine": {"cpu": subprocess.run(["sh", "-c", "lscpu | grep 'Model name' | cut -d: -f2"], capture_output=True,
                                          text=True).stdout.strip(),
                    "numerics": "pinned (ATen avx2, MKL_CBWR=COMPATIBLE), OMP_NUM_THREADS=1"},
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                 text=True).stdout.strip(),
        "models": {k: v["model_path"] for k, v in forecast_truth.study_rows(args.seed).items()},
        "seed": args.seed, "n_truth": n_truth, "problems": m,
        "tiers": {t: int((tiers == t).sum()) for t in sorted(set(tiers))},
        "truth_by_tier": {name: {t: {str(k): float(passk.pass_at_k_curve(np.full((tiers == t).sum(), n_truth),
                                                                         o[tiers == t].sum(1), [k])[0])
                                     for k in (1, 16, 256, 1024, 4096) if k <= n_truth} for t in sorted(set(tiers))}
                          for name, o in out.items()},
        "forecast": rows,
        "crossover": {"true_k": true_crossover(out["base"], out["rl"]), "forecast_from_16": x.to_dict()},
        "adaptive": adaptive,
        "seconds": {"forecasts": round(time.time() - start, 1)},
    }
    dest = OUT if args.seed == 0 else OUT.with_name(f"forecast_micro_seed{args.seed}.json")
    dest.write_text(json.dumps(result, indent=2) + "\n")
    for r in rows:
        print(json.dumps(r))
    print(json.dumps(result["crossover"]))
    for r in result["adaptive"]:
        print(json.dumps(r))
    return result


if __name__ == "__main__":
    main()
