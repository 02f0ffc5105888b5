"""Sampling backends behind one interface (see ``config.py`` for the contract)."""
from .config import Completion, SamplingConfig

__all__ = ["Completion", "SamplingConfig"]
