"""Advantage estimators of the RL algorithms the paper compares (§4.3, Fig. 8).

Outcome-level estimators take rewards shaped ``(groups, rollouts)``, one group
per prompt, and return one advantage per rollout (numpy float64). Token-level
estimators (REINFORCE++, PPO's GAE) take per-rollout scores and torch tensors
shaped ``(batch, tokens)`` with a response mask, and return per-token values.

>>> import numpy as np
>>> grpo_advantages(np.array([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])).round(3).tolist()
[[0.866, -0.866, -0.866, 0.866], [0.0, 0.0, 0.0, 0.0]]
>>> rloo_advantages(np.array([[1.0, 0.0, 0.0]])).tolist()
[[1.0, -0.5, -0.5]]
"""
from __future__ import annotations

import numpy as np

from ..passk import pass_at_k

# Same epsilon as VeRL (the paper's RL framework) for group normalisation: the default of grpo_advantages
# (the registry row passes its own, rl/registry.py) and the zero-std guard of pass_at_k_advantages.
_EPS = 1e-6


def _groups(rewards) -> np.ndarray:
    r = np.asarray(rewards, dtype=np.float64)
    if r.ndim != 2 or r.shape[1] < 1:
        raise ValueError(f"rewards must be shaped (groups, rollouts), got {r.shape}")
    return r


def grpo_advantages(rewards, eps: float = _EPS) -> np.ndarray:
    """GRPO (Shao et al. 2024): ``(r - mean) / (std + eps)`` within each group.

    The standard deviation is the unbiased one, as in VeRL. A group whose
    rewards are all equal carries no signal: its advantages are exactly 0
    (never NaN), also for groups of one. ``eps`` is VeRL's 1e-6 by default
    (TRL's GRPOTrainer adds 1e-4).
    """
    r = _groups(rewards)
    n = r.shape[1]
    mean = r.mean(axis=1, keepdims=True)
    std = r.std(axis=1, ddof=1, keepdims=True) if n > 1 else np.zeros_like(mean)
    adv = (r - mean) / (std + eps)
    adv[(std[:, 0] == 0)] = 0.0
    return adv


def rloo_advantages(rewards) -> np.ndarray:
    """RLOO (Ahmadian et al. 2024): ``r_i`` minus the mean of the *other* rollouts."""
    r = _groups(rewards)
    n = r.shape[1]
    if n < 2:
        raise ValueError("RLOO needs at least 2 rollouts per group")
    others = (r.sum(axis=1, keepdims=True) - r) / (n - 1)
    return r - others


def remax_advantages(rewards, greedy_rewards) -> np.ndarray:
    """ReMax (Li et al. 2023): baseline = reward of the greedy rollout of the same prompt."""
    r = _groups(rewards)
    g = np.asarray(greedy_rewards, dtype=np.float64).reshape(-1, 1)
    if g.shape[0] != r.shape[0]:
        raise ValueError(f"one greedy reward per group expected: {g.shape[0]} vs {r.shape[0]} groups")
    return r - g


def dynamic_sampling_keep(rewards) -> np.ndarray:
    """DAPO dynamic sampling: True for groups whose rewards are not all equal.

    Groups that are all-correct or all-wrong give zero advantage, so DAPO drops
    them and samples more prompts to fill the batch.
    """
    r = _groups(rewards)
    return r.max(axis=1) > r.min(axis=1)


def nsr_advantages(rewards) -> np.ndarray:
    """Negative sample reinforcement (Zhu et al. 2025): advantage -1 on failed rollouts, 0 elsewhere.

    NSR only pushes down the likelihood of wrong answers; correct rollouts
    (reward >= 0.5) give no gradient.
    """
    r = _groups(rewards)
    return np.where(r < 0.5, -1.0, 0.0)


def pass_at_k_rewards(rewards, k: int) -> np.ndarray:
    """Pass@k Training (Chen et al. 2025), analytic form: each rollout's expected group reward.

    The group reward of a k-subset is 1 if any member is correct. Averaged over
    the k-subsets that contain rollout i it is 1 for a correct rollout and
    ``1 - C(n_neg-1, k-1)/C(n-1, k-1) = pass@(k-1)`` of the other n-1 rollouts
    for a wrong one. The group mean equals the group's unbiased pass@k.
    Rewards must be binary.
    """
    r = _groups(rewards)
    if not np.isin(r, (0.0, 1.0)).all():
        raise ValueError("pass@k reward needs binary rewards (0 or 1)")
    n = r.shape[1]
    if not 1 <= k <= n:
        raise ValueError(f"pass@k reward: k={k} must be in 1..{n}")
    correct = r.sum(axis=1).astype(np.int64)
    if k == 1:
        wrong_value = np.zeros(len(r))
    else:
        # All-correct groups have no wrong rollout; clipping c keeps the estimator's domain.
        wrong_value = np.asarray(pass_at_k(np.full(len(r), n - 1), np.minimum(correct, n - 1), k - 1),
                                 dtype=np.float64)
    return np.where(r == 1.0, 1.0, wrong_value[:, None])


def pass_at_k_advantages(rewards, k: int) -> np.ndarray:
    """Pass@k Training advantages: ``(expected group reward - pass@k) / sqrt(pass@k (1 - pass@k))``.

    The normaliser is the standard deviation of the binary group reward, as in
    the paper's analytic derivation; groups with pass@k in {0, 1} get 0.
    """
    expected = pass_at_k_rewards(rewards, k)
    group_pass = expected.mean(axis=1, keepdims=True)
    std = np.sqrt(group_pass * (1.0 - group_pass))
    adv = np.where(std > _EPS, (expected - group_pass) / np.maximum(std, _EPS), 0.0)
    return adv


