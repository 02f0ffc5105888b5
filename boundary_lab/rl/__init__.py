"""RLVR trainer for small HF causal LMs: GRPO, RLOO, REINFORCE++, ReMax, DAPO, PPO.

The paper's RL runs (§4.3: VeRL, 8 rollouts per prompt, temperature 1.0, no KL)
scaled down to models that train on a laptop CPU. ``train_rl`` takes a model
directory (``save_pretrained`` output with its tokenizer), templated prompts and
a verifiable reward, and writes::

    out_dir/config.json      the RLConfig (a resumed run must match it)
    out_dir/metrics.jsonl    one line per step: reward_mean, pass_rate, entropy, kl_base, clip_frac, approx_kl, ...
    out_dir/step_{k}/        HF checkpoints at config.checkpoint_steps (load like any hub model)
    out_dir/last/            the resumable state; re-running the same call continues the run

>>> from boundary_lab.rl import RLConfig
>>> RLConfig(algorithm="rloo", steps=5, checkpoint_steps=(5,)).rollouts_per_prompt
8

A run (see :mod:`boundary_lab.rl.toy` for a task small enough for a unit test)::

    history = train_rl(base_dir, "runs/grpo", prompts, reward_fn, RLConfig(steps=450),
                       eval_fn=lambda model, tokenizer: {...})

``train_rl`` (which imports torch) loads on first use.
"""
from __future__ import annotations

from .config import RLConfig
from .registry import ALGORITHMS, REMEDIES, AlgorithmSpec, RemedySpec, algorithm, remedy

__all__ = ["ALGORITHMS", "REMEDIES", "AlgorithmSpec", "RLConfig", "RemedySpec", "algorithm", "remedy", "train_rl"]


def __getattr__(name: str):
    if name == "train_rl":
        from .trainer import train_rl
        return train_rl
    raise AttributeError(f"module 'boundary_lab.rl' has no attribute {name!r}")
