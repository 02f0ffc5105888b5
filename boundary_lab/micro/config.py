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
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..rl.config import RLConfig
from ..rl.registry import ALGORITHM_NAMES, REMEDY_NAMES
from ..settings import check_ranges, leaf_fields, type_name  # noqa: F401 (leaf_fields: callers import it here)
from .task_config import TaskConfig

CHECKOUT = Path(__file__).resolve().parents[2]  # the checkout this package was loaded from
PRESETS = ("tiny", "default", "full")


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the Llama model (a few hundred thousand parameters by default)."""

    hidden_size: int = field(default=96, metadata={"help": "width of the residual stream", "min": 1})
    # Two blocks left the arithmetic plateau sooner than three (LOG.md 2026-11-27).
    num_layers: int = field(default=2, metadata={"help": "transformer blocks", "min": 1})
    # head_dim 32: a head size vLLM's CPU attention supports.
    num_heads: int = field(default=3, metadata={"help": "attention heads", "min": 1})
    intermediate_size: int = field(default=256, metadata={"help": "MLP width", "min": 1})


@dataclass(frozen=True)
class PretrainConfig:
    """Base pretraining on noisy multi-strategy traces."""

    # Seeds leave the plateau after 300-1000 steps; 3000 leaves room for the slow ones.
    steps: int = field(default=3000, metadata={"help": "optimizer steps", "min": 1})
    batch_size: int = field(default=128, metadata={"help": "traces per step", "min": 1})
    lr: float = field(
        default=3e-3, metadata={"help": "peak AdamW learning rate (cosine decay, 5% warm-up)", "min": 0.0})
    # A curriculum: on the mixed data from step 0 a 335k-parameter model sat at chance on every
    # written number for 2000 steps; after 500 careful-only steps it learnt both strategies (LOG.md).
    careful_first_steps: int = field(
        default=500, metadata={
            "help": "first steps train on careful traces only, then on the configured mix", "min": 0})


def _micro_trainer() -> RLConfig:
    """The trainer settings of the micro-world's RL runs (``seed``, ``device``, ``num_threads`` and
    ``max_new_tokens`` are set by the pipeline from the world, see :data:`DERIVED_TRAINER_FIELDS`)."""
    # steps 300, checkpoints at thirds (100, 200, 300): paper Fig. 1 / Table 3 keep "GRPO step 150, 300,
    # 450" of 450. 16 prompts x 8 rollouts (paper §4.3: "8 rollouts per prompt"), temperature 1.0, no KL.
    # lr 1e-3 drifted: RL models restated steps in equivalent forms (+12 as -1, mod 13), so answers
    # stayed right while chains stopped matching the prompt (LOG.md 2026-11-27); 3e-4 does not.
    return RLConfig(steps=300, prompts_per_step=16, rollouts_per_prompt=8, temperature=1.0, lr=3e-4, eval_every=0)


# RLConfig fields the pipeline sets from the world: field -> where the value comes from.
DERIVED_TRAINER_FIELDS = {"seed": "seed", "device": "device", "num_threads": "threads",
                          "max_new_tokens": "rl.max_new_tokens"}


@dataclass(frozen=True)
class RLStageConfig:
    """RLVR runs on the base model: the trainer's settings (nested) and which runs to train."""

    trainer: RLConfig = field(default_factory=_micro_trainer, metadata={
        "help": "settings of boundary_lab.rl's trainer for every run (algorithm = the main run's)"})
    reward: str = field(
        default="answer", metadata={"help": "binary reward on 'answer' (paper) or on the whole 'chain'"})
    # Real RL runs cap response length (the paper: 8,192 tokens); 0 keeps every chain of the task whole.
    max_new_tokens: int = field(
        default=0, metadata={"help": "response-length cap of RL rollouts (0: the task's longest chain)", "min": 0})
    train_problems: int = field(default=4000, metadata={"help": "size of the RL training split", "min": 1})
    tier_b_share: float = field(
        default=-1.0, metadata={
            "help": "exact share of tier-B-type problems in the full RL split (-1: as drawn)", "min": -1.0, "max": 1.0})
    without_tier_b: bool = field(default=True, metadata={"help": "also run RL on a split with no tier-B-type problems"})
    algorithms: tuple[str, ...] = field(default=(), metadata={"help": "extra algorithms to run (e.g. all six for ΔSE)"})
    remedies: tuple[str, ...] = field(
        default=(), metadata={"help": "remedy runs (boundary_lab.rl.registry): " + ", ".join(REMEDY_NAMES)})
    # On the full split the main run keeps coverage (LOG.md 2026-11-27), so a remedy has nothing to
    # repair there; the no-tier-B split is where RL collapses onto the shortcut.
    remedies_without_tier_b: bool = field(
        default=False, metadata={"help": "run the remedies on the split without tier-B-type problems (split 'noB')"})

    @property
    def checkpoint_steps(self) -> tuple[int, ...]:
        """The main run's evaluated steps (the trainer's, resolved: thirds of the run by default)."""
        return self.trainer.resolved().checkpoint_steps

    def validate(self) -> None:
        for alg in self.algorithms:
            if alg not in ALGORITHM_NAMES:
                raise InputError(f"rl.algorithms: unknown {alg!r}; known: {', '.join(ALGORITHM_NAMES)}")
        for rem in self.remedies:
            if rem not in REMEDY_NAMES:
                raise InputError(f"rl.remedies: unknown {rem!r}; known: {', '.join(REMEDY_NAMES)}")
        if self.reward not in ("answer", "chain"):
            raise InputError(f"rl.reward: must be 'answer' or 'chain', got {self.reward!r}")
        if max(self.checkpoint_steps) != self.trainer.steps:
            raise InputError(f"rl.trainer.checkpoint_steps: must end at rl.trainer.steps={self.trainer.steps}, "
                             f"got {self.checkpoint_steps}")
        default = RLConfig()
        for name, source in DERIVED_TRAINER_FIELDS.items():
            if getattr(self.trainer, name) != getattr(default, name):
                raise InputError(f"rl.trainer.{name}={getattr(self.trainer, name)!r}: set by the pipeline from "
                                 f"{source}; change that instead")


