"""The ``hf`` sampling backend: a hand-written batched decode loop over any HF causal LM.

It works on an in-memory model (the RL trainer and the micro-world pass theirs) or a
model directory (:class:`HFBackend`). Per batch it prefills each distinct prompt once,
copies its KV cache to the prompt's samples, then decodes all rows together with the
KV cache, dropping finished rows from the batch as it goes. This is several times
faster than ``model.generate`` for tiny models, where Python overhead per step dominates.

Semantics (matching vLLM where it has a rule):
- temperature is applied first, then top-k, then top-p; temperature 0 is greedy.
- a sample stops at an EOS token (kept in ``token_ids``, not in ``text``), when its
  text contains a stop string (the text is cut before it; ``token_ids`` end with the
  token that completed it), or after ``max_new_tokens`` (``finish_reason="length"``).
- ``token_logprobs`` (when ``config.logprobs``) are log-probs of each sampled token under
  the model's *raw* distribution: temperature 1, no top-k/top-p (vLLM's default
  ``raw_logprobs``; the same quantity :mod:`boundary_lab.scoring` computes).
- Seeding: each batch draws from its own ``torch.Generator`` seeded from
  ``(config.seed, *stream, batch index, keys of the batch's prompts)`` through numpy's
  ``SeedSequence`` (``keys`` default to the prompt positions). The output is a
  deterministic function of the model, prompts, keys, config, ``batch_size`` and
  ``stream``, bit for bit on the same machine; give calls that must not repeat each
  other's samples distinct keys or streams. (Unlike vLLM's per-request seeds, a
  sample here also depends on which prompts share its batch.)

>>> import tempfile
>>> from boundary_lab.tiny_models import make_tiny_model
>>> from boundary_lab.sampling import SamplingConfig
>>> backend = HFBackend(make_tiny_model(tempfile.mkdtemp(), layers=1))
>>> out = backend.generate(["1 + 1 ="], SamplingConfig(n=3, temperature=1.0, max_new_tokens=5, seed=1))
>>> [len(c.token_ids) <= 5 for c in out[0]]
[True, True, True]
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch

from ..errors import InputError
from ..seeding import derive_seed  # noqa: F401  (vllm_backend imports it from here)
from .config import Completion, SamplingConfig
from .context import hf_context_length

# Rows in one decode batch. On CPU, tiny models ran fastest at 64-256 rows
# (benchmarks/sampling_throughput.py): larger batches fall out of the caches.
DEFAULT_BATCH_SIZE = 256
# Below this many parameters generate() runs torch on one thread: each op is too small
# to split, and on a busy 2-core machine two threads made tiny-model sampling ~10x
# slower (thread hand-offs stall when the other core is taken).
SINGLE_THREAD_BELOW_PARAMS = 20_000_000


def sample_next(logits: torch.Tensor, config: SamplingConfig, generator: torch.Generator) -> torch.Tensor:
    """Draw one token per row from ``logits`` [rows, vocab] with temperature, top-k, top-p."""
    if config.temperature == 0:
        return logits.argmax(dim=-1)
    scaled = logits.float() / config.temperature
    if 0 < config.top_k < scaled.shape[-1]:
        kth = torch.topk(scaled, config.top_k, dim=-1).values[:, -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    if config.top_p < 1.0:
        sorted_logits, order = torch.sort(scaled, dim=-1, descending=True)
        probs = torch.softmax(sorted_logits, dim=-1)
        # Drop a token when the mass before it already reaches top_p (the first always stays).
        drop = (torch.cumsum(probs, dim=-1) - probs) > config.top_p
        sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
        scaled = torch.empty_like(scaled).scatter_(-1, order, sorted_logits)
    probs = torch.softmax(scaled, dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


class _StopMatcher:
    """Detects stop strings incrementally from per-token text pieces (no full decode per step)."""

    def __init__(self, tokenizer, stops: Sequence[str], vocab_size: int):
        self.stops = [s for s in stops if s]
        self.keep = max((len(s) for s in self.stops), default=0) + 8
        self.pieces = [tokenizer.decode([i], skip_special_tokens=True) for i in range(vocab_size)] if self.stops else []

    def hit(self, tail: str, token: int) -> tuple[str, bool]:
        tail = (tail + self.pieces[token])[-self.keep:]
        return tail, any(s in tail for s in self.stops)


def _eos_ids(model, tokenizer) -> set[int]:
    ids = set()
    for source in (getattr(model, "generation_config", None), getattr(model, "config", None), tokenizer):
        value = getattr(source, "eos_token_id", None)
        ids.update(value if isinstance(value, (list, tuple)) else [value] if value is not None else [])
    return ids


@torch.inference_mode()
def _generate_batch(model, tokenizer, prompt_ids, row_prompt, config, generator, eos, matcher):
    """Decode one static batch. ``row_prompt[r]`` indexes ``prompt_ids`` (distinct prompts)."""
    from transformers import DynamicCache

    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    width = max(len(p) for p in prompt_ids)
    ids = torch.full((len(prompt_ids), width), pad, dtype=torch.long)
    mask = torch.zeros((len(prompt_ids), width), dtype=torch.long)
    for i, p in enumerate(prompt_ids):  # left padding
        ids[i, width - len(p):] = torch.tensor(p)
        mask[i, width - len(p):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    # Without padding the causal mask is implicit; building a padding mask every step costs time.
    padded = min(len(p) for p in prompt_ids) < width
    cache = DynamicCache()
    out = model(input_ids=ids, attention_mask=mask if padded else None, position_ids=positions,
                past_key_values=cache, use_cache=True, logits_to_keep=1)
    # Share each prompt's prefill among its samples.
    select = torch.as_tensor(row_prompt, device=device)
    cache.batch_select_indices(select)
    logits = out.logits[:, -1][select]
    mask = mask[select]
    next_pos = positions[select, -1] + 1

    rows = len(row_prompt)
    tokens = torch.full((rows, config.max_new_tokens), pad, dtype=torch.long)
    logps = torch.zeros((rows, config.max_new_tokens)) if config.logprobs else None
    lengths = [0] * rows
    finish = ["length"] * rows
    tails = [""] * rows
    # batch position -> row; -1 once the row finished. Finished rows stay in the batch
    # (their tokens are ignored) until a quarter of it is dead: compacting the KV cache
    # copies it, so doing it at every finish costs more than the wasted rows.
    active = list(range(rows))
    eos_t = torch.tensor(sorted(eos), device=device) if eos else None
    for step in range(config.max_new_tokens):
        new = sample_next(logits, config, generator)
        live = [b for b, row in enumerate(active) if row >= 0]
        live_rows = [active[b] for b in live]
        if len(live) == len(active):
            new_live, logits_live = new, logits
        else:
            sel = torch.as_tensor(live, device=device)
            new_live, logits_live = new[sel], logits[sel]
        tokens[live_rows, step] = new_live.cpu()
        if logps is not None:
            lp = torch.log_softmax(logits_live.float(), dim=-1).gather(-1, new_live[:, None]).squeeze(-1)
            logps[live_rows, step] = lp.cpu()
        done = torch.isin(new_live, eos_t).tolist() if eos_t is not None else [False] * len(live)
        new_list = new_live.tolist() if matcher.stops else None
        alive = 0
        for k, b in enumerate(live):
            row = active[b]
            lengths[row] = step + 1
            hit = done[k]
            if not hit and new_list is not None:
                tails[row], hit = matcher.hit(tails[row], new_list[k])
            if hit:
                finish[row] = "stop"
                active[b] = -1
            else:
                alive += 1
        if alive == 0 or step + 1 == config.max_new_tokens:
            break
        if alive <= 0.75 * len(active):
            keep = [b for b, row in enumerate(active) if row >= 0]
            sel = torch.as_tensor(keep, device=device)
            cache.batch_select_indices(sel)
            mask, next_pos, new = mask[sel], next_pos[sel], new[sel]
            active = [active[b] for b in keep]
        if padded:
            mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=-1)
        out = model(input_ids=new[:, None], attention_mask=mask if padded else None,
                    position_ids=next_pos[:, None], past_key_values=cache, use_cache=True)
        logits = out.logits[:, -1]
        next_pos = next_pos + 1

    token_lists = [tokens[r, :lengths[r]].tolist() for r in range(rows)]
    texts = tokenizer.batch_decode(token_lists, skip_special_tokens=True)
    result = []
    for r in range(rows):
        text = texts[r]
        if finish[r] == "stop" and matcher.stops:
            cut = min((text.find(s) for s in matcher.stops if s in text), default=-1)
            text = text[:cut] if cut >= 0 else text
        result.append(Completion(
            text=text, n_tokens=lengths[r], finish_reason=finish[r], token_ids=token_lists[r],
            token_logprobs=logps[r, :lengths[r]].tolist() if logps is not None else None,
        ))
    return result


def generate(model, tokenizer, prompts: Sequence[str], config: SamplingConfig, progress: bool = False,
             batch_size: int = DEFAULT_BATCH_SIZE, stream: Sequence[int] = (),
             keys: Sequence[int] | None = None, threads: int | None = None) -> list[list[Completion]]:
    """Sample ``config.n`` completions for every prompt; returns one list per prompt.

    ``progress``: True shows a bar; a callable is called with the number of samples of each
    finished decode batch (the CLI's bar counts them within a chunk).

    ``prompts`` are final strings (templated already); they are tokenized with the
    tokenizer's special tokens (e.g. BOS). ``stream`` and ``keys`` select the random
    streams (see the module docstring). ``threads``: torch threads while sampling
    (default: 1 for models under ``SINGLE_THREAD_BELOW_PARAMS``, else unchanged); the
    previous setting is restored afterwards.
    """
    keys = list(range(len(prompts))) if keys is None else [int(k) for k in keys]
    if len(keys) != len(prompts):
        raise ValueError(f"{len(keys)} keys for {len(prompts)} prompts")
    if config.n < 1 or config.max_new_tokens < 1:
        raise ValueError(f"n={config.n} and max_new_tokens={config.max_new_tokens} must be >= 1")
    if threads is None and sum(p.numel() for p in model.parameters()) < SINGLE_THREAD_BELOW_PARAMS:
        threads = 1
    eos = _eos_ids(model, tokenizer)
    head = model.get_output_embeddings()
    vocab = head.weight.shape[0] if head is not None else model.config.vocab_size
    matcher = _StopMatcher(tokenizer, config.stop, min(vocab, len(tokenizer)))
    encoded = [tokenizer(p).input_ids for p in prompts]
    rows = [(i, j) for i in range(len(prompts)) for j in range(config.n)]
    results: list[list[Completion]] = [[] for _ in prompts]
    bar = None
    if callable(progress):  # a caller's counter: told the samples of each finished batch
        bar = _Callback(progress)
    elif progress:
        from tqdm import tqdm  # plain text bars: no widget warnings in notebooks

        bar = tqdm(total=len(rows), desc="sampling", unit="sample")
    previous_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    was_training = model.training
    model.eval()
    try:
        for b, start in enumerate(range(0, len(rows), batch_size)):
            batch = rows[start:start + batch_size]
            distinct = sorted({i for i, _ in batch})
            local = {i: k for k, i in enumerate(distinct)}
            generator = torch.Generator(device=next(model.parameters()).device)
            generator.manual_seed(derive_seed(config.seed, *stream, b, *(keys[i] for i in distinct)))
            done = _generate_batch(model, tokenizer, [encoded[i] for i in distinct],
                                   [local[i] for i, _ in batch], config, generator, eos, matcher)
            for (i, _), completion in zip(batch, done):
                results[i].append(completion)
            if bar is not None:
                bar.update(len(batch))
    finally:
        if bar is not None:
            bar.close()
        model.train(was_training)
        torch.set_num_threads(previous_threads)
    return results


class _Callback:
    """A progress bar stand-in that hands each update to a function."""

    def __init__(self, func):
        self.update = func

    def close(self) -> None:
        pass


def check_device(device: str) -> None:
    """InputError unless torch can use ``device`` here (e.g. ``cuda`` on a host without a GPU)."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise InputError(f"device: not a torch device: {device!r} ({err})") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device={device!r}: torch sees no CUDA GPU here (torch {torch.__version__}, "
                         f"CUDA build: {torch.version.cuda or 'none'}); use device='cpu'")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise InputError(f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise InputError(f"device={device!r}: MPS is not available here; use device='cpu'")


class HFBackend:
    """A model directory (or hub id) loaded with transformers, sampled with :func:`generate`."""

    name = "hf"

    def __init__(self, model_path, device: str = "cpu", dtype: str = "float32",
                 batch_size: int = DEFAULT_BATCH_SIZE):
        from transformers import AutoModelForCausalLM, AutoTokenizer


        if not isinstance(getattr(torch, str(dtype), None), torch.dtype):
            raise InputError(f"dtype: not a torch dtype: {dtype!r} (e.g. float32, bfloat16)")
        if batch_size < 1:
            raise InputError(f"batch_size must be >= 1, got {batch_size}")
        check_device(device)
        self.model_path = str(model_path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        self.model = AutoModelForCausalLM.from_pretrained(self.model_path, dtype=getattr(torch, dtype)).to(device)
        self.batch_size = batch_size

    def context_length(self) -> tuple[int | None, str]:
        """The model's context window in tokens and where it comes from (config.json's field)."""
        return hf_context_length(self.model.config)

    def prompt_lengths(self, prompts: Sequence[str]) -> list[int]:
        """Tokens of each prompt, as :meth:`generate` encodes it (special tokens included)."""
        return [len(ids) for ids in self.tokenizer(list(prompts)).input_ids]

    def generate(self, prompts: Sequence[str], config: SamplingConfig, progress: bool = False,
                 stream: Sequence[int] = (), keys: Sequence[int] | None = None) -> list[list[Completion]]:
        return generate(self.model, self.tokenizer, prompts, config, progress=progress,
                        batch_size=self.batch_size, stream=stream, keys=keys)

    def close(self) -> None:
        """Release the model (vLLM's backend needs this; here it just drops references)."""
        self.model = None


def load_model_dir(path: Path | str):
    """Model and tokenizer from a directory, for callers that want both in memory."""
    backend = HFBackend(path)
    return backend.model, backend.tokenizer
