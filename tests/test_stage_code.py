"""The micro-world's stage cache is keyed by the code each stage runs (issue 22, item 4).

A stage's code hash covers its Pipeline methods and the import closure of what they use
(boundary_lab/micro/pipeline.py, STAGE_METHODS). The end-to-end tests copy the package, plant
a change in one module, and ask a fresh interpreter which cache directories the tiny preset's
stages would use: a planted change re-runs exactly the stages whose closure holds the module.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from boundary_lab import layers
from boundary_lab.micro import pipeline

ROOT = Path(layers.__file__).resolve().parent

PROBE = """
import json, boundary_lab
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.pipeline import Pipeline, rl_runs
cfg = MicroConfig.preset("tiny")
p = Pipeline(cfg, "/nonexistent", progress=False)
models = p.models()
print(json.dumps({"package": boundary_lab.__file__, "pretrain": p.base_dir().name, "rl": p.rl_dir(rl_runs(cfg)[0]).name,
                  "distill": p.distill_dir().name, "evaluate": p.eval_dir(models[0]).name}))
"""


def test_every_stage_reads_the_modules_the_issue_found_missing():
    rl = layers.closure(pipeline.STAGE_CODE["rl"])
    # passk via rl.advantages, sampling.config via rl.rollouts: the hand list of before missed both
    assert {"boundary_lab.passk", "boundary_lab.sampling.config", "boundary_lab.rl.trainer",
            "boundary_lab.micro.task", "boundary_lab.seeding"} <= rl
    assert "boundary_lab.micro.pretrain" in layers.closure(pipeline.STAGE_CODE["pretrain"])
    assert "boundary_lab.micro.evaluate" in layers.closure(pipeline.STAGE_CODE["evaluate"])
    assert "boundary_lab.plots" not in set().union(*(layers.closure(c) for c in pipeline.STAGE_CODE.values()))


def test_the_entry_modules_are_what_the_stage_methods_use():
    # _train_rl imports rl.trainer's train_rl (inside the method: torch loads only when RL runs) and reads
    # micro.task's `check` and `training_problems`
    assert pipeline.STAGE_CODE["rl"] == ("boundary_lab.micro.task", "boundary_lab.rl.trainer")
    assert "boundary_lab.passk" in layers.closure(pipeline.STAGE_CODE["rl"])  # via rl.advantages
    assert set(pipeline.STAGE_CODE) == set(pipeline.STAGE_METHODS)


@pytest.fixture
def package(tmp_path):
    dest = tmp_path / "boundary_lab"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns("__pycache__", "data"))
    return dest


def _dirs(package: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(package.parent), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300,
                         cwd=package.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    dirs = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(dirs.pop("package")).parent == package  # the copy ran, not the checkout
    return dirs


def _plant(path: Path, text: str = "\n# planted change\n") -> None:
    path.write_text(path.read_text() + text)


def test_a_planted_change_in_passk_reruns_the_rl_stage_and_nothing_before_it(package):
    before = _dirs(package)
    _plant(package / "passk.py")
    after = _dirs(package)
    assert after["rl"] != before["rl"]
    assert after["pretrain"] == before["pretrain"] and after["distill"] == before["distill"]
    _plant(package / "plots.py")  # no stage runs plots
    assert _dirs(package) == after


def test_a_planted_change_in_a_stage_method_reruns_that_stage(package):
    before = _dirs(package)
    path = package / "micro" / "pipeline.py"
    text = path.read_text()
    anchor = "        out = self.rl_dir(run)\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + "        _planted = 1\n", 1))
    after = _dirs(package)
    assert after["rl"] != before["rl"] and after["pretrain"] == before["pretrain"]
    _plant(package / "micro" / "pretrain.py")  # pretraining code: every stage downstream of the base
    final = _dirs(package)
    assert all(final[k] != after[k] for k in ("pretrain", "rl", "distill", "evaluate"))