@dataclass(frozen=True)
class DistillConfig:
    """SFT of the base on clean careful traces written by the clean solver (teacher)."""

    steps: int = field(default=300, metadata={"help": "optimizer steps", "min": 1})
    batch_size: int = field(default=128, metadata={"help": "traces per step", "min": 1})
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate", "min": 0.0})
    # The teacher is stronger than the base: it also writes chains beyond pretraining lengths.
    lengths: tuple[int, int] = field(default=(1, 6), metadata={"help": "inclusive chain lengths of teacher traces"})


@dataclass(frozen=True)
class InstructConfig:
    """The instruct model (paper Fig. 7): rejection-sampling fine-tuning (RFT, Yuan et al. 2023, arXiv 2308.01825)
    of the base on its own whole-chain-correct samples of training problems drawn like the RL split."""

    problems: int = field(default=512, metadata={
        "help": "training problems sampled (drawn like the RL split, disjoint from the held-out tiers)", "min": 1})
    # RFT samples 100 reasoning paths per question (Yuan et al. 2023, §3.3); 8 keep the stage cheap on 2 cores.
    samples: int = field(default=8, metadata={"help": "base samples per problem (RFT: 100)", "min": 1})
    # RFT samples at temperature 0.7 (Yuan et al. 2023, §3.3).
    temperature: float = field(default=0.7, metadata={"help": "sampling temperature of the base (RFT: 0.7)",
                                                      "min": 0.0})
    # Half of distill.steps, with the distillation stage's batch size and learning rate: the traces are the
    # base's own, so there is less to learn.
    steps: int = field(default=150, metadata={"help": "optimizer steps (distill.steps: 300)", "min": 1})
    batch_size: int = field(default=128, metadata={"help": "traces per step (as distill.batch_size)", "min": 1})
    lr: float = field(default=1e-3, metadata={"help": "peak learning rate (as distill.lr)", "min": 0.0})


@dataclass(frozen=True)
class EvalConfig:
    """Sampling of held-out tiers through the shared sampling path."""

    n: int = field(default=256, metadata={"help": "samples per problem (paper: up to 1024)", "min": 1})
    # Prototype v2 measured at "T=1"; the paper samples at 0.6 (top-p 0.95).
    temperature: float = field(default=1.0, metadata={"help": "sampling temperature", "min": 0.0})
    top_p: float = field(default=1.0, metadata={"help": "nucleus mass", "min": 0.0, "max": 1.0})
    # One evaluation (144 problems x 256 samples, warm process) took 6.8 CPU-s at 4096 rows per batch and 5.6 at 512:
    # a 4096-row KV cache falls out of the CPU caches and its per-step torch.cat dominates (LOG.md
    # 2026-11-30, third session). The rows of a batch share one random stream, so this changes the draws.
    batch_size: int = field(default=512, metadata={"help": "sequences per generate call (fastest on CPU: 256-768)",
                                                   "min": 1})
    tiers: str = field(default="", metadata={
        "help": "held-out tiers to sample, e.g. 'AB' or 'B' (empty: all of A, B, C); pages that show one "
                "tier sample only it"})
    ppl_problems: int = field(default=16, metadata={"help": "tier-B problems used for perplexity", "min": 1})
    ppl_samples: int = field(
        default=16, metadata={"help": "answers per problem and model for perplexity (paper Fig. 6: 16)", "min": 1})


