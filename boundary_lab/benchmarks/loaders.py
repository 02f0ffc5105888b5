r"""Load a benchmark by name (local files or the Hugging Face hub) or from a JSONL path.

The local data root is, in order: the ``root`` argument, the environment
variable ``BOUNDARY_LAB_DATA``, or ``../shared/data`` next to the repository.

>>> problems = load_benchmark("aime24")              # doctest: +SKIP
>>> problems[0]["problem_id"], problems[0]["answer"]  # doctest: +SKIP
('60', '204')
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from .specs import SPECS, BenchmarkSpec, MissingField, user_problem

__all__ = ["data_root", "dataset_sha256", "get_spec", "iter_jsonl", "load_benchmark", "resolve_path"]

_REPO_ROOT = Path(__file__).resolve().parents[2]


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The directory that holds ``math/...`` and ``code/...``; InputError if none is found."""
    if root is not None:
        candidates = [Path(root)]
    elif os.environ.get("BOUNDARY_LAB_DATA"):
        candidates = [Path(os.environ["BOUNDARY_LAB_DATA"])]
    else:
        candidates = [_REPO_ROOT / ".." / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    raise InputError(f"benchmark data root not found: {candidates[0]} (set BOUNDARY_LAB_DATA "
                     "or pass root=..., or use source='hub')")


def get_spec(name: str) -> BenchmarkSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise InputError(f"unknown benchmark {name!r}; known: {', '.join(SPECS)}, "
                         "or a path to a .jsonl file") from None


def resolve_path(name: str, root: str | os.PathLike | None = None) -> Path:
    """Local file of a registered benchmark."""
    return data_root(root) / get_spec(name).local_path


def dataset_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a dataset file's bytes (recorded in store manifests).

    >>> import tempfile; f = tempfile.NamedTemporaryFile(delete=False); _ = f.write(b"abc"); f.close()
    >>> dataset_sha256(f.name)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from None
    return digest.hexdigest()


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; InputError naming the line on bad JSON."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        fh = opener(path, "rt", encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot open: {err.strerror or err}") from None
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}: line {lineno}: invalid JSON ({err.msg}): {line.strip()[:80]!r}") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}: line {lineno}: expected a JSON object, got {type(obj).__name__}")
            yield lineno, obj


def _map_rows(rows, mapper, where: str) -> list[dict]:
    problems, seen = [], {}
    for index, (lineno, row) in enumerate(rows):
        try:
            problem = mapper(row, index)
        except MissingField as err:
            raise InputError(f"{where}: line {lineno}: missing field {err.args[0]}") from None
        except TypeError as err:
            raise InputError(f"{where}: line {lineno}: bad field value: {err}") from None
        pid = problem["problem_id"]
        if pid in seen:
            raise InputError(f"{where}: line {lineno}: duplicate problem_id {pid!r} (first on line {seen[pid]})")
        seen[pid] = lineno
        problems.append(problem)
    if not problems:
        raise InputError(f"{where}: no problems found")
    return problems


def _load_hub(spec: BenchmarkSpec) -> list[dict]:
    """Load from the Hugging Face hub (needs network and ``pip install boundary-lab[hub]``)."""
    try:
        from datasets import load_dataset
    except ImportError:
        raise RuntimeError("source='hub' needs the 'datasets' package: pip install 'boundary-lab[hub]'") from None
    dataset = load_dataset(spec.hub_id, spec.hub_config, split=spec.hub_split)
    rows = ((i + 1, dict(row)) for i, row in enumerate(dataset))
    return _map_rows(rows, spec.to_problem, f"hf://{spec.hub_id}")


def load_benchmark(name_or_path: str | os.PathLike, root: str | os.PathLike | None = None,
                   source: str = "local", limit: int | None = None) -> list[dict]:
    """Problems of a registered benchmark, or of a user JSONL file.

    ``name_or_path``: a name in ``SPECS`` (gsm8k, math500, minerva,
    olympiadbench, aime24, amc23, humaneval) or a path to a ``.jsonl`` file
    with ``problem_id``, ``prompt`` or ``problem``/``question`` and ``answer``.
    ``source``: ``"local"`` (files under the data root) or ``"hub"``.
    ``limit``: keep only the first ``limit`` problems.
    """
    name = str(name_or_path)
    if name in SPECS:
        spec = SPECS[name]
        if source == "hub":
            problems = _load_hub(spec)
        elif source == "local":
            path = resolve_path(name, root)
            if not path.is_file():
                raise InputError(f"benchmark {name!r}: file not found: {path}")
            problems = _map_rows(iter_jsonl(path), spec.to_problem, str(path))
        else:
            raise InputError(f"source must be 'local' or 'hub', got {source!r}")
    elif name.endswith((".jsonl", ".jsonl.gz")) or os.sep in name:
        path = Path(name)
        if not path.is_file():
            raise InputError(f"{path}: file not found")
        problems = _map_rows(iter_jsonl(path), user_problem, str(path))
    else:
        get_spec(name)  # raises the 'unknown benchmark' InputError
        raise AssertionError("unreachable")
    return problems[:limit] if limit is not None else problems


def benchmark_info(name_or_path: str | os.PathLike, root: str | os.PathLike | None = None) -> dict:
    """What a store manifest records about a benchmark: name, file, sha256, verifier, template."""
    name = str(name_or_path)
    if name in SPECS:
        spec, path = SPECS[name], resolve_path(name, root)
        return {"name": name, "path": str(path), "sha256": dataset_sha256(path),
                "verifier": spec.verifier, "template": spec.template}
    problems = load_benchmark(name)
    verifier = "code" if "test" in problems[0] else "math"
    return {"name": Path(name).name, "path": str(Path(name).resolve()), "sha256": dataset_sha256(name),
            "verifier": verifier, "template": "code-plus" if verifier == "code" else "qwen-boxed"}
