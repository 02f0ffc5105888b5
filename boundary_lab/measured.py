"""Measurements the package ships because no page can afford to redo them at build time.

The multi-seed study of the book's central result (``scripts/seed_study.py``: five seeds of
every regime, 1,024 samples per held-out problem, ~45 CPU-minutes) is committed as
``boundary_lab/measured/seed_study_counts.csv.gz`` with ``seed_study.json`` beside it: the
date, machine (CPU, torch's capability, the pinned numerics), commit and command that
produced it. Pages read it with :func:`seed_study` and say that it is such a measurement,
next to the page's own run, which they compute.

>>> study = seed_study()
>>> study is None or {"date", "commit", "machine", "command"} <= set(study.meta)
True
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from .errors import InputError


@dataclass(frozen=True)
class SeedStudy:
    """Per-problem counts of base and final RL checkpoint, one row per (regime, seed, n_max, model, problem)."""

    meta: dict
    counts: pd.DataFrame

    @property
    def regimes(self) -> list[str]:
        return list(dict.fromkeys(self.counts["regime"]))

    @property
    def seeds(self) -> list[int]:
        return sorted(int(s) for s in self.counts["seed"].unique())

    def by_seed(self, regime: str, n_max: int) -> tuple[list[int], list[pd.DataFrame]]:
        """The seeds of one regime and, for each, its counts at ``n_max`` (models ``base`` and ``rl``)."""
        sub = self.counts[(self.counts["regime"] == regime) & (self.counts["n_max"] == n_max)]
        if sub.empty:
            known = sorted({(r, int(n)) for r, n in zip(self.counts["regime"], self.counts["n_max"])})
            raise InputError(f"seed study: no counts for regime {regime!r} at n = {n_max}; measured: {known}")
        seeds = sorted(int(s) for s in sub["seed"].unique())
        return seeds, [sub[sub["seed"] == s].reset_index(drop=True) for s in seeds]

    def source(self) -> str:
        """One line naming where the numbers come from."""
        return "; ".join(_source(run) for run in self.meta.get("runs") or [self.meta])


def _source(m: dict) -> str:
    mach = m.get("machine", {})
    return (f"measured by `{m['command']}` on {m['date'][:10]} at commit {m['commit']}, on {mach.get('cpu', '?')} "
            f"(torch capability {mach.get('host_capability', '?')}, numerics {mach.get('mode', '?')}: ATen "
            f"{mach.get('aten', '?')}, MKL {mach.get('mkl_cbwr', '?')})")


def seed_study() -> SeedStudy | None:
    """The shipped multi-seed study, or None when this installation has none."""
    folder = resources.files("boundary_lab") / "measured"
    counts, meta = folder / "seed_study_counts.csv.gz", folder / "seed_study.json"
    if not (counts.is_file() and meta.is_file()):
        return None
    with resources.as_file(counts) as path:
        frame = pd.read_csv(path, dtype={"problem_id": str})
    return SeedStudy(meta=json.loads(meta.read_text()), counts=frame)
