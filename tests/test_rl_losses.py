"""Loss terms and config validation of boundary_lab.rl."""
import math

import numpy as np
import pytest
import torch

from boundary_lab.errors import InputError
from boundary_lab.rl import RLConfig
from boundary_lab.rl.losses import aggregate, clipped_surrogate, entropy_from_logits, kl_per_token, value_loss

RATIOS = torch.tensor([[1.5, 0.5, 1.1, 0.7, 1.25]])
ADV = torch.tensor([[1.0, 1.0, -1.0, -1.0, 1.0]])
ONES = torch.ones(1, 5)


@pytest.mark.parametrize("low, high, per_token, clipped", [
    # A > 0 caps the ratio at 1 + high; A < 0 floors it at 1 - low.
    (0.2, 0.2, [1.2, 0.5, -1.1, -0.8, 1.2], 3),
    (0.2, 0.28, [1.28, 0.5, -1.1, -0.8, 1.25], 2),   # DAPO clip-higher frees ratio 1.25
])
def test_clipped_surrogate_hand_computed(low, high, per_token, clipped):
    loss, clip_frac = clipped_surrogate(torch.log(RATIOS), torch.zeros(1, 5), ADV, ONES, low, high)
    assert loss.item() == pytest.approx(-np.mean(per_token), abs=1e-6)
    assert clip_frac.item() == pytest.approx(clipped / 5)


def test_clipped_tokens_get_no_gradient():
    logp = torch.log(RATIOS).clone().requires_grad_(True)
    loss, _ = clipped_surrogate(logp, torch.zeros(1, 5), ADV, ONES, 0.2, 0.2, token_level=True)
    loss.backward()
    # d/dlogp of -ratio * A / 5 where unclipped, 0 where clipped.
    expected = [0.0, -0.5 / 5, 1.1 / 5, 0.0, 0.0]
    np.testing.assert_allclose(logp.grad[0].numpy(), expected, atol=1e-6)


def test_sequence_mean_vs_token_level():
    values = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1, 1], [1, 0, 0]])
    assert aggregate(values, mask, token_level=True).item() == pytest.approx(2.5)   # (1+2+3+4)/4
    assert aggregate(values, mask, token_level=False).item() == pytest.approx(3.0)  # (2 + 4)/2
    empty_row = torch.tensor([[1.0, 1, 1], [0, 0, 0]])
    assert aggregate(values, empty_row, token_level=False).item() == pytest.approx(2.0)


@pytest.mark.parametrize("estimator, expected", [
    ("k1", math.log(2)),                    # log p - log q with p = 0.5, q = 0.25
    ("k3", 0.5 - 1 - math.log(0.5)),        # q/p - 1 - log(q/p)
])
def test_kl_estimators(estimator, expected):
    kl = kl_per_token(torch.log(torch.tensor([0.5])), torch.log(torch.tensor([0.25])), estimator)
    assert kl.item() == pytest.approx(expected, abs=1e-6)
    same = kl_per_token(torch.tensor([-1.0]), torch.tensor([-1.0]), estimator)
    assert same.item() == pytest.approx(0.0)


def test_entropy_uniform_and_peaked():
    ent = entropy_from_logits(torch.tensor([[0.0] * 8, [100.0] + [0.0] * 7]))
    assert ent[0].item() == pytest.approx(math.log(8))
    assert ent[1].item() == pytest.approx(0.0, abs=1e-6)


def test_value_loss_clips_large_moves():
    old, ret, mask = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 1.0]]), torch.ones(1, 2)
    # v = 0.3 stays within +-0.5: 0.5 * 0.7^2; v = 2.0 is clipped to 0.5 but max keeps 0.5 * 1^2.
    loss = value_loss(torch.tensor([[0.3, 2.0]]), old, ret, mask, clip=0.5, token_level=True)
    assert loss.item() == pytest.approx((0.5 * 0.49 + 0.5 * 1.0) / 2)
    # v = -1 (clipped -0.5): max(0.5*4, 0.5*2.25) = 2; v = 1 (clipped 0.5): max(0, 0.5*0.25) = 0.125.
    assert value_loss(torch.tensor([[-1.0, 1.0]]), old, ret, mask, clip=0.5, token_level=True).item() == \
        pytest.approx(1.0625)


@pytest.mark.parametrize("kwargs, field", [
    ({"algorithm": "trpo"}, "algorithm"),
    ({"reward_mode": "pass@k"}, "reward_mode"),
    ({"kl_estimator": "k2"}, "kl_estimator"),
    ({"steps": 0}, "steps"),
    ({"lr": -1.0}, "lr"),
    ({"top_p": 0.0}, "top_p"),
    ({"temperature": 0.0}, "temperature"),
    ({"rollouts_per_prompt": 1}, "rollouts_per_prompt"),
    ({"reward_mode": "pass_at_k", "pass_at_k_k": 9}, "pass_at_k_k"),
    ({"steps": 10, "checkpoint_steps": (5, 20)}, "checkpoint_steps"),
    ({"device": "tpu"}, "device"),
])
def test_config_rejects_bad_values(kwargs, field):
    with pytest.raises(InputError, match=f"RLConfig.{field}="):
        RLConfig(**kwargs)


