"""Evaluation of micro checkpoints: sample the held-out tiers, check every trace, count.

Checkpoints are ordinary HF directories and go through the shared HF sampling
backend (``boundary_lab.sampling.hf.generate``), like any hub model.

Outputs per model: a samples table (``problem_id, sample_id, completion,
n_tokens, finish_reason, correct, answer_correct, strategy, tier``) and a counts
table (``model, problem_id, n, correct, answer_correct, careful, shortcut, tier,
length``): ``correct`` counts whole-chain-correct samples (the primary metric),
``answer_correct`` counts right answers whatever the chain.

>>> from boundary_lab.micro.task import Problem
>>> import pandas as pd
>>> p = Problem("x", 5, (("+", 3),), 47, "A")
>>> s = grade_samples([p], [["C 5 +3 8 A 8", "S 5 +3 8 A 8", "C 5 +3 9 A 8"]])
>>> s["strategy"].tolist()
['careful', 'shortcut', 'careful']
>>> counts_from_samples(s, "base")[["model", "n", "correct", "answer_correct", "careful"]].values.tolist()
[['base', 3, 2, 3, 2]]
"""
from __future__ import annotations

from ..errors import InputError
from ..sampling.config import SamplingConfig
from .config import EvalConfig
from .model import load_checkpoint
from .pretrain import batch_tensors
from .task import CAREFUL, SHORTCUT, Problem, check
from .tokenizer import vocabulary

# Strategy names in tables: words, so they never collide with tier letters (A, B, C).
STRATEGY_NAMES = {CAREFUL: "careful", SHORTCUT: "shortcut"}


def sample(model, tokenizer, prompts: list[str], n: int, temperature: float, top_p: float,
           max_new_tokens: int, seed: int, batch_size: int | None = None, progress: bool = False,
           stream: tuple[int, ...] = ()) -> list[list[str]]:
    """``n`` completions (texts) per prompt from an in-memory HF model (``batch_size``: default
    ``EvalConfig.batch_size``)."""
    from ..sampling.hf import generate  # torch

    config = SamplingConfig(n=n, temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens, seed=seed)

    out = generate(model, tokenizer, prompts, config, progress=progress,
                   batch_size=batch_size or EvalConfig.batch_size, stream=stream)
    return [[c.text for c in row] for row in out]


def grade_samples(problems: list[Problem], completions: list[list[str]]):
    """One row per sample, checked for answer and whole chain."""
    import pandas as pd

    rows = []
    for prob, texts in zip(problems, completions):
        for j, text in enumerate(texts):
            r = check(prob, text)
            rows.append((prob.problem_id, prob.tier, prob.length, j, text, r.correct, r.answer_correct,
                         STRATEGY_NAMES.get(r.strategy, "other")))
    return pd.DataFrame(rows, columns=["problem_id", "tier", "length", "sample_id", "completion",
                                       "correct", "answer_correct", "strategy"])


def counts_from_samples(samples, model: str):
    """Per-problem counts: n, whole-chain ``correct``, ``answer_correct``, strategy counts."""
    s = samples.assign(careful=samples.strategy == "careful", shortcut=samples.strategy == "shortcut",
                       careful_correct=(samples.strategy == "careful") & samples.correct)
    g = s.groupby(["problem_id", "tier", "length"], sort=False)
    out = g.agg(n=("sample_id", "size"), correct=("correct", "sum"), answer_correct=("answer_correct", "sum"),
                careful=("careful", "sum"), shortcut=("shortcut", "sum"),
                careful_correct=("careful_correct", "sum")).reset_index()
    out.insert(0, "model", model)
    cols = ["model", "problem_id", "n", "correct", "answer_correct", "tier", "length", "careful", "shortcut",
            "careful_correct"]
    return out[cols].astype({c: int for c in cols[2:] if c != "tier"})


def evaluate_checkpoint(path, problems: list[Problem], name: str, eval_cfg, max_new_tokens: int, seed: int,
                        device: str = "cpu", progress: bool = False, stream: tuple[int, ...] = ()):
    """(samples, counts) of one checkpoint directory on ``problems``."""
    model, tok = load_checkpoint(path, device)
    texts = sample(model, tok, [p.prompt for p in problems], eval_cfg.n, eval_cfg.temperature, eval_cfg.top_p,
                   max_new_tokens, seed, eval_cfg.batch_size, progress, stream)
    samples = grade_samples(problems, texts)
    return samples, counts_from_samples(samples, name)


def strategy_shares(samples, model: str):
    """Share of each strategy per tier (the mechanism's diagnostic)."""
    share = samples.groupby("tier").strategy.value_counts(normalize=True).rename("share").reset_index()
    share.insert(0, "model", model)
    return share


def sampled_entropy(path, modulus: int, prompts: list[str], temperature: float, n: int, max_new_tokens: int,
                    seed: int, device: str = "cpu", stream: tuple = ()) -> dict:
    """Mean per-token entropy (nats) of the distribution a checkpoint samples from at ``temperature``,
    softmax(logits / T) without truncation, over ``n`` of its own completions per prompt sampled at that
    temperature (paper Fig. 17, which raises the RL model's temperature until this matches the base's).
    Returns ``{"entropy": ..., "tokens": ...}``; the same ``seed`` and ``stream`` give the same draws."""
    import torch

    if temperature <= 0:
        raise InputError(f"temperature={temperature}: the sampling entropy needs a temperature above 0")
    model, tok = load_checkpoint(path, device)
    texts = sample(model, tok, prompts, n, temperature, 1.0, max_new_tokens, seed, stream=stream)
    pairs = [(p, t) for p, row in zip(prompts, texts) for t in row]
    ids, labels = batch_tensors(vocabulary(modulus), pairs, device)
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[:, :-1].float() / temperature, -1)
    mask = labels[:, 1:] != -100
    entropy = -(logp.exp() * logp).sum(-1)
    return {"entropy": float((entropy * mask).sum() / mask.sum()), "tokens": int(mask.sum())}