@dataclass(frozen=True)
class MicroConfig:
    """The whole micro-world experiment; ``seed`` drives every random choice."""

    seed: int = field(default=0, metadata={"help": "training seed (held-out problems use task.eval_seed)"})
    device: str = field(default="cpu", metadata={"help": "torch device for training and sampling"})
    # Measured on the shared 2-core machine: with other jobs running, 1 thread trained
    # ~8x faster than 2 (OpenMP threads spin against each other when oversubscribed).
    # Default 1: the models are small, and every stage is cached under a hash that includes the
    # trainer's thread count, so the book, the CLI and the benchmarks share models only if they agree.
    threads: int = field(default=1, metadata={"help": "torch CPU threads (0 = torch's default)", "min": 0})
    task: TaskConfig = field(default_factory=TaskConfig, metadata={"help": "the world"})
    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "model shape"})
    pretrain: PretrainConfig = field(default_factory=PretrainConfig, metadata={"help": "base pretraining"})
    rl: RLStageConfig = field(default_factory=RLStageConfig, metadata={"help": "RL runs"})
    distill: DistillConfig = field(default_factory=DistillConfig, metadata={"help": "distillation"})
    instruct: InstructConfig = field(default_factory=InstructConfig,
                                     metadata={"help": "the instruct model: fine-tuning on the base's correct samples"})
    eval: EvalConfig = field(default_factory=EvalConfig, metadata={"help": "evaluation"})

    def validate(self) -> "MicroConfig":
        """Check every field's range (``min``/``max`` in its metadata) and each section's rules."""
        check_ranges(self)
        self.task.validate()
        self.rl.validate()
        tiers = self.eval.tiers
        if not set(tiers) <= set("ABC") or len(set(tiers)) != len(tiers):
            raise InputError(f"eval.tiers: letters of A, B, C, each at most once (empty: all), got {tiers!r}")
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @staticmethod
    def preset(name: str = "default", config: dict | str | list | None = None, **top) -> "MicroConfig":
        """The named scale with overrides: ``config`` (see :func:`settings_from`) and top-level
        fields such as ``seed``."""
        if name not in PRESETS:
            raise InputError(f"preset: unknown {name!r}; choose one of {', '.join(PRESETS)}")
        return with_overrides(_PRESET_BUILDERS[name](), {**settings_from(config), **top}, source="config")


# ---------------------------------------------------------------- settings by dotted path


def settings_from(config: dict | str | list | None) -> dict:
    """Dotted settings from ``config``: a dict (dotted or nested names), a YAML/JSON file of them,
    or a list of these applied in order, later ones winning (a world file, then a page's changes).

    >>> settings_from([{"rl": {"trainer": {"steps": 600, "lr": 1e-4}}}, {"rl.trainer.steps": 150}])
    {'rl.trainer.steps': 150, 'rl.trainer.lr': 0.0001}
    """
    if isinstance(config, (list, tuple)):
        merged: dict = {}
        for item in config:
            merged.update(settings_from(item))
        return merged
    data = read_settings(config) if isinstance(config, (str, Path)) else dict(config or {})
    return _dotted(data)


