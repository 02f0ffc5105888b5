"""The trainer's bookkeeping around the update, checked against hand computations on the real trainer:
the per-step metrics, where each rollout seed comes from, the score pass's forward passes, the
optimizers' learning rates, reward validation, the device, and skipped steps (issue 9's mutation run
found these unpinned)."""
import numpy as np
import pytest
import torch
from test_rl_definitions import BASE, PROMPTS, make_trainer
from test_rl_trainer import base, digit_reward, one_thread  # noqa: F401  (shared fixtures)

from boundary_lab.errors import InputError
from boundary_lab.rl.losses import aggregate, kl_per_token
from boundary_lab.rl.trainer import _device


def half_reward(i, text):
    """0.5 for even prompts (a pass: the threshold is >= 0.5), digit reward otherwise."""
    return 0.5 if i % 2 == 0 else digit_reward(i, text)


def test_step_metrics_are_the_hand_computed_ones(base, tmp_path):
    # Two trainers with the same seed see the same step-1 rollouts: one trains, the other is scored by hand.
    trained = make_trainer(base, tmp_path / "a", reward_fn=half_reward, max_new_tokens=6)
    metrics = trained.train_step(1)
    probe = make_trainer(base, tmp_path / "b", reward_fn=half_reward, max_new_tokens=6)
    batch, stats, greedy = probe.collect(1)
    data = probe.score(batch, greedy, True)
    mask = batch.response_mask
    rewards = batch.rewards.reshape(-1, probe.cfg.rollouts_per_prompt)
    assert greedy is None  # only ReMax has a greedy baseline
    assert stats == {"reward_mean": rewards.mean(), "pass_rate": (rewards >= 0.5).mean(),
                     "group_solved": (rewards >= 0.5).any(axis=1).mean(), "groups": 4, "sampling_tries": 1}
    assert 0.5 in rewards and (rewards >= 0.5).mean() < 1  # the >= threshold and a failure are both exercised
    expect = {"step": 1, **stats,
              "entropy": float(aggregate(data.entropy, mask, True)),
              "kl_base": float(aggregate(kl_per_token(data.old_logp, data.base_logp, "k3"), mask, True)),
              "response_length": float(mask.sum(dim=1).mean()),
              "advantage_abs_mean": float(aggregate(data.advantages.abs(), mask, True))}
    assert {k: metrics[k] for k in expect} == pytest.approx(expect, rel=1e-6, abs=1e-9)
    # Token means, not sequence means: the two differ on these unequal lengths.
    assert len(set(mask.sum(dim=1).tolist())) > 1
    for name, per_token in (("entropy", data.entropy), ("advantage_abs_mean", data.advantages.abs())):
        assert metrics[name] != pytest.approx(float(aggregate(per_token, mask, False)), rel=1e-6)
    assert 0 < metrics["step_time_s"] < 60


def test_rollout_seeds_differ_by_run_seed_and_by_step(base, tmp_path):
    one_prompt = dict(prompts_per_step=1, rollouts_per_prompt=8, max_new_tokens=3)

    def texts(seed, step):
        trainer = make_trainer(base, tmp_path / f"{seed}-{step}", seed=seed, **one_prompt)
        trainer.prompts = PROMPTS[:1]  # every step samples the same prompt
        return trainer.collect(step)[0].texts

    assert texts(0, 1) == texts(0, 1)
    assert texts(0, 1) != texts(1, 1)  # the run's seed reaches the rollouts
    assert texts(0, 1) != texts(0, 2)  # and so does the step: no two steps share their samples


def test_rollouts_use_top_p(base, tmp_path):
    trainer = make_trainer(base, tmp_path, top_p=1e-6, rollouts_per_prompt=6, max_new_tokens=3)
    batch = trainer.collect(1)[0]
    groups = np.asarray(batch.texts, dtype=object).reshape(-1, 6)
    assert all(len(set(g)) == 1 for g in groups)  # a nucleus of one token: every rollout is the greedy one


