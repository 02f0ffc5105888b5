"""The micro-world's task settings: chains of operations mod p, two strategies, held-out tiers.

:class:`TaskConfig` is ``MicroConfig.task`` (:mod:`boundary_lab.micro.config`); it lives
beside the task (:mod:`boundary_lab.micro.task`, which reads it) so that the micro-world's
benchmark rows (:mod:`boundary_lab.benchmarks.specs`) need nothing from the training layer.

>>> TaskConfig().modulus, TaskConfig().tier_size
(13, 48)
>>> TaskConfig(ops=("/",)).validate()
Traceback (most recent call last):
...
boundary_lab.errors.InputError: task.ops: must be a non-empty subset of +,-,*, got ('/',)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from ..settings import check_ranges


@dataclass(frozen=True)
class TaskConfig:
    """The world: chains of operations mod p, two strategies, held-out tiers."""

    # Prototype v2 used "Ops mod 47". Here a 338k-parameter Llama learnt the mod-13 step table
    # much faster (LOG: mod 47 and mod 23 showed no arithmetic after 800-1500 steps).
    # Guessing stays negligible on the primary metric: a 4-step chain is 1 of 13^4.
    modulus: int = field(default=13, metadata={"help": "all values live in 0..modulus-1", "min": 5})
    ops: tuple[str, ...] = field(default=("+", "-", "*"), metadata={"help": "operations a chain draws from"})
    # v2: "lengths 1-4" in pretraining; tier C "lengths 5-6, beyond pretraining".
    pretrain_lengths: tuple[int, int] = field(
        default=(1, 4), metadata={"help": "inclusive chain-length range of pretraining traces and RL prompts"})
    tier_ab_lengths: tuple[int, int] = field(
        default=(4, 4), metadata={"help": "inclusive lengths of the held-out tiers A and B (inside the pretraining "
                                          "range)"})
    tier_c_lengths: tuple[int, int] = field(
        default=(5, 6), metadata={"help": "inclusive lengths of tier C (beyond pretraining)"})
    # v2: "Pretraining mixed 25% careful and 75% shortcut ... with a 10% slip rate".
    careful_share: float = field(
        default=0.25, metadata={"help": "share of careful-strategy traces in pretraining", "min": 0.0, "max": 1.0})
    slip_rate: float = field(
        default=0.10, metadata={"help": "chance that each number written in a careful pretraining trace is a random "
                                        "wrong one", "min": 0.0, "max": 1.0})
    # v2: the shortcut "makes fewer slips". Here its writers slip less per number written.
    shortcut_slip_rate: float = field(
        default=0.03, metadata={"help": "the same for shortcut traces", "min": 0.0, "max": 1.0})
    misconception: str = field(
        default="mul_as_add", metadata={"help": "shortcut's planted error: 'mul_as_add' merges (*a, *b) as *(a+b); "
                                                "'none' makes the shortcut sound"})
    # v2: "Held-out tiers of 48 problems each".
    tier_size: int = field(default=48, metadata={"help": "held-out problems per tier (A, B, C)", "min": 1})
    eval_seed: int = field(
        default=1234, metadata={"help": "seed of the held-out problems; fixed across training seeds so counts pool"})
    # 0 keeps the world of LOG.md 2026-11-27, where a careful chain and a shortcut chain have the same
    # length; issue 11 (docs/design.md, the micro-world): a response-length cap can only favour the shortcut
    # if it is shorter.
    careful_check_tokens: int = field(
        default=0, metadata={"help": "times a careful writer re-writes each value as a check (makes careful chains "
                                     "longer than the shortcut's)", "min": 0, "max": 4})

    def validate(self) -> None:
        check_ranges(self, "task.")
        if not set(self.ops) <= {"+", "-", "*"} or not self.ops:
            raise InputError(f"task.ops: must be a non-empty subset of +,-,*, got {self.ops}")
        if self.misconception not in ("mul_as_add", "none"):
            raise InputError(f"task.misconception: must be 'mul_as_add' or 'none', got {self.misconception!r}")
        for name in ("pretrain_lengths", "tier_ab_lengths", "tier_c_lengths"):
            lo, hi = getattr(self, name)
            if not 1 <= lo <= hi:
                raise InputError(f"task.{name}: need 1 <= lo <= hi, got {(lo, hi)}")
