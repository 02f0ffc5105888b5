"""Checks of count-like flags shared by the commands: one line naming the flag, exit 2.

>>> import argparse
>>> at_least(argparse.Namespace(limit=None, n_boot=10), limit=1, n_boot=1)  # None: not given
>>> at_least(argparse.Namespace(limit=-3), limit=1)
Traceback (most recent call last):
...
boundary_lab.errors.InputError: --limit must be >= 1, got -3
"""
from __future__ import annotations

from ..errors import InputError


def at_least(args, **minimums: int) -> None:
    """InputError for the first flag whose value (when given) is below its minimum."""
    for dest, minimum in minimums.items():
        value = getattr(args, dest, None)
        if value is not None and value < minimum:
            raise InputError(f"--{dest.replace('_', '-')} must be >= {minimum}, got {value}")
