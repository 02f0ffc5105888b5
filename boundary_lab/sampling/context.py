"""The context preflight: prompt + ``max_new_tokens`` must fit the model's context window.

Past its context a model either generates garbage positions (transformers keeps going past
``max_position_embeddings``) or is cut silently (vLLM stops at ``max_model_len`` with
finish reason "length"). So before sampling, every prompt is tokenised and the longest
one plus ``max_new_tokens`` is checked against the context: too long is an InputError
naming the longest prompt, unless truncation was asked for, in which case every sample
gets ``context - longest prompt`` new tokens at most (the store records it).

>>> lengths = {"problem_id 'a'": 100, "problem_id 'b'": 300}
>>> check_context(lengths, max_new_tokens=200, context=512, source="max_position_embeddings")
200
>>> check_context(lengths, 250, 512, "max_model_len", truncate_to_context=True)
212
>>> check_context(lengths, 250, 512, "max_model_len")
Traceback (most recent call last):
...
boundary_lab.errors.InputError: max_new_tokens=250: the longest prompt (problem_id 'b', 300 tokens) + 250 \
new tokens = 550 exceed the model's context of 512 tokens (max_model_len); lower max_new_tokens to 212 or \
set truncate_to_context=True
"""
from __future__ import annotations

from typing import Mapping

from ..errors import InputError

# Config fields that hold a transformers model's context window, in the order they are trusted.
CONTEXT_FIELDS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length")


def hf_context_length(config) -> tuple[int | None, str]:
    """The context window a transformers config declares, and the field it came from (None if none)."""
    for name in CONTEXT_FIELDS:
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value, name
    return None, "no context field in config.json"


def check_context(prompt_tokens: Mapping[str, int], max_new_tokens: int, context: int | None, source: str,
                  truncate_to_context: bool = False) -> int:
    """The ``max_new_tokens`` to sample with: as asked when the longest prompt leaves room, else
    ``context - longest`` with ``truncate_to_context``, else an InputError. ``prompt_tokens``
    maps names of prompts (``"problem_id 'x'"``, as the message should show them) to lengths in tokens;
    ``context`` None means unknown (no check)."""
    if context is None or not prompt_tokens:
        return max_new_tokens
    pid, longest = max(prompt_tokens.items(), key=lambda kv: kv[1])
    room = context - longest
    if room < 1:
        raise InputError(f"prompt of {pid} has {longest} tokens, no room left in the model's "
                         f"context of {context} tokens ({source})")
    if longest + max_new_tokens <= context:
        return max_new_tokens
    if truncate_to_context:
        return room
    raise InputError(f"max_new_tokens={max_new_tokens}: the longest prompt ({pid}, {longest} tokens) "
                     f"+ {max_new_tokens} new tokens = {longest + max_new_tokens} exceed the model's context of "
                     f"{context} tokens ({source}); lower max_new_tokens to {room} or set truncate_to_context=True")
