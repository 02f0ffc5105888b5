"""Two processes on one micro-world workdir: one trains a stage, the other waits and reuses it.

``boundary-lab book --jobs 2`` runs pages in parallel processes that share ``runs/micro``;
the per-stage lock (``boundary_lab.micro.pipeline.stage_lock``) must keep them from training
a stage twice or reading a half-written one.
"""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time

from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.pipeline import Pipeline

SCRIPT = """
import json, sys
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.pipeline import Pipeline
pipe = Pipeline(MicroConfig.preset("tiny"), sys.argv[1], progress=False, say=True)
pipe.run_pretrain()
print("TIMINGS " + json.dumps(pipe.timings["pretrain"]), flush=True)
"""


def test_two_processes_train_a_stage_once(tmp_path):
    work = tmp_path / "work"
    out = Pipeline(MicroConfig.preset("tiny"), work, progress=False).base_dir()
    out.parent.mkdir(parents=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    # The test holds the stage's lock until both processes wait on it, so the race is certain.
    with open(out.with_name(f".{out.name}.lock"), "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(work)], stdout=open(log, "w"),
                                  stderr=subprocess.STDOUT, env=env) for log in logs]
        deadline = time.time() + 300
        while not all("waiting for another process" in log.read_text() for log in logs):
            assert time.time() < deadline and all(p.poll() is None for p in procs), [f.read_text() for f in logs]
            time.sleep(0.1)
        assert not (out / "DONE.json").exists()
    for p in procs:
        assert p.wait(timeout=300) == 0
    timings = [json.loads(log.read_text().split("TIMINGS ")[1]) for log in logs]
    trained = [t for t in timings if not t["cached"]]
    reused = [t for t in timings if t["cached"]]
    assert len(trained) == 1 and len(reused) == 1, timings
    assert reused[0]["waited_s"] > 0 and trained[0]["cpu_seconds"] > 0
    assert (out / "DONE.json").exists() and (out / "model.safetensors").exists()
    assert sum("pretrain: running" in log.read_text() for log in logs) == 1
