"""Tiny locally built models load with transformers like hub checkpoints, reproducibly."""
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from boundary_lab.tiny_models import make_tiny_model, make_tokenizer


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_model_dir_loads_and_round_trips_text(tmp_path, arch):
    path = make_tiny_model(tmp_path / arch, arch=arch, hidden=64, layers=1)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert model.config.model_type == arch
    assert model.config.vocab_size == len(tok)
    text = "Rechne: 12 + 305 = 317, café \\boxed{317}\n"
    ids = tok(text).input_ids
    assert ids[0] == tok.bos_token_id
    assert tok.decode(ids, skip_special_tokens=True) == text
    assert max(ids) < model.config.vocab_size
    assert {tok.eos_token_id, tok.pad_token_id} == {model.config.eos_token_id, model.config.pad_token_id}


def test_same_seed_same_weights_and_vocab(tmp_path):
    a = make_tiny_model(tmp_path / "a", seed=1, layers=1)
    b = make_tiny_model(tmp_path / "b", seed=1, layers=1)
    c = make_tiny_model(tmp_path / "c", seed=2, layers=1)
    wa, wb, wc = (AutoModelForCausalLM.from_pretrained(p).model.embed_tokens.weight for p in (a, b, c))
    assert torch.equal(wa, wb) and not torch.equal(wa, wc)
    assert (a / "tokenizer.json").read_text() == (b / "tokenizer.json").read_text()


def test_vocab_size_bounds_the_learned_merges():
    corpus = ["the cat sat on the mat, then the rat ran to the hat; answer: matter"] * 3
    small, large = make_tokenizer(265, corpus), make_tokenizer(2000, corpus)
    assert len(small) == 265  # 4 special + 256 bytes + 5 merges
    assert 265 < len(large) <= 2000  # stops when the corpus has no pair left to merge
    text = "the rat sat on the hat"
    assert len(large(text).input_ids) < len(small(text).input_ids)


def test_bad_arch_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="arch='gpt9'"):
        make_tiny_model(tmp_path, arch="gpt9")
