"""Rollout layout of boundary_lab.rl: real samples from a tiny model, re-scored by the trainer's forward pass."""
import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from boundary_lab.rl.rollouts import rollout_batch, sample_groups, token_logprobs
from boundary_lab.rl.toy import make_toy_model
from boundary_lab.rl.trainer import step_prompt_indices


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    path = make_toy_model(tmp_path_factory.mktemp("toy"), seed=3)
    return AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)


def test_batch_layout_and_logprobs_match_the_sampler(toy):
    model, tokenizer = toy
    prompts = ["1>", "2345>", "98>"]
    # Long enough that some rollouts stop on EOS early and others run to the limit.
    groups = sample_groups(model, tokenizer, prompts, 6, temperature=1.0, top_p=1.0, max_new_tokens=8, seed=0,
                           batch_size=512)
    rewards = [[float(j % 2) for j in range(6)] for _ in prompts]
    batch = rollout_batch(tokenizer, prompts, [0, 1, 2], groups, rewards)
    flat = [c for g in groups for c in g]
    assert {c.finish_reason for c in flat} == {"stop", "length"}
    assert batch.response_mask.sum(dim=1).tolist() == [float(len(c.token_ids)) for c in flat]
    assert batch.group.tolist() == [g for g in range(3) for _ in range(6)]
    # Every masked position predicts exactly the sampled token that follows it.
    targets = batch.input_ids[:, 1:][batch.response_mask.bool()].tolist()
    assert targets == [t for c in flat for t in c.token_ids]
    # Re-scoring (right padding) gives the sampler's own log-probs (left padding, KV cache).
    from boundary_lab.sampling import SamplingConfig
    from boundary_lab.sampling.hf import generate

    with_lp = generate(model, tokenizer, prompts, SamplingConfig(n=6, temperature=1.0, top_p=1.0, max_new_tokens=8,
                                                                 seed=0, logprobs=True))
    batch = rollout_batch(tokenizer, prompts, [0, 1, 2], with_lp, rewards)
    with torch.no_grad():
        logp = token_logprobs(model, batch)
    sampler = [lp for g in with_lp for c in g for lp in c.token_logprobs]
    np.testing.assert_allclose(logp[batch.response_mask.bool()].numpy(), sampler, atol=1e-4)


