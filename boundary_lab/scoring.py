"""Log-probabilities and perplexity of given responses under a model (paper Fig. 6).

Teacher forcing at temperature 1 with no top-k/top-p and no truncation: the
response tokens' log-probs given the prompt and the preceding response tokens.
The prompt is tokenized with the tokenizer's special tokens (BOS), the response
without, and the two id lists are concatenated, so both backends score the very
same token sequence.

Two implementations that agree to float tolerance (tested):
:func:`token_logprobs_hf` (a transformers forward pass, any in-memory model) and
:func:`token_logprobs_vllm` (vLLM ``prompt_logprobs``, for big models on GPUs).

The perplexity of one response is ``exp(-mean token log-prob)``.

>>> import tempfile
>>> from transformers import AutoModelForCausalLM, AutoTokenizer
>>> from boundary_lab.tiny_models import make_tiny_model
>>> path = make_tiny_model(tempfile.mkdtemp(), layers=1)
>>> model, tok = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
>>> pairs = [("1 + 1 =", " 2"), ("Q:", " an answer")]
>>> lps = token_logprobs_hf(model, tok, pairs)
>>> [len(x) for x in lps] == [len(tok(r, add_special_tokens=False).input_ids) for _, r in pairs]
True
>>> all(v < 0 for x in lps for v in x)
True
>>> perplexity([-1.0, -1.0]) == perplexity([-1.0]) > 1
True
"""
from __future__ import annotations

import math
from typing import Sequence

import pandas as pd

from .errors import InputError
from .sampling.context import hf_context_length
from .sampling.identity import resolve_model_dir

Pair = tuple[str, str]


def perplexity(logprobs: Sequence[float]) -> float:
    """``exp(-mean(logprobs))``; NaN for an empty response."""
    return math.exp(-sum(logprobs) / len(logprobs)) if len(logprobs) else float("nan")


def encode_pairs(tokenizer, pairs: Sequence[Pair]) -> list[tuple[list[int], list[int]]]:
    """(prompt ids with special tokens, response ids without) per pair."""
    return [(tokenizer(p).input_ids, tokenizer(r, add_special_tokens=False).input_ids) for p, r in pairs]


def token_logprobs_hf(model, tokenizer, pairs: Sequence[Pair], batch_size: int = 8,
                      progress: bool = False) -> list[list[float]]:
    """Per-token log-probs of each response given its prompt, by a transformers forward pass.

    Batches are left-padded so that all responses end at the last position, and only
    the response positions' logits are materialised (``logits_to_keep``), which keeps
    memory at batch x response length x vocab.
    """
    import torch

    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    encoded = encode_pairs(tokenizer, pairs)
    results: list[list[float]] = [[] for _ in pairs]
    order = sorted(range(len(pairs)), key=lambda i: -sum(map(len, encoded[i])))  # similar lengths together
    starts = range(0, len(order), batch_size)
    if progress:
        from tqdm import tqdm  # plain text bars: no widget warnings in notebooks

        starts = tqdm(starts, desc="scoring", unit="batch")
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in starts:
                idx = [i for i in order[start:start + batch_size] if encoded[i][1]]
                if not idx:
                    continue
                seqs = [encoded[i][0] + encoded[i][1] for i in idx]
                width = max(map(len, seqs))
                keep = max(len(encoded[i][1]) for i in idx) + 1
                ids = torch.full((len(seqs), width), pad, dtype=torch.long)
                mask = torch.zeros_like(ids)
                for row, s in enumerate(seqs):
                    ids[row, width - len(s):] = torch.tensor(s)
                    mask[row, width - len(s):] = 1
                ids, mask = ids.to(device), mask.to(device)
                positions = (mask.cumsum(-1) - 1).clamp(min=0)
                logits = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                               logits_to_keep=keep).logits[:, :-1].float()
                logp = torch.log_softmax(logits, dim=-1)
                targets = ids[:, width - keep + 1:]
                picked = logp.gather(-1, targets[..., None]).squeeze(-1).cpu()
                for row, i in enumerate(idx):
                    n = len(encoded[i][1])
                    results[i] = picked[row, keep - 1 - n:].tolist()
    finally:
        model.train(was_training)
    return results


def token_logprobs_vllm(llm, pairs: Sequence[Pair], progress: bool = False) -> list[list[float]]:
    """The same via vLLM ``prompt_logprobs`` (``llm``: a ``vllm.LLM`` or our ``VLLMBackend``)."""
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt

    llm = getattr(llm, "llm", llm)
    encoded = encode_pairs(llm.get_tokenizer(), pairs)
    # prompt_logprobs=0: only the log-prob of each actual prompt token.
    params = SamplingParams(max_tokens=1, temperature=1.0, prompt_logprobs=0, detokenize=False)
    outputs = llm.generate([TokensPrompt(prompt_token_ids=p + r) for p, r in encoded], params, use_tqdm=progress)
    results = []
    for (prompt, response), out in zip(encoded, outputs):
        steps = out.prompt_logprobs[len(prompt):]
        results.append([float(step[tok].logprob) for step, tok in zip(steps, response)])
    return results


def _check_pairs_fit(tokenizer, pairs: Sequence[Pair], context: int | None, source: str) -> None:
    if context is None:
        return
    for i, (prompt, response) in enumerate(encode_pairs(tokenizer, pairs)):
        if len(prompt) + len(response) > context:
            raise InputError(f"pairs[{i}]: prompt + response = {len(prompt)} + {len(response)} tokens exceed the "
                             f"model's context of {context} tokens ({source})")


def score_pairs(model, pairs: Sequence[Pair], backend: str = "hf", progress: bool = False,
                **backend_kwargs) -> pd.DataFrame:
    """Per pair: ``n_tokens``, ``sum_logprob``, ``mean_logprob`` and ``perplexity``.

    ``model`` is a model directory / hub id, or an in-memory ``(model, tokenizer)``
    tuple for the hf backend. A pair longer than the model's context (prompt + response
    tokens) is an InputError naming it: past its context a model's log-probs mean nothing.
    """
    if backend not in ("hf", "vllm"):
        raise InputError(f"backend={backend!r}: expected 'hf' or 'vllm'")
    if not isinstance(model, tuple):
        model = resolve_model_dir(str(model))  # a missing directory is an InputError here
    if backend == "hf":
        if isinstance(model, tuple):
            lm, tok = model
        else:
            from .sampling.hf import load_model_dir

            lm, tok = load_model_dir(model)
        _check_pairs_fit(tok, pairs, *hf_context_length(lm.config))
        lps = token_logprobs_hf(lm, tok, pairs, progress=progress, **backend_kwargs)
    else:
        from .sampling.vllm_backend import VLLMBackend

        engine = VLLMBackend(model, **backend_kwargs)
        try:
            _check_pairs_fit(engine.tokenizer, pairs, *engine.context_length())
            lps = token_logprobs_vllm(engine, pairs, progress=progress)
        finally:
            engine.close()
    return pd.DataFrame({
        "n_tokens": [len(x) for x in lps],
        "sum_logprob": [sum(x) for x in lps],
        "mean_logprob": [sum(x) / len(x) if x else float("nan") for x in lps],
        "perplexity": [perplexity(x) for x in lps],
    })
