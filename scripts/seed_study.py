"""The book's central result over seeds: base vs final RL checkpoint in each regime, 5 seeds, n = 1024.

    python scripts/seed_study.py --seeds 0 1 2 3 4 --workdir runs/seed_study     # all regimes
    python scripts/seed_study.py --seeds 1 3 --regimes narrowing                 # a part (two processes)
    python scripts/seed_study.py --collect                                      # write the result files
    python scripts/seed_study.py --tables                                       # LOG.md's tables, from them

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
from boundary_lab.micro import phase  # noqa: E402
from boundary_lab.micro.pipeline import Pipeline  # noqa: E402
from boundary_lab.micro.regimes import regime_config  # noqa: E402
from boundary_lab.pages import git_commit  # noqa: E402

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
    # the paper's Fig. 15 in the capped world: GRPO with a plain KL penalty, and with 32 rollouts per prompt
    "narrowing, KL 0.001": ("narrowing", {"rl.trainer.kl_coef": 0.001},
                            "capped; GRPO with a plain KL penalty of 0.001 to the base (paper Fig. 15)"),
    "narrowing, 32 rollouts": ("narrowing", {"rl.trainer.rollouts_per_prompt": 32},
                               "capped; GRPO with 32 rollouts per prompt instead of 8 (paper Fig. 15)"),
}
SETTINGS = {"eval.n": N_MAX, "eval.tiers": "AB"}


def configs(study: str, seed: int):
    regime, extra, _ = STUDY[study]
    return regime_config(regime, "default", seed, {**SETTINGS, **extra})


def run(studies: list[str], seeds: list[int], workdir: Path) -> None:
    for seed in seeds:
        for study in studies:
            t0 = time.time()
            cfg = configs(study, seed)
            phase.run_cell(cfg, workdir)
            # the cache directories' names hash the source code, which may change before --collect: record them
            pipe = Pipeline(cfg, workdir, progress=False)
            with open(workdir / "index.jsonl", "a") as f:
                for m in _cell_models(pipe):
                    f.write(json.dumps({"regime": study, "seed": seed, "model": m["kind"], "model_path": m["path"],
                                        "eval_dir": str(pipe.eval_dir(m))}) + "\n")
            print(f"{study} seed {seed}: {time.time() - t0:.0f} s", flush=True)


def _cell_models(pipe) -> list[dict]:
    return [m for m in pipe.models(("pretrain", "rl")) if m["kind"] == "base" or (m["main"] and m["final"])]


def attribute(workdir: Path, studies: list[str]) -> list[dict]:
    """Index rows for runs made before the index existed (the first five-seed run of 2026-12-07), from what
    the cache directories hold: a pretrained model's seed from its DONE.json; an RL model's seed from the
    pretrained weights nearest to its own (RL starts there and moves little); its regime from the order in
    which one process trained a seed's runs (``studies`` order); and each evaluation's model by
    re-sampling: the first problem's first batch of samples is drawn again from each candidate with the
    evaluation's own seed and stream, and only the model that wrote the evaluation gives the same texts."""
    import numpy as np
    from safetensors.numpy import load_file

    from boundary_lab.micro.evaluate import evaluate_checkpoint
    from boundary_lab.micro.task import heldout_tiers

    known = _index(workdir)
    done_evals = {r["eval_dir"] for r in known}
    pre = {json.loads((d / "DONE.json").read_text())["config"]["seed"]: d
           for d in sorted((workdir / "models").glob("pretrain-*")) if (d / "DONE.json").exists()}
    weights = {s: load_file(str(d / "model.safetensors")) for s, d in pre.items()}
    rl_seed = {}
    for d in sorted((workdir / "models").glob("rl-grpo-*")):
        if not (d / "DONE.json").exists() or any(r["model_path"] == str(d / "step_300") for r in known):
            continue
        w = load_file(str(d / "step_300" / "model.safetensors"))
        dist = {s: sum(float(np.sum((w[k] - pw[k]) ** 2)) for k in w) for s, pw in weights.items()}
        rl_seed[d] = min(dist, key=dist.get)
    rows = []
    for s in sorted(pre):
        mine = sorted((d for d in rl_seed if rl_seed[d] == s), key=lambda d: (d / "DONE.json").stat().st_mtime)
        if len(mine) != len(studies):  # a seed still training (or indexed already): order would be ambiguous
            continue
        for study, d in zip(studies, mine):
            rows.append({"regime": study, "seed": s, "model": "rl", "model_path": str(d / "step_300")})
        rows += [{"regime": study, "seed": s, "model": "base", "model_path": str(pre[s])} for study in studies]
    cfg = configs(studies[0], 0)
    pipe = Pipeline(cfg, workdir, progress=False)
    first = heldout_tiers(cfg.task)
    first = [q for q in first if q.tier in (cfg.eval.tiers or "ABC")][:1]
    evals = {e: pd.read_parquet(e / "samples.parquet").head(cfg.eval.batch_size).completion.tolist()
             for e in sorted((workdir / "evals").glob("*"))
             if str(e) not in done_evals and (e / "DONE.json").exists()}
    owner, ties = {}, {}
    for path, seed, kind in sorted({(r["model_path"], r["seed"], r["model"]) for r in rows}):
        label = "base" if kind == "base" else phase.final_label(cfg)
        samples, _ = evaluate_checkpoint(path, first, label, cfg.eval, pipe.max_new_tokens, seed, cfg.device,
                                         False, (label,))
        texts = samples.completion.head(cfg.eval.batch_size).tolist()
        hits = [e for e, want in evals.items() if want == texts]
        print(f"{Path(path).name if kind == 'base' else Path(path).parent.name} (seed {seed}): "
              f"{[e.name for e in hits] or 'no evaluation'}", flush=True)
        if len(hits) == 1:
            owner[path] = str(hits[0])
        elif hits:
            ties.setdefault(tuple(hits), []).append(path)
    # k models of one process that write the same first batch, and k evaluations that match all of them:
    # that process trained and evaluated them in turn, so the i-th trained model wrote the i-th evaluation
    for hits, paths in ties.items():
        if len(hits) == len(paths):
            by_time = sorted(paths, key=lambda p: (Path(p).parent / "DONE.json").stat().st_mtime)
            for p, e in zip(by_time, sorted(hits, key=lambda e: (e / "DONE.json").stat().st_mtime)):
                owner[p] = str(e)
                print(f"tie broken by training order: {Path(p).parent.name} -> {e.name}")
    for r in rows:
        r["eval_dir"] = owner.get(r["model_path"], "")
    return [r for r in rows if r["eval_dir"]]