def test_score_runs_the_base_and_reference_passes_only_when_needed(base, tmp_path):
    plain = make_trainer(base, tmp_path / "plain")
    batch, _, greedy = plain.collect(1)
    data = plain.score(batch, greedy, log_kl=False)
    assert data.base_logp is None and data.ref_logp is None
    logged = plain.score(batch, greedy, log_kl=True)
    assert logged.ref_logp is logged.base_logp is not None
    torch.testing.assert_close(logged.advantages, data.advantages)  # diagnostics change nothing
    # A KL term needs the reference on every step; after a reset the base pass is only a diagnostic.
    kl = make_trainer(base, tmp_path / "kl", kl_coef=0.1, reference_reset_every=1, lr=0.02)
    kl.train_step(1)
    kl.reset_reference()
    batch, _, greedy = kl.collect(2)
    data = kl.score(batch, greedy, log_kl=False)
    assert data.ref_logp is not None and data.base_logp is None
    assert not torch.allclose(data.ref_logp, kl.score(batch, greedy, log_kl=True).base_logp)


def test_ppo_values_cover_every_response_position(base, tmp_path):
    trainer = make_trainer(base, tmp_path, algorithm="ppo")
    batch, _, greedy = trainer.collect(1)
    data = trainer.score(batch, greedy)
    assert data.values.shape == data.old_logp.shape == batch.response_mask.shape


def test_optimizers_use_the_configured_learning_rates(base, tmp_path):
    trainer = make_trainer(base, tmp_path, algorithm="ppo", lr=3e-4, value_lr=7e-3)
    assert [g["lr"] for g in trainer.optimizer.param_groups] == [3e-4]
    assert [g["lr"] for g in trainer.critic_optimizer.param_groups] == [7e-3]
    assert not any(p.requires_grad for p in trainer.base.parameters())


def test_rewards_are_checked(base, tmp_path):
    def constant(value):
        return lambda i, text: value

    for bad in (1.5, -0.1, "x", None):
        with pytest.raises(InputError, match=r"rewards must be in \[0, 1\]"):
            make_trainer(base, tmp_path, reward_fn=constant(bad)).collect(1)
    for ok in (0.0, 1.0):
        make_trainer(base, tmp_path, reward_fn=constant(ok), reward_mode="pass_at_k", pass_at_k_k=2).collect(1)
    with pytest.raises(InputError, match="needs binary rewards"):
        make_trainer(base, tmp_path, reward_fn=constant(0.5), reward_mode="pass_at_k", pass_at_k_k=2).collect(1)


def test_reference_reset_follows_its_period(base, tmp_path):
    trainer = make_trainer(base, tmp_path, reference_reset_every=3, kl_coef=0.1, lr=0.02)
    for step in (1, 2, 3):
        trainer.train_step(step)
        assert trainer.reference is trainer.base, step
    trainer.train_step(4)  # (4 - 1) % 3 == 0: the first reset
    assert trainer.reference is not trainer.base


def test_a_skipped_step_still_counts(base, tmp_path):
    # Dynamic sampling with a reward that never varies keeps no group: the step is skipped, not lost.
    trainer = make_trainer(base, tmp_path, algorithm="dapo", reward_fn=lambda i, text: 1.0,
                           dynamic_sampling_max_tries=2)
    metrics = trainer.train_step(1)
    assert metrics["skipped"] is True and metrics["sampling_tries"] == 2 and metrics["step"] == 1
    assert trainer.step == 1 and 0 <= metrics["step_time_s"] < 60


def test_device_names():
    assert _device("cpu") == torch.device("cpu")
    assert _device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match=r"^RLConfig.device='cuda': no CUDA device is available$"):
            _device("cuda")


def test_eval_fn_runs_every_eval_every_steps_and_at_the_end(base, tmp_path):
    from boundary_lab.rl import RLConfig, train_rl

    calls = []

    def eval_fn(model, tokenizer):
        calls.append(model.training)
        return {"probe": np.float64(len(calls))}

    cfg = RLConfig(**{**BASE, "steps": 5, "eval_every": 2, "checkpoint_steps": (5,)})
    history = train_rl(base, tmp_path, PROMPTS, digit_reward, cfg, eval_fn=eval_fn, progress=False)
    assert [m["step"] for m in history if "probe" in m] == [2, 4, 5]
    assert [m["probe"] for m in history if "probe" in m] == [1.0, 2.0, 3.0]
    assert all(type(m["probe"]) is float for m in history if "probe" in m)  # plain JSON numbers
    assert calls == [False] * 3  # evaluated in eval mode
    no_eval = train_rl(base, tmp_path / "off", PROMPTS, digit_reward, cfg.__class__(**{**BASE, "steps": 2,
                       "eval_every": 0, "checkpoint_steps": (2,)}), eval_fn=eval_fn, progress=False)
    assert len(calls) == 3 and not any("probe" in m for m in no_eval)
