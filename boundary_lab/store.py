"""The sample store: one directory per sampling run, append-only and crash-safe.

Layout::

    RUN/manifest.json             what was sampled: model, benchmark (+ sha256), sampling
                                  config, seed, shard, package versions, shards written
    RUN/shards/shard-00000.parquet  one file per finished chunk of problems; columns
                                  problem_id, sample_id, completion, n_tokens,
                                  finish_reason, extracted, correct (+ any extra columns)

Each shard holds *all* samples of its problems and is committed atomically: written
to a temporary file, flushed, then hard-linked to its final name (which fails rather
than overwrite). The shard files, not the manifest's list, are the truth: a run
killed between writing a shard and updating the manifest is reconciled on open.
So a killed run resumes with :meth:`SampleStore.completed_problems` and neither
loses nor duplicates a sample.

>>> import tempfile, pandas as pd
>>> run = SampleStore.create(tempfile.mkdtemp() + "/run", {"model": "m", "benchmark": {"sha256": "x"}})
>>> _ = run.write_shard(pd.DataFrame({"problem_id": ["p1", "p1"], "sample_id": [0, 1], "completion": ["4", "5"],
...     "n_tokens": [1, 1], "finish_reason": ["stop", "stop"], "extracted": ["4", "5"], "correct": [True, False]}))
>>> counts(run.path)[["model", "problem_id", "n", "correct"]].values.tolist()
[['m', 'p1', 2, 1]]
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .errors import InputError

MANIFEST = "manifest.json"
SHARD_DIR = "shards"
FORMAT_VERSION = 1
REQUIRED_COLUMNS = ["problem_id", "sample_id", "completion", "n_tokens", "finish_reason", "extracted", "correct"]
# Extra per-sample verdicts that counts() also totals when a store has them.
EXTRA_VERDICTS = ["answer_correct", "chain_valid"]
# Manifest fields that must agree for two stores to be resumed into / merged.
IDENTITY_FIELDS = ["model", "benchmark.sha256", "template", "sampling"]


def package_versions() -> dict:
    """Versions of the packages that shape the samples (missing ones are omitted)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("boundary-lab", "torch", "transformers", "vllm", "math-verify"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _get(manifest: dict, dotted: str):
    value = manifest
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def identity_mismatches(a: dict, b: dict) -> list[str]:
    """Names and values of the identity fields on which two manifests disagree."""
    return [f"{f}: {_get(a, f)!r} != {_get(b, f)!r}" for f in IDENTITY_FIELDS if _get(a, f) != _get(b, f)]


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SampleStore:
    """A run directory. Create it with :meth:`create`, reopen it with :meth:`open`."""

    def __init__(self, path: Path, manifest: dict):
        self.path = Path(path)
        self.manifest = manifest
        self._done: set[str] | None = None  # completed problem ids, read once then kept up to date

    # -- opening ---------------------------------------------------------------------
    @classmethod
    def create(cls, path, manifest: dict) -> "SampleStore":
        """A new, empty run at ``path`` (which must not hold a manifest yet)."""
        path = Path(path)
        if (path / MANIFEST).exists():
            raise InputError(f"{path}: already holds a sample store (open it to resume)")
        (path / SHARD_DIR).mkdir(parents=True, exist_ok=True)
        full = {"format_version": FORMAT_VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "versions": package_versions(), **manifest, "shards": []}
        store = cls(path, full)
        store._save_manifest()
        return store

    @classmethod
    def open(cls, path) -> "SampleStore":
        """An existing run; leftovers of an interrupted write are removed, the manifest reconciled."""
        path = Path(path)
        try:
            manifest = json.loads((path / MANIFEST).read_text())
        except FileNotFoundError:
            raise InputError(f"{path}: not a sample store (no {MANIFEST})") from None
        except json.JSONDecodeError as err:
            raise InputError(f"{path / MANIFEST}: invalid JSON ({err})") from None
        store = cls(path, manifest)
        store._reconcile()
        return store

    @classmethod
    def open_or_create(cls, path, manifest: dict) -> "SampleStore":
        """Resume ``path`` if it exists (its identity must match ``manifest``), else create it."""
        if not (Path(path) / MANIFEST).exists():
            return cls.create(path, manifest)
        store = cls.open(path)
        diff = identity_mismatches(store.manifest, manifest)
        if diff:
            raise InputError(f"{path}: existing run was sampled differently; {'; '.join(diff)}")
        return store

    # -- reading ---------------------------------------------------------------------
    def shard_files(self) -> list[Path]:
        return sorted((self.path / SHARD_DIR).glob("shard-*.parquet"))

    def completed_problems(self) -> set[str]:
        """Problem ids whose samples are all committed."""
        if self._done is None:
            self._done = set()
            for f in self.shard_files():
                self._done.update(pd.read_parquet(f, columns=["problem_id"])["problem_id"].astype(str))
        return set(self._done)

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        frames = [pd.read_parquet(f, columns=columns) for f in self.shard_files()]
        if not frames:
            return pd.DataFrame({c: [] for c in (columns or REQUIRED_COLUMNS)})
        df = pd.concat(frames, ignore_index=True)
        if "extracted" in df.columns:  # an all-null shard column reads back as float NaN
            df["extracted"] = df["extracted"].astype(object).where(df["extracted"].notna(), None)
        return df

    # -- writing ---------------------------------------------------------------------
    def write_shard(self, df: pd.DataFrame) -> Path:
        """Commit the samples of some problems (all ``n`` of each) as one new shard."""
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"shard for {self.path} lacks columns {missing}")
        df = df.copy()
        df["problem_id"] = df["problem_id"].astype(str)
        clash = set(df["problem_id"]) & self.completed_problems()
        if clash:
            raise ValueError(f"{self.path}: problems already stored: {sorted(clash)[:5]}")
        shard_dir = self.path / SHARD_DIR
        fd, tmp = tempfile.mkstemp(dir=shard_dir, prefix=".shard-", suffix=".tmp")
        os.close(fd)
        try:
            df.to_parquet(tmp, index=False)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            index = len(self.shard_files())
            while True:  # link() refuses to overwrite, so two writers never clobber a shard
                final = shard_dir / f"shard-{index:05d}.parquet"
                try:
                    os.link(tmp, final)
                    break
                except FileExistsError:
                    index += 1
                except OSError:  # no hard links on this filesystem: rename (which could overwrite)
                    if final.exists():
                        index += 1
                        continue
                    os.replace(tmp, final)
                    break
        finally:
            Path(tmp).unlink(missing_ok=True)
        self._done = self.completed_problems() | set(df["problem_id"])
        self.manifest["shards"].append({"file": final.name, "problems": int(df["problem_id"].nunique()),
                                        "rows": len(df)})
        self._save_manifest()
        return final

    def _save_manifest(self) -> None:
        _atomic_write_bytes(self.path / MANIFEST, (json.dumps(self.manifest, indent=2, sort_keys=True) + "\n").encode())

    def _reconcile(self) -> None:
        for tmp in (self.path / SHARD_DIR).glob(".shard-*.tmp"):
            tmp.unlink(missing_ok=True)  # an interrupted write: its problems are not done
        listed = {s["file"] for s in self.manifest.get("shards", [])}
        files = self.shard_files()
        if listed != {f.name for f in files}:
            entries = []
            for f in files:
                ids = pd.read_parquet(f, columns=["problem_id"])["problem_id"]
                entries.append({"file": f.name, "problems": int(ids.nunique()), "rows": len(ids)})
            self.manifest["shards"] = entries
            self._save_manifest()


