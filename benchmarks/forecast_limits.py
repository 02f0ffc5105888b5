"""How well can *any* forecast do? A two-point (Le Cam) bound on the micro-world's RL model (issue 24).

The forecast's target: from 16 samples per problem, pass@1024 within 0.02 of the truth. This
script asks whether any method can meet it on the narrowing world's GRPO@300 model (seed 0,
tiers A and B, the truth of ``benchmarks/forecast_truth.py``), whatever its prior.

World A is the measured one: each problem's success rate is its rate over all the truth's
samples. World B is the same with every rate below ``--below`` set to 0 (the rare paths never
taken). A forecaster sees, per problem, the successes among ``n`` samples. The two worlds' data
differ only if some sample of a changed problem succeeds, so the total-variation distance
between the two datasets' laws is exactly 1 - prod_i (1 - p_i)^n over the changed problems.
If pass@1024 differs between the worlds by more than twice the tolerance, Le Cam's two-point
bound says every estimator, in at least one of the two worlds, misses by more than the
tolerance with probability at least (1 - TV) / 2.

Beside the bound, the measured errors: on every seed of the study whose RL truth reached
``--min-truth`` samples, the forecast of pass@1024 from each of ``--blocks`` disjoint blocks of
``--n`` samples per problem (prior chosen by held-out likelihood), against the truth from all.

The same bound for an allocation that gives the changed problems ``--budget-per-problem``
samples on average (the adaptive budget) puts every sample beyond the first round on them: the
most favourable allocation for telling the worlds apart.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/forecast_limits.py [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import forecast_truth  # noqa: E402

from boundary_lab import passk  # noqa: E402
from boundary_lab import priors as P  # noqa: E402

OUT = Path(__file__).with_name("results") / "forecast_limits.json"


def passk_of_rates(p: np.ndarray, k: int) -> float:
    """The dataset's pass@k when each problem's success rate is known."""
    return float(np.mean(1.0 - (1.0 - p) ** k))


def two_point(p: np.ndarray, below: float, n_per_changed, k: int = 1024) -> dict:
    """World A (rates p) against world B (rates under ``below`` set to 0), with ``n_per_changed``
    samples on each changed problem: the gap in pass@k, the TV distance of the data, the bound."""
    changed = (p > 0) & (p < below)
    p_b = np.where(changed, 0.0, p)
    n = np.broadcast_to(np.asarray(n_per_changed, dtype=float), p.shape)
    tv = 1.0 - float(np.exp(np.sum(n[changed] * np.log1p(-p[changed]))))
    gap = passk_of_rates(p, k) - passk_of_rates(p_b, k)
    return {"below": below, "changed_problems": int(changed.sum()), "passk_A": passk_of_rates(p, k),
            "passk_B": passk_of_rates(p_b, k), "gap": gap, "solved_gap": gap * p.size, "tv": tv,
            "min_max_miss_probability": (1.0 - tv) / 2.0}


def measured(seeds, n: int, k: int, blocks: int, min_truth: int, n_boot: int = 100) -> list[dict]:
    """Forecasts of pass@k from disjoint blocks of n samples per problem, against each seed's truth."""
    rows = []
    for seed in seeds:
        _, mats = forecast_truth.load(seed, models=("rl",))
        out = mats["rl"]
        m, total = out.shape
        if total < min_truth:
            continue
        truth = float(passk.pass_at_k_curve(np.full(m, total), out.sum(axis=1), [k])[0])
        for b in range(blocks):
            c = out[:, b * n:(b + 1) * n].sum(axis=1)
            f = P.forecast_passk(np.full(m, n), c, [k], n_boot=n_boot, seed=b)
            rows.append({"seed": seed, "block": b, "truth": round(truth, 4), "forecast": round(float(f.value[0]), 4),
                         "low": round(float(f.low[0]), 4), "high": round(float(f.high[0]), 4),
                         "error": round(float(f.value[0]) - truth, 4), "family": f.family,
                         "covered": bool(f.low[0] <= truth <= f.high[0])})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=1024)
    ap.add_argument("--n", type=int, default=16, help="samples per problem of the forecast")
    ap.add_argument("--budget-per-problem", type=int, default=64, help="the adaptive budget (average per problem)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--seeds", default="0,1,2,3,4", help="seeds whose measured errors are reported")
    ap.add_argument("--blocks", type=int, default=8, help="disjoint blocks of --n samples per seed")
    ap.add_argument("--min-truth", type=int, default=4096)
    args = ap.parse_args()
    ids, mats = forecast_truth.load(args.seed)
    rows = []
    for model, out in mats.items():
        m, total = out.shape
        p = out.mean(axis=1)
        for below in (1 / 1024, 1 / 512, 1 / 256, 1 / 128):
            uniform = two_point(p, below, args.n, args.k)
            changed = int(uniform["changed_problems"])
            # every sample beyond the first round on the changed problems: the most favourable allocation
            extra = (args.budget_per_problem - args.n) * m / max(changed, 1)
            adaptive = two_point(p, below, args.n + extra, args.k)
            rows.append({"model": model, "truth_n": total, "below": below, "changed_problems": changed,
                         "passk_A": round(uniform["passk_A"], 4), "passk_B": round(uniform["passk_B"], 4),
                         "gap": round(uniform["gap"], 4), "solved_gap": round(uniform["solved_gap"], 2),
                         f"tv_n{args.n}": round(uniform["tv"], 3),
                         f"miss_probability_n{args.n}": round(uniform["min_max_miss_probability"], 3),
                         "adaptive_samples_per_changed": round(args.n + extra, 1),
                         "tv_adaptive": round(adaptive["tv"], 3),
                         "miss_probability_adaptive": round(adaptive["min_max_miss_probability"], 3)})
            print(json.dumps(rows[-1]), flush=True)
    errors = measured([int(s) for s in args.seeds.split(",")], args.n, args.k, args.blocks, args.min_truth)
    err = np.array([r["error"] for r in errors])
    summary = {"forecasts": int(err.size), "mean_error": round(float(err.mean()), 4),
               "mean_abs_error": round(float(np.abs(err).mean()), 4),
               "within_0.02": f"{int((np.abs(err) <= 0.02).sum())}/{err.size}",
               "interval_covers": f"{sum(r['covered'] for r in errors)}/{err.size}"} if err.size else {}
    print(json.dumps(summary))
    result = {"seed": args.seed, "k": args.k, "n": args.n, "budget_per_problem": args.budget_per_problem,
              "rows": rows, "measured": errors, "measured_summary": summary}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