def _index(workdir: Path) -> list[dict]:
    path = workdir / "index.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def collect(studies: list[str], seeds: list[int], workdir: Path) -> pd.DataFrame:
    """Counts at n = 1024 and at n = 256 (the first 256 samples) of every finished (study, seed)."""
    frames = []
    index = {(r["regime"], r["seed"], r["model"]): r for r in _index(workdir)}
    for study in studies:
        for seed in seeds:
            cfg = configs(study, seed)
            for kind in ("base", "rl"):
                row = index.get((study, seed, kind))
                if row is None or not (Path(row["eval_dir"]) / "DONE.json").exists():
                    print(f"missing: {study} seed {seed} {kind}", file=sys.stderr)
                    break
                d = Path(row["eval_dir"])
                s = pd.read_parquet(d / "samples.parquet")
                for n in (N_MAX, N_SMALL):
                    part = s[s.sample_id < n]
                    c = (part.groupby(["problem_id", "tier", "length"], as_index=False)
                         .agg(n=("correct", "size"), correct=("correct", "sum"),
                              careful=("strategy", lambda x: int((x == "careful").sum()))))
                    c.insert(0, "model", kind)
                    c.insert(0, "rl_label", phase.final_label(cfg))
                    c.insert(0, "n_max", n)
                    c.insert(0, "seed", seed)
                    c.insert(0, "regime", study)
                    frames.append(c)
    return pd.concat(frames, ignore_index=True)


