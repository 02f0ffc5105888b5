"""Each RL algorithm's defining quantity, checked on crafted batches through the real trainer (tiny Llama, CPU).

These tests pin what makes an algorithm the named one (issue 9): the clip bounds it uses, how it averages
the loss, where its KL goes, its baseline, its critic, the reference reset, the entropy terms' signs and
dynamic sampling. Each was checked to fail when the corresponding line of the trainer is broken
(the planted-bug table in LOG.md).
"""
import math

import numpy as np
import pytest
import torch
from test_rl_trainer import base, digit_reward, one_thread  # noqa: F401  (shared fixtures)

from boundary_lab.rl import RLConfig
from boundary_lab.rl import advantages as adv
from boundary_lab.rl.losses import aggregate, entropy_from_logits, kl_per_token
from boundary_lab.rl.rollouts import build_batch, sample_groups, token_logprobs
from boundary_lab.rl.toy import successor_task
from boundary_lab.rl.trainer import Trainer

PROMPTS, _ = successor_task(64, seed=0)
BASE = dict(prompts_per_step=4, rollouts_per_prompt=4, max_new_tokens=2, lr=5e-3, eval_every=0, device="cpu",
            steps=10, minibatches=1)
LENGTHS = (1, 2, 3, 5)  # unequal response lengths tell token-level from sequence-level averaging


def make_trainer(base, tmp_path, reward_fn=digit_reward, **kw) -> Trainer:
    return Trainer(base, tmp_path, PROMPTS, reward_fn, RLConfig(**{**BASE, **kw}).resolved())


def crafted_batch(trainer, rewards=(1.0, 0.0, 0.0, 1.0)):
    """One group of four responses of lengths 1, 2, 3 and 5 to the first prompt."""
    tok = trainer.tokenizer
    prompt_ids = tok(PROMPTS[0]).input_ids
    texts = ["12345"[:n] for n in LENGTHS]
    completions = [tok(t, add_special_tokens=False).input_ids for t in texts]
    return build_batch([prompt_ids] * 4, completions, tok.pad_token_id, [0] * 4, [0] * 4, list(rewards), texts)


def current_logp(trainer, batch):
    with torch.no_grad():
        return token_logprobs(trainer.policy, batch, trainer.cfg.temperature)


# ---------------------------------------------------------------- clipped surrogate, inside the trainer


@pytest.mark.parametrize("algorithm, ratio, advantage, loss, clipped", [
    # A > 0, ratio 1.25: GRPO caps at 1 + 0.2 (clipped); DAPO's clip-higher 1 + 0.28 lets it through.
    ("grpo", 1.25, 1.0, -1.2, 1.0),
    ("dapo", 1.25, 1.0, -1.25, 0.0),
    # A < 0, ratio 0.75: both floor at 1 - 0.2 (eps_low is 0.2 for DAPO too).
    ("grpo", 0.75, -1.0, 0.8, 1.0),
    ("dapo", 0.75, -1.0, 0.8, 1.0),
    # A < 0, ratio 1.25: the unclipped branch is the minimum, nothing is clipped.
    ("dapo", 1.25, -1.0, 1.25, 0.0),
])
def test_trainer_clips_with_the_algorithms_bounds(base, tmp_path, algorithm, ratio, advantage, loss, clipped):
    trainer = make_trainer(base, tmp_path, algorithm=algorithm)
    batch = crafted_batch(trainer)
    data = trainer.score(batch)
    mask = batch.response_mask
    data.old_logp = current_logp(trainer, batch) - math.log(ratio)  # the rollout policy, ratio exp(logp - old)
    data.advantages = advantage * mask
    out = trainer.optimise(1, data)
    assert out["pg_loss"] == pytest.approx(loss, abs=1e-4)
    assert out["clip_frac"] == pytest.approx(clipped)
    assert out["approx_kl"] == pytest.approx(ratio - 1 - math.log(ratio), abs=1e-4)  # k3 of the constant ratio


