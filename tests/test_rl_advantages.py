"""Advantage estimators of boundary_lab.rl on hand-computed groups."""
from itertools import combinations

import numpy as np
import pytest
import torch

from boundary_lab.rl import ALGORITHMS, algorithm
from boundary_lab.rl import advantages as adv

S3 = np.sqrt(1 / 3)  # unbiased std of [1, 0, 0, 1] is sqrt(1/3)


@pytest.mark.parametrize("rewards, expected", [
    ([[1, 0, 0, 1]], [[0.5 / S3, -0.5 / S3, -0.5 / S3, 0.5 / S3]]),
    ([[1, 0, 0, 0]], [[0.75 / 0.5, -0.25 / 0.5, -0.25 / 0.5, -0.25 / 0.5]]),  # std = 0.5
    ([[1, 1, 1, 1], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0]]),             # zero variance: 0, not NaN
    ([[0.5, 0.5]], [[0, 0]]),
    ([[1.0]], [[0.0]]),                                                        # group of one
])
def test_grpo(rewards, expected):
    out = adv.grpo_advantages(np.array(rewards, dtype=float))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("rewards, expected", [
    ([[1, 0, 0]], [[1, -0.5, -0.5]]),
    ([[1, 1, 0, 0]], [[1 - 1 / 3, 1 - 1 / 3, -2 / 3, -2 / 3]]),
    ([[0.2, 0.4]], [[-0.2, 0.2]]),
    ([[1, 1, 1]], [[0, 0, 0]]),
])
def test_rloo_leave_one_out(rewards, expected):
    np.testing.assert_allclose(adv.rloo_advantages(np.array(rewards, dtype=float)), expected, atol=1e-12)


def test_remax_subtracts_greedy_reward_per_prompt():
    out = adv.remax_advantages([[1, 0, 1], [0, 0, 1]], [1.0, 0.0])
    np.testing.assert_array_equal(out, [[0, -1, 0], [0, 0, 1]])
    with pytest.raises(ValueError):
        adv.remax_advantages([[1, 0]], [1.0, 0.0])


def test_dapo_dynamic_sampling_drops_zero_variance_groups():
    keep = adv.dynamic_sampling_keep([[1, 1, 1], [0, 1, 0], [0, 0, 0], [0.5, 0.5, 0.2]])
    assert keep.tolist() == [False, True, False, True]


def test_nsr_keeps_only_negative_samples():
    np.testing.assert_array_equal(adv.nsr_advantages([[1, 0, 0.2, 0.7]]), [[0, -1, -1, 0]])


def _brute_force_expected_group_reward(group, k):
    """Average over the k-subsets containing each rollout of max(rewards in the subset)."""
    n = len(group)
    out = []
    for i in range(n):
        subsets = [s for s in combinations(range(n), k) if i in s]
        out.append(np.mean([max(group[j] for j in s) for s in subsets]))
    return out


@pytest.mark.parametrize("group, k", [
    ([1, 0, 0, 0], 2), ([1, 1, 0, 0, 0, 0], 3), ([0, 0, 0, 1, 0, 1, 0, 0], 4), ([1, 0, 1], 3), ([0, 1, 0, 0], 1),
])
def test_pass_at_k_rewards_match_subset_enumeration(group, k):
    np.testing.assert_allclose(adv.pass_at_k_rewards([group], k)[0], _brute_force_expected_group_reward(group, k),
                               atol=1e-12)


