"""Validate the forecast of pass@k beyond n on simulated data with known success rates (issue 24).

For each family of :data:`boundary_lab.priors.SIMULATED` (beta, logit-normal, zero-inflated,
mixture) and each replicate: draw success rates of ``problems`` problems, ``n`` samples each,
forecast pass@k at k = 16n (and 64n) with a nominal 95% interval, and compare with the truth
(the mean of 1 - (1-p)^k over the same problems). Reports coverage, bias and RMSE, the family
chosen, and the time of a fit + forecast on 10^4 problems. Writes
benchmarks/results/forecast_validation.json.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/forecast_validation.py [--reps 100]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from boundary_lab import priors as F

OUT = Path(__file__).with_name("results") / "forecast_validation.json"


def cpu_model() -> str:
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def study(family: str, reps: int, problems: int, n: int, multiples, n_boot: int, first_rep: int = 0) -> dict:
    ks = [m * n for m in multiples]
    hits = np.zeros(len(ks))
    errors, widths, chosen = [], [], collections.Counter()
    for r in range(first_rep, first_rep + reps):
        p = F.simulated_rates(family, problems, [11, r])
        c = np.random.default_rng([10, r]).binomial(n, p)
        f = F.forecast_passk(np.full(problems, n), c, ks, n_boot=n_boot, seed=r)
        truth = F.true_passk(p, ks)
        hits += (f.low <= truth) & (truth <= f.high)
        errors.append(f.value - truth)
        widths.append(f.high - f.low)
        chosen[f.family] += 1
    errors, widths = np.array(errors), np.array(widths)
    return {"family": family, "reps": reps, "first_rep": first_rep, "problems": problems, "n": n,
            "rows": [{"k": k, "coverage": float(hits[i] / reps), "bias": float(errors[:, i].mean()),
                      "rmse": float(np.sqrt((errors[:, i] ** 2).mean())), "mean_width": float(widths[:, i].mean())}
                     for i, k in enumerate(ks)],
            "chosen": dict(chosen)}


def speed(problems: int = 10_000, n: int = 16, n_boot: int = 200) -> dict:
    p = F.simulated_rates("mixture", problems, 0)
    c = np.random.default_rng(0).binomial(n, p)
    start, cpu = time.perf_counter(), time.process_time()
    f = F.forecast_passk(np.full(problems, n), c, [n, 16 * n, 1024, 10**6], n_boot=n_boot)
    uniform_s, uniform_cpu = time.perf_counter() - start, time.process_time() - cpu
    n_var = np.random.default_rng(1).integers(8, 129, problems)  # unequal n: many more (n, c) pairs
    c_var = np.random.default_rng(2).binomial(n_var, p)
    start, cpu = time.perf_counter(), time.process_time()
    F.forecast_passk(n_var, c_var, [1024, 10**6], n_boot=n_boot)
    unequal_s, unequal_cpu = time.perf_counter() - start, time.process_time() - cpu
    # Wall seconds depend on what else runs on the machine; CPU seconds are the cost.
    return {"problems": problems, "n_boot": n_boot, "family": f.family, "wall_s_n16": round(uniform_s, 2),
            "cpu_s_n16": round(uniform_cpu, 2), "wall_s_unequal_n_8_to_128": round(unequal_s, 2),
            "cpu_s_unequal_n_8_to_128": round(unequal_cpu, 2)}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--problems", type=int, default=300)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--speed-only", action="store_true", help="only re-measure the speed (kept results stay)")
    parser.add_argument("--families", default=",".join(F.SIMULATED), help="comma-separated simulated families")
    parser.add_argument("--out", default=str(OUT), help="where the results go")
    parser.add_argument("--first-rep", type=int, default=0, help="replicate seeds start here (more replicates later)")
    parser.add_argument("--no-speed", action="store_true", help="skip the 10^4-problem timing")
    args = parser.parse_args()
    out = Path(args.out)
    if args.speed_only:
        results = json.loads(out.read_text())
        results["speed"] = speed()
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(results["speed"]))
        return results
    start = time.time()
    results = {"machine": {"cpu": cpu_model(), "threads": os.environ.get("OMP_NUM_THREADS")},
               "nominal": 0.95, "speed": None if args.no_speed else speed(), "families": []}
    for family in args.families.split(","):
        results["families"].append(study(family, args.reps, args.problems, args.n, (16, 64), args.n_boot,
                                         args.first_rep))
        row = results["families"][-1]["rows"][0]
        print(f"{family:14s} k={row['k']}: coverage {row['coverage']:.2f}, bias {row['bias']:+.4f}, "
              f"rmse {row['rmse']:.4f}, width {row['mean_width']:.3f}; chosen {results['families'][-1]['chosen']}",
              flush=True)
    results["wall_s"] = round(time.time() - start, 1)
    try:
        results["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                           text=True).stdout.strip()
    except OSError:
        pass
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["speed"]))
    return results


if __name__ == "__main__":
    main()
