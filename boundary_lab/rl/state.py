"""The on-disk layout of an RL run, written so that a killed run resumes exactly.

``out_dir/``
  ``config.json``     the RLConfig of the run (a resumed run must match it)
  ``metrics.jsonl``   one JSON object per finished step
  ``step_{k}/``       HF checkpoints (model + tokenizer) at the chosen steps
  ``last/``           the resumable state: HF model + tokenizer + ``trainer_state.pt``

Directories are written under a temporary name and renamed into place, so a
crash leaves either the old or the new ``last/``, never half of one. Metrics
lines past the resumable step are dropped on resume and recomputed
(deterministically), so nothing is lost or duplicated.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> append_metrics(d, {"step": 1}); append_metrics(d, {"step": 2})
>>> [m["step"] for m in truncate_metrics(d, 1)]
[1]
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

METRICS = "metrics.jsonl"
CONFIG = "config.json"
LAST = "last"
TRAINER_STATE = "trainer_state.pt"
# Fields that may change between a run and its resumption (they do not alter the trajectory).
RESUMABLE_CHANGES = {"steps", "checkpoint_steps", "eval_every", "save_every", "device", "num_threads"}


def read_metrics(out_dir) -> list[dict]:
    """Metrics lines of a run; a torn last line (a kill mid-write) is ignored."""
    path = Path(out_dir) / METRICS
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return rows


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def truncate_metrics(out_dir, last_step: int) -> list[dict]:
    """Keep only the metrics of steps ``<= last_step`` (rewritten atomically) and return them."""
    rows = [r for r in read_metrics(out_dir) if int(r.get("step", 0)) <= last_step]
    _atomic_write_text(Path(out_dir) / METRICS, "".join(json.dumps(r) + "\n" for r in rows))
    return rows


def append_metrics(out_dir, row: dict) -> None:
    with open(Path(out_dir) / METRICS, "a") as f:
        f.write(json.dumps(row) + "\n")
        f.flush()
        os.fsync(f.fileno())


def check_config(out_dir, config_dict: dict) -> None:
    """Record the run's config, or check that a resumed run uses the same one."""
    path = Path(out_dir) / CONFIG
    if path.exists():
        try:
            saved = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise InputError(f"{path}: not valid JSON ({err})") from None
        diff = sorted(k for k in set(saved) | set(config_dict)
                      if k not in RESUMABLE_CHANGES and saved.get(k) != config_dict.get(k))
        if diff:
            k = diff[0]
            raise InputError(f"{path}: out_dir holds a run with {k}={saved.get(k)!r}, not {config_dict.get(k)!r}; "
                             f"use a new out_dir (differing fields: {diff})")
    _atomic_write_text(path, json.dumps(config_dict, indent=1, sort_keys=True))


@contextmanager
def _quiet_transformers():
    from transformers.utils import logging

    enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            logging.enable_progress_bar()


def save_dir_atomically(path, write) -> Path:
    """Run ``write(tmp_dir)`` and move ``tmp_dir`` to ``path``, replacing it."""
    path = Path(path)
    tmp, old = path.with_name(path.name + ".tmp"), path.with_name(path.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with _quiet_transformers():
        write(tmp)
    if path.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)
    return path


def save_checkpoint(path, model, tokenizer, trainer_state: dict | None = None) -> Path:
    """An HF checkpoint (``save_pretrained``) plus, optionally, the torch trainer state."""
    import torch

    def write(tmp: Path):
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if trainer_state is not None:
            torch.save(trainer_state, tmp / TRAINER_STATE)

    return save_dir_atomically(path, write)


def last_state_dir(out_dir) -> Path | None:
    """The resumable ``last/`` directory, or the previous one if a crash hit between two renames."""
    for name in (LAST, LAST + ".old"):
        path = Path(out_dir) / name
        if (path / TRAINER_STATE).exists():
            return path
    return None


def load_model(path, device):
    """An HF causal LM from ``path`` in float32 on ``device``."""
    import torch
    from transformers import AutoModelForCausalLM

    with _quiet_transformers():
        return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).to(device)
