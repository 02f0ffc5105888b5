"""The registry of RL algorithms and remedies, and the one seed-deriving function."""
import dataclasses
import inspect
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from boundary_lab.errors import InputError
from boundary_lab.rl import ALGORITHMS, REMEDIES, RLConfig, algorithm, remedy
from boundary_lab.rl.registry import ALGORITHM_NAMES, register, registered
from boundary_lab.seeding import derive_seed

FIELDS = {f.name for f in dataclasses.fields(RLConfig)}


def test_every_spec_sets_real_fields_and_cites_a_source():
    for spec in [*ALGORITHMS.values(), *REMEDIES.values()]:
        assert set(spec.defaults if hasattr(spec, "defaults") else spec.overrides()) <= FIELDS, spec.name
        assert spec.source and spec.title, spec.name


@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_every_algorithm_row_is_complete(name):
    spec = algorithm(name)
    params = inspect.signature(spec.estimator).parameters
    # The settings it passes are arguments of its estimator; what the trainer passes is there too.
    assert set(spec.estimator_settings) <= set(params), name
    if spec.level == "token":
        assert {"scores", "mask", "kl", "kl_coef", "gamma"} <= set(params), name
        assert not spec.critic or {"values", "lam"} <= set(params), name
    if "greedy" in spec.rollouts:
        assert "greedy_rewards" in params, name
    if spec.pass_at_k_estimator is not None:
        assert len(inspect.signature(spec.pass_at_k_estimator).parameters) >= 2, name


def test_the_shipped_rows():
    # The paper's six (§4.3, Fig. 8) as data: what each row says, not a list any test iterates over.
    rows = {n: (s.estimator.__name__, s.level, s.rollouts, s.critic, s.kl_in_reward, s.estimator_settings)
            for n, s in ALGORITHMS.items() if n in ALGORITHM_NAMES}
    assert rows == {
        "grpo": ("grpo_advantages", "outcome", (), False, False, {"eps": 1e-6}),
        "rloo": ("rloo_advantages", "outcome", (), False, False, {}),
        "reinforce_pp": ("reinforce_pp_advantages", "token", (), False, True, {}),
        "remax": ("remax_advantages", "outcome", ("greedy",), False, False, {}),
        "dapo": ("grpo_advantages", "outcome", (), False, False, {"eps": 1e-6}),
        "ppo": ("gae_advantages", "token", (), True, True, {}),
    }
    assert "bnpo" in algorithm("dapo").note and "'grpo'" in algorithm("grpo").note


@pytest.mark.parametrize("change, message", [
    ({"estimator": "grpo"}, "estimator must be a function"),
    ({"level": "group"}, "level='group', must be one of outcome, token"),
    ({"rollouts": ("beam",)}, r"rollouts=\('beam',\): unknown \['beam'\]; known: greedy"),
    ({"critic": True}, "critic=True needs level='token'"),
])
def test_bad_rows_are_named(change, message):
    with pytest.raises(InputError, match=f"AlgorithmSpec 'grpo': {message}"):
        dataclasses.replace(algorithm("grpo"), **change)


def test_register_adds_a_row_for_a_while():
    row = dataclasses.replace(algorithm("rloo"), name="rloo2")
    with registered(row):
        assert algorithm("rloo2") is row and RLConfig(algorithm="rloo2").resolved().algorithm == "rloo2"
        with pytest.raises(InputError, match="register: algorithm 'rloo2' exists"):
            register(row)
    assert "rloo2" not in ALGORITHMS
    with pytest.raises(InputError, match="RLConfig.algorithm='rloo2': must be one of"):
        RLConfig(algorithm="rloo2")
    with pytest.raises(InputError, match="register: expected an AlgorithmSpec, got dict"):
        register({"name": "x"})


# A seventh algorithm with a baseline no shipped row has: the group median. The plugin is all it takes.
SEVENTH = """
import numpy as np
from boundary_lab.rl.registry import AlgorithmSpec, register


def median_baseline_advantages(rewards):
    r = np.asarray(rewards, dtype=np.float64)
    return r - np.median(r, axis=1, keepdims=True)


register(AlgorithmSpec("median_baseline", "median baseline", median_baseline_advantages, "outcome",
                       kl_in_reward=False, needs_group=True, sets=(), source="a throwaway row (test_rl_registry)"))
"""


@pytest.mark.slow
def test_a_seventh_algorithm_needs_only_its_row_and_estimator(tmp_path):
    (tmp_path / "seventh_algorithm.py").write_text(SEVENTH)
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1"}
    root = Path(__file__).resolve().parents[1]
    tests = [f"tests/{name}" for name in ("test_rl_registry.py", "test_rl_trainer.py", "test_rl_advantages.py")]
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "seventh_algorithm", "-p", "no:cacheprovider",
                          "-q", "-rA", "-k", "median_baseline", *tests], cwd=root, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    passed = sorted(line.split("::")[1] for line in run.stdout.splitlines() if line.startswith("PASSED"))
    # The registry's row checks, the reward-goes-up run, the trains-and-checkpoints run, the estimator contract.
    assert passed == ["test_every_algorithm_raises_the_reward[median_baseline]",
                      "test_every_algorithm_row_is_complete[median_baseline]",
                      "test_every_algorithm_trains_and_checkpoints[median_baseline]",
                      "test_every_outcome_estimator_keeps_the_group_contract[median_baseline]"], run.stdout[-3000:]


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
    with pytest.raises(InputError, match="known: " + ", ".join(ALGORITHMS)):
        algorithm("a2c")
    with pytest.raises(InputError, match="config: unknown RLConfig field"):
        RLConfig.from_dict({"stpes": 3})
