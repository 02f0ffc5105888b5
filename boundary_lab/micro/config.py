"""Configuration of the micro-world: one frozen dataclass per stage, and presets.

``MicroConfig`` bundles the task world, the model shape and each training
stage. Every field has a documented default; ``MicroConfig.preset(name)``
returns the ``tiny`` (tests, well under a minute), ``default`` (the book, about
ten minutes on 2 CPU cores for the main runs) or ``full`` (the same world and
models sampled at n = 1024, for LOG.md) scale.

>>> cfg = MicroConfig.preset("tiny", seed=3)
>>> cfg.seed, cfg.task.modulus
(3, 13)
>>> MicroConfig.preset("default").eval.n
256
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from ..errors import InputError

PRESETS = ("tiny", "default", "full")


@dataclass(frozen=True)
class TaskConfig:
    """The world: chains of operations mod p, two strategies, held-out tiers."""

    # Prototype v2 used "Ops mod 47". Here a 338k-parameter Llama learnt the mod-13 step table
    # much faster (LOG: mod 47 and mod 23 showed no arithmetic after 800-1500 steps).
    # Guessing stays negligible on the primary metric: a 4-step chain is 1 of 13^4.
    modulus: int = field(default=13, metadata={"help": "all values live in 0..modulus-1"})
    ops: tuple[str, ...] = field(default=("+", "-", "*"), metadata={"help": "operations a chain draws from"})
    # v2: "lengths 1-4" in pretraining; tier C "lengths 5-6, beyond pretraining".
    pretrain_lengths: tuple[int, int] = field(default=(1, 4), metadata={"help": "inclusive chain-length range of pretraining traces and RL prompts"})
    tier_ab_lengths: tuple[int, int] = field(default=(4, 4), metadata={"help": "inclusive lengths of the held-out tiers A and B (inside the pretraining range)"})
    tier_c_lengths: tuple[int, int] = field(default=(5, 6), metadata={"help": "inclusive lengths of tier C (beyond pretraining)"})
    # v2: "Pretraining mixed 25% careful and 75% shortcut ... with a 10% slip rate".
    careful_share: float = field(default=0.25, metadata={"help": "share of careful-strategy traces in pretraining"})
    slip_rate: float = field(default=0.10, metadata={"help": "chance that each number written in a careful pretraining trace is a random wrong one"})
    # v2: the shortcut "makes fewer slips". Here its writers slip less per number written.
    shortcut_slip_rate: float = field(default=0.03, metadata={"help": "the same for shortcut traces"})
    misconception: str = field(default="mul_as_add", metadata={"help": "shortcut's planted error: 'mul_as_add' merges (*a, *b) as *(a+b); 'none' makes the shortcut sound"})
    # v2: "Held-out tiers of 48 problems each".
    tier_size: int = field(default=48, metadata={"help": "held-out problems per tier (A, B, C)"})
    eval_seed: int = field(default=1234, metadata={"help": "seed of the held-out problems; fixed across training seeds so counts pool"})

    def validate(self) -> None:
        if self.modulus < 5:
            raise InputError(f"task.modulus: must be >= 5, got {self.modulus}")
        if not set(self.ops) <= {"+", "-", "*"} or not self.ops:
            raise InputError(f"task.ops: must be a non-empty subset of +,-,*, got {self.ops}")
        if self.misconception not in ("mul_as_add", "none"):
            raise InputError(f"task.misconception: must be 'mul_as_add' or 'none', got {self.misconception!r}")
        for name in ("pretrain_lengths", "tier_ab_lengths", "tier_c_lengths"):
            lo, hi = getattr(self, name)
            if not 1 <= lo <= hi:
                raise InputError(f"task.{name}: need 1 <= lo <= hi, got {(lo, hi)}")
        for name in ("careful_share", "slip_rate", "shortcut_slip_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InputError(f"task.{name}: must be in [0, 1], got {getattr(self, name)}")


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the Llama model (a few hundred thousand parameters by default)."""

    hidden_size: int = field(default=96, metadata={"help": "width of the residual stream"})
    # Two blocks left the arithmetic plateau sooner than three (LOG.md 2026-11-27).
    num_layers: int = field(default=2, metadata={"help": "transformer blocks"})
    # head_dim 32: a head size vLLM's CPU attention supports.
    num_heads: int = field(default=3, metadata={"help": "attention heads"})
    intermediate_size: int = field(default=256, metadata={"help": "MLP width"})