@pytest.mark.parametrize("algorithm, token_level", [("grpo", False), ("dapo", True), ("rloo", False)])
def test_loss_averaging_follows_the_algorithm(base, tmp_path, algorithm, token_level):
    # Ratio 1 and one advantage per response: pg_loss is minus the (token or sequence) mean advantage.
    trainer = make_trainer(base, tmp_path, algorithm=algorithm)
    batch = crafted_batch(trainer)
    data = trainer.score(batch)
    data.old_logp = current_logp(trainer, batch)
    per_row = torch.tensor([2.0, -1.0, 0.5, -3.0])
    data.advantages = per_row[:, None] * batch.response_mask
    out = trainer.optimise(1, data)
    lengths = torch.tensor(LENGTHS, dtype=torch.float32)
    token_mean = float((per_row * lengths).sum() / lengths.sum())   # (2 - 2 + 1.5 - 15) / 11
    seq_mean = float(per_row.mean())                                # (2 - 1 + 0.5 - 3) / 4
    assert out["pg_loss"] == pytest.approx(-(token_mean if token_level else seq_mean), abs=1e-5)
    assert abs(token_mean - seq_mean) > 0.5


def test_several_updates_per_batch_move_the_ratio_away_from_one(base, tmp_path):
    ratios = {}
    for minibatches in (1, 4):
        trainer = make_trainer(base, tmp_path / str(minibatches), minibatches=minibatches, lr=0.05)
        batch = crafted_batch(trainer)
        data = trainer.score(batch)
        data.advantages = torch.tensor([1.0, -1.0, 1.0, -1.0])[:, None] * batch.response_mask
        out = trainer.optimise(1, data)
        steps = {int(s["step"]) for s in trainer.optimizer.state_dict()["state"].values()}
        assert steps == {minibatches}  # one optimizer step per mini-batch
        ratios[minibatches] = out
    # One update: the only forward pass is on the rollout policy itself, ratio exactly 1.
    assert ratios[1]["approx_kl"] == 0 and ratios[1]["clip_frac"] == 0
    # Four mini-batches of one response: from the second on, the policy has moved.
    assert ratios[4]["approx_kl"] > 1e-4 and ratios[4]["clip_frac"] > 0


def eight_rows(trainer):
    """Two groups of four responses of lengths 1, 2, 3, 5 and 0 (an empty response), 1, 4, 2."""
    tok = trainer.tokenizer
    prompt_ids = tok(PROMPTS[0]).input_ids
    lengths = (1, 2, 3, 5, 0, 1, 4, 2)
    completions = [tok("12345"[:n], add_special_tokens=False).input_ids for n in lengths]
    return build_batch([prompt_ids] * 8, completions, tok.pad_token_id, [0] * 4 + [1] * 4, [0] * 8,
                       [1.0, 0, 0, 1, 0, 1, 1, 0], ["x"] * 8), lengths


def test_metrics_average_over_updates_and_empty_responses_count_zero(base, tmp_path):
    # lr 0: the policy never moves, so each of the 8 one-response mini-batches sees ratio 1.25 and A = 1:
    # loss -1.2 and every token clipped, except the empty response, which contributes 0.
    trainer = make_trainer(base, tmp_path, minibatches=8, lr=0.0)
    batch, lengths = eight_rows(trainer)
    data = trainer.score(batch)
    data.old_logp = current_logp(trainer, batch) - math.log(1.25)
    data.advantages = batch.response_mask.clone()
    out = trainer.optimise(1, data)
    assert out["pg_loss"] == pytest.approx(-1.2 * 7 / 8, abs=1e-5)
    assert out["clip_frac"] == pytest.approx(7 / 8, abs=1e-6)
    assert out["approx_kl"] == pytest.approx(7 / 8 * (0.25 - math.log(1.25)), abs=1e-5)