def read_samples(path) -> pd.DataFrame:
    """All samples of a run directory, in the order they were written."""
    return SampleStore.open(path).read()


def counts(paths, model_name: str | None = None) -> pd.DataFrame:
    """Counts table ``model, problem_id, n, correct`` (+ ``answer_correct``/``chain_valid``
    totals when present) from one or more run directories.

    The model name is ``model_name`` or the manifest's ``model``.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    frames = []
    for p in paths:
        store = SampleStore.open(p)
        df = store.read()
        extra = [c for c in EXTRA_VERDICTS if c in df.columns]
        grouped = df.groupby("problem_id", sort=False).agg(
            n=("sample_id", "size"), correct=("correct", "sum"), **{c: (c, "sum") for c in extra})
        grouped = grouped.reset_index()
        grouped.insert(0, "model", model_name or str(store.manifest.get("model")))
        frames.append(grouped)
    if not frames:
        return pd.DataFrame(columns=["model", "problem_id", "n", "correct"])
    out = pd.concat(frames, ignore_index=True)
    for c in ["n", "correct", *EXTRA_VERDICTS]:
        if c in out.columns:
            out[c] = out[c].astype(int)
    return out


def merge(stores: Iterable, out) -> SampleStore:
    """Merge runs (e.g. the shards ``--shard i/N`` of one run) into a new run at ``out``.

    Refuses runs whose identity (model, benchmark sha256, template, sampling config)
    differs, and problems that appear in more than one run.
    """
    opened = [SampleStore.open(s) for s in stores]
    if not opened:
        raise InputError("merge: no runs given")
    first = opened[0]
    for other in opened[1:]:
        diff = identity_mismatches(first.manifest, other.manifest)
        if diff:
            raise InputError(f"merge: {other.path} differs from {first.path}: {'; '.join(diff)}")
    seen: dict[str, Path] = {}
    for store in opened:
        for pid in store.completed_problems():
            if pid in seen:
                raise InputError(f"merge: problem_id {pid!r} is in both {seen[pid]} and {store.path}")
            seen[pid] = store.path
    manifest = {k: v for k, v in first.manifest.items() if k not in ("shards", "created", "versions", "shard")}
    manifest["merged_from"] = [{"path": str(s.path), "shard": s.manifest.get("shard"),
                                "versions": s.manifest.get("versions")} for s in opened]
    merged = SampleStore.create(out, manifest)
    for store in opened:
        for f in store.shard_files():
            merged.write_shard(pd.read_parquet(f))
    return merged