@pytest.mark.parametrize("algorithm, high, token_level, dynamic", [
    ("grpo", 0.2, False, False), ("dapo", 0.28, True, True), ("ppo", 0.2, False, False),
])
def test_config_resolves_algorithm_defaults(algorithm, high, token_level, dynamic):
    r = RLConfig(algorithm=algorithm, steps=9).resolved()
    assert (r.clip_eps_high, r.token_level_loss, r.dynamic_sampling) == (high, token_level, dynamic)
    assert r.checkpoint_steps == (3, 6, 9)
    explicit = RLConfig(algorithm=algorithm, steps=9, token_level_loss=False, checkpoint_steps=(4,)).resolved()
    assert explicit.token_level_loss is False and explicit.checkpoint_steps == (4,)


def test_config_round_trips_and_names_unknown_fields():
    cfg = RLConfig(algorithm="rloo", steps=20, checkpoint_steps=(10, 20))
    assert RLConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(InputError, match="rl.json: unknown RLConfig field"):
        RLConfig.from_dict({"stpes": 3}, source="rl.json")


def test_value_loss_clips_both_ways_around_nonzero_old_values():
    old = torch.tensor([[1.0, 1.0, 1.0]])
    mask = torch.ones(1, 3)
    # v = 0 moved 1 below old (clipped to 0.5), target -2: max(0.5*4, 0.5*6.25) keeps the clipped branch;
    # v = 1.3 stays inside the range, target 3: both branches 0.5*1.7^2;
    # v = 1.3 inside the range, target 0: 0.5*1.69 either way.
    values = torch.tensor([[0.0, 1.3, 1.3]])
    returns = torch.tensor([[-2.0, 3.0, 0.0]])
    per_token = [0.5 * 2.5 ** 2, 0.5 * 1.7 ** 2, 0.5 * 1.3 ** 2]
    got = value_loss(values, old, returns, mask, clip=0.5, token_level=True)
    assert got.item() == pytest.approx(np.mean(per_token), abs=1e-6)
    # Within the range the clipped value is the value itself, so a target below it changes nothing.
    inside = value_loss(torch.tensor([[0.7]]), torch.tensor([[0.5]]), torch.tensor([[-1.0]]), torch.ones(1, 1),
                        clip=0.5, token_level=True)
    assert inside.item() == pytest.approx(0.5 * 1.7 ** 2)


def test_value_loss_averaging_follows_token_level():
    values, old = torch.tensor([[1.0, 1.0], [3.0, 0.0]]), torch.tensor([[1.0, 1.0], [3.0, 0.0]])
    returns, mask = torch.zeros(2, 2), torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    # Per-token losses 0.5, 0.5 and 4.5: token mean 5.5 / 3, sequence mean (0.5 + 4.5) / 2.
    assert value_loss(values, old, returns, mask, 0.5, token_level=True).item() == pytest.approx(5.5 / 3)
    assert value_loss(values, old, returns, mask, 0.5, token_level=False).item() == pytest.approx(2.5)


def test_single_token_means_and_defaults():
    one = torch.tensor([[0.0, 1.0]])
    assert aggregate(torch.tensor([[9.0, 3.0]]), one, token_level=True).item() == 3.0
    ratio = torch.log(torch.tensor([[1.0, 1.5]]))
    loss, clip_frac = clipped_surrogate(ratio, torch.zeros(1, 2), torch.ones(1, 2), one, 0.2, 0.2)
    assert clip_frac.item() == 1.0 and loss.item() == pytest.approx(-1.2)
    # Default averaging is per sequence (GRPO's original form).
    logp = torch.zeros(2, 3)
    adv = torch.tensor([[1.0, 1.0, 1.0], [4.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1, 1], [1, 0, 0]])
    assert clipped_surrogate(logp, logp, adv, mask, 0.2, 0.2)[0].item() == pytest.approx(-2.5)
    # KL estimator defaults to k3 (GRPO's).
    p, q = torch.log(torch.tensor([0.5])), torch.log(torch.tensor([0.25]))
    assert kl_per_token(p, q).item() == pytest.approx(kl_per_token(p, q, "k3").item())
    with pytest.raises(ValueError, match=r"unknown KL estimator 'k2' \(k1 or k3\)"):
        kl_per_token(p, q, "k2")


@pytest.mark.parametrize("kwargs, ok", [
    ({"top_p": 1.5}, False), ({"rollouts_per_prompt": 2}, True),
    ({"reward_mode": "pass_at_k", "pass_at_k_k": 1}, True), ({"reward_mode": "pass_at_k", "pass_at_k_k": 8}, True),
])
def test_config_bounds(kwargs, ok):
    if ok:
        RLConfig(**kwargs)
    else:
        with pytest.raises(InputError, match="must be in"):
            RLConfig(**kwargs)
    with pytest.raises(InputError, match="must be one of grpo, rloo, reinforce_pp"):
        RLConfig(algorithm="a2c")


def test_config_explicit_values_win_and_short_runs_checkpoint():
    r = RLConfig(algorithm="dapo", clip_eps_high=0.3, dynamic_sampling=False).resolved()
    assert (r.clip_eps_high, r.dynamic_sampling) == (0.3, False)
    assert RLConfig(steps=2).resolved().checkpoint_steps == (1, 2)
    assert RLConfig(steps=1).resolved().checkpoint_steps == (1,)
    assert RLConfig().to_dict()["checkpoint_steps"] is None
    assert RLConfig(steps=4, checkpoint_steps=(2, 4)).to_dict()["checkpoint_steps"] == [2, 4]
