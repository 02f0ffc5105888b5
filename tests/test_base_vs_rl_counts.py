"""The base-vs-RL page on a reader's own counts (issue 21: it crashed with extra columns and with rl empty).

The counts are real: the shipped five-seed study's seed-0 narrowing base and RL model, written as the
CSV `boundary-lab counts` writes (extra columns included).
"""
import subprocess
import sys
from pathlib import Path

import pytest

import boundary_lab as bl

ROOT = Path(__file__).resolve().parents[1]


def _counts_csv(tmp_path: Path) -> Path:
    c = bl.measured.seed_study().counts
    c = c[(c.regime == "narrowing") & (c.seed == 0) & (c.n_max == 256)]
    c = c.assign(model=c["model"].map({"base": "my-base", "rl": "my-rl"}))
    path = tmp_path / "counts.csv"
    c[["model", "problem_id", "n", "correct", "tier", "length", "careful"]].to_csv(path, index=False)
    return path


def _run(tmp_path: Path, *params: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "papermill", "notebooks/base_vs_rl.ipynb", str(tmp_path / "out.ipynb"),
           "-p", "counts", str(_counts_csv(tmp_path)), "-p", "base", "my-base", "-p", "n_boot", "200", *params]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_page_draws_a_readers_counts_and_asks_for_the_rl_model_by_name(tmp_path):
    missing = _run(tmp_path)
    assert missing.returncode != 0
    assert "rl: name the model to compare with the base; your counts hold my-base, my-rl" in missing.stderr
    ok = _run(tmp_path, "-p", "rl", "my-rl")
    assert ok.returncode == 0, ok.stderr[-2000:]
    text = (tmp_path / "out.ipynb").read_text()
    assert "my-base with my-rl on 96 problems, n = 256 samples each" in text
