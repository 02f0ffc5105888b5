"""``boundary-lab micro``: train and evaluate the micro-world (pretrain, rl, distill, evaluate).

Stages are cached by config hash under ``--workdir``; re-running reuses trained
models. Prints the results directory and pass@1 / pass@n per model and tier.
"""
from __future__ import annotations

import dataclasses

from ..errors import InputError


def register(sub) -> None:
    p = sub.add_parser("micro", help="train a tiny base model, RL it, distil it and evaluate it (CPU, cached)")
    p.add_argument("--preset", default="default", choices=["tiny", "default", "full"],
                   help="scale: tiny (tests), default (the book, ~10 min on 2 cores), full (LOG.md)")
    p.add_argument("--stages", default="pretrain,rl,distill,evaluate",
                   help="comma-separated stages among pretrain,rl,distill,evaluate")
    p.add_argument("--workdir", default="micro-work", help="cache and results directory")
    p.add_argument("--seed", type=int, default=0, help="training seed")
    p.add_argument("--device", default="cpu", help="torch device (cpu or cuda)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (0 = torch default; 1, the default, is fastest for these small models on a busy machine)")
    p.add_argument("--n", type=int, default=None, help="samples per held-out problem (overrides the preset)")
    p.add_argument("--algorithms", default="", help="extra RL algorithms, comma-separated (grpo,rloo,reinforce_pp,remax,dapo,ppo)")
    p.add_argument("--remedies", default="", help="remedy runs, comma-separated (entropy,kl_reset,pass_at_k,nsr,more_rollouts)")
    p.add_argument("--remedies-without-tier-b", action="store_true",
                   help="train the remedies on the split without tier-B-type problems (where RL collapses)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def config_from_args(args):
    """The ``MicroConfig`` the arguments describe."""
    from ..micro.config import MicroConfig

    cfg = MicroConfig.preset(args.preset, seed=args.seed, device=args.device, threads=args.threads)
    rl = dataclasses.replace(cfg.rl, algorithms=_csv(args.algorithms), remedies=_csv(args.remedies),
                             remedies_without_tier_b=args.remedies_without_tier_b)
    ev = cfg.eval if args.n is None else dataclasses.replace(cfg.eval, n=args.n)
    if ev.n < 1:
        raise InputError(f"--n: must be >= 1, got {ev.n}")
    return dataclasses.replace(cfg, rl=rl, eval=ev).validate()


def run(args) -> int:
    import pandas as pd

    from ..micro.pipeline import run_pipeline
    from ..passk import pass_at_k_curve

    cfg = config_from_args(args)
    results = run_pipeline(cfg, args.workdir, stages=_csv(args.stages), preset=args.preset, progress=not args.quiet)
    print(f"results: {results}")
    if (results / "counts.csv").exists():
        counts = pd.read_csv(results / "counts.csv")
        rows = []
        for (model, tier), g in counts.groupby(["model", "tier"], sort=False):
            n = int(g.n.min())
            p1, pn = pass_at_k_curve(g.n.to_numpy(), g.correct.to_numpy(), [1, n])
            rows.append({"model": model, "tier": tier, "pass@1": round(float(p1), 3), f"pass@n": round(float(pn), 3),
                         "solved": int((g.correct > 0).sum()), "problems": len(g)})
        print(pd.DataFrame(rows).to_string(index=False))
    return 0