def _dotted(data: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in data.items():
        out.update(_dotted(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return out


def read_settings(path: str) -> dict:
    """Settings from a YAML or JSON file (nested mappings or dotted keys). A relative path is read from
    the working directory, else from this checkout (``book/worlds/narrowing.yaml`` from any directory)."""
    import yaml

    found = Path(path)
    if not found.is_absolute() and not found.exists() and (CHECKOUT / found).exists():
        found = CHECKOUT / found
    try:
        data = yaml.safe_load(open(found, encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{path}: cannot read config: {err.strerror or err}") from None
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML/JSON: {str(err).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a config file holds a mapping of settings, got {type(data).__name__}")
    return data


def coerce(value, hint, where: str):
    """``value`` (a CLI string or a YAML/JSON value) as the field type ``hint``, else an InputError.

    >>> coerce("1,4", tuple[int, ...], "x"), coerce("0.5", float, "x"), coerce("none", typing.Optional[int], "x")
    ((1, 4), 0.5, None)
    """
    bad = InputError(f"{where}={value!r}: expected {type_name(hint)}")
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            if type(None) in args:
                return None
        (inner,) = [a for a in args if a is not type(None)]
        return coerce(value, inner, where)
    if typing.get_origin(hint) is tuple:
        items = value
        if isinstance(value, str):
            items = [v.strip() for v in value.strip("[]()").split(",") if v.strip()]
        if not isinstance(items, (list, tuple)):
            raise bad
        types_ = [args[0]] * len(items) if len(args) == 2 and args[1] is Ellipsis else list(args)
        if len(types_) != len(items):
            raise InputError(f"{where}={value!r}: expected {len(types_)} values")
        return tuple(coerce(v, t, where) for v, t in zip(items, types_))
    if isinstance(value, str) and hint is not str:
        import yaml

        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            raise bad from None
    if hint is bool and isinstance(value, bool) or hint is str and isinstance(value, str):
        return value
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise bad


def with_overrides(cfg: "MicroConfig", settings: dict, source: str = "--set") -> "MicroConfig":
    """``cfg`` with dotted settings replaced, each converted to its field's type; then validated.

    An unknown field, a value of the wrong type or out of range raises an InputError that
    names the field and the value.

    >>> cfg = with_overrides(MicroConfig(), {"task.shortcut_slip_rate": "0.01", "rl.trainer.steps": 600})
    >>> cfg.task.shortcut_slip_rate, cfg.rl.trainer.steps, cfg.rl.checkpoint_steps
    (0.01, 600, (200, 400, 600))
    >>> with_overrides(cfg, {"task.nonexistent": 1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    boundary_lab.errors.InputError: --set task.nonexistent=1: unknown field; task has modulus, ops, ...
    """
    return _replace(cfg, settings, source, "").validate()


def _replace(current, settings: dict, source: str, prefix: str):
    """Apply dotted (or nested) settings to one dataclass level; errors name the full dotted path and value."""
    names = [f.name for f in dataclasses.fields(current)]
    hints = typing.get_type_hints(type(current))
    groups: dict[str, dict] = {}
    for path, value in settings.items():
        head, _, rest = str(path).partition(".")
        groups.setdefault(head, {})[rest] = value
    changes = {}
    for head, parts in groups.items():
        full = f"{prefix}{head}"
        path, value = next((f"{full}.{k}" if k else full, v) for k, v in parts.items())
        if head not in names:
            where = prefix.rstrip(".") or "the config"
            shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
            raise InputError(f"{source} {path}={value!r}: unknown field; {where} has {shown} "
                             f"(boundary_lab.settings.leaf_fields lists them all)")
        old = getattr(current, head)
        if dataclasses.is_dataclass(old):
            if "" in parts and isinstance(parts[""], dict):  # a nested mapping, as YAML files write it
                parts = {**parts.pop(""), **parts}
            if "" in parts:
                raise InputError(f"{source} {full}={parts['']!r}: a section; set its fields ({full}.<field>=...)")
            changes[head] = _replace(old, parts, source, f"{full}.")
        elif set(parts) != {""}:
            raise InputError(f"{source} {path}={value!r}: unknown field; {full} is a value")
        else:
            changes[head] = coerce(parts[""], hints[head], f"{source} {full}")
    try:
        return dataclasses.replace(current, **changes)
    except InputError as err:  # a nested config's own checks (RLConfig's __post_init__)
        raise InputError(f"{source} {prefix.rstrip('.')}: {err}") from None


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
        rl=RLStageConfig(trainer=dataclasses.replace(_micro_trainer(), steps=4, checkpoint_steps=(2, 4),
                                                      prompts_per_step=4, rollouts_per_prompt=4), train_problems=64),
        distill=DistillConfig(steps=20, batch_size=64),
        instruct=InstructConfig(problems=32, samples=4, steps=10, batch_size=64),
        eval=EvalConfig(n=8, ppl_problems=2, ppl_samples=2),
    )


def _default() -> MicroConfig:
    return MicroConfig()


def _full() -> MicroConfig:
    # The default world and training, sampled at the paper's largest n: the book's models are reused.
    return MicroConfig(eval=EvalConfig(n=1024))


_PRESET_BUILDERS = {"tiny": _tiny, "default": _default, "full": _full}
