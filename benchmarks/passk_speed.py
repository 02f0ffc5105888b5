"""Time pass@k for every k <= 1024 on 10^5 problems at n = 1024 (target: under 1 s on 2 cores).

Also checks exactness against rational arithmetic on a sample of (n, c, k) up to n = 4096.
Writes benchmarks/results/passk_speed.json.
"""
from __future__ import annotations

import json
import os
import time
from fractions import Fraction
from math import comb
from pathlib import Path

import numpy as np

from boundary_lab import passk

OUT = Path(__file__).with_name("results") / "passk_speed.json"


def main() -> dict:
    rng = np.random.default_rng(0)
    problems, n = 100_000, 1024
    c = rng.binomial(n, rng.beta(0.3, 1.0, problems))  # a realistic spread of accuracies
    ks = np.arange(1, n + 1)
    passk.pass_at_k_curve(np.full(1000, n), c[:1000], ks)  # warm-up
    times = []
    for _ in range(5):
        start = time.perf_counter()
        passk.pass_at_k_curve(np.full(problems, n), c, ks)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    passk.pass_at_k_matrix(np.full(problems, n), c, [1, 16, 256, 1024])
    matrix_s = time.perf_counter() - start

    worst = 0.0
    for nn in (1024, 4096):
        for cc in rng.integers(0, nn + 1, 40):
            kk = rng.integers(1, nn + 1, 10)
            got = passk.pass_at_k_matrix([nn], [cc], kk)[0]
            exact = [float(1 - Fraction(comb(nn - int(cc), int(k)), comb(nn, int(k)))) for k in kk]
            worst = max(worst, float(np.max(np.abs(got - exact))))
    result = {
        "problems": problems, "n": n, "k_values": int(ks.size),
        "curve_all_k_seconds_median": float(np.median(times)), "curve_all_k_seconds_min": float(min(times)),
        "per_problem_matrix_4k_seconds": matrix_s,
        "max_abs_error_vs_fractions": worst, "cpu_count": os.cpu_count(),
        "target": "all k <= 1024 for 1e5 problems at n=1024 in < 1 s; error < 1e-12",
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