@pytest.mark.parametrize("n_prompts, per_step", [(10, 4), (3, 8), (16, 16)])
def test_step_prompts_cover_each_epoch_once(n_prompts, per_step):
    steps = 6
    drawn = [i for s in range(1, steps + 1) for i in step_prompt_indices(n_prompts, per_step, s, seed=0)]
    assert all(len(step_prompt_indices(n_prompts, per_step, s, 0)) == per_step for s in range(1, steps + 1))
    for epoch in range(len(drawn) // n_prompts):
        assert sorted(drawn[epoch * n_prompts:(epoch + 1) * n_prompts]) == list(range(n_prompts))
    assert step_prompt_indices(n_prompts, per_step, 3, seed=0) == step_prompt_indices(n_prompts, per_step, 3, seed=0)


def test_toy_task_and_tokenizer():
    from boundary_lab.rl.toy import char_tokenizer, successor_reward, successor_task

    prompts, targets = successor_task(50, seed=4, length=5)
    assert len(prompts) == len(targets) == 50 and all(len(p) == 6 and p[-1] == ">" for p in prompts)
    assert all(t == str((int(p[-2]) + 1) % 10) for p, t in zip(prompts, targets))
    assert successor_task(50, seed=4, length=5) == (prompts, targets) and successor_task(50, seed=5)[0] != prompts
    assert successor_task(3)[0][0][:-1].isdigit() and len(successor_task(3)[0][0]) == 4
    assert successor_task(20) == successor_task(20, seed=0)
    assert "0" in "".join(p[:-1] for p in successor_task(50)[0])  # digits 0-9
    reward = successor_reward(targets)
    assert reward(0, targets[0] + "9") == 1.0 and reward(0, "x" + targets[0]) == 0.0
    tok = char_tokenizer()
    ids = tok("12> 3").input_ids
    assert ids[0] == tok.bos_token_id and tok.decode(ids[1:]) == "12> 3" and len(ids) == 6
    assert (tok.eos_token, tok.pad_token, tok.padding_side) == ("<|eos|>", "<|pad|>", "left")
    assert len(tok) == 4 + 12 and tok.convert_ids_to_tokens(ids[1:]) == list("12> 3")


def test_toy_model_shape(tmp_path):
    from boundary_lab.rl.toy import make_toy_model

    a = AutoModelForCausalLM.from_pretrained(make_toy_model(tmp_path / "a", seed=1))
    assert (a.config.hidden_size, a.config.num_hidden_layers, a.config.head_dim) == (32, 2, 16)
    assert a.config.max_position_embeddings == 64 and a.config.model_type == "llama"
    b = AutoModelForCausalLM.from_pretrained(make_toy_model(tmp_path / "b", seed=2, hidden=48, layers=1))
    assert (b.config.hidden_size, b.config.num_hidden_layers) == (48, 1)
    c = AutoModelForCausalLM.from_pretrained(make_toy_model(tmp_path / "c", seed=1))
    assert all(torch.equal(v, c.state_dict()[k]) for k, v in a.state_dict().items())
    default = AutoModelForCausalLM.from_pretrained(make_toy_model(tmp_path / "e")).state_dict()
    zero = AutoModelForCausalLM.from_pretrained(make_toy_model(tmp_path / "f", seed=0)).state_dict()
    assert all(torch.equal(v, zero[k]) for k, v in default.items())
    assert not torch.equal(a.model.embed_tokens.weight, AutoModelForCausalLM.from_pretrained(
        make_toy_model(tmp_path / "d", seed=2)).model.embed_tokens.weight)


def test_completion_ids_keep_the_eos_of_a_stopped_rollout_only():
    # Backends that strip the stop token (vLLM) still train the policy to stop: EOS is appended once.
    from boundary_lab.rl.rollouts import completion_ids
    from boundary_lab.sampling.config import Completion

    def ids(finish, token_ids, eos=2):
        return completion_ids(Completion("x", len(token_ids), finish, token_ids), eos)

    assert ids("stop", [5, 6]) == [5, 6, 2]
    assert ids("stop", [5, 2]) == [5, 2]  # the sampler kept it: not twice
    assert ids("stop", []) == [2]
    assert ids("length", [5, 6]) == [5, 6]  # cut at the limit: it did not stop
    assert ids("stop", [5, 6], eos=None) == [5, 6]


def test_token_logprobs_and_entropy_use_the_sampling_temperature(toy):
    model, tokenizer = toy
    groups = sample_groups(model, tokenizer, ["12>", "7>"], 3, temperature=1.0, top_p=1.0, max_new_tokens=4,
                           seed=1, batch_size=512)
    batch = rollout_batch(tokenizer, ["12>", "7>"], [0, 1], groups, [[0.0] * 3] * 2)
    with torch.no_grad():
        logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits[:, :-1] / 0.5
        logp, entropy = token_logprobs(model, batch, temperature=0.5, with_entropy=True)
        chunked = token_logprobs(model, batch, temperature=0.5, chunk=2)
    expect = torch.log_softmax(logits, -1).gather(-1, batch.input_ids[:, 1:, None])[..., 0]
    probs = torch.softmax(logits, -1)
    torch.testing.assert_close(logp, expect)
    torch.testing.assert_close(chunked, expect)
    torch.testing.assert_close(entropy, -(probs * torch.log_softmax(logits, -1)).sum(-1))
    assert not torch.allclose(logp, token_logprobs(model, batch).detach())  # T = 1 differs


def test_sample_groups_follow_top_p_and_seed(toy):
    model, tokenizer = toy
    kw = dict(temperature=1.0, max_new_tokens=5, batch_size=512)
    texts = lambda groups: [[c.text for c in g] for g in groups]  # noqa: E731
    # top_p near 0 keeps only the most likely token: every sample is the greedy completion.
    narrow = texts(sample_groups(model, tokenizer, ["12>", "7>"], 4, top_p=1e-6, seed=0, **kw))
    greedy = texts(sample_groups(model, tokenizer, ["12>", "7>"], 1, top_p=1.0, seed=0,
                                 **{**kw, "temperature": 0.0}))
    assert narrow == [g * 4 for g in greedy]
    a, b, c = (texts(sample_groups(model, tokenizer, ["12>", "7>"], 8, top_p=1.0, seed=s, **kw)) for s in (0, 0, 1))
    assert a == b and a != c


def test_select_keeps_every_field_of_the_chosen_rows():
    from boundary_lab.rl.rollouts import build_batch

    batch = build_batch([[1, 5], [1], [1, 4, 4]], [[7, 2], [8], [9]], 0, [0, 0, 1], [3, 3, 4], [1.0, 0.0, 0.5],
                        ["a", "b", "c"])
    part = batch.select([2, 0])
    assert part.input_ids.tolist() == [batch.input_ids[2].tolist(), batch.input_ids[0].tolist()]
    assert part.attention_mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 1]]
    assert batch.attention_mask[1].tolist() == [1, 1, 0, 0]
    assert part.response_mask.tolist() == [[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]
    assert (part.group.tolist(), part.prompt_index.tolist(), part.rewards.tolist(), part.texts) == (
        [1, 0], [4, 3], [0.5, 1.0], ["c", "a"])
    assert len(part) == 2