@pytest.mark.parametrize("algorithm", ["grpo", "dapo"])
def test_micro_batches_weigh_by_tokens_or_sequences(base, tmp_path, algorithm):
    # One mini-batch of 8 responses of unequal lengths (one empty), split into micro-batches of 1 and 3:
    # the accumulated loss and gradient equal the unsplit ones for either averaging.
    per_row = torch.tensor([2.0, -1.0, 0.5, -3.0, 1.0, 1.5, -0.5, 0.25])
    runs = {}
    for micro in (0, 1, 3):
        trainer = make_trainer(base, tmp_path / f"{algorithm}{micro}", algorithm=algorithm, micro_batch_size=micro,
                               lr=0.0)
        batch, _ = eight_rows(trainer)
        data = trainer.score(batch)
        data.advantages = per_row[:, None] * batch.response_mask
        runs[micro] = trainer.optimise(1, data)
    for micro in (1, 3):
        for key in ("pg_loss", "grad_norm"):
            assert runs[micro][key] == pytest.approx(runs[0][key], rel=1e-5, abs=1e-7), (micro, key)


def test_ppo_critic_update_does_not_depend_on_the_micro_batch_split(base, tmp_path):
    # The value loss accumulates over micro-batches weighted like the policy loss, so the critic
    # takes the same step whether a mini-batch is split (1 or 3 rows at a time) or not.
    critics, losses = {}, {}
    for micro in (0, 1, 3):
        trainer = make_trainer(base, tmp_path / f"ppo{micro}", algorithm="ppo", micro_batch_size=micro, lr=0.0)
        batch, _ = eight_rows(trainer)
        losses[micro] = trainer.optimise(1, trainer.score(batch))["value_loss"]
        critics[micro] = {k: v.clone() for k, v in trainer.critic.state_dict().items()}
    for micro in (1, 3):
        assert losses[micro] == pytest.approx(losses[0], rel=1e-5)
        for k, v in critics[0].items():
            torch.testing.assert_close(critics[micro][k], v, rtol=1e-4, atol=1e-6, msg=f"{micro} {k}")


@pytest.mark.parametrize("algorithm", ["grpo", "dapo"])
def test_per_token_terms_follow_the_algorithms_averaging(base, tmp_path, algorithm):
    # Row-dependent ratios, KL and entropy on responses of unequal lengths: approx_kl is always a token mean;
    # kl_loss and entropy_bonus average like the policy loss (per sequence for GRPO, per token for DAPO).
    token_level = algorithm == "dapo"
    trainer = make_trainer(base, tmp_path, algorithm=algorithm, kl_coef=0.1, kl_estimator="k1", entropy_coef=0.01,
                           lr=0.0)
    batch = crafted_batch(trainer)
    data = trainer.score(batch)
    mask = batch.response_mask
    shift = torch.tensor([0.1, 0.3, 0.6, 1.0])[:, None] * torch.ones_like(mask)
    now = current_logp(trainer, batch)
    data.old_logp = now - shift
    data.ref_logp = now - 2 * shift
    out = trainer.optimise(1, data)
    assert out["approx_kl"] == pytest.approx(float(aggregate(kl_per_token(data.old_logp, now), mask, True)), abs=1e-5)
    assert out["kl_loss"] == pytest.approx(float(aggregate(2 * shift, mask, token_level)), abs=1e-5)  # k1
    assert out["entropy_bonus"] == pytest.approx(float(aggregate(data.entropy, mask, token_level)), abs=1e-5)


def test_update_uses_the_sampling_temperature(base, tmp_path):
    # The rollout policy's log-probs are taken at the sampling temperature; so are the update's, else the
    # first mini-batch's ratio would not be 1.
    trainer = make_trainer(base, tmp_path, temperature=0.7)
    batch = crafted_batch(trainer)
    out = trainer.optimise(1, trainer.score(batch))
    assert out["approx_kl"] == 0 and out["clip_frac"] == 0


# ---------------------------------------------------------------- KL: in the loss or in the reward


