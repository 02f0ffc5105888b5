"""The one registry of RL algorithms and remedies: typed, frozen specs with their sources.

An :class:`AlgorithmSpec` is a row that says everything the trainer needs to
know about an algorithm: its advantage estimator (a function of
:mod:`boundary_lab.rl.advantages`) and the settings it passes to it, whether the
estimator works per rollout from its prompt's group or per token, the extra
rollouts it needs (ReMax: a greedy rollout per prompt), whether it trains a
critic, where its KL penalty goes and which :class:`~boundary_lab.rl.RLConfig`
fields it sets when they are left at ``None``. The trainer and
:func:`~boundary_lab.rl.advantages.group_advantages` dispatch on these fields,
never on the name, so adding an algorithm is one row (and its estimator
function): :func:`register` adds one at run time. A :class:`RemedySpec` is a
named set of ``RLConfig`` overrides with the paper it comes from;
``remedy(name).apply(cfg)`` returns the changed config. Pages, the micro
pipeline and the CLI take their lists from here (see ``docs/design.md``, "add a
new RL algorithm").

>>> list(ALGORITHMS)
['grpo', 'rloo', 'reinforce_pp', 'remax', 'dapo', 'ppo']
>>> from boundary_lab.rl import RLConfig
>>> remedy("more_rollouts").apply(RLConfig()).rollouts_per_prompt
32
>>> algorithm("dapo").defaults["clip_eps_high"]
0.28
>>> algorithm("grpo").estimator.__name__, algorithm("grpo").estimator_settings, algorithm("remax").rollouts
('grpo_advantages', {'eps': 1e-06}, ('greedy',))
"""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Optional

from ..errors import InputError
from . import advantages as adv

LEVELS = ("outcome", "token")  # what an estimator returns: one advantage per rollout, or per token
ROLLOUT_NEEDS = ("greedy",)  # extra rollouts an estimator may need: "greedy" = one greedy rollout per prompt


