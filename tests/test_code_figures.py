"""notebooks/code_figures.ipynb on real code counts: HumanEval samples graded by `boundary-lab grade --kind code`.

Two "models" on four HumanEval problems, four samples each: `base` writes the canonical solution once and an
empty body three times (it solves every problem, pass@1 = 1/4); `rl` writes the canonical solution every time on
two problems and an empty body on the other two (pass@1 = 1/2, but it solves only two). So the curves cross, as in
the paper's code figures, and the solvable sets differ.
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from boundary_lab.benchmarks import shipped_root

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "code_figures.ipynb"
EMPTY = "    pass\n"


def _run(out: Path, cwd: Path, *params: str) -> dict:
    cmd = [sys.executable, "-m", "papermill", str(NOTEBOOK), str(out), "--cwd", str(cwd), "--no-progress-bar",
           "-k", "python3", *params]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def _outputs(nb: dict) -> list[dict]:
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def _text(nb: dict) -> str:
    parts = []
    for o in _outputs(nb):
        for key, value in o.get("data", {}).items():  # glued sentences are papermill.record/text/markdown
            if key.endswith(("text/markdown", "text/html")):
                parts.append("".join(value))
    return "\n".join(parts)


def _images(nb: dict) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(nb))


@pytest.fixture(scope="module")
def code_counts(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("code")
    with gzip.open(shipped_root() / "code" / "humaneval" / "HumanEval.jsonl.gz", "rt") as fh:
        tasks = [json.loads(next(fh)) for _ in range(4)]
    lines = []
    for i, task in enumerate(tasks):
        base = {k: task[k] for k in ("task_id", "prompt", "test", "entry_point")}
        for s in range(4):
            lines.append({**base, "model": "base", "completion": task["canonical_solution"] if s == 0 else EMPTY})
            lines.append({**base, "model": "rl", "completion": task["canonical_solution"] if i < 2 else EMPTY})
    src = tmp / "samples.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    graded = tmp / "graded.jsonl"
    exe = Path(sys.executable).parent / "boundary-lab"
    proc = subprocess.run([str(exe), "grade", str(src), "--kind", "code", "-o", str(graded), "--quiet",
                           "--workers", "2", "--timeout", "10"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = pd.read_json(graded, lines=True)
    # the canonical solutions pass and the empty bodies fail, as graded by the real sandbox
    assert rows["passed"].tolist() == [c != EMPTY for c in rows["completion"]]
    counts = (rows.groupby(["model", "task_id"], sort=False)["passed"].agg(n="size", correct="sum").reset_index()
              .rename(columns={"task_id": "problem_id"}))
    path = tmp / "counts.csv"
    counts[["model", "problem_id", "n", "correct"]].to_csv(path, index=False)
    return path


@pytest.mark.slow
@pytest.mark.sandbox
def test_code_page_draws_the_users_counts(code_counts, tmp_path):
    nb = _run(tmp_path / "out.ipynb", tmp_path, "-p", "counts", str(code_counts), "-p", "n_boot", "50")
    text = _text(nb)
    assert ("On 4 problems with 4 samples each, base solves 4 and rl 2 (rl-only: none; base-only: HumanEval/2 "
            "HumanEval/3); pass@1 is 0.250 for base and 0.500 for rl, pass@4 1.000 and 0.500.") in text
    assert _images(nb) == 1  # the pass@k figure
    # the Table 5 layout: one row of solved ids per model
    assert text.count("<td>HumanEval/0 HumanEval/1 HumanEval/2 HumanEval/3</td>") == 1
    assert text.count("<td>HumanEval/0 HumanEval/1</td>") == 1
    assert "No code counts were given" not in text


@pytest.mark.slow
def test_code_page_without_counts_draws_nothing(tmp_path):
    nb = _run(tmp_path / "out.ipynb", tmp_path)
    text = _text(nb)
    assert "No code counts were given" in text and "papermill notebooks/code_figures.ipynb" in text
    assert _images(nb) == 0 and "<table" not in text  # no figure, no table: nothing made up


@pytest.mark.slow
@pytest.mark.sandbox
def test_code_page_names_an_unknown_model(code_counts, tmp_path):
    """A model name that is not in the counts is a one-line error naming it (papermill fails the page)."""
    cmd = [sys.executable, "-m", "papermill", str(NOTEBOOK), str(tmp_path / "o.ipynb"), "--cwd", str(tmp_path),
           "--no-progress-bar", "-k", "python3", "-p", "counts", str(code_counts), "-p", "rl", "coder-r1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and "coder-r1" in proc.stderr
