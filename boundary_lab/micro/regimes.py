"""Named regimes of the micro-world: when RL narrows the reasoning boundary, and when it does not.

Named settings (issue 11, LOG.md 2026-11-30):

- ``contrast``: the world of LOG.md 2026-11-27 (RL keeps every problem: the rare
  careful path is rewarded on the RL data and nothing takes its edge away);
- ``uncapped``: the narrowing world and RL data without the response-length cap;
- ``narrowing``: careful writers check each value (``task.careful_check_tokens = 1``,
  so a careful chain is longer than the shortcut's), tiers A/B span lengths 2-4, RL
  rollouts are cut at ``rl.max_new_tokens`` tokens (a careful chain of 4 steps exceeds
  the cap, a shortcut chain does not), a quarter of the RL split is tier-B type and the
  reward checks the whole chain. On long prompts RL only ever rewards the shortcut; on
  short ones the careful path wins; the base keeps its careful chains everywhere.

``regime_config(name)`` builds one (settings by dotted name on top); ``regime_of(cfg)`` reads the
regime back from a config. The runs are in :mod:`boundary_lab.micro.phase`, their tables in
:mod:`boundary_lab.tables`, sentences in :mod:`boundary_lab.findings`, figures in :mod:`boundary_lab.plots`.

>>> regime_settings("narrowing")["rl.max_new_tokens"]
14
>>> regime_config("contrast", settings={"rl.trainer.steps": 600}).rl.checkpoint_steps
(200, 400, 600)
"""
from __future__ import annotations

from ..errors import InputError
from ..settings import leaf_fields
from .config import MicroConfig
from .config import settings_from as settings_of  # noqa: F401  (dict, file or list of them: pages pass it on)
from .task import CAREFUL, completion_tokens

REGIMES = ("narrowing", "uncapped", "contrast")

# A careful chain of L steps with one check per value takes 4 + 3L tokens, a shortcut chain 4 + 2L
# (task.completion_tokens): a cap of 14 admits careful chains up to 3 steps and shortcut chains up to 5.
NARROWING_CAP = completion_tokens(3, CAREFUL, 1) + 1
NARROWING = {
    "task.careful_check_tokens": 1,
    # tiers A and B hold short problems (careful chains fit the cap) and long ones (they do not)
    "task.tier_ab_lengths": (2, 4),
    "rl.max_new_tokens": NARROWING_CAP,
    # As drawn (~9% tier-B type) GRPO collapsed onto the shortcut at every length; at 0.5 it went careful at
    # every length in 2 of 3 seeds (LOG.md 2026-11-30, #1, #6, #8).
    "rl.tier_b_share": 0.25,
    # With the answer reward, GRPO wrote careful steps under the shortcut token without checks, a chain
    # that fits the cap (LOG.md 2026-11-30, #3); a whole-chain (format-checking) reward pays nothing for it.
    "rl.reward": "chain",
}


def regime_settings(name: str) -> dict:
    """The dotted settings of a named regime, on top of a preset: ``narrowing``, ``uncapped``
    (the same world and RL data without the cap) or ``contrast`` (today's world, no settings)."""
    if name not in REGIMES:
        raise InputError(f"regime: unknown {name!r}; choose one of {', '.join(REGIMES)}")
    if name == "contrast":
        return {}
    return {**NARROWING, "rl.max_new_tokens": 0} if name == "uncapped" else dict(NARROWING)


def regime_config(name: str, preset: str = "default", seed: int = 0, settings: dict | None = None) -> MicroConfig:
    """The preset's config in the named regime, then ``settings`` (dotted names) on top."""
    return MicroConfig.preset(preset, config={**regime_settings(name), **(settings or {})}, seed=seed)


def regime_of(cfg: MicroConfig) -> str:
    """Which named regime a config is in, read from the settings that decide it (``narrowing``,
    ``uncapped``, ``contrast`` = today's world, or ``custom``); the preset's scale does not matter.

    >>> regime_of(regime_config("narrowing", "tiny")), regime_of(MicroConfig.preset("tiny"))
    ('narrowing', 'contrast')
    >>> regime_of(regime_config("uncapped", "tiny", settings={"rl.tier_b_share": 0.5}))
    'custom'
    """
    values = {path: value for path, _, value, _ in leaf_fields(cfg)}
    defaults = {path: value for path, _, value, _ in leaf_fields(MicroConfig())}
    for name in ("narrowing", "uncapped"):
        if all(values[k] == v for k, v in regime_settings(name).items()):
            return name
    return "contrast" if all(values[k] == defaults[k] for k in NARROWING) else "custom"
