"""Wall time of each stage of the micro-world pipeline on this machine.

DESIGN.md §6 / issue #5 target: the default pipeline (pretrain + RL + distil +
evaluation) in ten minutes or less on 2 CPU cores. This runs the chosen preset
from an empty work directory and reports the seconds of every stage, with the
load average before and after (the machine is shared: timings are noisy).

Each stage's CPU seconds (``time.process_time``) are reported too: on a shared machine they
say what the stage costs, whatever else runs.

Run: ``python benchmarks/micro_pipeline.py [--preset default] [--device cpu] [--workdir DIR] [--set F=V ...]``.
Writes ``benchmarks/results/micro_pipeline.json`` (``micro_pipeline_<preset>_<device>.json`` for
another preset or off CPU).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default", choices=["tiny", "default", "full"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0 = torch default)")
    parser.add_argument("--workdir", default=None, help="work directory (default: a fresh temporary one)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="a micro-world setting (repeatable), e.g. rl.algorithms=ppo,rloo for the algorithms "
                             "page's runs")
    args = parser.parse_args()

    import torch

    from boundary_lab.micro.config import MicroConfig
    from boundary_lab.micro.pipeline import run_pipeline

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="micro-bench-"))
    if args.workdir and work.exists():
        shutil.rmtree(work)  # timings need every stage to run
    bad = [item for item in args.set if "=" not in item]
    if bad:
        parser.error(f"--set {bad[0]!r}: expected FIELD=VALUE")  # exit 2
    settings = dict(item.split("=", 1) for item in args.set)
    cfg = MicroConfig.preset(args.preset, config=settings, seed=args.seed, device=args.device, threads=args.threads)
    load_before = os.getloadavg()
    t0 = time.time()
    res = run_pipeline(cfg, work, progress=True)
    wall = time.time() - t0
    timings = res.timings
    groups: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds: what the stage costs whatever else runs on the machine
    for name, t in timings.items():
        if name != "total":
            key = name.split(":")[0]
            groups[key] = round(groups.get(key, 0.0) + t["seconds"], 1)
            cpu[key] = round(cpu.get(key, 0.0) + t.get("cpu_seconds", 0.0), 1)
    report = {
        "preset": args.preset, "settings": settings, "device": args.device, "seed": args.seed, "threads": args.threads,
        "wall_s": round(wall, 1),
        "stages_s": groups, "stages_cpu_s": cpu, "detail_s": {k: v["seconds"] for k, v in timings.items()},
        "detail_cpu_s": {k: v["cpu_seconds"] for k, v in timings.items() if "cpu_seconds" in v},
        "target_s": 600 if args.preset == "default" else None,
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "platform": platform.platform(),
                    "cuda": torch.cuda.get_device_name(0) if args.device == "cuda" else None},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "note": "shared machine: other jobs ran at the same time (see load averages)",
    }
    name = "micro_pipeline" + (f"_{args.preset}" if args.preset != "default" else "") + (
        f"_{args.device}" if args.device != "cpu" else "") + ("_settings" if settings else "") + ".json"
    out = REPO / "benchmarks" / "results" / name
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    print(f"models and evaluations kept in {work}")


if __name__ == "__main__":
    main()
