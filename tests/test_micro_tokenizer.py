"""The locally built micro-world tokenizer and model round-trip through save_pretrained."""
from __future__ import annotations

import numpy as np
import pytest

from boundary_lab.micro.config import ModelConfig, TaskConfig
from boundary_lab.micro.task import clean_trace, pretraining_texts, training_problems
from boundary_lab.micro.tokenizer import build_tokenizer, encode_ids, vocabulary


@pytest.mark.parametrize("modulus", [5, 47, 97])
def test_round_trip_and_fast_encoding_agree(modulus):
    tok = build_tokenizer(modulus)
    vocab = vocabulary(modulus)
    task = TaskConfig(modulus=modulus)
    texts = [t for pair in pretraining_texts(task, 200, np.random.default_rng(0), set()) for t in pair]
    texts += [clean_trace(p) for p in training_problems(task, 50, 0, lengths=(1, 6))]
    for text in texts:
        ids = tok(text)["input_ids"]
        assert ids == encode_ids(vocab, text)
        assert vocab["<unk>"] not in ids
        assert tok.decode(ids) == text


def test_unknown_symbol_maps_to_unk():
    vocab = vocabulary(47)
    assert encode_ids(vocab, "Q 47 / 3") == [vocab["Q"], vocab["<unk>"], vocab["<unk>"], vocab["3"]]


def test_checkpoint_loads_back_with_transformers(tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from boundary_lab.micro.model import build_model, save_checkpoint

    model = build_model(ModelConfig(hidden_size=32, num_layers=1, num_heads=1, intermediate_size=32), 47)
    save_checkpoint(model, 47, tmp_path / "m")
    again = AutoModelForCausalLM.from_pretrained(tmp_path / "m")
    tok = AutoTokenizer.from_pretrained(tmp_path / "m")
    ids = torch.tensor([tok("Q 5 + 3 =")["input_ids"]])
    assert torch.allclose(model(ids).logits, again(ids).logits)
    assert tok.eos_token == "</s>" and tok.pad_token == "<pad>"
