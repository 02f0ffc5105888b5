"""Per-token perplexity of given answers under a model (paper Fig. 6), by teacher forcing.

PPL_m(Y | x) = exp(-(1/T) sum_t log P_m(y_t | x, y_<t)) over the answer tokens and
its end token, at temperature 1 with no truncation. (The micro-world computes it
here with one forward pass per batch; ``boundary_lab.scoring`` does the same for
any model.)

>>> from boundary_lab.micro.config import ModelConfig
>>> from boundary_lab.micro.model import build_model
>>> m = build_model(ModelConfig(hidden_size=32, num_layers=1, num_heads=1, intermediate_size=32), 47)
>>> ppl = answer_perplexities(m, 47, [("Q 5 +3 =", "C 5 +3 8 A 8")])
>>> from boundary_lab.micro.tokenizer import vocabulary
>>> 1 < ppl[0] < 2 * len(vocabulary(47))  # an untrained model: about the vocabulary size
True
"""
from __future__ import annotations

import math

from .pretrain import batch_tensors
from .tokenizer import vocabulary


def answer_perplexities(model, modulus: int, pairs: list[tuple[str, str]], batch_size: int = 512,
                        device: str = "cpu") -> list[float]:
    """Perplexity of each completion given its prompt, under ``model``."""
    import torch

    vocab = vocabulary(modulus)
    out: list[float] = []
    model.eval()
    for start in range(0, len(pairs), batch_size):
        ids, labels = batch_tensors(vocab, pairs[start:start + batch_size], device)
        with torch.no_grad():
            logits = model(input_ids=ids).logits[:, :-1].float()
        target = labels[:, 1:]
        logp = torch.log_softmax(logits, -1).gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        mask = target != -100
        nll = -(logp * mask).sum(1) / mask.sum(1)
        out.extend(math.exp(float(v)) for v in nll)
    return out