@dataclass(frozen=True)
class AlgorithmSpec:
    """One RL algorithm of the paper's comparison (§4.3, Fig. 8), as a registry row."""

    name: str = field(metadata={"help": "the value of RLConfig.algorithm that selects it"})
    title: str = field(metadata={"help": "how tables and pages name it"})
    # The advantage estimator. level "outcome": estimator(rewards (groups, rollouts), **needs, **settings) ->
    # one advantage per rollout. level "token": estimator(scores=, mask=, kl=, kl_coef=, gamma=, **settings)
    # -> per-token advantages (with a critic also values=, lam= and it returns (advantages, returns)).
    estimator: Callable = field(metadata={"help": "advantage estimator function (rl/advantages.py)"})
    level: str = field(metadata={"help": "outcome (per rollout, from its group) or token (per token)"})
    # REINFORCE++ and PPO put the KL penalty into the per-token reward (as in their papers);
    # the others add it to the loss (GRPO's form).
    kl_in_reward: bool = field(metadata={"help": "the KL penalty goes into the per-token reward, not the loss"})
    needs_group: bool = field(metadata={"help": "the estimator needs at least 2 rollouts per prompt"})
    sets: tuple[tuple[str, object], ...] = field(
        metadata={"help": "RLConfig fields this algorithm sets when they are None, as (field, value) pairs"})
    source: str = field(metadata={"help": "the paper (and section) the row implements"})
    # Keyword arguments of the estimator, as (name, value) pairs, each with its source in the row's comment.
    estimator_args: tuple[tuple[str, object], ...] = field(
        default=(), metadata={"help": "settings passed to the estimator, as (argument, value) pairs"})
    rollouts: tuple[str, ...] = field(
        default=(), metadata={"help": "extra rollouts the estimator needs: 'greedy' (reward of a greedy "
                                      "rollout per prompt, passed as greedy_rewards=)"})
    critic: bool = field(default=False, metadata={"help": "trains a value model; its values go to the estimator"})
    # With RLConfig.reward_mode="pass_at_k": the estimator of Chen et al.'s analytic pass@k advantage, or None
    # to apply ``estimator`` to the per-rollout pass@k rewards (adv.pass_at_k_rewards).
    pass_at_k_estimator: Optional[Callable] = field(
        default=None, metadata={"help": "estimator(rewards, k) used with reward_mode='pass_at_k'; None: the "
                                        "estimator on per-rollout pass@k rewards"})
    note: str = field(default="", metadata={"help": "how it compares with other implementations"})

    def __post_init__(self):
        where = f"AlgorithmSpec {self.name!r}"
        if not callable(self.estimator):
            raise InputError(f"{where}: estimator must be a function, got {self.estimator!r}")
        if self.level not in LEVELS:
            raise InputError(f"{where}: level={self.level!r}, must be one of {', '.join(LEVELS)}")
        unknown = sorted(set(self.rollouts) - set(ROLLOUT_NEEDS))
        if unknown:
            raise InputError(f"{where}: rollouts={self.rollouts!r}: unknown {unknown}; known: "
                             f"{', '.join(ROLLOUT_NEEDS)}")
        if self.critic and self.level != "token":
            raise InputError(f"{where}: critic=True needs level='token' (values are per token)")

    @property
    def defaults(self) -> dict:
        return dict(self.sets)

    @property
    def estimator_settings(self) -> dict:
        return dict(self.estimator_args)


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
    # eps 1e-6: VeRL's epsilon in its GRPO outcome advantage (the paper's RL framework); TRL's GRPOTrainer
    # uses 1e-4 (scripts/trl_crosscheck.py onestep sets it to compare the two, issue 26).
    AlgorithmSpec("grpo", "GRPO", adv.grpo_advantages, "outcome", kl_in_reward=False, needs_group=True, sets=(),
                  estimator_args=(("eps", 1e-6),), pass_at_k_estimator=adv.pass_at_k_advantages,
                  source="Shao et al. 2024, DeepSeekMath §4.1: group-normalised outcome advantage",
                  note="sequence-mean loss: equals TRL 1.16 GRPOTrainer loss_type='grpo' on one step "
                       "(tests/test_trl_onestep.py)"),
    AlgorithmSpec("rloo", "RLOO", adv.rloo_advantages, "outcome", kl_in_reward=False, needs_group=True, sets=(),
                  source="Ahmadian et al. 2024, Back to Basics: leave-one-out baseline"),
    AlgorithmSpec("reinforce_pp", "REINFORCE++", adv.reinforce_pp_advantages, "token", kl_in_reward=True,
                  needs_group=False, sets=(),
                  source="Hu 2025, REINFORCE++: token KL in the reward, global advantage normalisation"),
    AlgorithmSpec("remax", "ReMax", adv.remax_advantages, "outcome", kl_in_reward=False, needs_group=False,
                  sets=(), rollouts=("greedy",),
                  source="Li et al. 2023, ReMax: the greedy rollout's reward is the baseline"),
    # DAPO §3: clip-higher eps_low 0.2 / eps_high 0.28, token-level policy-gradient loss, dynamic sampling.
    # Its advantage is GRPO's, with GRPO's (VeRL's) epsilon.
    AlgorithmSpec("dapo", "DAPO", adv.grpo_advantages, "outcome", kl_in_reward=False, needs_group=True,
                  sets=(("clip_eps_high", 0.28), ("token_level_loss", True), ("dynamic_sampling", True)),
                  estimator_args=(("eps", 1e-6),), pass_at_k_estimator=adv.pass_at_k_advantages,
                  source="Yu et al. 2025, DAPO §3.1-3.3: clip-higher, dynamic sampling, token-level loss",
                  note="token-level loss: equals TRL 1.16 loss_type='bnpo' per minibatch, not its 'dapo' (which "
                       "divides by the generation batch's tokens / steps_per_generation) (tests/test_trl_onestep.py); "
                       "no Dr. GRPO row: TRL's 'dr_grpo' (a constant normaliser) matches none of our losses"),
    AlgorithmSpec("ppo", "PPO", adv.gae_advantages, "token", kl_in_reward=True, needs_group=False, sets=(),
                  critic=True,
                  source="Schulman et al. 2017 (clipped surrogate), Ouyang et al. 2022 (per-token KL reward), "
                         "GAE (Schulman et al. 2016) with a separate critic"),
)
_BY_NAME = {a.name: a for a in _ALGORITHMS}
ALGORITHMS = MappingProxyType(_BY_NAME)  # a live view: rows added by register() appear here
ALGORITHM_NAMES = tuple(ALGORITHMS)  # the shipped rows

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
        raise InputError(f"algorithm: unknown {name!r}; known: {', '.join(ALGORITHMS)}")
    return ALGORITHMS[name]


def register(spec: AlgorithmSpec) -> AlgorithmSpec:
    """Add an algorithm row at run time (a plugin, a test); a name already taken is an :class:`InputError`.

    >>> with registered(dataclasses.replace(algorithm("grpo"), name="grpo_trl_eps", estimator_args=(("eps", 1e-4),))):
    ...     algorithm("grpo_trl_eps").estimator_settings
    {'eps': 0.0001}
    >>> "grpo_trl_eps" in ALGORITHMS
    False
    """
    if not isinstance(spec, AlgorithmSpec):
        raise InputError(f"register: expected an AlgorithmSpec, got {type(spec).__name__}")
    if spec.name in _BY_NAME:
        raise InputError(f"register: algorithm {spec.name!r} exists; known: {', '.join(ALGORITHMS)}")
    _BY_NAME[spec.name] = spec
    return spec


@contextlib.contextmanager
def registered(spec: AlgorithmSpec):
    """:func:`register` ``spec`` for the duration of a ``with`` block."""
    register(spec)
    try:
        yield spec
    finally:
        _BY_NAME.pop(spec.name, None)


def remedy(name: str) -> RemedySpec:
    """The spec of remedy ``name``; an unknown name is an :class:`InputError` listing the known ones."""
    if name not in REMEDIES:
        raise InputError(f"remedy: unknown {name!r}; known: {', '.join(REMEDY_NAMES)}")
    return REMEDIES[name]
