"""One optimisation phase of a step: ``ppo_epochs`` passes of ``minibatches`` optimizer steps.

Each minibatch may be split further into micro-batches of ``micro_batch_size``
rows whose gradients accumulate. Every micro-batch's loss is weighted by its
share of the minibatch's tokens (token-level loss) or sequences (sequence
mean), so the update does not depend on the split beyond float rounding.

>>> micro_batches(np.arange(5), 2)
[array([0, 1]), array([2, 3]), array([4])]
"""
from __future__ import annotations

import numpy as np
import torch

from .losses import aggregate, clipped_surrogate, kl_per_token, value_loss
from .rollouts import token_logprobs


def micro_batches(rows: np.ndarray, size: int) -> list[np.ndarray]:
    """``rows`` in consecutive chunks of ``size`` (all of them when ``size`` is 0)."""
    if not size or size >= len(rows):
        return [rows]
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def _weight(mask: torch.Tensor, token_level: bool) -> torch.Tensor:
    """What :func:`aggregate` divides by: tokens, or sequences that have tokens."""
    return mask.sum() if token_level else (mask.sum(dim=1) > 0).sum()


def optimise(trainer, step: int, batch, old_logp, ref_logp, advantages, old_values, returns, seed) -> dict:
    """Update the policy (and PPO critic) on one step's rollouts; returns mean loss terms and grad norm."""
    cfg, device = trainer.cfg, trainer.device
    token_level = bool(cfg.token_level_loss)
    kl_in_loss = bool(cfg.kl_coef) and cfg.algorithm not in ("reinforce_pp", "ppo")
    sums: dict[str, float] = {}
    updates = 0
    for epoch in range(cfg.ppo_epochs):
        gen = torch.Generator().manual_seed(seed(cfg.seed, step, epoch))
        order = torch.randperm(len(batch), generator=gen).numpy()
        for rows in np.array_split(order, cfg.minibatches):
            total = _weight(batch.response_mask[torch.as_tensor(rows, device=device)], token_level).clamp(min=1)
            trainer.optimizer.zero_grad(set_to_none=True)
            if trainer.critic is not None:
                trainer.critic_optimizer.zero_grad(set_to_none=True)
            parts: dict[str, float] = {}
            for chunk in micro_batches(rows, cfg.micro_batch_size):
                mb, t = batch.select(chunk), torch.as_tensor(chunk, device=device)
                mask = mb.response_mask
                share = _weight(mask, token_level) / total
                out = token_logprobs(trainer.policy, mb, cfg.temperature, with_entropy=cfg.entropy_coef > 0)
                logp, ent = out if cfg.entropy_coef > 0 else (out, None)
                loss, clip_frac = clipped_surrogate(logp, old_logp[t], advantages[t], mask, cfg.clip_eps,
                                                    cfg.clip_eps_high, token_level)
                terms = {"pg_loss": loss.detach(), "clip_frac": clip_frac}
                if kl_in_loss:
                    kl = aggregate(kl_per_token(logp, ref_logp[t], cfg.kl_estimator), mask, token_level)
                    loss = loss + cfg.kl_coef * kl
                    terms["kl_loss"] = kl.detach()
                if ent is not None:
                    loss = loss - cfg.entropy_coef * aggregate(ent, mask, token_level)
                (loss * share).backward()
                if trainer.critic is not None:
                    values = trainer.critic(mb.input_ids, mb.attention_mask)[:, :-1]
                    v_loss = value_loss(values, old_values[t], returns[t], mask, cfg.value_clip, token_level)
                    (v_loss * share).backward()
                    terms["value_loss"] = v_loss.detach()
                for k, v in terms.items():
                    parts[k] = parts.get(k, 0.0) + float(v * share)
            parts["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(trainer.policy.parameters(),
                                                                      cfg.max_grad_norm))
            trainer.optimizer.step()
            if trainer.critic is not None:
                torch.nn.utils.clip_grad_norm_(trainer.critic.parameters(), cfg.max_grad_norm)
                trainer.critic_optimizer.step()
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v
            updates += 1
    return {k: v / updates for k, v in sums.items()}
