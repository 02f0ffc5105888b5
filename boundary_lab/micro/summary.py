"""Summaries of a micro-world results directory: the numbers LOG.md and the book report.

All pass@k values come from :mod:`boundary_lab.passk` (unbiased estimator,
problem-level bootstrap intervals); nothing here re-implements them.

>>> import pandas as pd
>>> counts = pd.DataFrame({"model": ["base", "base", "rl", "rl"], "problem_id": ["a", "b", "a", "b"],
...                        "n": [8] * 4, "correct": [1, 2, 8, 0], "answer_correct": [1, 2, 8, 0],
...                        "tier": ["B", "B", "B", "B"]})
>>> row = coverage_table(counts, "base").to_dict("records")[0]
>>> [row[k] for k in ("model", "tier", "solved", "base_only", "rl_only", "subset")]
['rl', 'B', 1, 1, 0, True]
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import passk


def pass_at_k_table(counts: pd.DataFrame, ks=(1, 4, 16, 64, 256, 1024), metric: str = "correct",
                    n_boot: int = 1000) -> pd.DataFrame:
    """pass@k with a 95% problem-bootstrap interval per model and tier (``metric``: correct or answer_correct)."""
    rows = []
    for (model, tier), g in counts.groupby(["model", "tier"], sort=False):
        n = g.n.to_numpy()
        use = [k for k in ks if k <= n.min()]
        cur = passk.bootstrap_curve(n, g[metric].to_numpy(), use, n_boot=n_boot)
        rows += [{"model": model, "tier": tier, "metric": metric, "k": k, "pass_at_k": v, "low": lo, "high": hi}
                 for k, v, lo, hi in zip(cur.ks, cur.value, cur.low, cur.high)]
    return pd.DataFrame(rows)


def coverage_table(counts: pd.DataFrame, base: str = "base", metric: str = "correct") -> pd.DataFrame:
    """Per model and tier: problems solved (c > 0), and against ``base``: both, base-only, model-only, subset."""
    rows = []
    ref = counts[counts.model == base].set_index("problem_id")[metric]
    for (model, tier), g in counts.groupby(["model", "tier"], sort=False):
        if model == base:
            continue
        ids = g.problem_id.to_numpy()
        cov = passk.coverage_sets(ids, ref.loc[ids].to_numpy(), g[metric].to_numpy())
        d = cov.to_dict()
        rows.append({"model": model, "tier": tier, "problems": len(g), "solved": int((g[metric] > 0).sum()),
                     "base_solved": int((ref.loc[ids] > 0).sum()), "both": int(d["both"]),
                     "base_only": int(d["base_only"]), "rl_only": int(d["rl_only"]),
                     "subset": bool(cov.rl_subset_of_base)})
    return pd.DataFrame(rows)


def delta_se_table(counts: pd.DataFrame, base: str = "base", k: int = 256) -> pd.DataFrame:
    """ΔSE = pass@k(base) - pass@1(model) per model and tier (paper Fig. 8 uses k = 256)."""
    rows = []
    b = counts[counts.model == base].set_index("problem_id")
    for (model, tier), g in counts.groupby(["model", "tier"], sort=False):
        if model == base:
            continue
        bb = b.loc[g.problem_id]
        kk = min(k, int(bb.n.min()))
        rows.append({"model": model, "tier": tier, "k": kk,
                     "delta_se": passk.delta_se(bb.n.to_numpy(), bb.correct.to_numpy(), g.n.to_numpy(),
                                                g.correct.to_numpy(), k=kk)})
    return pd.DataFrame(rows)


def perplexity_table(results: str | Path) -> pd.DataFrame:
    """Median and mean perplexity per (scorer, answers_from)."""
    ppl = pd.read_csv(Path(results) / "perplexity.csv")
    return ppl.groupby(["scorer", "answers_from"], sort=False).ppl.agg(["median", "mean", "count"]).reset_index()


def careful_share(results: str | Path) -> pd.DataFrame:
    """Share of careful-strategy samples per model and tier (the collapse diagnostic)."""
    s = pd.read_csv(Path(results) / "strategy_shares.csv")
    out = s[s.strategy == "C"].pivot_table(index="model", columns="tier", values="share", sort=False)
    return out.fillna(0.0)


def report(results: str | Path, ks=(1, 4, 16, 64, 256, 1024)) -> dict[str, pd.DataFrame]:
    """Every summary table of one results directory."""
    counts = pd.read_csv(Path(results) / "counts.csv")
    return {
        "pass_at_k": pass_at_k_table(counts, ks),
        "answer_pass_at_k": pass_at_k_table(counts, ks, metric="answer_correct"),
        "coverage": coverage_table(counts),
        "delta_se": delta_se_table(counts),
        "perplexity": perplexity_table(results),
        "careful_share": careful_share(results),
    }


def main(argv=None) -> None:
    """Print every table of a results directory: ``python -m boundary_lab.micro.summary DIR``."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        for name, table in report(args[0]).items():
            print(f"\n## {name}\n{table.round(3).to_string()}")


if __name__ == "__main__":
    main()