def test_pass_at_k_advantages_hand_computed():
    # n=4, c=1, k=2: pass@2 = 1 - C(3,2)/C(4,2) = 0.5; a wrong rollout's expected group reward is
    # 1 - C(2,1)/C(3,1) = 1/3; std = sqrt(0.5 * 0.5) = 0.5.
    out = adv.pass_at_k_advantages([[1, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], 2)
    np.testing.assert_allclose(out[0], [1.0, -1 / 3, -1 / 3, -1 / 3], atol=1e-9)
    np.testing.assert_array_equal(out[1:], 0.0)
    with pytest.raises(ValueError):
        adv.pass_at_k_rewards([[1, 0.5]], 2)


def test_group_advantages_dispatch():
    r = np.array([[1.0, 0, 0, 0]])
    np.testing.assert_allclose(adv.group_advantages(algorithm("dapo"), r), adv.grpo_advantages(r))
    np.testing.assert_allclose(adv.group_advantages(algorithm("grpo"), r, reward_mode="pass_at_k", pass_at_k_k=2),
                               adv.pass_at_k_advantages(r, 2))
    # RLOO on pass@2 rewards [1, 1/3, 1/3, 1/3]: 1 - 1/3 and 1/3 - (1 + 2/3) / 3.
    np.testing.assert_allclose(adv.group_advantages(algorithm("rloo"), r, reward_mode="pass_at_k", pass_at_k_k=2)[0],
                               [2 / 3, 1 / 3 - 5 / 9, 1 / 3 - 5 / 9, 1 / 3 - 5 / 9], atol=1e-12)
    with pytest.raises(ValueError):
        adv.group_advantages(algorithm("remax"), r)


MASK = torch.tensor([[0.0, 1, 1, 0], [0.0, 1, 0, 0]])  # first token is the prompt; response lengths 2 and 1


def test_reinforce_pp_returns_and_global_normalisation():
    # Returns: row 0 gets score 1 on both tokens, row 1 gets 0; mean 2/3, unbiased var 1/3.
    out = adv.reinforce_pp_advantages(torch.tensor([1.0, 0.0]), MASK)
    sd = np.sqrt(1 / 3)
    expected = [[0, (1 / 3) / sd, (1 / 3) / sd, 0], [0, (-2 / 3) / sd, 0, 0]]
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-4)


def test_reinforce_pp_folds_kl_into_reward():
    kl = torch.tensor([[9.0, 0.1, 0.2, 9.0], [9.0, 0.3, 9.0, 9.0]])  # values outside the mask must not count
    rewards = adv.token_rewards(torch.tensor([1.0, 0.0]), MASK, kl, kl_coef=1.0)
    returns = adv.discounted_returns(rewards, MASK, gamma=1.0)
    np.testing.assert_allclose(returns.numpy(), [[0, 0.7, 0.8, 0], [0, -0.3, 0, 0]], atol=1e-6)
    whitened = adv.reinforce_pp_advantages(torch.tensor([1.0, 0.0]), MASK, kl, kl_coef=1.0)
    assert whitened[MASK.bool()].mean().abs() < 1e-6


@pytest.mark.parametrize("lam, raw", [(1.0, [0.5, 0.8]), (0.5, [0.1, 0.8])])
def test_gae_hand_computed(lam, raw):
    # One response of two tokens, values 0.5 and 0.2, score 1, gamma 1:
    # delta_1 = 1 - 0.2 = 0.8; delta_0 = 0.2 - 0.5 = -0.3; A_0 = -0.3 + lam * 0.8.
    mask = torch.tensor([[0.0, 1, 1]])
    values = torch.tensor([[7.0, 0.5, 0.2]])
    advantages, returns = adv.gae_advantages(torch.tensor([1.0]), values, mask, gamma=1.0, lam=lam)
    np.testing.assert_allclose(returns[0, 1:].numpy(), [raw[0] + 0.5, raw[1] + 0.2], atol=1e-6)
    assert returns[0, 0] == 0 and advantages[0, 0] == 0
    sign = np.sign(raw[1] - raw[0])
    assert sign * (advantages[0, 2] - advantages[0, 1]) > 0
    np.testing.assert_allclose(advantages[0, 1:].abs().numpy(), [np.sqrt(0.5)] * 2, atol=1e-4)


# ---------------------------------------------------------------- pinned after mutations survived


def test_rloo_with_several_groups():
    out = adv.rloo_advantages(np.array([[1.0, 0, 0], [1, 1, 0]]))
    np.testing.assert_allclose(out, [[1, -0.5, -0.5], [0.5, 0.5, -1]], atol=1e-12)
    with pytest.raises(ValueError, match="^RLOO needs at least 2 rollouts per group$"):
        adv.rloo_advantages([[1.0]])
    with pytest.raises(ValueError, match="one greedy reward per group expected: 2 vs 1 groups"):
        adv.remax_advantages([[1, 0]], [1.0, 0.0])


