"""The one registry of RL algorithms and remedies: typed, frozen specs with their sources.

An :class:`AlgorithmSpec` says how an algorithm turns rewards into advantages,
where its KL penalty goes and which :class:`~boundary_lab.rl.RLConfig` fields
it sets when they are left at ``None``. A :class:`RemedySpec` is a named set of
``RLConfig`` overrides with the paper it comes from; ``remedy(name).apply(cfg)``
returns the changed config. Pages, the micro pipeline and the CLI take their
lists from here (see ``docs/design.md``, "add a new RL algorithm").

>>> list(ALGORITHMS)
['grpo', 'rloo', 'reinforce_pp', 'remax', 'dapo', 'ppo']
>>> from boundary_lab.rl import RLConfig
>>> remedy("more_rollouts").apply(RLConfig()).rollouts_per_prompt
32
>>> algorithm("dapo").defaults["clip_eps_high"]
0.28
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

from ..errors import InputError


@dataclass(frozen=True)
class AlgorithmSpec:
    """One RL algorithm of the paper's comparison (§4.3, Fig. 8)."""

    name: str
    title: str
    # "group": one outcome advantage per rollout from its prompt's group (GRPO, RLOO, ReMax, DAPO);
    # "reinforce_pp": per-token returns whitened over the batch; "gae": PPO's critic and GAE.
    advantage: str
    # REINFORCE++ and PPO put the KL penalty into the per-token reward (as in their papers);
    # the others add it to the loss (GRPO's form).
    kl_in_reward: bool
    needs_group: bool  # the estimator needs at least 2 rollouts per prompt
    sets: tuple[tuple[str, object], ...]  # RLConfig fields this algorithm sets when they are None
    source: str

    @property
    def defaults(self) -> dict:
        return dict(self.sets)


@dataclass(frozen=True)
class RemedySpec:
    """A remedy for RL's coverage loss: ``RLConfig`` overrides and the paper they implement."""

    name: str  # the value of ``rl.remedies`` (micro-world) that selects it
    title: str  # how tables and pages name it
    # The RLConfig fields it sets, as (field, value) pairs, applied on top of the algorithm's.
    sets: tuple[tuple[str, object], ...]
    # The paper it implements (authors, year, title, arXiv id), quoted on the remedies page.
    source: str
    note: str = ""  # how the micro-world scales the source's setting

    def overrides(self) -> dict:
        return dict(self.sets)

    def apply(self, cfg):
        """``cfg`` (an RLConfig) with this remedy's fields set."""
        return dataclasses.replace(cfg, **self.overrides())


_ALGORITHMS = (
    AlgorithmSpec("grpo", "GRPO", "group", kl_in_reward=False, needs_group=True, sets=(),
                  source="Shao et al. 2024, DeepSeekMath §4.1: group-normalised outcome advantage"),
    AlgorithmSpec("rloo", "RLOO", "group", kl_in_reward=False, needs_group=True, sets=(),
                  source="Ahmadian et al. 2024, Back to Basics: leave-one-out baseline"),
    AlgorithmSpec("reinforce_pp", "REINFORCE++", "reinforce_pp", kl_in_reward=True, needs_group=False, sets=(),
                  source="Hu 2025, REINFORCE++: token KL in the reward, global advantage normalisation"),
    AlgorithmSpec("remax", "ReMax", "group", kl_in_reward=False, needs_group=False, sets=(),
                  source="Li et al. 2023, ReMax: the greedy rollout's reward is the baseline"),
    # DAPO §3: clip-higher eps_low 0.2 / eps_high 0.28, token-level policy-gradient loss, dynamic sampling.
    AlgorithmSpec("dapo", "DAPO", "group", kl_in_reward=False, needs_group=True,
                  sets=(("clip_eps_high", 0.28), ("token_level_loss", True), ("dynamic_sampling", True)),
                  source="Yu et al. 2025, DAPO §3.1-3.3: clip-higher, dynamic sampling, token-level loss"),
    AlgorithmSpec("ppo", "PPO", "gae", kl_in_reward=True, needs_group=False, sets=(),
                  source="Schulman et al. 2017 (clipped surrogate), Ouyang et al. 2022 (per-token KL reward), "
                         "GAE (Schulman et al. 2016) with a separate critic"),
)
ALGORITHMS = MappingProxyType({a.name: a for a in _ALGORITHMS})
ALGORITHM_NAMES = tuple(ALGORITHMS)

