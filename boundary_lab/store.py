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

One writer at a time: :meth:`SampleStore.create` and ``open(path, write=True)`` take an
exclusive lock on ``RUN/.writer.lock`` (``flock``; released when the store is closed or
the process ends, however it ends). A second writer fails at once with an
:class:`~boundary_lab.errors.InputError` naming the holder (pid, host, start, command).
Readers (``open(path)``, :func:`counts`, :func:`read_samples`) take no lock and never
write: a crashed writer's leftovers are cleaned by the next writer.

A store knows how many problems it should hold (``problems_in_shard`` in the manifest).
:func:`counts` refuses an incomplete store unless ``allow_partial=True``;
:func:`partial_notes` says how many problems each store is missing.

>>> import tempfile, pandas as pd
>>> run = SampleStore.create(tempfile.mkdtemp() + "/run", {"model": "m", "benchmark": {"sha256": "x"}})
>>> _ = run.write_shard(pd.DataFrame({"problem_id": ["p1", "p1"], "sample_id": [0, 1], "completion": ["4", "5"],
...     "n_tokens": [1, 1], "finish_reason": ["stop", "stop"], "extracted": ["4", "5"], "correct": [True, False]}))
>>> counts(run.path)[["model", "problem_id", "n", "correct"]].values.tolist()
[['m', 'p1', 2, 1]]
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .errors import InputError

MANIFEST = "manifest.json"
SHARD_DIR = "shards"
LOCK_FILE = ".writer.lock"
FORMAT_VERSION = 1
REQUIRED_COLUMNS = ["problem_id", "sample_id", "completion", "n_tokens", "finish_reason", "extracted", "correct"]
# Per-sample verdicts beside ``correct`` that counts() also totals when a store has them; counts
# CSVs (boundary_lab.counts) read the same columns as counts (0 <= value <= n).
EXTRA_VERDICTS = ("answer_correct", "chain_valid")
# Manifest fields that must agree for two stores to be resumed into / merged. ``model_identity``
# is the resolved model directory and a hash of its weights (boundary_lab.sampling.identity).
IDENTITY_FIELDS = ["model", "model_identity.path", "model_identity.sha256", "benchmark.sha256", "template",
                   "sampling"]


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


def lock_writer(path) -> int:
    """Take the exclusive writer lock of the store directory ``path`` (created if missing).

    Returns the lock's file descriptor (closing it releases the lock). If another writer
    holds it, raises an InputError naming that writer at once (no waiting)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "holder unknown"
        os.close(fd)
        raise InputError(f"{path}: another writer is using this sample store ({holder}); wait for it to "
                         "finish or write to another store directory") from None
    except BaseException:
        os.close(fd)
        raise
    command = " ".join(sys.argv)[:200]
    note = (f"pid {os.getpid()} on {socket.gethostname()} since "
            f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}: {command}")
    os.ftruncate(fd, 0)
    os.pwrite(fd, note.encode() + b"\n", 0)
    return fd


@contextmanager
def _writer_lock(path: Path, lock_fd: int | None):
    """The writer lock of ``path`` for a store being opened: taken here unless ``lock_fd`` (taken
    already) is given; closed again if opening fails and it was taken here (a lock handed in stays
    the caller's on failure)."""
    fd = lock_writer(path) if lock_fd is None else lock_fd
    try:
        yield fd
    except BaseException:
        if lock_fd is None:
            os.close(fd)
        raise


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not a sample store (no {MANIFEST})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path / MANIFEST}: invalid JSON ({err})") from None


