"""A reproducible random sample of mutmut's mutants, per module, for modules too slow to run whole.

A mutant of the micro-world modules costs 20-60 s (its tests sample from a trained tiny model), so
``make mutation`` on all of them takes hours on 2 cores. This script draws, per module, a simple
random sample of its mutants (a fixed seed, optionally only some functions), after mutmut has
generated them (``mutmut run`` once, which also collects which tests reach which function). Run
the sample with ``mutmut run $(python scripts/mutation_sample.py ...)``, then read the kill rate
of the sample with ``scripts/mutation_report.py --files ...``: a sample's kill rate estimates the
module's, with the binomial (Wilson) interval that the report prints beside it.

    .venv/bin/python scripts/mutation_sample.py --root . --per-module 40 \
        --module 'boundary_lab.micro.phase' --module 'boundary_lab.report' \
        --module 'boundary_lab.micro.pipeline:rl_runs,Pipeline.models,Pipeline.eval_dir'
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def mutants(root: Path, module: str) -> list[str]:
    """Every mutant name of ``module`` (dotted, as mutmut names them), in mutmut's order."""
    meta = root / "mutants" / (module.replace(".", "/") + ".py.meta")
    return list(json.loads(meta.read_text())["exit_code_by_key"])


def function_of(name: str) -> str:
    """``boundary_lab.m.x_f__mutmut_3`` -> ``f``; ``...xǁCǁf__mutmut_3`` -> ``C.f``."""
    mangled = name.rsplit("__mutmut_", 1)[0].rsplit(".", 1)[1]
    if mangled.startswith("xǁ"):
        cls, fn = mangled[2:].split("ǁ", 1)
        return f"{cls}.{fn}"
    return mangled[2:]


def sample(root: Path, spec: str, per_module: int, seed: int) -> list[str]:
    """``spec``: ``module`` or ``module:f,Class.g`` (only those functions)."""
    module, _, only = spec.partition(":")
    names = mutants(root, module)
    if only:
        wanted = set(only.split(","))
        names = [n for n in names if function_of(n) in wanted]
    rng = random.Random(f"{seed}:{module}:{only}")
    return sorted(rng.sample(names, min(per_module, len(names))))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=".", help="the tree mutmut ran in (it holds mutants/)")
    ap.add_argument("--module", action="append", required=True, help="module[:f,Class.g]; repeatable")
    ap.add_argument("--per-module", type=int, default=40)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)
    for spec in args.module:
        print("\n".join(sample(Path(args.root), spec, args.per_module, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
