"""Prepare the notebook smoke runs: inject small parameters into copies for `pytest --nbval-lax`.

Usage: python tests/prepare_notebooks.py OUT_DIR

A "{root}" in a parameter value becomes the repository root. Every notebook in notebooks/ must have an entry in
tests/notebook_params.yml (an empty mapping
means "its defaults are already small"), so a new notebook cannot silently skip its smoke run.
"""
from __future__ import annotations

import sys
from pathlib import Path

import papermill
import yaml

ROOT = Path(__file__).resolve().parents[1]


def main(out_dir: str) -> int:
    params = yaml.safe_load((ROOT / "tests" / "notebook_params.yml").read_text()) or {}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.ipynb"):
        old.unlink()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = [nb.stem for nb in notebooks if nb.stem not in params]
    if missing:
        print(f"tests/notebook_params.yml has no entry for {missing}", file=sys.stderr)
        return 2
    for nb in notebooks:
        # nbval runs each copy in OUT_DIR, so "{root}" in a value stands for the repository root.
        values = {k: v.format(root=ROOT) if isinstance(v, str) else v for k, v in (params[nb.stem] or {}).items()}
        # Papermill only injects the parameters here; nbval executes the copy.
        papermill.execute_notebook(str(nb), str(out / nb.name), parameters=values,
                                   prepare_only=True, progress_bar=False)
    print(f"prepared {len(notebooks)} notebooks in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/nbsmoke"))
