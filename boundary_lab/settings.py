"""Helpers for settings written as frozen dataclasses with ``help``/``min``/``max`` field metadata.

The micro-world's configs (:mod:`boundary_lab.micro.config`) and a notebook's parameter
check (:mod:`boundary_lab.notebook`) share them; they import nothing from the package but
:mod:`boundary_lab.errors`.

>>> from boundary_lab.micro.task_config import TaskConfig
>>> [path for path, _, _, _ in leaf_fields(TaskConfig(), "task.")][:3]
['task.modulus', 'task.ops', 'task.pretrain_lengths']
>>> check_ranges(TaskConfig(slip_rate=1.5), "task.")
Traceback (most recent call last):
...
boundary_lab.errors.InputError: task.slip_rate=1.5: must be >= 0.0 and <= 1.0
>>> type_name(int), type_name(int | None), type_name(tuple[int, ...])
('int', 'int | None', 'tuple')
"""
from __future__ import annotations

import dataclasses
import typing

from .errors import InputError


def type_name(annotation) -> str:
    """A type hint as a user writes it: ``int``, ``int | None``; a generic alias by its origin's name (``tuple``)."""
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def leaf_fields(cfg, prefix: str = ""):
    """``(dotted path, field, value, type)`` of every non-dataclass field, depth first."""
    hints = typing.get_type_hints(type(cfg))
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            yield from leaf_fields(value, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", f, value, hints[f.name]


def check_ranges(cfg, prefix: str = "") -> None:
    """An InputError naming the first field outside its ``min``/``max`` (field metadata)."""
    for path, f, value, _ in leaf_fields(cfg, prefix):
        lo, hi = f.metadata.get("min"), f.metadata.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = [f">= {lo}"] * (lo is not None) + [f"<= {hi}"] * (hi is not None)
            raise InputError(f"{path}={value!r}: must be {' and '.join(bounds)}")
