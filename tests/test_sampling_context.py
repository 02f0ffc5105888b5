"""The context preflight's arithmetic: (prompt lengths, max_new_tokens, context, truncate) -> limit or error."""
from __future__ import annotations

import pytest

from boundary_lab.errors import InputError
from boundary_lab.sampling.context import check_context, hf_context_length

CASES = [  # longest prompt, max_new_tokens, context, truncate_to_context, expected limit (None: refused)
    (100, 412, 512, False, 412),   # exactly fills the context: allowed
    (100, 413, 512, False, None),  # one token over: refused
    (100, 413, 512, True, 412),    # ... or cut to the room left
    (511, 1, 512, False, 1),       # one token of room
    (512, 1, 512, True, None),     # no room at all, even with truncation
    (600, 1, 512, True, None),     # the prompt alone is too long
    (220, 650, 256, False, None),  # the hf case: 220-token prompts, 650 new tokens, context 256
    (220, 650, 256, True, 36),
    (300, 16384, 4096, False, None),  # Qwen2.5-Math-7B at the paper's 16,384 new tokens
    (300, 3072, 4096, False, 3072),   # ... and at runs-gpu.yml's 3,072
    (10, 5, None, False, 5),       # context unknown: not checked
]


@pytest.mark.parametrize("longest,max_new,context,truncate,expected", CASES)
def test_check_context(longest, max_new, context, truncate, expected):
    lengths = {"problem_id 'short'": 3, "problem_id 'long'": longest}
    if expected is None:
        with pytest.raises(InputError, match="problem_id 'long'"):
            check_context(lengths, max_new, context, "src", truncate)
    else:
        assert check_context(lengths, max_new, context, "src", truncate) == expected


def test_context_field_of_a_transformers_config():
    from types import SimpleNamespace as NS

    assert hf_context_length(NS(max_position_embeddings=4096, n_positions=1024)) == (4096, "max_position_embeddings")
    assert hf_context_length(NS(n_positions=1024)) == (1024, "n_positions")
    assert hf_context_length(NS(hidden_size=8)) == (None, "no context field in config.json")
