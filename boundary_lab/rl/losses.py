"""Loss terms of the RLVR trainer: clipped surrogate, KL penalty, entropy bonus, value loss.

All take per-token tensors shaped ``(batch, tokens)`` and a 0/1 response mask.
``token_level=False`` averages each sequence first and then the sequences
(GRPO's original form); ``token_level=True`` averages over every token of the
batch (DAPO), so long responses weigh in proportion to their length.

>>> import torch
>>> logp = torch.log(torch.tensor([[1.5, 0.5]])); old = torch.zeros(1, 2)
>>> loss, clip_frac = clipped_surrogate(logp, old, torch.ones(1, 2), torch.ones(1, 2), 0.2, 0.2)
>>> round(loss.item(), 4), clip_frac.item()   # min(1.5, 1.2) = 1.2, min(0.5, 0.8) = 0.5
(-0.85, 0.5)
"""
from __future__ import annotations

import torch


def aggregate(values: torch.Tensor, mask: torch.Tensor, token_level: bool) -> torch.Tensor:
    """Masked mean: over all tokens (``token_level``) or per sequence, then over sequences."""
    mask = mask.to(values.dtype)
    if token_level:
        return (values * mask).sum() / mask.sum().clamp(min=1)
    per_seq = (values * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
    has_tokens = (mask.sum(dim=1) > 0).to(values.dtype)
    return (per_seq * has_tokens).sum() / has_tokens.sum().clamp(min=1)


def clipped_surrogate(logp, old_logp, advantages, mask, clip_low: float, clip_high: float,
                      token_level: bool = False):
    """PPO clipped objective as a loss: ``-min(ratio * A, clip(ratio, 1 - low, 1 + high) * A)``.

    ``clip_high > clip_low`` is DAPO's clip-higher. Returns ``(loss, clip_fraction)``,
    the fraction of response tokens where the clipped branch was the minimum.
    """
    ratio = torch.exp(logp - old_logp)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high) * advantages
    loss = aggregate(-torch.minimum(unclipped, clipped), mask, token_level)
    m = mask.to(logp.dtype)
    clip_frac = ((clipped < unclipped).to(logp.dtype) * m).sum() / m.sum().clamp(min=1)
    return loss, clip_frac.detach()


def kl_per_token(logp, ref_logp, estimator: str = "k3") -> torch.Tensor:
    """Per-token estimate of KL(policy || reference) from sampled tokens (Schulman's k1 / k3).

    k1 = log p - log q (unbiased, can be negative); k3 = q/p - 1 - log(q/p)
    (unbiased, always >= 0; GRPO's choice).
    """
    log_ratio = ref_logp - logp
    if estimator == "k1":
        return -log_ratio
    if estimator == "k3":
        return torch.exp(log_ratio) - 1.0 - log_ratio
    raise ValueError(f"unknown KL estimator {estimator!r} (k1 or k3)")


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of the next-token distribution at each position."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


def value_loss(values, old_values, returns, mask, clip: float, token_level: bool):
    """PPO clipped value loss ``0.5 * max((v - R)^2, (clip(v, v_old +- c) - R)^2)``."""
    clipped = old_values + torch.clamp(values - old_values, -clip, clip)
    loss = 0.5 * torch.maximum((values - returns) ** 2, (clipped - returns) ** 2)
    return aggregate(loss, mask, token_level)
