"""Distillation: supervised fine-tuning of the base on the clean solver's careful traces.

The teacher is stronger than the base in two ways: it never slips, and it
writes chains longer than any in pretraining (``distill.lengths``), the way a
distilled reasoning model learns from a teacher that can do more (paper §4.2).

>>> from boundary_lab.micro.config import MicroConfig
>>> teacher_pairs(MicroConfig.preset("tiny"), 2, seed=0)[0]
('Q 10 -11 *11 =', 'C 10 -11 12 *11 2 A 2')
"""
from __future__ import annotations

import numpy as np

from .pretrain import train_lm
from .task import clean_trace, training_problems


def teacher_pairs(cfg, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (prompt, clean careful trace) pairs, disjoint from the held-out tiers."""
    probs = training_problems(cfg.task, count, seed, lengths=cfg.distill.lengths)
    return [(p.prompt, clean_trace(p)) for p in probs]


def distill(base_model, cfg, progress: bool = True):
    """Fine-tune ``base_model`` in place on fresh teacher traces every step; returns (model, log)."""
    import torch

    torch.manual_seed(cfg.seed)
    dc = cfg.distill
    rng = np.random.default_rng([cfg.seed, 3])
    log = train_lm(base_model, cfg.task.modulus,
                   lambda step: teacher_pairs(cfg, dc.batch_size, int(rng.integers(2**31))),
                   dc.steps, dc.lr, cfg.device, progress, desc="distill")
    return base_model, log