class SampleStore:
    """A run directory. Create it with :meth:`create`, reopen it with :meth:`open`.

    A store opened for writing holds the writer lock until :meth:`close` (or the end of
    the process); use it as a context manager to release the lock promptly."""

    def __init__(self, path: Path, manifest: dict, lock_fd: int | None = None):
        self.path = Path(path)
        self.manifest = manifest
        self._lock_fd = lock_fd
        self._done: set[str] | None = None  # completed problem ids, read once then kept up to date

    # -- opening ---------------------------------------------------------------------
    @classmethod
    def create(cls, path, manifest: dict, lock_fd: int | None = None) -> "SampleStore":
        """A new, empty run at ``path`` (which must not hold a manifest yet), opened for writing.

        ``lock_fd``: the writer lock, already taken by :func:`lock_writer` (the store then owns it)."""
        path = Path(path)
        with _writer_lock(path, lock_fd) as fd:
            if (path / MANIFEST).exists():
                raise InputError(f"{path}: already holds a sample store (open it to resume)")
            (path / SHARD_DIR).mkdir(parents=True, exist_ok=True)
            full = {"format_version": FORMAT_VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "versions": package_versions(), **manifest, "shards": []}
            store = cls(path, full)
            store._save_manifest()
            store._lock_fd = fd  # only now: a failed store never closes the lock
        return store

    @classmethod
    def open(cls, path, write: bool = False, lock_fd: int | None = None) -> "SampleStore":
        """An existing run. Read-only by default: nothing is written. With ``write`` the writer
        lock is taken (or ``lock_fd``, taken already, is owned), leftovers of an interrupted write
        are removed and the manifest reconciled."""
        path = Path(path)
        if not write:
            store = cls(path, _read_manifest(path))
            store.manifest["shards"] = store._shard_entries()  # in memory only: the files are the truth
            return store
        if not (path / MANIFEST).exists():
            _read_manifest(path)  # raises: not a store
        with _writer_lock(path, lock_fd) as fd:
            store = cls(path, _read_manifest(path))
            store._reconcile()
            store._lock_fd = fd
        return store

    @classmethod
    def open_or_create(cls, path, manifest: dict) -> "SampleStore":
        """Resume ``path`` if it exists (its identity must match ``manifest``), else create it;
        opened for writing."""
        if not (Path(path) / MANIFEST).exists():
            return cls.create(path, manifest)
        store = cls.open(path, write=True)
        diff = identity_mismatches(store.manifest, manifest)
        if diff:
            store.close()
            raise InputError(f"{path}: existing run was sampled differently; {'; '.join(diff)}")
        return store

    @property
    def writable(self) -> bool:
        return self._lock_fd is not None

    def close(self) -> None:
        """Release the writer lock (the store stays readable)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> "SampleStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        if getattr(self, "_lock_fd", None) is not None:
            self.close()

    def expected_problems(self) -> int | None:
        """How many problems the run should hold (None when its manifest does not say, e.g. imports)."""
        value = self.manifest.get("problems_in_shard")
        return int(value) if value is not None else None

    def missing_problems(self) -> int:
        """Problems the run should hold but has not committed yet (0 when unknown)."""
        expected = self.expected_problems()
        return max(0, expected - len(self.completed_problems())) if expected is not None else 0

    # -- reading ---------------------------------------------------------------------
    def shard_files(self) -> list[Path]:
        return sorted((self.path / SHARD_DIR).glob("shard-*.parquet"))

    def completed_problems(self) -> set[str]:
        """Problem ids whose samples are all committed."""
        if self._done is None:
            self._done = set()
            for f in self.shard_files():
                self._done.update(_read_shard(f, ["problem_id"])["problem_id"].astype(str))
        return set(self._done)

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        frames = [_read_shard(f, columns) for f in self.shard_files()]
        if not frames:
            return pd.DataFrame({c: [] for c in (columns or REQUIRED_COLUMNS)})
        df = pd.concat(frames, ignore_index=True)
        if "extracted" in df.columns:  # an all-null shard column reads back as float NaN
            df["extracted"] = df["extracted"].astype(object).where(df["extracted"].notna(), None)
        return df

    # -- writing ---------------------------------------------------------------------
    def write_shard(self, df: pd.DataFrame, extend: bool = False) -> Path:
        """Commit the samples of some problems (all ``n`` of each) as one new shard; ``extend``: more
        samples of stored problems, numbered after theirs (boundary_lab.sampling.adaptive)."""
        if not self.writable:
            raise RuntimeError(f"{self.path}: opened read-only; open(path, write=True) to write")
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"shard for {self.path} lacks columns {missing}")
        df = df.copy()
        df["problem_id"] = df["problem_id"].astype(str)
        clash = set(df["problem_id"]) & self.completed_problems()
        if clash and not extend:
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

    def _shard_entries(self) -> list[dict]:
        """The manifest's shard list, re-read from the shard files where it disagrees with them."""
        listed = self.manifest.get("shards", [])
        files = self.shard_files()
        if {s["file"] for s in listed} == {f.name for f in files}:
            return listed
        entries = []
        for f in files:
            ids = _read_shard(f, ["problem_id"])["problem_id"]
            entries.append({"file": f.name, "problems": int(ids.nunique()), "rows": len(ids)})
        return entries

    def _reconcile(self) -> None:
        for tmp in (self.path / SHARD_DIR).glob(".shard-*.tmp"):
            tmp.unlink(missing_ok=True)  # an interrupted write: its problems are not done
        entries = self._shard_entries()
        if entries is not self.manifest.get("shards"):
            self.manifest["shards"] = entries
            self._save_manifest()