def test_kl_loss_pulls_grpo_towards_the_reference(base, tmp_path):
    norms = {}
    for coef in (0.0, 0.5):
        trainer = make_trainer(base, tmp_path / str(coef), kl_coef=coef)
        batch = crafted_batch(trainer)
        data = trainer.score(batch)
        data.advantages = torch.zeros_like(batch.response_mask)  # no policy-gradient signal at all
        data.ref_logp = data.old_logp - 0.5                       # a reference the policy differs from
        expected_kl = float(aggregate(kl_per_token(data.old_logp, data.ref_logp, "k3"), batch.response_mask,
                                      False))
        out = trainer.optimise(1, data)
        norms[coef] = out["grad_norm"]
        if coef:
            assert out["kl_loss"] == pytest.approx(expected_kl, abs=1e-5)
            after = current_logp(trainer, batch)
            kl_after = float(aggregate(kl_per_token(after, data.ref_logp, "k3"), batch.response_mask, False))
            assert kl_after < expected_kl
        else:
            assert "kl_loss" not in out
    assert norms[0.0] == 0 and norms[0.5] > 0


def test_reinforce_pp_puts_kl_in_the_reward_not_the_loss(base, tmp_path):
    trainer = make_trainer(base, tmp_path, algorithm="reinforce_pp", kl_coef=0.1)
    batch = crafted_batch(trainer)
    old = current_logp(trainer, batch)
    ref = old - 0.3 * torch.arange(old.shape[1], dtype=torch.float32)  # differs more at later tokens
    got, _ = trainer.advantages(batch, old, ref, None, None)
    kl = kl_per_token(old, ref, "k3")
    scores = torch.tensor(batch.rewards, dtype=torch.float32)
    expected = adv.reinforce_pp_advantages(scores, batch.response_mask, kl, 0.1)
    torch.testing.assert_close(got, expected)
    without = adv.reinforce_pp_advantages(scores, batch.response_mask)
    assert (got - without).abs().max() > 0.05
    data = trainer.score(batch)
    data.ref_logp = ref
    assert "kl_loss" not in trainer.optimise(1, data)


def test_reinforce_pp_kl_reward_hand_computed():
    # One response of three tokens, score 1, per-token KL 0.1, 0.2, 0.3, coefficient 1, gamma 1:
    # token rewards -0.1, -0.2, 0.7; returns 0.4, 0.5, 0.7; whitened over the three tokens.
    mask = torch.tensor([[0.0, 1, 1, 1]])
    kl = torch.tensor([[5.0, 0.1, 0.2, 0.3]])
    out = adv.reinforce_pp_advantages(torch.tensor([1.0]), mask, kl, kl_coef=1.0)
    returns = np.array([0.4, 0.5, 0.7])
    expected = (returns - returns.mean()) / returns.std(ddof=1)
    np.testing.assert_allclose(out[0, 1:].numpy(), expected, atol=1e-4)
    assert out[0, 0] == 0


# ---------------------------------------------------------------- GAE and the critic


def _raw_gae(rewards, values, gamma, lam):
    adv_, nxt, last = [], 0.0, 0.0
    for r, v in zip(reversed(rewards), reversed(values)):
        delta = r + gamma * nxt - v
        last = delta + gamma * lam * last
        adv_.append(last)
        nxt = v
    return list(reversed(adv_))


@pytest.mark.parametrize("lam, gamma, expected", [
    (0.0, 1.0, [-0.3, 0.4, 0.4]),               # one-step TD errors
    (1.0, 1.0, [0.5, 0.8, 0.4]),                # Monte Carlo return 1 minus the values
    (0.95, 1.0, [-0.3 + 0.95 * 0.78, 0.78, 0.4]),
    (0.95, 0.9, None),                          # discounted: against the recursion written out
])
def test_gae_hand_computed_trajectory(lam, gamma, expected):
    values = [0.5, 0.2, 0.6]
    if expected is None:
        expected = _raw_gae([0.0, 0.0, 1.0], values, gamma, lam)
    mask = torch.tensor([[0.0, 1, 1, 1]])
    advantages, returns = adv.gae_advantages(torch.tensor([1.0]), torch.tensor([[9.0, *values]]), mask,
                                             gamma=gamma, lam=lam)
    raw = returns[0, 1:] - torch.tensor(values)
    np.testing.assert_allclose(raw.numpy(), expected, atol=1e-5)
    e = np.array(expected)
    np.testing.assert_allclose(advantages[0, 1:].numpy(), (e - e.mean()) / e.std(ddof=1), atol=1e-3)


