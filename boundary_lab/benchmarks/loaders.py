r"""Load a benchmark by name (shipped files, a local data root or the Hugging Face hub) or from a JSONL path.

A registered benchmark's file is looked up, in order: under an explicit ``root``
argument or the environment variable ``BOUNDARY_LAB_DATA`` (a directory laid out
like ``boundary_lab/data``: ``math/<name>/test.jsonl[.gz]``, ``code/...``); then in
the files this package ships (``boundary_lab/data``, read through
``importlib.resources``, so a wheel install has them too); then, for a benchmark
that is not shipped, the Hugging Face hub (needs a network and ``datasets``).

>>> problems = load_benchmark("aime24")
>>> problems[0]["problem_id"], problems[0]["answer"]
('60', '204')
>>> data_file("math/math500/test.jsonl").name
'test.jsonl.gz'
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ..errors import InputError
from ..verify.registry import VERIFIERS
from .specs import SPECS, BenchmarkSpec, MissingField, user_problem

__all__ = ["data_file", "data_root", "dataset_sha256", "get_spec", "iter_jsonl", "load_benchmark", "read_jsonl",
           "resolve_path", "shipped_root"]


def shipped_root() -> Path:
    """The benchmark files shipped inside the package (``boundary_lab/data``)."""
    root = resources.files("boundary_lab") / "data"
    if not isinstance(root, Path):  # a zip import: not how pip installs wheels
        raise RuntimeError(f"boundary_lab is imported from an archive ({root}); install it as files")
    return root


def _roots(root: str | os.PathLike | None) -> list[Path]:
    """Data directories to search, in order: ``root`` alone if given, else ``$BOUNDARY_LAB_DATA`` then shipped."""
    given = [(Path(root), "root")] if root is not None else []
    if not given and os.environ.get("BOUNDARY_LAB_DATA"):
        given = [(Path(os.environ["BOUNDARY_LAB_DATA"]), "BOUNDARY_LAB_DATA")]
    for path, where in given:
        if not path.is_dir():
            raise InputError(f"benchmark data root not found: {where}={path}")
    roots = [path.resolve() for path, _ in given]
    return roots if root is not None else roots + [shipped_root()]


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The first data directory searched: ``root``, else ``$BOUNDARY_LAB_DATA``, else the shipped files.

    A given root that is not a directory is an InputError naming where it came from."""
    return _roots(root)[0]


def _existing(path: Path) -> Path | None:
    """``path`` or its gzipped twin ``path.gz``, whichever exists."""
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


class DataFileNotFound(InputError):
    """A data file is under none of the data roots searched."""


def data_file(relpath: str, root: str | os.PathLike | None = None) -> Path:
    """A data file by its path under a data root (its ``.gz`` twin accepted); InputError if missing.

    ``relpath`` is the source's own name, e.g. ``"math/gsm8k/example_model_solutions.jsonl"``;
    the shipped copy may be ``....jsonl.gz`` (``iter_jsonl`` reads both). Searched under
    ``root`` if given, else ``$BOUNDARY_LAB_DATA`` and then the shipped files."""
    roots = _roots(root)
    for base in roots:
        found = _existing(base / relpath)
        if found is not None:
            return found
    raise DataFileNotFound(f"data file not found: {relpath} (looked in {', '.join(map(str, roots))})")


def get_spec(name: str) -> BenchmarkSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise InputError(f"unknown benchmark {name!r}; known: {', '.join(SPECS)}, "
                         "or a path to a .jsonl file") from None


def resolve_path(name: str, root: str | os.PathLike | None = None) -> Path:
    """Local file of a registered benchmark (under ``root``/``$BOUNDARY_LAB_DATA``, else shipped)."""
    return data_file(get_spec(name).local_path, root)




