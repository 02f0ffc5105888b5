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
