"""The micro-world's instruct model (paper Fig. 7): rejection-sampling fine-tuning of the base.

The paper's instruct model (Qwen2.5-Instruct) is the base after supervised instruction tuning
on curated answers. The micro-world has no instruction data, so its analog is rejection-sampling
fine-tuning (RFT, Yuan et al. 2023, "Scaling Relationship on Learning Mathematical Reasoning with
Large Language Models", arXiv 2308.01825): sample the base on training problems drawn like the RL
split, keep the samples whose whole chain is correct, and fine-tune the base on them with the
distillation stage's supervised trainer (:func:`boundary_lab.micro.pretrain.train_lm`). Unlike
distillation, every trace comes from the base itself; unlike RL, there is no reward-weighted update,
only imitation of the base's own correct answers.

>>> from boundary_lab.micro.task import Problem
>>> p = Problem("x", 5, (("+", 3),), 47, "A")
>>> kept_pairs([p], [["C 5 +3 8 A 8", "C 5 +3 9 A 8", "C 5 +3 8 A 8"]])
[('Q 5 +3 =', 'C 5 +3 8 A 8')]
"""
from __future__ import annotations

import numpy as np

from .evaluate import sample
from .pretrain import train_lm
from .task import Problem, check, training_problems


def kept_pairs(problems: list[Problem], completions: list[list[str]]) -> list[tuple[str, str]]:
    """(prompt, completion) of every distinct whole-chain-correct sample, in problem order."""
    pairs = [(p.prompt, text) for p, texts in zip(problems, completions) for text in texts if check(p, text).correct]
    return list(dict.fromkeys(pairs))


def instruct(base_model, tokenizer, cfg, max_new_tokens: int, progress: bool = True):
    """Fine-tune ``base_model`` in place on its own correct samples; returns (model, log, summary).

    ``summary``: training problems sampled, samples drawn, distinct correct traces kept. With none kept
    the model is left as it is (the log is empty)."""
    import torch

    ic = cfg.instruct
    problems = training_problems(cfg.task, ic.problems, cfg.seed, tier_b_share=cfg.rl.tier_b_share)
    texts = sample(base_model, tokenizer, [p.prompt for p in problems], ic.samples, ic.temperature, 1.0,
                   max_new_tokens, cfg.seed, stream=("instruct",))
    pairs = kept_pairs(problems, texts)
    summary = {"problems": len(problems), "samples": len(problems) * ic.samples, "kept": len(pairs),
               "problems_kept": len({prompt for prompt, _ in pairs})}
    if not pairs:
        return base_model, [], summary
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng([cfg.seed, 11])
    log = train_lm(base_model, cfg.task.modulus,
                   lambda step: [pairs[i] for i in rng.integers(len(pairs), size=ic.batch_size)],
                   ic.steps, ic.lr, cfg.device, progress, desc="instruct")
    return base_model, log, summary