def dataset_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a dataset's content (recorded in store manifests).

    A gzip file is hashed after decompression, so the shipped ``test.jsonl.gz`` and the
    published ``test.jsonl`` (or a user's copy of either) give the same digest.

    >>> import tempfile; f = tempfile.NamedTemporaryFile(delete=False); _ = f.write(b"abc"); f.close()
    >>> dataset_sha256(f.name)[:16]
    'ba7816bf8f01cfea'
    >>> g = tempfile.NamedTemporaryFile(suffix=".gz", delete=False); _ = g.write(gzip.compress(b"abc")); g.close()
    >>> dataset_sha256(g.name) == dataset_sha256(f.name)
    True
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        with (gzip.open if gzipped else open)(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError) as err:
        raise InputError(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    return digest.hexdigest()


def read_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, object, str | None]]:
    """``(line number, value, problem)`` for each non-blank line of a JSONL file (``.gz`` too).

    ``problem`` is None for a JSON object, else why the line is unusable (invalid JSON, or not an
    object; ``value`` is then None or the non-object value). Callers decide whether a bad line is
    fatal (``iter_jsonl``) or reported and skipped (``boundary-lab grade``). An unreadable file is
    an InputError."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        fh = opener(path, "rt", encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot open: {err.strerror or err}") from None
    with fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as err:
                    yield lineno, None, f"invalid JSON ({err.msg}): {line.strip()[:80]!r}"
                    continue
                yield lineno, obj, (None if isinstance(obj, dict)
                                    else f"expected a JSON object, got {type(obj).__name__}")
        except (OSError, EOFError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: cannot read input: {err}") from None


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; InputError naming the line on bad JSON."""
    for lineno, obj, problem in read_jsonl(path):
        if problem:
            raise InputError(f"{path}: line {lineno}: {problem}")
        yield lineno, obj


def _map_rows(rows, mapper, where: str) -> list[dict]:
    problems, seen = [], {}
    for index, (lineno, row) in enumerate(rows):
        try:
            problem = mapper(row, index)
        except MissingField as err:
            raise InputError(f"{where}: line {lineno}: missing field {err.args[0]}") from None
        except KeyError as err:  # a mapping that indexes the row directly (row["a"]): the same message
            raise InputError(f"{where}: line {lineno}: missing field {err.args[0]!r}") from None
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
                   source: str = "auto", limit: int | None = None) -> list[dict]:
    """Problems of a registered benchmark, or of a user JSONL file.

    ``name_or_path``: a name in ``SPECS`` (gsm8k, math500, minerva,
    olympiadbench, aime24, amc23, humaneval) or a path to a ``.jsonl`` file
    with ``problem_id``, ``prompt`` or ``problem``/``question`` and ``answer``.
    ``source``: ``"auto"`` (a local file if there is one — under ``root`` alone if given, else
    ``$BOUNDARY_LAB_DATA`` then the shipped files — else the hub), ``"local"`` (never the
    hub) or ``"hub"``.
    ``limit``: keep only the first ``limit`` problems.
    """
    name = str(name_or_path)
    if source not in ("auto", "local", "hub"):
        raise InputError(f"source must be 'auto', 'local' or 'hub', got {source!r}")
    if name in SPECS and SPECS[name].generate is not None:  # made by code (micro-world tiers)
        problems = SPECS[name].generate()
    elif name in SPECS:
        spec = SPECS[name]
        path = None
        if source != "hub":
            try:
                path = resolve_path(name, root)
            except DataFileNotFound:  # not shipped: the hub, unless the caller named where to look
                if source == "local" or root is not None or not spec.hub_id:
                    raise
        problems = (_map_rows(iter_jsonl(path), spec.to_problem, str(path)) if path is not None
                    else _load_hub(spec))
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
    if name in SPECS and SPECS[name].verifier not in VERIFIERS:  # a row's kind must be a verifier row
        raise InputError(f"benchmark {name!r}: verifier: unknown kind {SPECS[name].verifier!r}; "
                         f"known: {', '.join(sorted(VERIFIERS))}")
    if name in SPECS and SPECS[name].generate is not None:
        spec = SPECS[name]
        blob = json.dumps(spec.generate(), sort_keys=True).encode()
        return {"name": name, "path": f"generated:{name}", "sha256": hashlib.sha256(blob).hexdigest(),
                "verifier": spec.verifier, "template": spec.template}
    if name in SPECS:
        spec, path = SPECS[name], resolve_path(name, root)
        return {"name": name, "path": str(path), "sha256": dataset_sha256(path),
                "verifier": spec.verifier, "template": spec.template}
    problems = load_benchmark(name)
    verifier = "code" if "test" in problems[0] else "math"
    return {"name": Path(name).name, "path": str(Path(name).resolve()), "sha256": dataset_sha256(name),
            "verifier": verifier, "template": "code-plus" if verifier == "code" else "qwen-boxed"}