def test_ppo_trainer_uses_its_gae_lambda(base, tmp_path):
    trainer = make_trainer(base, tmp_path, algorithm="ppo", gae_lambda=0.95, gamma=0.9)
    batch = crafted_batch(trainer)
    values = torch.linspace(0.1, 0.9, batch.response_mask.numel()).reshape(batch.response_mask.shape)
    got, returns = trainer.advantages(batch, current_logp(trainer, batch), current_logp(trainer, batch), values,
                                      None)
    scores = torch.tensor(batch.rewards, dtype=torch.float32)
    expected, expected_returns = adv.gae_advantages(scores, values, batch.response_mask, gamma=0.9, lam=0.95)
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(returns, expected_returns)
    other, _ = adv.gae_advantages(scores, values, batch.response_mask, gamma=0.9, lam=0.0)
    assert (got - other).abs().max() > 0.05


def test_ppo_critic_is_trained_and_its_loss_falls(base, tmp_path):
    trainer = make_trainer(base, tmp_path, algorithm="ppo", value_lr=1e-2)
    batch = crafted_batch(trainer)
    data = trainer.score(batch)
    before = {k: v.clone() for k, v in trainer.critic.state_dict().items()}
    losses = [trainer.optimise(step, data)["value_loss"] for step in range(1, 7)]
    assert losses[-1] < 0.8 * losses[0]
    assert any(not torch.equal(v, before[k]) for k, v in trainer.critic.state_dict().items())


@pytest.mark.parametrize("clip, loss", [(0.5, 0.5 * 1.5 ** 2), (0.2, 0.5 * 1.8 ** 2), (10.0, 0.0)])
def test_ppo_value_loss_clips_around_the_rollout_values(base, tmp_path, clip, loss):
    # Targets equal the critic's current values (unclipped loss 0); the rollout-time values lie 2 below, so
    # the clipped value old + clip is still 2 - clip short of the target and max() keeps that branch.
    trainer = make_trainer(base, tmp_path, algorithm="ppo", value_clip=clip)
    torch.nn.init.normal_(trainer.critic.head.weight, std=0.5)  # values that differ from token to token
    batch = crafted_batch(trainer)
    data = trainer.score(batch)
    with torch.no_grad():
        now = trainer.critic(batch.input_ids, batch.attention_mask)[:, :-1]
    data.returns, data.values = now.clone(), now - 2.0
    assert trainer.optimise(1, data)["value_loss"] == pytest.approx(loss, abs=1e-5)


# ---------------------------------------------------------------- ReMax, reference reset, entropy terms


def test_remax_baseline_is_the_greedy_rollouts_reward(base, tmp_path):
    trainer = make_trainer(base, tmp_path, algorithm="remax", max_new_tokens=3)
    greedy = sample_groups(trainer.policy, trainer.tokenizer, PROMPTS, 1, temperature=0.0, top_p=1.0,
                           max_new_tokens=3, seed=0, batch_size=512)
    greedy_text = [g[0].text for g in greedy]
    trainer.reward_fn = lambda i, text: float(text == greedy_text[i])  # 1 only for the greedy completion
    batch, stats, baseline = trainer.collect(1)
    assert baseline.tolist() == [1.0] * trainer.cfg.prompts_per_step and stats["greedy_reward"] == 1.0
    assert batch.rewards.mean() < 0.5  # temperature-1 rollouts rarely repeat the greedy one
    data = trainer.score(batch, baseline)
    per_row = data.advantages.sum(1) / batch.response_mask.sum(1)
    np.testing.assert_allclose(per_row.numpy(), batch.rewards - 1.0, atol=1e-6)