@dataclass(frozen=True)
class PretrainConfig:
    """Base pretraining on noisy multi-strategy traces."""

    # Seeds leave the plateau after 300-1000 steps; 3000 leaves room for the slow ones.
    steps: int = field(default=3000, metadata={"help": "optimizer steps"})
    batch_size: int = field(default=128, metadata={"help": "traces per step"})
    lr: float = field(default=3e-3, metadata={"help": "peak AdamW learning rate (cosine decay, 5% warm-up)"})
    # A curriculum: on the mixed data from step 0 a 335k-parameter model sat at chance on every
    # written number for 2000 steps; after 500 careful-only steps it learnt both strategies (LOG.md).
    careful_first_steps: int = field(default=500, metadata={"help": "first steps train on careful traces only, then on the configured mix"})


@dataclass(frozen=True)
class RLStageConfig:
    """RLVR runs on the base model (the trainer lives in ``boundary_lab.rl``)."""

    algorithm: str = field(default="grpo", metadata={"help": "main algorithm: grpo|rloo|reinforce_pp|remax|dapo|ppo"})
    steps: int = field(default=300, metadata={"help": "RL steps of the main run"})
    # Paper Fig. 1 / Table 3 keep checkpoints at "GRPO step 150, 300, 450" of 450.
    checkpoint_steps: tuple[int, ...] = field(default=(100, 200, 300), metadata={"help": "steps whose checkpoints are evaluated"})
    prompts_per_step: int = field(default=16, metadata={"help": "prompts per RL step"})
    # Paper §4.3: "8 rollouts per prompt".
    rollouts_per_prompt: int = field(default=8, metadata={"help": "rollouts per prompt"})
    # Paper §4.3: "temperature 1.0, no KL term".
    temperature: float = field(default=1.0, metadata={"help": "rollout temperature"})
    # lr 1e-3 drifted: RL models restated steps in equivalent forms (+12 as -1, mod 13), so answers
    # stayed right while chains stopped matching the prompt (LOG.md 2026-11-27); 3e-4 does not.
    lr: float = field(default=3e-4, metadata={"help": "learning rate"})
    reward: str = field(default="answer", metadata={"help": "binary reward on 'answer' (paper) or on the whole 'chain'"})
    train_problems: int = field(default=4000, metadata={"help": "size of the RL training split"})
    without_tier_b: bool = field(default=True, metadata={"help": "also run RL on a split with no tier-B-type problems"})
    algorithms: tuple[str, ...] = field(default=(), metadata={"help": "extra algorithms to run (e.g. all six for ΔSE)"})
    remedies: tuple[str, ...] = field(default=(), metadata={"help": "remedy runs: entropy, kl_reset, pass_at_k, nsr, more_rollouts"})
    # On the full split the main run keeps coverage (LOG.md 2026-11-27), so a remedy has nothing to
    # repair there; the no-tier-B split is where RL collapses onto the shortcut.
    remedies_without_tier_b: bool = field(default=False, metadata={"help": "run the remedies on the split without tier-B-type problems (named <alg>-noB+<remedy>)"})

    def validate(self) -> None:
        known = {"grpo", "rloo", "reinforce_pp", "remax", "dapo", "ppo"}
        for alg in (self.algorithm, *self.algorithms):
            if alg not in known:
                raise InputError(f"rl.algorithm: unknown {alg!r}; known: {sorted(known)}")
        for rem in self.remedies:
            if rem not in REMEDIES:
                raise InputError(f"rl.remedies: unknown {rem!r}; known: {sorted(REMEDIES)}")
        if self.reward not in ("answer", "chain"):
            raise InputError(f"rl.reward: must be 'answer' or 'chain', got {self.reward!r}")
        if not self.checkpoint_steps or max(self.checkpoint_steps) != self.steps:
            raise InputError(f"rl.checkpoint_steps: must end at rl.steps={self.steps}, got {self.checkpoint_steps}")


# Each remedy is a set of RLConfig overrides (the trainer's field names).
REMEDIES: dict[str, dict] = {
    "entropy": {"entropy_coef": 0.01},  # Reasoning with Exploration: entropy bonus
    "kl_reset": {"kl_coef": 0.05, "reference_reset_every": 100},  # ProRL: KL with reference resets
    "pass_at_k": {"reward_mode": "pass_at_k", "pass_at_k_k": 4},  # Pass@k Training
    "nsr": {"nsr_only": True},  # negative-sample reinforcement only
    "more_rollouts": {"rollouts_per_prompt": 32},  # paper Fig. 15: 32 instead of 8 rollouts
}