def test_nsr_threshold_is_half():
    # A reward of 0.5 counts as solved everywhere in the trainer (pass_rate uses >= 0.5).
    np.testing.assert_array_equal(adv.nsr_advantages([[0.5, 0.49]]), [[0.0, -1.0]])


def test_pass_at_k_rewards_errors_and_all_but_one_correct():
    np.testing.assert_allclose(adv.pass_at_k_rewards([[1, 1, 1, 0]], 2)[0], [1, 1, 1, 1])
    np.testing.assert_allclose(adv.pass_at_k_rewards([[1, 1, 1, 0]], 2)[0],
                               _brute_force_expected_group_reward([1, 1, 1, 0], 2))
    with pytest.raises(ValueError, match=r"^pass@k reward needs binary rewards \(0 or 1\)$"):
        adv.pass_at_k_rewards([[1, 0.5]], 2)
    with pytest.raises(ValueError, match="k=3 must be in 1..2"):
        adv.pass_at_k_rewards([[1, 0]], 3)


def test_token_level_defaults():
    # gamma defaults to 1 (VeRL), no KL unless a coefficient is given, kappa 2 (Cheng et al.).
    rewards = torch.tensor([[0.0, 0.0, 1.0]])
    mask = torch.ones(1, 3)
    np.testing.assert_allclose(adv.discounted_returns(rewards, mask).numpy(), [[1, 1, 1]])
    kl = torch.full((2, 4), 0.5)
    torch.testing.assert_close(adv.reinforce_pp_advantages(torch.tensor([1.0, 0.0]), MASK, kl),
                               adv.reinforce_pp_advantages(torch.tensor([1.0, 0.0]), MASK))
    a = torch.tensor([[1.0]])
    assert adv.entropy_shaped_advantages(a, torch.tensor([[9.0]]), torch.ones(1, 1), 1.0).item() == 1.5


def test_reinforce_pp_discounts_with_its_gamma():
    # One response of two tokens, score 1: returns 0.9 and 1 with gamma 0.9, whitened to -/+ sqrt(0.5).
    mask = torch.tensor([[0.0, 1, 1]])
    out = adv.reinforce_pp_advantages(torch.tensor([1.0]), mask, gamma=0.9)
    np.testing.assert_allclose(out[0, 1:].numpy(), [-np.sqrt(0.5), np.sqrt(0.5)], atol=1e-4)
    flat = adv.reinforce_pp_advantages(torch.tensor([1.0, 0.0]), torch.tensor([[0.0, 1, 1], [0.0, 1, 0]]))
    discounted = adv.reinforce_pp_advantages(torch.tensor([1.0, 0.0]), torch.tensor([[0.0, 1, 1], [0.0, 1, 0]]),
                                             gamma=0.5)
    assert not torch.allclose(flat, discounted)


def test_grpo_several_groups_and_pairs_exactly():
    r = np.array([[1.0, 0, 0, 1], [1, 0, 0, 0]])
    mean = r.mean(axis=1, keepdims=True)
    expected = (r - mean) / (r.std(axis=1, ddof=1, keepdims=True) + 1e-6)  # VeRL's epsilon, added
    np.testing.assert_allclose(adv.grpo_advantages(r), expected, rtol=1e-12)
    np.testing.assert_allclose(adv.grpo_advantages([[1.0, 0.0]]), [[0.5 / (np.sqrt(0.5) + 1e-6),
                                                                     -0.5 / (np.sqrt(0.5) + 1e-6)]], rtol=1e-12)


