"""The phase diagram's runs: one micro-world cell (pretrain, RL, evaluate) per settings and seed.

This module only trains and evaluates; the regimes' settings are in
:mod:`boundary_lab.micro.regimes`, the tables in :mod:`boundary_lab.tables` (``grid_tables``,
``tier_summary``, ``seed_difference``), the sentences in :mod:`boundary_lab.findings` and the
figures in :mod:`boundary_lab.plots`; :func:`boundary_lab.report.phase_grid` puts them together.
Each cell's models and evaluations are cached by the pipeline, so an interrupted grid resumes.

>>> grid_cells({"a": [1, 2], "b": ["x"]})
[{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
"""
from __future__ import annotations

import importlib
import warnings
from pathlib import Path

import pandas as pd

from .config import MicroConfig, with_overrides
from .pipeline import Pipeline
from .regimes import regime_config


def grid_cells(axes: dict[str, list]) -> list[dict]:
    """Every combination of the axes' values, as dotted settings (the first axis varies slowest).

    >>> grid_cells({"a": [1, 2], "b": [3, 4]})[1:3]
    [{'a': 1, 'b': 4}, {'a': 2, 'b': 3}]
    """
    cells = [{}]
    for key, values in axes.items():
        cells = [{**c, key: v} for c in cells for v in values]
    return cells


def run_cell(cfg: MicroConfig, workdir: str | Path, say: bool = False) -> pd.DataFrame:
    """Pretrain (cached), train the main RL run and evaluate the base and its final checkpoint;
    returns their counts. Only the main run is trained (no noB run, no extra algorithms)."""
    import torch

    cfg = with_overrides(cfg, {"rl.without_tier_b": False, "rl.algorithms": (), "rl.remedies": ()}, source="cell")
    pipe = Pipeline(cfg, workdir, progress=False, say=say)
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        pipe.run_pretrain()
        pipe.run_rl()
        models = [m for m in pipe.models(("pretrain", "rl")) if m["kind"] == "base" or (m["main"] and m["final"])]
        pipe.run_evaluate(models)
    finally:
        torch.set_num_threads(threads)
    return pd.concat([pd.read_csv(pipe.eval_dir(m) / "counts.csv", dtype={"problem_id": str}) for m in models])


def final_label(cfg: MicroConfig) -> str:
    """The model label of the main RL run's final checkpoint (``grpo@300``)."""
    return f"{cfg.rl.trainer.algorithm}@{cfg.rl.trainer.steps}"


def run_cells(preset: str, regime: str, axes: dict[str, list], seeds: list[int], workdir: str | Path,
              settings: dict | None = None, say: bool = False) -> list[dict]:
    """Every (cell, seed) of a grid run with :func:`run_cell`: one dict per run with ``cell`` (its
    settings), ``seed``, ``model`` (the final RL label) and ``counts`` (``tables.grid_tables`` reads them)."""
    out = []
    for cell in grid_cells(axes):
        for seed in seeds:
            cfg = regime_config(regime, preset, seed, {**(settings or {}), **cell})
            out.append({"cell": cell, "seed": seed, "model": final_label(cfg), "counts": run_cell(cfg, workdir, say)})
    return out


# Until the scripts that others edit in parallel (scripts/regime_search.py, phase_grid.py,
# narrowing_algorithms.py) move to the new homes, their old names resolve there with a warning.
_MOVED = {**{name: f"micro.regimes:{name}" for name in ("REGIMES", "NARROWING", "NARROWING_CAP", "regime_settings",
                                                        "regime_config", "regime_of", "settings_of")},
          **{name: f"tables:{name}" for name in ("careful_share_by_length", "regime_table", "regime_coverage",
                                                 "regime_curves", "share_per_checkpoint", "validity_curves")},
          **{name: f"findings:{name}" for name in ("grid_sentences", "classify", "regime_sentence",
                                                   "share_sentences", "regime_sentences")},
          **{name: f"report:{name}" for name in ("regime_results", "temperature_curves", "output_entropy")},
          "tier_b_table": "tables:tier_summary", "run_grid": "report:phase_grid",
          "plot_phase": "plots:phase_map", "plot_shares": "plots:careful_shares"}


def __getattr__(name: str):
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, new = _MOVED[name].split(":")
    warnings.warn(f"boundary_lab.micro.phase.{name} moved to boundary_lab.{module}.{new}", DeprecationWarning,
                  stacklevel=2)
    return getattr(importlib.import_module(f"boundary_lab.{module}"), new)