@dataclass(frozen=True)
class DistillConfig:
    """SFT of the base on clean careful traces written by the clean solver (teacher)."""

    steps: int = field(default=300, metadata={"help": "optimizer steps"})
    batch_size: int = field(default=128, metadata={"help": "traces per step"})
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate"})
    # The teacher is stronger than the base: it also writes chains beyond pretraining lengths.
    lengths: tuple[int, int] = field(default=(1, 6), metadata={"help": "inclusive chain lengths of teacher traces"})


@dataclass(frozen=True)
class EvalConfig:
    """Sampling of held-out tiers through the shared sampling path."""

    n: int = field(default=256, metadata={"help": "samples per problem (paper: up to 1024)"})
    # Prototype v2 measured at "T=1"; the paper samples at 0.6 (top-p 0.95).
    temperature: float = field(default=1.0, metadata={"help": "sampling temperature"})
    top_p: float = field(default=1.0, metadata={"help": "nucleus mass"})
    batch_size: int = field(default=4096, metadata={"help": "sequences per generate call"})
    ppl_problems: int = field(default=16, metadata={"help": "tier-B problems used for perplexity"})
    ppl_samples: int = field(default=16, metadata={"help": "answers per problem and model for perplexity (paper Fig. 6: 16)"})


@dataclass(frozen=True)
class MicroConfig:
    """The whole micro-world experiment; ``seed`` drives every random choice."""

    seed: int = field(default=0, metadata={"help": "training seed (held-out problems use task.eval_seed)"})
    device: str = field(default="cpu", metadata={"help": "torch device for training and sampling"})
    # Measured on the shared 2-core machine: with other jobs running, 1 thread trained
    # ~8x faster than 2 (OpenMP threads spin against each other when oversubscribed).
    # Default 1: the models are small, and every stage is cached under a hash that includes the
    # trainer's thread count, so the book, the CLI and the benchmarks share models only if they agree.
    threads: int = field(default=1, metadata={"help": "torch CPU threads (0 = torch's default)"})
    task: TaskConfig = field(default_factory=TaskConfig, metadata={"help": "the world"})
    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "model shape"})
    pretrain: PretrainConfig = field(default_factory=PretrainConfig, metadata={"help": "base pretraining"})
    rl: RLStageConfig = field(default_factory=RLStageConfig, metadata={"help": "RL runs"})
    distill: DistillConfig = field(default_factory=DistillConfig, metadata={"help": "distillation"})
    eval: EvalConfig = field(default_factory=EvalConfig, metadata={"help": "evaluation"})

    def validate(self) -> "MicroConfig":
        self.task.validate()
        self.rl.validate()
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @staticmethod
    def preset(name: str = "default", **overrides) -> "MicroConfig":
        """The named scale, with top-level fields (``seed``, ``device``, sub-configs) overridden."""
        if name not in PRESETS:
            raise InputError(f"preset: unknown {name!r}; choose one of {', '.join(PRESETS)}")
        base = _PRESET_BUILDERS[name]()
        return dataclasses.replace(base, **overrides).validate()


def stage_hash(*parts) -> str:
    """A short stable hash of JSON-able parts (dataclasses allowed), naming a cached stage."""
    def plain(x):
        return dataclasses.asdict(x) if dataclasses.is_dataclass(x) else x
    blob = json.dumps([plain(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _tiny() -> MicroConfig:
    return MicroConfig(
        threads=1,  # a tiny model gains nothing from a second thread
        task=TaskConfig(tier_size=8),
        model=ModelConfig(hidden_size=32, num_layers=2, num_heads=1, intermediate_size=64),
        pretrain=PretrainConfig(steps=40, batch_size=64, careful_first_steps=10),
        rl=RLStageConfig(steps=4, checkpoint_steps=(2, 4), prompts_per_step=4, rollouts_per_prompt=4, train_problems=64),
        distill=DistillConfig(steps=20, batch_size=64),
        eval=EvalConfig(n=8, ppl_problems=2, ppl_samples=2),
    )


def _default() -> MicroConfig:
    return MicroConfig()


def _full() -> MicroConfig:
    # The default world and training, sampled at the paper's largest n: the book's models are reused.
    return MicroConfig(eval=EvalConfig(n=1024))


_PRESET_BUILDERS = {"tiny": _tiny, "default": _default, "full": _full}
