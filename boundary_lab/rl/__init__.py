"""RLVR trainer for small HF causal LMs (GRPO, RLOO, REINFORCE++, ReMax, DAPO, PPO).

>>> from boundary_lab.rl import RLConfig
>>> RLConfig(algorithm="rloo", steps=5, checkpoint_steps=(5,)).rollouts_per_prompt
8

``train_rl`` (which imports torch) loads on first use.
"""
from __future__ import annotations

from .config import ALGORITHMS, RLConfig

__all__ = ["ALGORITHMS", "RLConfig", "train_rl"]


def __getattr__(name: str):
    if name == "train_rl":
        from .trainer import train_rl
        return train_rl
    raise AttributeError(f"module 'boundary_lab.rl' has no attribute {name!r}")
