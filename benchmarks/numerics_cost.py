"""What pinning the CPU numerics costs (boundary_lab/numerics.py): CPU seconds per training step and per sample.

    python benchmarks/numerics_cost.py [--steps 150] [--repeats 2]

Pretrains the default world for ``--steps`` steps, then samples 8 completions for each of
the 144 held-out problems, in fresh processes, alternating the pinned numerics (ATen AVX2,
MKL COMPATIBLE), the native ones (BOUNDARY_LAB_NUMERICS=native: this host's own kernels)
and each of the two settings alone, ``--repeats`` times each. CPU seconds (user + system of the child) are less
sensitive than wall time to other work on a shared machine. Writes
benchmarks/results/numerics_cost.json with the date, machine and commit.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, resource, sys, time
import boundary_lab
from boundary_lab import numerics
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.evaluate import sample
from boundary_lab.micro.pretrain import pretrain
from boundary_lab.micro.task import heldout_tiers
from boundary_lab.micro.tokenizer import build_tokenizer
import torch
numerics.ensure_pinned()
torch.set_num_threads(1)
cfg = MicroConfig.preset("default", seed=0, config={"pretrain.steps": int(sys.argv[1])})
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c0 = cpu()
model, _ = pretrain(cfg, False)
c1 = cpu()
problems = heldout_tiers(cfg.task)
sample(model, build_tokenizer(cfg.task.modulus), [q.prompt for q in problems], n=8, temperature=1.0, top_p=1.0,
       max_new_tokens=40, seed=0)
c2 = cpu()
print(json.dumps({"state": numerics.state(), "pretrain_cpu_s": c1 - c0, "sample_cpu_s": c2 - c1,
                  "samples": 8 * len(problems)}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    from boundary_lab.numerics import describe
    from boundary_lab.pages import git_commit

    runs = []
    base_env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
    # which of the two settings costs what: each alone, in native mode (the package leaves them as set)
    modes = {"pinned": {"BOUNDARY_LAB_NUMERICS": "pinned"},
             "native": {"BOUNDARY_LAB_NUMERICS": "native"},
             "ATen avx2 only": {"BOUNDARY_LAB_NUMERICS": "native", "ATEN_CPU_CAPABILITY": "avx2"},
             "MKL COMPATIBLE only": {"BOUNDARY_LAB_NUMERICS": "native", "MKL_CBWR": "COMPATIBLE"}}
    for _ in range(args.repeats):
        for mode, extra in modes.items():
            env = {**base_env, "OMP_NUM_THREADS": "1", **extra}
            out = subprocess.run([sys.executable, "-c", CHILD, str(args.steps)], env=env, check=True,
                                 capture_output=True, text=True, cwd=ROOT)
            row = {"mode": mode, **json.loads(out.stdout.strip().splitlines()[-1])}
            runs.append(row)
            print(f"{mode:20s} {row['state']['aten']:7s} MKL {row['state']['mkl_cbwr']:10s} "
                  f"pretrain {row['pretrain_cpu_s']:6.1f} CPU-s "
                  f"({1000 * row['pretrain_cpu_s'] / args.steps:.1f} ms/step), "
                  f"sampling {row['sample_cpu_s']:5.2f} CPU-s",
                  flush=True)

    def mean(mode, key):
        vals = [r[key] for r in runs if r["mode"] == mode]
        return sum(vals) / len(vals)

    summary = {key: {**{mode: round(mean(mode, key), 2) for mode in modes},
                     **{f"{mode} / native": round(mean(mode, key) / mean("native", key), 3)
                        for mode in modes if mode != "native"}}
               for key in ("pretrain_cpu_s", "sample_cpu_s")}
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "commit": git_commit(), "machine": describe(), "steps": args.steps, "summary": summary, "runs": runs}
    out = ROOT / "benchmarks" / "results" / "numerics_cost.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(summary), "->", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
