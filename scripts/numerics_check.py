"""Is a micro-world run the same, bit for bit, on any x86-64 machine? (boundary_lab/numerics.py)

    python scripts/numerics_check.py simulate [--preset tiny]     # one host, several simulated hosts
    python scripts/numerics_check.py check --preset default --workdir runs/micro --existing   # a built book
    python scripts/numerics_check.py check --preset default --regime narrowing --set eval.tiers=AB \
        --workdir runs/micro --existing                                           # the narrowing page
    python scripts/numerics_check.py update --preset tiny --workdir W            # rewrite the committed set

``simulate`` trains the preset (seed 0) once per variant, each in a fresh work
directory and a fresh process, and compares the fingerprints of every stage
(boundary_lab/micro/fingerprint.py): the pinned numerics on this host as it is, on
this host with MKL and oneDNN restricted to AVX2 (as on an AVX2-only or AMD host)
and to SSE4.2, with a user's ATEN_CPU_CAPABILITY=avx512 (overridden by the pin),
and unpinned (``BOUNDARY_LAB_NUMERICS=native``) at this host's own capability and at
AVX2. It records each variant's CPU seconds (the pin's cost) and writes
benchmarks/results/numerics_check.json with the date, machine and commit.

``check`` compares a finished work directory with tests/data/pinned_fingerprints.json
and names the first stage that differs (exit 1), or says they agree (exit 0).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boundary_lab  # noqa: E402,F401  (pins the numerics of this process before torch loads)
from boundary_lab.micro.config import MicroConfig  # noqa: E402
from boundary_lab.micro.fingerprint import fingerprints, first_difference  # noqa: E402
from boundary_lab.pages import git_commit  # noqa: E402

COMMITTED = ROOT / "tests" / "data" / "pinned_fingerprints.json"
RESULT = ROOT / "benchmarks" / "results" / "numerics_check.json"

# name -> environment changes; "pinned" variants must agree with each other.
VARIANTS = {
    "pinned, host as is": {},
    "pinned, MKL+oneDNN capped at AVX2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "pinned, MKL SSE4.2, oneDNN SSE4.1": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41"},
    "pinned, user set ATen avx512 + MKL AUTO": {"ATEN_CPU_CAPABILITY": "avx512", "MKL_CBWR": "AUTO"},
    "native (unpinned)": {"BOUNDARY_LAB_NUMERICS": "native"},
    "native, ATen avx2": {"BOUNDARY_LAB_NUMERICS": "native", "ATEN_CPU_CAPABILITY": "avx2"},
    "native, ATen avx2, MKL capped at AVX2": {"BOUNDARY_LAB_NUMERICS": "native", "ATEN_CPU_CAPABILITY": "avx2",
                                               "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
}


def config(preset: str, sets: list[str], regime: str = "") -> MicroConfig:
    overrides = dict(s.split("=", 1) for s in sets)
    if regime:
        from boundary_lab.micro.regimes import regime_config

        return regime_config(regime, preset, 0, overrides)
    return MicroConfig.preset(preset, seed=0, config=overrides or None)


def _key(args) -> str:
    return args.name or (f"{args.preset}/{args.regime}" if args.regime else args.preset)


def train(preset: str, sets: list[str], workdir: Path, env: dict) -> float:
    """Run the preset in a fresh process; return its CPU seconds."""
    full = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
    full.update({"OMP_NUM_THREADS": "1", **env})
    cmd = [sys.executable, "-m", "boundary_lab.cli", "micro", "--preset", preset, "--seed", "0",
           "--workdir", str(workdir), "--quiet"] + [a for s in sets for a in ("--set", s)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=full, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1)


def simulate(args) -> int:
    from boundary_lab.numerics import describe

    rows, prints = [], {}
    with tempfile.TemporaryDirectory(prefix="numerics-") as tmp:
        for name, env in VARIANTS.items():
            work = Path(tmp) / str(len(prints))
            t0 = time.time()
            cpu = train(args.preset, args.set, work, env)
            prints[name] = _prints_in(env, args.preset, args.set, work)
            rows.append({"variant": name, "env": env, "cpu_seconds": cpu, "wall_seconds": round(time.time() - t0, 1)})
            print(f"{name:42s} {cpu:7.1f} CPU-s  pretrain {prints[name]['pretrain'][:12]}", flush=True)
    ref = prints["pinned, host as is"]
    for r in rows:
        r["first_difference_from_pinned"] = first_difference(prints[r["variant"]], ref)
        r["fingerprints"] = prints[r["variant"]]
    pinned_equal = all(r["first_difference_from_pinned"] is None for r in rows if r["variant"].startswith("pinned"))
    committed = json.loads(COMMITTED.read_text()).get(args.preset) if COMMITTED.exists() and not args.set else None
    out = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "commit": git_commit(), "machine": describe(), "preset": args.preset, "settings": args.set,
           "pinned_variants_agree": pinned_equal,
           "matches_committed": (first_difference(ref, committed) is None) if committed else None,
           "variants": rows}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"pinned variants agree: {pinned_equal}; matches committed: {out['matches_committed']}; -> {RESULT}")
    return 0 if pinned_equal else 1


def _prints_in(env: dict, preset: str, sets: list[str], work: Path) -> dict:
    """Fingerprints read in a process with the training run's environment (its cache keys
    include the numerics, so a native run's directories are found only under its own settings)."""
    full = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
    code = ("import json, sys; from boundary_lab.micro.config import MicroConfig; "
            "from boundary_lab.micro.fingerprint import fingerprints; "
            f"cfg = MicroConfig.preset({preset!r}, seed=0, config=dict(s.split('=', 1) for s in {sets!r}) or None); "
            f"print(json.dumps(fingerprints(cfg, {str(work)!r})))")
    out = subprocess.run([sys.executable, "-c", code], env={**full, **env}, check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout)


