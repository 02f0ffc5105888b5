"""Would trimming an RL mini-batch's right padding change training? (LOG.md 2026-11-30, book time.)

    python scripts/padding_trim_check.py runs/micro/models/pretrain-<hash>

Builds 32 random prompt+completion rows, takes the 16 shortest as a mini-batch, and compares their
per-token log-probs and the gradient of their sum with the batch padded to the longest of all 32 rows
against the same rows trimmed to their own longest. Prints the largest differences; any nonzero value
means trimming would change every trained model (it is not bit-identical).
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from boundary_lab.micro.model import load_checkpoint
from boundary_lab.rl.rollouts import RolloutBatch, build_batch, token_logprobs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a micro-world checkpoint directory")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    model, tok = load_checkpoint(args.model)
    rng = np.random.default_rng(args.seed)
    vocab = len(tok)
    prompts = [list(rng.integers(4, vocab, size=rng.integers(5, 9))) for _ in range(32)]
    comps = [list(rng.integers(4, vocab, size=rng.integers(1, 8))) for _ in range(32)]
    batch = build_batch(prompts, comps, tok.pad_token_id, list(range(32)), list(range(32)), [0.0] * 32, [""] * 32)
    sub = batch.select(np.argsort([len(p) + len(c) for p, c in zip(prompts, comps)])[:16])
    width = int(sub.attention_mask.sum(1).max())
    trim = RolloutBatch(sub.input_ids[:, :width], sub.attention_mask[:, :width], sub.response_mask[:, :width - 1],
                        sub.group, sub.prompt_index, sub.rewards, sub.texts)
    mask = trim.response_mask.bool()
    grads = []
    for b in (sub, trim):
        model.zero_grad()
        logp = token_logprobs(model, b)[:, :width - 1][mask]
        logp.sum().backward()
        grads.append((logp.detach(), [p.grad.clone() for p in model.parameters()]))
    (lp_pad, g_pad), (lp_trim, g_trim) = grads
    print(f"padded width {batch.input_ids.shape[1]}, trimmed width {width}")
    print(f"max |log-prob difference| {float((lp_pad - lp_trim).abs().max()):.3g}")
    print(f"max |gradient difference| {max(float((a - b).abs().max()) for a, b in zip(g_pad, g_trim)):.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
