"""Training loops of the micro-world: base pretraining and the shared LM trainer.

``train_lm`` fits a causal LM on (prompt, completion) pairs with the loss on the
completion and its end token only; ``pretrain`` feeds it fresh noisy
multi-strategy traces every step (an endless stream, so no epoch overfitting).

>>> from boundary_lab.micro.config import MicroConfig
>>> cfg = MicroConfig.preset("tiny")
>>> model, log = pretrain(cfg, progress=False)   # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import numpy as np

from .model import build_model
from .task import heldout_tiers, pretraining_texts
from .tokenizer import EOS, PAD, encode_ids, vocabulary


def batch_tensors(vocab: dict[str, int], pairs: list[tuple[str, str]], device: str = "cpu"):
    """Right-padded ``input_ids`` and ``labels`` (-100 on prompt and padding)."""
    import torch

    seqs, labels = [], []
    for prompt, completion in pairs:
        p = encode_ids(vocab, prompt)
        c = encode_ids(vocab, completion) + [vocab[EOS]]
        seqs.append(p + c)
        labels.append([-100] * len(p) + c)
    width = max(map(len, seqs))
    ids = torch.full((len(seqs), width), vocab[PAD], dtype=torch.long)
    lab = torch.full((len(seqs), width), -100, dtype=torch.long)
    for i, (s, target) in enumerate(zip(seqs, labels)):
        ids[i, : len(s)] = torch.tensor(s)
        lab[i, : len(target)] = torch.tensor(target)
    return ids.to(device), lab.to(device)


def train_lm(model, modulus: int, next_batch: Callable[[int], list[tuple[str, str]]], steps: int,
             lr: float, device: str = "cpu", progress: bool = True, desc: str = "train") -> list[dict]:
    """AdamW with 5% warm-up and cosine decay; returns a per-step log (loss, seconds)."""
    import torch
    from tqdm import tqdm

    vocab = vocabulary(modulus)
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.98))
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    log, t0 = [], time.time()
    bar = tqdm(range(steps), desc=desc, disable=not progress, mininterval=1.0)
    for step in bar:
        ids, labels = batch_tensors(vocab, next_batch(step), device)
        loss = model(input_ids=ids, labels=labels).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        log.append({"step": step + 1, "loss": float(loss.detach()), "seconds": time.time() - t0})
        if step % 20 == 0:
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}")
    model.eval()
    return log


def pretrain(cfg, progress: bool = True):
    """Train the base model from scratch on noisy, multi-strategy traces (careful-only for
    the first ``cfg.pretrain.careful_first_steps`` steps, a curriculum).

    Returns ``(model, log)``; deterministic given ``cfg.seed``."""
    import torch

    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model, cfg.task.modulus, seed=cfg.seed)
    rng = np.random.default_rng([cfg.seed, 1])
    held = {(p.start, p.steps) for p in heldout_tiers(cfg.task)}
    pc = cfg.pretrain
    careful_only = dataclasses.replace(cfg.task, careful_share=1.0)

    def next_batch(step: int):
        task = careful_only if step < pc.careful_first_steps else cfg.task
        return pretraining_texts(task, pc.batch_size, rng, held)

    log = train_lm(model, cfg.task.modulus, next_batch, pc.steps, pc.lr, cfg.device, progress, desc="pretrain")
    return model, log