def test_reference_reset_replaces_the_reference_with_the_policy(base, tmp_path):
    trainer = make_trainer(base, tmp_path, reference_reset_every=2, kl_coef=0.1, lr=0.02)
    trainer.train_step(1)
    m2 = trainer.train_step(2)
    assert trainer.reference is trainer.base and m2["kl_ref"] == m2["kl_base"]
    policy_before_3 = {k: v.clone() for k, v in trainer.policy.state_dict().items()}
    m3 = trainer.train_step(3)  # (3 - 1) % 2 == 0: reset at the start of step 3
    ref = trainer.reference.state_dict()
    assert all(torch.equal(ref[k], v) for k, v in policy_before_3.items())
    assert any(not torch.equal(ref[k], v) for k, v in trainer.base.state_dict().items())
    # Step 3 samples from the reference itself: its KL to the reference is 0, to the base it is not.
    assert m3["kl_ref"] == pytest.approx(0.0, abs=1e-7) and m3["kl_base"] > 1e-4
    # The optimizer restarted at the reset: one update since then.
    assert {int(s["step"]) for s in trainer.optimizer.state_dict()["state"].values()} == {1}
    assert not any(p.requires_grad for p in trainer.reference.parameters())


def test_kl_metrics_on_a_schedule_change_no_weight(base, tmp_path):
    """Skipping the diagnostic base/reference pass (no KL term) logs kl_base on step 1 and every Nth
    step only, and trains exactly the same weights as computing it every step."""
    runs = {}
    for every in (1, 2):
        trainer = make_trainer(base, tmp_path / str(every), kl_metrics_every=every, lr=0.02)
        runs[every] = ([trainer.train_step(s) for s in (1, 2, 3)], trainer.policy.state_dict())
    assert [("kl_base" in m, "kl_ref" in m) for m in runs[1][0]] == [(True, True)] * 3
    assert [("kl_base" in m) for m in runs[2][0]] == [True, True, False]
    assert runs[2][0][1]["kl_base"] == runs[1][0][1]["kl_base"] > 0
    assert all(torch.equal(v, runs[2][1][k]) for k, v in runs[1][1].items())
    # A run with a KL term needs the reference on every step, so it logs the KL on every step.
    kl_run = make_trainer(base, tmp_path / "kl", kl_metrics_every=10, kl_coef=0.1)
    assert all("kl_ref" in kl_run.train_step(s) for s in (1, 2))


def test_saved_state_restores_step_optimizers_critic_and_reference(base, tmp_path):
    kw = dict(algorithm="ppo", reference_reset_every=1, kl_coef=0.1, lr=0.02)
    trainer = make_trainer(base, tmp_path, **kw)
    for step in (1, 2):
        trainer.train_step(step)
    trainer.save_last()
    resumed = make_trainer(base, tmp_path, **kw)
    assert resumed.step == 2 and resumed.reference is not resumed.base
    for a, b in ((trainer.policy, resumed.policy), (trainer.reference, resumed.reference),
                 (trainer.critic, resumed.critic)):
        assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    for a, b in ((trainer.optimizer, resumed.optimizer), (trainer.critic_optimizer, resumed.critic_optimizer)):
        sa, sb = a.state_dict()["state"], b.state_dict()["state"]
        assert sa.keys() == sb.keys() and all(torch.equal(sa[i]["exp_avg"], sb[i]["exp_avg"]) for i in sa)
    fresh = make_trainer(base, tmp_path / "fresh", algorithm="grpo")
    fresh.train_step(1)
    fresh.save_last()
    again = make_trainer(base, tmp_path / "fresh", algorithm="grpo")
    assert again.reference is again.base and again.step == 1