def tables() -> int:
    """LOG.md 2026-12-07's tables: per seed, and both intervals of base - RL at k_max, from the shipped study."""
    import boundary_lab as bl

    study = bl.measured.seed_study()
    print(study.source())
    cols = ["regime", "seed", "n", "base pass@1", "rl pass@1", "rl pass@kmax", "rl solved", "base_only",
            "compared_only", "rl careful"]
    per_seed = pd.concat([bl.tables.seed_study_table(study, n, "B").assign(n=n) for n in (N_SMALL, N_MAX)])
    print(per_seed[cols].round(3).to_markdown(index=False))
    iv = pd.concat([bl.tables.seed_study_intervals(study, n, "B", n_boot=2000).assign(n=n) for n in (N_SMALL, N_MAX)])
    iv = iv[iv["k"] > 1].assign(interval=lambda f: [f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]" for d, lo, hi in
                                                    zip(f["diff"], f["ci_low"], f["ci_high"])])
    print(iv.pivot_table(index=["regime", "n"], columns="conditions_on", values="interval", aggfunc="first")
          .reset_index().to_markdown(index=False))
    grid = [r for r in ("narrowing", "uncapped", "narrowing, as drawn", "uncapped, as drawn") if r in study.regimes]
    _, cells = bl.tables.study_grid(study, grid, n_max=N_MAX, n_boot=2000)
    print(cells.drop(columns=["ci_low", "ci_high"]).round(3).to_markdown(index=False))  # the phase-diagram page's
    ablations = {r: kind for r, kind in (("narrowing, KL 0.001", "KL"), ("narrowing, 32 rollouts", "rollouts"))
                 if r in study.regimes}
    if ablations:  # the remedies page's Fig. 15 over seeds
        print(bl.findings.ablation_report(study, "narrowing", ablations, "B", N_MAX, 2000))
    weights = bl.tables.mix_weights("narrowing")
    mix = bl.tables.mix_tables(study, study.regimes, N_MAX, weights)
    print(bl.findings.mix_report(study, study.regimes, N_MAX, weights, mix))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--regimes", nargs="+", default=list(STUDY), choices=list(STUDY))
    ap.add_argument("--workdir", type=Path, default=ROOT / "runs" / "seed_study")
    ap.add_argument("--collect", action="store_true", help="write the result files from finished runs")
    ap.add_argument("--attribute", action="store_true",
                    help="index runs made before the index existed (see attribute()), then exit")
    ap.add_argument("--tables", action="store_true", help="print LOG.md's tables of the committed study")
    ap.add_argument("--merge", action="store_true",
                    help="with --collect: keep the committed (regime, seed) rows this collection does not replace")
    ap.add_argument("--run-commit", default="",
                    help="with --collect: the commit the runs were made at (default: this checkout's)")
    args = ap.parse_args()
    if args.tables:
        return tables()
    if args.attribute:
        rows = attribute(args.workdir, args.regimes)
        with open(args.workdir / "index.jsonl", "a") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        print(f"{len(rows)} index rows added")
        return 0
    if not args.collect:
        run(args.regimes, args.seeds, args.workdir)
        return 0
    from boundary_lab.numerics import describe

    counts = collect(args.regimes, args.seeds, args.workdir)
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    this = {"date": now, "commit": args.run_commit or git_commit(), "machine": describe(),
           "command": "python scripts/seed_study.py --seeds " + " ".join(map(str, args.seeds)) + " --regimes "
                      + " ".join(f"'{r}'" for r in args.regimes),
           "done": sorted({(r, int(s)) for r, s in zip(counts["regime"], counts["seed"])})}
    old_meta = json.loads((RESULTS / "seed_study.json").read_text()) if args.merge else {}
    if args.merge:  # keep every (regime, seed) measured before that this collection does not replace
        old = pd.read_csv(RESULTS / "seed_study_counts.csv.gz", dtype={"problem_id": str})
        fresh = set(this["done"])
        keep = [(r, int(s)) not in fresh for r, s in zip(old["regime"], old["seed"])]
        counts = pd.concat([old[keep], counts], ignore_index=True)
    runs = old_meta.get("runs") or ([{k: old_meta[k] for k in ("date", "commit", "machine", "command")}]
                                    if old_meta else [])
    counts.to_csv(RESULTS / "seed_study_counts.csv.gz", index=False)
    regimes = {**old_meta.get("regimes", {}),
               **{k: {"regime": v[0], "settings": v[1], "what": v[2]} for k, v in STUDY.items() if k in args.regimes}}
    meta = {**this, "settings": SETTINGS, "regimes": regimes, "seeds": sorted(counts.seed.unique().tolist()),
            "runs": [*runs, this]}
    (RESULTS / "seed_study.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{len(counts)} rows -> {RESULTS / 'seed_study_counts.csv.gz'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
