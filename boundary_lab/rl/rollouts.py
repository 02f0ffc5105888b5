"""Rollouts: sample groups of completions from the policy and lay them out for training.

Sampling goes through the shared HF backend (:func:`boundary_lab.sampling.hf.generate`).
A :class:`RolloutBatch` holds ``prompt + completion`` token ids, right-padded,
and a *response mask* in "shifted" coordinates: position ``t`` of every
per-token tensor is the prediction of token ``t + 1`` from the tokens up to ``t``.

>>> import torch
>>> b = build_batch([[1, 5]], [[7, 2]], pad_id=0, group=[0], prompt_index=[0], rewards=[1.0], texts=["x"])
>>> b.input_ids.tolist(), b.response_mask.tolist()
([[1, 5, 7, 2]], [[0.0, 1.0, 1.0]])
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..sampling.config import SamplingConfig
from .losses import entropy_from_logits


@dataclass
class RolloutBatch:
    """One step's rollouts: ``B`` sequences, ``rollouts`` per group."""

    input_ids: torch.Tensor       # (B, L) prompt + completion, right-padded
    attention_mask: torch.Tensor  # (B, L)
    response_mask: torch.Tensor   # (B, L-1) float, 1 where the next token is a completion token
    group: np.ndarray             # (B,) group number within the step
    prompt_index: np.ndarray      # (B,) index into the training prompts
    rewards: np.ndarray           # (B,) verifier rewards
    texts: list[str]

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def to(self, device) -> "RolloutBatch":
        self.input_ids = self.input_ids.to(device)
        self.attention_mask = self.attention_mask.to(device)
        self.response_mask = self.response_mask.to(device)
        return self

    def select(self, rows) -> "RolloutBatch":
        rows = np.asarray(rows)
        t = torch.as_tensor(rows, device=self.input_ids.device)
        return RolloutBatch(self.input_ids[t], self.attention_mask[t], self.response_mask[t], self.group[rows],
                            self.prompt_index[rows], self.rewards[rows], [self.texts[i] for i in rows])


def build_batch(prompt_ids, completion_ids, pad_id: int, group, prompt_index, rewards, texts) -> RolloutBatch:
    """Concatenate each prompt with its completion and right-pad to one length."""
    seqs = [list(p) + list(c) for p, c in zip(prompt_ids, completion_ids)]
    length = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), pad_id, dtype=torch.long)
    attn = torch.zeros((len(seqs), length), dtype=torch.long)
    resp = torch.zeros((len(seqs), length - 1), dtype=torch.float32)
    for i, (p, c) in enumerate(zip(prompt_ids, completion_ids)):
        ids[i, :len(p) + len(c)] = torch.tensor(list(p) + list(c), dtype=torch.long)
        attn[i, :len(p) + len(c)] = 1
        resp[i, len(p) - 1:len(p) - 1 + len(c)] = 1.0
    return RolloutBatch(ids, attn, resp, np.asarray(group), np.asarray(prompt_index),
                        np.asarray(rewards, dtype=np.float64), list(texts))


def completion_ids(completion, eos_id) -> list[int]:
    """The sampled ids to train on; a rollout that stopped on EOS keeps its EOS so stopping is learned too."""
    ids = list(completion.token_ids or [])
    if completion.finish_reason == "stop" and eos_id is not None and (not ids or ids[-1] != eos_id):
        ids.append(eos_id)
    return ids


def sample_groups(model, tokenizer, prompts: list[str], n: int, *, temperature: float, top_p: float,
                  max_new_tokens: int, seed: int, batch_size: int):
    """``n`` completions per prompt from ``model`` (a list per prompt, as the sampling backend returns)."""
    from ..sampling.hf import generate

    config = SamplingConfig(n=n, temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                            seed=seed)
    was_training = model.training
    model.eval()
    try:
        return generate(model, tokenizer, prompts, config, progress=False, batch_size=batch_size)
    finally:
        model.train(was_training)


def rollout_batch(tokenizer, prompts: list[str], prompt_indices, groups_of_completions, rewards) -> RolloutBatch:
    """Lay out sampled groups (``groups_of_completions[g][j]``) with their rewards (``rewards[g][j]``)."""
    p_ids, c_ids, group, index, flat_rewards, texts = [], [], [], [], [], []
    for g, (pi, completions) in enumerate(zip(prompt_indices, groups_of_completions)):
        ids = tokenizer(prompts[pi]).input_ids
        for j, comp in enumerate(completions):
            p_ids.append(ids)
            c_ids.append(completion_ids(comp, tokenizer.eos_token_id))
            group.append(g)
            index.append(pi)
            flat_rewards.append(rewards[g][j])
            texts.append(comp.text)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return build_batch(p_ids, c_ids, pad, group, index, flat_rewards, texts)


def token_logprobs(model, batch: RolloutBatch, temperature: float = 1.0, with_entropy: bool = False,
                   chunk: int = 0):
    """Log-probs of each next token under ``model`` at the sampling temperature, shape (B, L-1).

    With ``with_entropy`` also returns the per-position entropy of the tempered
    distribution. ``chunk`` > 0 runs the forward pass that many rows at a time
    (the full-vocabulary logits of a whole batch can exceed memory).
    """
    if chunk and chunk < len(batch):
        parts = [token_logprobs(model, batch.select(np.arange(i, min(i + chunk, len(batch)))), temperature,
                                with_entropy) for i in range(0, len(batch), chunk)]
        if with_entropy:
            return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        return torch.cat(parts)
    logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits[:, :-1].float()
    if temperature != 1.0:
        logits = logits / temperature
    logp = torch.log_softmax(logits, dim=-1).gather(-1, batch.input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    if with_entropy:
        return logp, entropy_from_logits(logits)
    return logp