def check(args) -> int:
    cfg = config(args.preset, args.set, args.regime)
    want = json.loads(COMMITTED.read_text())[_key(args)]
    got = fingerprints(cfg, args.workdir, tuple(args.stages.split(",")), existing=args.existing)
    want = {k: v for k, v in want.items() if k.split(":")[0] in args.stages.split(",")}
    diff = first_difference(got, want)
    if diff is None:
        print(f"{args.workdir}: all {len(got)} fingerprints of {_key(args)!r} match {COMMITTED.name}")
        return 0
    print(f"{args.workdir}: first difference at {diff}: got {str(got.get(diff))[:16]}, "
          f"committed {str(want.get(diff))[:16]} "
          f"({sum(got.get(k) != v for k, v in want.items())} of {len(want)} differ)")
    return 1


def update(args) -> int:
    cfg = config(args.preset, args.set, args.regime)
    data = json.loads(COMMITTED.read_text()) if COMMITTED.exists() else {}
    data[_key(args)] = fingerprints(cfg, args.workdir, tuple(args.stages.split(",")), existing=args.existing)
    COMMITTED.parent.mkdir(parents=True, exist_ok=True)
    COMMITTED.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"{COMMITTED}: {_key(args)}: {len(data[_key(args)])} fingerprints")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["simulate", "check", "update"])
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--set", action="append", default=[], help="a dotted setting FIELD=VALUE (simulate)")
    ap.add_argument("--stages", default="pretrain,rl,distill,evaluate")
    ap.add_argument("--regime", default="", help="a named regime (boundary_lab.micro.regimes) on top of the preset")
    ap.add_argument("--name", default="", help="the key in the committed file (default: preset[/regime])")
    ap.add_argument("--existing", action="store_true",
                    help="only the models the run trained (a book page trains only what it shows)")
    args = ap.parse_args()
    if args.mode != "simulate" and args.workdir is None:
        ap.error("--workdir is required")
    return {"simulate": simulate, "check": check, "update": update}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