def test_group_advantages_pass_at_k_for_every_algorithm():
    r = np.array([[1.0, 0, 0, 0], [1, 1, 0, 0]])
    np.testing.assert_allclose(adv.group_advantages(algorithm("grpo"), r, reward_mode="pass_at_k"),
                               adv.pass_at_k_advantages(r, 1))  # k defaults to 1
    np.testing.assert_allclose(adv.group_advantages(algorithm("dapo"), r, reward_mode="pass_at_k", pass_at_k_k=3),
                               adv.pass_at_k_advantages(r, 3))
    expected = adv.pass_at_k_rewards(r, 2) - np.array([[1.0], [0.0]])
    np.testing.assert_allclose(adv.group_advantages(algorithm("remax"), r, greedy_rewards=[1.0, 0.0],
                                                    reward_mode="pass_at_k", pass_at_k_k=2), expected)


def test_token_rewards_edge_rows():
    mask = torch.tensor([[0.0, 1, 1, 0], [0.0, 1, 0, 0], [0.0, 0, 0, 0]])  # lengths 2, 1 and an empty response
    out = adv.token_rewards(torch.tensor([1.0, 1.0, 1.0]), mask)
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
    # A coefficient without a KL tensor, or a KL tensor without a coefficient, adds nothing.
    np.testing.assert_array_equal(adv.token_rewards(torch.tensor([1.0, 1.0, 1.0]), mask, None, 0.5).numpy(),
                                  out.numpy())
    np.testing.assert_array_equal(adv.token_rewards(torch.tensor([1.0, 1.0, 1.0]), mask,
                                                    torch.ones(3, 4)).numpy(), out.numpy())


def test_gae_defaults_and_kl_in_the_reward():
    mask = torch.tensor([[0.0, 1, 1, 1]])
    values = torch.tensor([[9.0, 0.5, 0.2, 0.6]])
    scores = torch.tensor([1.0])
    default = adv.gae_advantages(scores, values, mask)
    explicit = adv.gae_advantages(scores, values, mask, None, 0.0, gamma=1.0, lam=1.0)
    for a, b in zip(default, explicit):
        torch.testing.assert_close(a, b)
    kl = torch.tensor([[5.0, 0.1, 0.2, 0.3]])
    _, returns = adv.gae_advantages(scores, values, mask, kl, kl_coef=1.0)
    # lambda = gamma = 1: returns are the KL-penalised rewards-to-go 0.4, 0.5, 0.7.
    np.testing.assert_allclose(returns[0, 1:].numpy(), [0.4, 0.5, 0.7], atol=1e-6)
    _, unpenalised = adv.gae_advantages(scores, values, mask, kl)  # kl_coef defaults to 0
    np.testing.assert_allclose(unpenalised[0, 1:].numpy(), [1, 1, 1], atol=1e-6)


def test_shape_and_dispatch_errors_are_named():
    with pytest.raises(ValueError, match=r"rewards must be shaped \(groups, rollouts\), got \(3,\)"):
        adv.grpo_advantages([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"got \(2, 0\)"):
        adv.rloo_advantages(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="^remax needs greedy_rewards$"):
        adv.group_advantages(algorithm("remax"), [[1.0, 0.0]])
    with pytest.raises(ValueError, match="^ppo has token-level advantages, not one per rollout$"):
        adv.group_advantages(algorithm("ppo"), [[1.0, 0.0]])


# Every outcome-level row of the registry, a row added by rl.registry.register() too.
@pytest.mark.parametrize("name", [n for n, s in ALGORITHMS.items() if s.level == "outcome"])
def test_every_outcome_estimator_keeps_the_group_contract(name):
    r = np.array([[1.0, 0, 0, 1], [1, 1, 1, 1], [0, 0, 0, 0], [1, 0, 0, 0]])
    greedy = np.array([1.0, 1.0, 0.0, 0.0])  # for rows that need a greedy rollout: the constant groups' value
    out = adv.group_advantages(algorithm(name), r, greedy_rewards=greedy)
    assert out.shape == r.shape and np.isfinite(out).all()
    np.testing.assert_array_equal(out[1:3], 0.0)  # all-equal rewards carry no signal
    for row, a in zip(r[[0, 3]], out[[0, 3]]):
        assert a[row == 1].min() > a[row == 0].max()  # a correct rollout is reinforced more than a wrong one
