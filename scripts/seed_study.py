"""The book's central result over seeds: base vs final RL checkpoint in each regime, 5 seeds, n = 1024.

    python scripts/seed_study.py --seeds 0 1 2 3 4 --workdir runs/seed_study     # all regimes
    python scripts/seed_study.py --seeds 1 3 --regimes narrowing                 # a part (two processes)
    python scripts/seed_study.py --collect                                      # write the result files

Each (regime, seed) pretrains the narrowing world (shared by every regime of a seed),
trains the main RL run (GRPO, 300 steps) and samples tiers A and B at n = 1024
(``boundary_lab.micro.phase.run_cell``; every stage cached under ``--workdir``).
The n = 256 counts are the first 256 of those 1024 samples of each problem: an
unbiased n = 256 draw from the same model (not the very samples an n = 256 run draws:
the sampler seeds each batch, and the batches differ).

Regimes (``STUDY``): the capped narrowing world, the same world uncapped, the
uncapped world whose RL data holds no careful-only problem (the paper's account
with nothing truncated: ``sharpening``), and the two as-drawn cells of the phase
diagram. ``--collect`` writes boundary_lab/measured/seed_study_counts.csv.gz (one row
per regime, seed, n, model and problem) and seed_study.json (date, machine, commit,
settings, CPU seconds). The pages read them through ``bl.report.seed_study()``.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boundary_lab  # noqa: E402,F401  (pins the CPU numerics before torch loads)
from boundary_lab.book import git_commit  # noqa: E402
from boundary_lab.micro import phase  # noqa: E402
from boundary_lab.micro.pipeline import Pipeline  # noqa: E402
from boundary_lab.micro.regimes import regime_config  # noqa: E402

RESULTS = ROOT / "boundary_lab" / "measured"  # package data: the book reads them
N_MAX, N_SMALL = 1024, 256
# name -> (named regime, extra dotted settings, what it tests)
STUDY = {
    "narrowing": ("narrowing", {}, "14-token RL response cap, a quarter of the RL data careful-only"),
    "uncapped": ("uncapped", {}, "the narrowing world without the cap"),
    "sharpening": ("uncapped", {"rl.tier_b_share": 0.0},
                   "no cap; RL data on which the common (shortcut) path suffices"),
    "narrowing, as drawn": ("narrowing", {"rl.tier_b_share": -1.0}, "capped; careful-only problems as drawn (~9%)"),
    "uncapped, as drawn": ("uncapped", {"rl.tier_b_share": -1.0}, "no cap; careful-only problems as drawn (~9%)"),
}
SETTINGS = {"eval.n": N_MAX, "eval.tiers": "AB"}


def configs(study: str, seed: int):
    regime, extra, _ = STUDY[study]
    return regime_config(regime, "default", seed, {**SETTINGS, **extra})


def run(studies: list[str], seeds: list[int], workdir: Path) -> None:
    for seed in seeds:
        for study in studies:
            t0 = time.time()
            phase.run_cell(configs(study, seed), workdir)
            print(f"{study} seed {seed}: {time.time() - t0:.0f} s", flush=True)


def collect(studies: list[str], seeds: list[int], workdir: Path) -> pd.DataFrame:
    """Counts at n = 1024 and at n = 256 (the first 256 samples) of every finished (study, seed)."""
    frames = []
    for study in studies:
        for seed in seeds:
            cfg = configs(study, seed)
            pipe = Pipeline(cfg, workdir, progress=False)
            models = [m for m in pipe.models(("pretrain", "rl")) if m["kind"] == "base" or (m["main"] and m["final"])]
            for m in models:
                d = pipe.eval_dir(m)
                if not (d / "DONE.json").exists():
                    print(f"missing: {study} seed {seed} {m['model']}", file=sys.stderr)
                    break
                s = pd.read_parquet(d / "samples.parquet")
                for n in (N_MAX, N_SMALL):
                    part = s[s.sample_id < n]
                    c = (part.groupby(["problem_id", "tier", "length"], as_index=False)
                         .agg(n=("correct", "size"), correct=("correct", "sum"),
                              careful=("strategy", lambda x: int((x == "careful").sum()))))
                    c.insert(0, "model", "base" if m["kind"] == "base" else "rl")
                    c.insert(0, "rl_label", phase.final_label(cfg))
                    c.insert(0, "n_max", n)
                    c.insert(0, "seed", seed)
                    c.insert(0, "regime", study)
                    frames.append(c)
    return pd.concat(frames, ignore_index=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--regimes", nargs="+", default=list(STUDY), choices=list(STUDY))
    ap.add_argument("--workdir", type=Path, default=ROOT / "runs" / "seed_study")
    ap.add_argument("--collect", action="store_true", help="write the result files from finished runs")
    args = ap.parse_args()
    if not args.collect:
        run(args.regimes, args.seeds, args.workdir)
        return 0
    from boundary_lab.numerics import describe

    counts = collect(args.regimes, args.seeds, args.workdir)
    RESULTS.mkdir(parents=True, exist_ok=True)
    counts.to_csv(RESULTS / "seed_study_counts.csv.gz", index=False)
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "commit": git_commit(), "machine": describe(), "settings": SETTINGS,
            "command": "python scripts/seed_study.py --seeds " + " ".join(map(str, args.seeds)),
            "regimes": {k: {"regime": v[0], "settings": v[1], "what": v[2]} for k, v in STUDY.items()
                        if k in args.regimes},
            "seeds": sorted(counts.seed.unique().tolist())}
    (RESULTS / "seed_study.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{len(counts)} rows -> {RESULTS / 'seed_study_counts.csv.gz'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
