"""The hf backend: a hand-written decode loop checked against transformers itself."""
import math

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from boundary_lab.sampling import SamplingConfig
from boundary_lab.sampling.hf import HFBackend, generate, sample_next
from boundary_lab.tiny_models import make_tiny_model

PROMPTS = ["1 + 1 =", "Question: what is 12 * 3? Answer:", "x"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = make_tiny_model(tmp_path_factory.mktemp("tiny"), arch="llama", hidden=64, layers=2, seed=0)
    return AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)


def test_greedy_equals_transformers_generate(tiny):
    model, tok = tiny
    cfg = SamplingConfig(n=1, temperature=0, max_new_tokens=24)
    ours = generate(model, tok, PROMPTS, cfg)
    for prompt, (completion,) in zip(PROMPTS, ours):
        ids = tok(prompt, return_tensors="pt")
        ref = model.generate(**ids, do_sample=False, max_new_tokens=24)[0, ids.input_ids.shape[1]:].tolist()
        assert completion.token_ids == ref[: completion.n_tokens]
        assert completion.text == tok.decode(completion.token_ids, skip_special_tokens=True)


def test_logprobs_are_raw_teacher_forced_logprobs(tiny):
    model, tok = tiny
    cfg = SamplingConfig(n=2, temperature=0.7, top_p=0.9, max_new_tokens=12, seed=5, logprobs=True)
    completion = generate(model, tok, [PROMPTS[1]], cfg)[0][1]
    prompt_ids = tok(PROMPTS[1]).input_ids
    ids = torch.tensor([prompt_ids + completion.token_ids])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).logits[0].float(), -1)
    ref = [logp[len(prompt_ids) - 1 + t, tok_id].item() for t, tok_id in enumerate(completion.token_ids)]
    assert completion.token_logprobs == pytest.approx(ref, abs=1e-4)


@pytest.mark.parametrize("batch_size", [8, 512])  # 15 rows: two batches, or one
def test_same_seed_reproduces_and_other_seed_or_stream_differs(tiny, batch_size):
    model, tok = tiny
    cfg = SamplingConfig(n=5, temperature=1.0, top_p=1.0, max_new_tokens=10, seed=11)
    run = lambda c, s=(): [[x.token_ids for x in row]
                           for row in generate(model, tok, PROMPTS, c, batch_size=batch_size, stream=s)]
    first = run(cfg)
    assert first == run(cfg)
    assert first != run(SamplingConfig(**{**cfg.to_dict(), "stop": (), "seed": 12}))
    assert first != run(cfg, s=(1, 0))
    # samples of one prompt are not copies of each other
    assert len({tuple(ids) for ids in first[0]}) == 5


def test_stop_string_cuts_text_and_eos_stops(tiny):
    model, tok = tiny
    cfg = SamplingConfig(n=40, temperature=1.0, top_p=1.0, max_new_tokens=30, seed=0, stop=("e",))
    rows = generate(model, tok, PROMPTS[:1], cfg)[0]
    stopped = [c for c in rows if c.finish_reason == "stop"]
    assert stopped, "a random model over ~400 tokens emits an 'e' within 30 tokens"
    for c in rows:
        full = tok.decode(c.token_ids, skip_special_tokens=True)
        assert "e" not in c.text
        if c.finish_reason == "stop" and tok.eos_token_id not in c.token_ids:
            assert full.startswith(c.text) and "e" in full
            assert "e" not in tok.decode(c.token_ids[:-1], skip_special_tokens=True)
        else:
            assert c.n_tokens == 30 or c.token_ids[-1] == tok.eos_token_id


def test_eos_ends_a_sample_and_is_kept_in_token_ids(tiny):
    model, tok = tiny
    # Make EOS very likely so that samples end early.
    bias = torch.zeros(model.config.vocab_size)
    bias[tok.eos_token_id] = 4.0
    handle = model.lm_head.register_forward_hook(lambda m, i, o: o + bias)
    try:
        rows = generate(model, tok, PROMPTS[:1], SamplingConfig(n=30, temperature=1.0, top_p=1.0, max_new_tokens=20))[0]
    finally:
        handle.remove()
    ended = [c for c in rows if c.finish_reason == "stop"]
    assert ended and all(c.token_ids[-1] == tok.eos_token_id and c.n_tokens == len(c.token_ids) for c in ended)
    assert all(tok.eos_token not in c.text for c in rows)


@pytest.mark.parametrize("top_k,top_p", [(1, 1.0), (3, 1.0), (-1, 0.5), (5, 0.3)])
def test_top_k_top_p_restrict_the_support(top_k, top_p):
    logits = torch.log(torch.tensor([[0.4, 0.3, 0.15, 0.1, 0.05] + [0.0] * 5]) + 1e-12).repeat(4000, 1)
    cfg = SamplingConfig(temperature=1.0, top_k=top_k, top_p=top_p)
    drawn = sample_next(logits, cfg, torch.Generator().manual_seed(0))
    allowed = {(1, 1.0): {0}, (3, 1.0): {0, 1, 2}, (-1, 0.5): {0, 1}, (5, 0.3): {0}}[(top_k, top_p)]
    assert set(drawn.tolist()) == allowed


def test_temperature_sharpens_the_distribution():
    logits = torch.tensor([[2.0, 1.0, 0.0]]).repeat(20000, 1)
    g = torch.Generator().manual_seed(0)
    share = lambda t: (sample_next(logits, SamplingConfig(temperature=t, top_p=1.0), g) == 0).float().mean().item()
    expected = lambda t: math.exp(2 / t) / sum(math.exp(x / t) for x in (2, 1, 0))
    for t in (0.5, 1.0):
        assert share(t) == pytest.approx(expected(t), abs=0.015)


def test_backend_from_directory(tmp_path):
    path = make_tiny_model(tmp_path, arch="qwen2", layers=1)
    out = HFBackend(path).generate(PROMPTS, SamplingConfig(n=2, max_new_tokens=4, seed=0))
    assert [len(row) for row in out] == [2, 2, 2]
    assert all(1 <= c.n_tokens <= 4 and c.finish_reason in ("stop", "length") for row in out for c in row)


def test_get_backend_names():
    from boundary_lab.sampling import get_backend

    with pytest.raises(ValueError, match="backend='tgi'"):
        get_backend("tgi", "some/model")


@pytest.mark.parametrize("field,value", [("n", 0), ("max_new_tokens", 0)])
def test_invalid_config_is_rejected(tiny, field, value):
    model, tok = tiny
    with pytest.raises(ValueError, match=field):
        generate(model, tok, PROMPTS, SamplingConfig(**{field: value}))


def test_thread_setting_is_restored(tiny):
    model, tok = tiny
    before = torch.get_num_threads()
    generate(model, tok, PROMPTS[:1], SamplingConfig(n=2, max_new_tokens=3))  # tiny: runs on one thread
    assert torch.get_num_threads() == before