def _read_shard(path: Path, columns=None) -> pd.DataFrame:
    """One shard file; an unreadable one (truncated, not parquet) is an InputError naming it."""
    import pyarrow

    try:
        return pd.read_parquet(path, columns=columns)
    except (pyarrow.ArrowException, OSError) as err:
        raise InputError(f"{path}: unreadable store shard ({type(err).__name__}: {str(err).splitlines()[0]}); "
                         "delete it and resume the run to sample its problems again") from None


def shard_gaps(paths) -> list[str]:
    """For stores given together: one line per model whose ``i/N`` shards are not all there."""
    shards: dict[str, set] = {}
    for p in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
        m = SampleStore.open(p).manifest
        i, _, n = str(m.get("shard") or "0/1").partition("/")
        shards.setdefault(str(m.get("model")), set()).add((int(i), int(n or 1)))
    gaps = []
    for model, have in shards.items():
        for n in sorted({n for _, n in have if n > 1}):
            missing = sorted(set(range(n)) - {i for i, k in have if k == n})
            if missing:
                gaps.append(f"model {model!r}: shard(s) {', '.join(f'{i}/{n}' for i in missing)} not given")
    return gaps


def partial_notes(paths) -> list[str]:
    """One line per incomplete store (how many of its problems are missing) and per model whose
    shards are not all given."""
    notes = []
    for p in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
        store = SampleStore.open(p)
        missing = store.missing_problems()
        if missing:
            notes.append(f"{store.path}: {missing} of {store.expected_problems()} problems missing "
                         "(incomplete store)")
    return notes + shard_gaps(paths)


def read_samples(path) -> pd.DataFrame:
    """All samples of a run directory, in the order they were written."""
    return SampleStore.open(path).read()


def counts(paths, model_name: str | None = None, allow_partial: bool = False) -> pd.DataFrame:
    """Counts table ``model, problem_id, n, correct`` (+ ``answer_correct``/``chain_valid``
    totals when present) from one or more run directories.

    The model name is ``model_name`` or the manifest's ``model``. A store missing some of
    its problems is an InputError unless ``allow_partial`` (then :func:`partial_notes` says
    how many are missing).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    frames = []
    for p in paths:
        store = SampleStore.open(p)
        missing = store.missing_problems()
        if missing and not allow_partial:
            raise InputError(f"{store.path}: incomplete sample store: {missing} of {store.expected_problems()} "
                             "problems missing (resume the sampling run, or allow_partial to use what is there)")
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
    for store in opened:
        if store.missing_problems():
            raise InputError(f"merge: {store.path}: incomplete sample store: {store.missing_problems()} of "
                             f"{store.expected_problems()} problems missing (resume it first)")
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
    # The merged run should hold every problem of the benchmark when its inputs say how many that is
    # (a merge of 3 of 4 shards is then incomplete), else the sum of what its inputs should hold.
    expected = [s.expected_problems() for s in opened]
    totals = {s.manifest.get("problems_total") for s in opened}
    manifest["problems_in_shard"] = (totals.pop() if len(totals) == 1 and None not in totals
                                     else None if None in expected else sum(expected))
    with SampleStore.create(out, manifest) as merged:
        for store in opened:
            for f in store.shard_files():
                merged.write_shard(_read_shard(f))
    return merged