def group_advantages(spec, rewards, *, greedy_rewards=None, reward_mode: str = "binary",
                     pass_at_k_k: int = 1) -> np.ndarray:
    """Outcome advantages of the algorithm row ``spec`` (an outcome-level :class:`~boundary_lab.rl.AlgorithmSpec`).

    Calls ``spec.estimator(rewards, **needs, **spec.estimator_settings)``, where ``needs`` holds
    ``greedy_rewards`` when the row's ``rollouts`` asks for a greedy rollout. With
    ``reward_mode="pass_at_k"`` a row with a ``pass_at_k_estimator`` uses it (GRPO and DAPO:
    :func:`pass_at_k_advantages`, the paper's estimator); the others apply their estimator to the
    per-rollout pass@k rewards of :func:`pass_at_k_rewards`.
    """
    if spec.level != "outcome":
        raise ValueError(f"{spec.name} has {spec.level}-level advantages, not one per rollout")
    if reward_mode == "pass_at_k":
        if spec.pass_at_k_estimator is not None:
            return spec.pass_at_k_estimator(rewards, pass_at_k_k)
        # The greedy rollout is one sample: its pass@k reward is its own reward.
        rewards = pass_at_k_rewards(rewards, pass_at_k_k)
    needs = {}
    if "greedy" in spec.rollouts:
        if greedy_rewards is None:
            raise ValueError(f"{spec.name} needs greedy_rewards")
        needs["greedy_rewards"] = greedy_rewards
    return spec.estimator(rewards, **needs, **spec.estimator_settings)


# ---------------------------------------------------------------- token level

def masked_whiten(values, mask):
    """Normalise ``values`` to mean 0, std 1 over the positions where ``mask`` is 1 (as VeRL does)."""
    import torch

    mask = mask.to(values.dtype)
    count = mask.sum()
    mean = (values * mask).sum() / count
    var = (((values - mean) ** 2) * mask).sum() / torch.clamp(count - 1, min=1)
    return (values - mean) * torch.rsqrt(var + 1e-8) * mask


def token_rewards(scores, mask, kl=None, kl_coef: float = 0.0):
    """Per-token rewards: the outcome score on the last response token, minus ``kl_coef * kl`` on every token."""
    import torch

    mask = mask.to(torch.float32)
    rewards = torch.zeros_like(mask)
    if kl is not None and kl_coef:
        rewards = rewards - kl_coef * kl * mask
    last = mask.shape[1] - 1 - torch.flip(mask, dims=[1]).argmax(dim=1)
    rows = torch.arange(mask.shape[0])
    has = mask.sum(dim=1) > 0
    rewards[rows[has], last[has]] += torch.as_tensor(scores, dtype=torch.float32)[has]
    return rewards


def discounted_returns(rewards, mask, gamma: float = 1.0):
    """``G_t = r_t + gamma * G_{t+1}`` along each response (zero outside the mask)."""
    import torch

    returns = torch.zeros_like(rewards)
    running = torch.zeros(rewards.shape[0], dtype=rewards.dtype)
    for t in reversed(range(rewards.shape[1])):
        running = rewards[:, t] + gamma * running
        returns[:, t] = running
        running = running * mask[:, t]  # padding before the response does not carry returns across
    return returns * mask


def reinforce_pp_advantages(scores, mask, kl=None, kl_coef: float = 0.0, gamma: float = 1.0):
    """REINFORCE++ (Hu 2025): per-token returns, KL folded into the reward, whitened over the whole batch.

    No per-prompt baseline: the global normalisation plays its role.
    """
    rewards = token_rewards(scores, mask, kl, kl_coef)
    returns = discounted_returns(rewards, mask.to(rewards.dtype), gamma)
    return masked_whiten(returns, mask)


def entropy_shaped_advantages(advantages, entropy, mask, alpha: float, kappa: float = 2.0):
    """Entropy-based advantage shaping (Cheng et al. 2025, "Reasoning with Exploration: An Entropy Perspective").

    ``A_t + min(alpha * H_t, |A_t| / kappa)`` per token, with the entropy ``H_t``
    detached: the term changes how strongly a token is reinforced, never the
    gradient's direction through the entropy. With ``kappa > 1`` it never flips an
    advantage's sign, and a token with ``A_t = 0`` stays at 0.

    >>> import torch
    >>> a = torch.tensor([[1.0, -1.0, 0.0, 0.2]])
    >>> entropy_shaped_advantages(a, torch.tensor([[2.0, 0.5, 3.0, 0.1]]), torch.ones(1, 4), 0.4).tolist()
    [[1.5, -0.800000011920929, 0.0, 0.24000000953674316]]
    """
    import torch

    psi = torch.minimum(alpha * entropy.detach(), advantages.abs() / kappa)
    return (advantages + psi) * mask.to(advantages.dtype)


def gae_advantages(scores, values, mask, kl=None, kl_coef: float = 0.0, gamma: float = 1.0, lam: float = 1.0):
    """PPO's generalised advantage estimation from per-token values.

    Returns ``(advantages, returns)``: advantages whitened over the batch (as
    in VeRL), returns = raw advantages + values, the value-loss targets.
    """
    import torch

    mask = mask.to(torch.float32)
    rewards = token_rewards(scores, mask, kl, kl_coef)
    values = values.detach() * mask
    adv = torch.zeros_like(rewards)
    last_gae = torch.zeros(rewards.shape[0])
    next_value = torch.zeros(rewards.shape[0])
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        gae = delta + gamma * lam * last_gae
        # Outside the response keep the running values of the later tokens.
        m = mask[:, t]
        last_gae = m * gae + (1 - m) * last_gae
        next_value = m * values[:, t] + (1 - m) * next_value
        adv[:, t] = last_gae
    adv = adv * mask
    returns = (adv + values) * mask
    return masked_whiten(adv, mask), returns