_REMEDIES = (
    # Cheng et al. 2025, "Reasoning with Exploration: An Entropy Perspective" (arXiv 2506.14758): the shaped
    # advantage A_t + min(alpha * H_t.detach(), |A_t| / kappa), a clipped, gradient-detached entropy term added
    # to the advantage (the form is confirmed by the paper's abstract and Fig. 1). alpha = 0.4 and kappa = 2
    # are our reading of its experiments section, not re-checked: the copies reachable here hold only the
    # abstract (LOG.md 2026-11-30).
    RemedySpec("entropy", "entropy-based advantage", (("entropy_adv_alpha", 0.4),),
               source="Cheng et al. 2025, Reasoning with Exploration: An Entropy Perspective (arXiv 2506.14758)",
               note="alpha 0.4, kappa 2 (our reading of the paper, not re-checked); the entropy is the "
                    "rollout policy's, per token"),
    # The classic maximum-entropy bonus, coefficient 0.01 as in A3C (Mnih et al. 2016, §8).
    RemedySpec("entropy_bonus", "entropy bonus in the loss", (("entropy_coef", 0.01),),
               source="Williams & Peng 1991; Mnih et al. 2016 (A3C): loss -= beta * entropy, beta = 0.01",
               note="not Cheng et al.'s method: it pushes the gradient towards uncertainty itself"),
    # ProRL (Liu et al. 2025, arXiv 2505.24864): KL penalty to a reference that is hard-reset to the current
    # policy (optimizer state re-initialised) at intervals. ProRL used beta = 1e-4 on a 1.5B model.
    RemedySpec("kl_reset", "KL penalty with reference resets", (("kl_coef", 0.05), ("reference_reset_every", 100)),
               source="Liu et al. 2025, ProRL: Prolonged Reinforcement Learning (arXiv 2505.24864) §2",
               note="beta 0.05 (ProRL: 1e-4) so that the penalty acts within 300 micro steps; a reset every "
                    "100 steps (a third of the run)"),
    # Chen et al. 2025, "Pass@k Training for Adaptively Balancing Exploration and Exploitation" (arXiv 2508.10751),
    # analytic advantage of the group reward max over k-subsets.
    RemedySpec("pass_at_k", "pass@k reward", (("reward_mode", "pass_at_k"), ("pass_at_k_k", 4)),
               source="Chen et al. 2025, Pass@k Training (arXiv 2508.10751) §3, analytic advantage",
               note="k = 4 of 8 rollouts per prompt"),
    # Zhu et al. 2025, "The Surprising Effectiveness of Negative Reinforcement in LLM Reasoning" (arXiv 2506.01347):
    # NSR trains on the incorrect samples only (reward -1), correct samples contribute nothing.
    RemedySpec("nsr", "negative sample reinforcement", (("nsr_only", True),),
               source="Zhu et al. 2025, The Surprising Effectiveness of Negative Reinforcement (arXiv 2506.01347)"),
    # Yue et al. 2025, Fig. 15: 32 rollouts per prompt instead of 8.
    RemedySpec("more_rollouts", "more rollouts per prompt", (("rollouts_per_prompt", 32),),
               source="Yue et al. 2025 Fig. 15: 32 instead of 8 rollouts per prompt"),
)
REMEDIES = MappingProxyType({r.name: r for r in _REMEDIES})
REMEDY_NAMES = tuple(REMEDIES)


def algorithm(name: str) -> AlgorithmSpec:
    """The spec of algorithm ``name``; an unknown name is an :class:`InputError` listing the known ones."""
    if name not in ALGORITHMS:
        raise InputError(f"algorithm: unknown {name!r}; known: {', '.join(ALGORITHM_NAMES)}")
    return ALGORITHMS[name]


def remedy(name: str) -> RemedySpec:
    """The spec of remedy ``name``; an unknown name is an :class:`InputError` listing the known ones."""
    if name not in REMEDIES:
        raise InputError(f"remedy: unknown {name!r}; known: {', '.join(REMEDY_NAMES)}")
    return REMEDIES[name]
