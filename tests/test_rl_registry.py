"""The registry of RL algorithms and remedies, and the one seed-deriving function."""
import dataclasses
import zlib

import pytest

from boundary_lab.errors import InputError
from boundary_lab.rl import ALGORITHMS, REMEDIES, RLConfig, algorithm, remedy
from boundary_lab.seeding import derive_seed

FIELDS = {f.name for f in dataclasses.fields(RLConfig)}


def test_every_spec_sets_real_fields_and_cites_a_source():
    for spec in [*ALGORITHMS.values(), *REMEDIES.values()]:
        assert set(spec.defaults if hasattr(spec, "defaults") else spec.overrides()) <= FIELDS, spec.name
        assert spec.source and spec.title, spec.name
    assert list(ALGORITHMS) == ["grpo", "rloo", "reinforce_pp", "remax", "dapo", "ppo"]
    assert [a for a, s in ALGORITHMS.items() if s.kl_in_reward] == ["reinforce_pp", "ppo"]


@pytest.mark.parametrize("name, field, value", [
    ("entropy", "entropy_adv_alpha", 0.4),       # Cheng et al. 2025: alpha 0.4 (kappa 2 is the field default)
    ("entropy_bonus", "entropy_coef", 0.01),
    ("kl_reset", "reference_reset_every", 100),
    ("pass_at_k", "reward_mode", "pass_at_k"),
    ("nsr", "nsr_only", True),
    ("more_rollouts", "rollouts_per_prompt", 32),
])
def test_remedy_apply_sets_only_its_fields(name, field, value):
    cfg = RLConfig(algorithm="rloo", steps=30, lr=3e-4)
    changed = remedy(name).apply(cfg)
    assert getattr(changed, field) == value
    diff = {f for f in FIELDS if getattr(changed, f) != getattr(cfg, f)}
    assert field in diff and diff <= set(remedy(name).overrides())
    assert changed.algorithm == "rloo" and changed.lr == 3e-4


def test_entropy_remedies_are_two_different_methods():
    shaped, bonus = remedy("entropy").apply(RLConfig()), remedy("entropy_bonus").apply(RLConfig())
    assert (shaped.entropy_adv_alpha, shaped.entropy_coef) == (0.4, 0.0)
    assert (bonus.entropy_adv_alpha, bonus.entropy_coef) == (0.0, 0.01)
    assert RLConfig().entropy_adv_kappa == 2.0


def test_unknown_names_are_named():
    with pytest.raises(InputError, match="remedy: unknown 'entropi'; known: entropy, entropy_bonus"):
        remedy("entropi")
    with pytest.raises(InputError, match="algorithm: unknown 'trpo'"):
        algorithm("trpo")
    with pytest.raises(InputError, match="RLConfig.entropy_adv_kappa=1.0: must be > 1"):
        RLConfig(entropy_adv_kappa=1.0)


def test_algorithm_defaults_resolve_from_the_registry():
    assert RLConfig(algorithm="dapo").resolved().clip_eps_high == algorithm("dapo").defaults["clip_eps_high"]
    # VeRL's setup: several optimizer steps per rollout batch, one pass, GAE lambda = gamma = 1.
    cfg = RLConfig()
    assert (cfg.minibatches, cfg.ppo_epochs, cfg.gae_lambda, cfg.gamma, cfg.clip_eps) == (4, 1, 1.0, 1.0, 0.2)


def test_derive_seed_depends_on_every_key_and_their_order():
    seeds = {derive_seed(0, 1, 2), derive_seed(0, 2, 1), derive_seed(1, 1, 2), derive_seed(0, 1), derive_seed(0, 1, 3)}
    assert len(seeds) == 5 and all(0 <= s < 2 ** 63 for s in seeds)
    assert derive_seed("grpo@300", 4) == derive_seed(zlib.crc32(b"grpo@300"), 4) != derive_seed("grpo@200", 4)
    assert derive_seed(-1) == derive_seed(2 ** 64 - 1)  # keys are taken modulo 2^64, as numpy needs
    # The sampler's seeds are unchanged by the move (values of sampling/hf.py's function before the move).
    from boundary_lab.sampling.hf import derive_seed as sampler_seed

    assert sampler_seed(0, 1, 2) == 8340944691342176559
    assert sampler_seed(3, 12345678901, 7) == 5772750474241550943


def test_package_exports_and_lazy_train_rl():
    import boundary_lab.rl as rl
    from boundary_lab.rl.trainer import train_rl

    assert rl.train_rl is train_rl
    with pytest.raises(AttributeError, match="module 'boundary_lab.rl' has no attribute 'nope'"):
        rl.nope  # noqa: B018
    with pytest.raises(InputError, match="known: grpo, rloo, reinforce_pp, remax, dapo, ppo"):
        algorithm("a2c")
    with pytest.raises(InputError, match="config: unknown RLConfig field"):
        RLConfig.from_dict({"stpes": 3})