def test_entropy_bonus_raises_entropy(base, tmp_path):
    trainer = make_trainer(base, tmp_path, entropy_coef=1.0, lr=0.02)
    batch = crafted_batch(trainer)
    data = trainer.score(batch)
    data.advantages = torch.zeros_like(batch.response_mask)

    def entropy():
        with torch.no_grad():
            logits = trainer.policy(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits[:, :-1]
        return float(aggregate(entropy_from_logits(logits), batch.response_mask, False))

    before = entropy()
    out = trainer.optimise(1, data)
    assert out["entropy_bonus"] == pytest.approx(before, abs=1e-5)
    assert entropy() > before + 1e-3


@pytest.mark.parametrize("alpha, branch", [(0.4, "clip"), (0.05, "entropy")])
def test_entropy_advantage_shaping_as_cheng_et_al(base, tmp_path, alpha, branch):
    trainer = make_trainer(base, tmp_path, entropy_adv_alpha=alpha)
    plain = make_trainer(base, tmp_path / "plain")
    batch = crafted_batch(trainer)
    shaped, plain_data = trainer.score(batch), plain.score(batch)
    psi = torch.minimum(alpha * plain_data.entropy, plain_data.advantages.abs() / 2.0)
    torch.testing.assert_close(shaped.advantages, (plain_data.advantages + psi) * batch.response_mask)
    on = batch.response_mask.bool()
    assert (psi[on] > 0).all()
    # Both sides of the min are exercised: |A| / kappa with alpha 0.4, alpha * H with alpha 0.05.
    entropy_side = (alpha * plain_data.entropy < plain_data.advantages.abs() / 2.0)[on]
    assert entropy_side.all() if branch == "entropy" else not entropy_side.any()
    # Never flips a sign (kappa > 1) and leaves the loss free of any entropy gradient.
    assert (torch.sign(shaped.advantages[on]) == torch.sign(plain_data.advantages[on])).all()
    assert "entropy_bonus" not in trainer.optimise(1, shaped)


# ---------------------------------------------------------------- DAPO dynamic sampling


def test_dynamic_sampling_keeps_only_groups_with_mixed_rewards(base, tmp_path):
    # Even prompts always get reward 1 (a zero-variance group); odd prompts get the dense digit reward.
    def reward(i, text):
        return 1.0 if i % 2 == 0 else digit_reward(i, text)

    for algorithm, dropped in (("dapo", True), ("grpo", False)):
        trainer = make_trainer(base, tmp_path / algorithm, reward, algorithm=algorithm, prompts_per_step=8,
                               dynamic_sampling_max_tries=3)
        batch, stats, _ = trainer.collect(1)
        grouped = batch.rewards.reshape(-1, 4)
        informative = grouped.max(1) > grouped.min(1)
        if dropped:
            assert informative.all() and (batch.prompt_index % 2 == 1).all() and stats["groups"] == len(grouped)
        else:
            assert (batch.prompt_index % 2 == 0).any() and not informative.all()


@pytest.mark.parametrize("algorithm", ["grpo", "rloo", "reinforce_pp"])
def test_pass_at_k_reward_mode_reaches_the_advantages(base, tmp_path, algorithm):
    # Chen et al.'s pass@k training through the trainer: GRPO uses the analytic pass@k advantage, RLOO and
    # REINFORCE++ their own baselines on the per-rollout pass@k rewards.
    trainer = make_trainer(base, tmp_path, algorithm=algorithm, reward_mode="pass_at_k", pass_at_k_k=2)
    batch = crafted_batch(trainer, rewards=(1.0, 0.0, 0.0, 0.0))
    got = trainer.score(batch).advantages
    grouped = batch.rewards.reshape(1, 4)
    mask = batch.response_mask
    if algorithm == "grpo":
        expected = torch.tensor(adv.pass_at_k_advantages(grouped, 2).reshape(-1), dtype=torch.float32)[:, None] * mask
    elif algorithm == "rloo":
        expected = torch.tensor(adv.rloo_advantages(adv.pass_at_k_rewards(grouped, 2)).reshape(-1),
                                dtype=torch.float32)[:, None] * mask
    else:
        scores = torch.tensor(adv.pass_at_k_rewards(grouped, 2).reshape(-1), dtype=torch.float32)
        expected = adv.reinforce_pp_advantages(scores, mask)
    torch.testing.assert_close(got, expected)
    if algorithm != "reinforce_pp":  # within one group pass@k rewards are affine in the binary ones: whitening
        binary = make_trainer(base, tmp_path / "binary", algorithm=algorithm).score(batch).advantages  # hides it
        assert (got - binary).abs().max() > 0.05
