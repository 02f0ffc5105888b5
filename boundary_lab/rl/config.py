"""Configuration of an RLVR run (:class:`RLConfig`).

One frozen dataclass covers every algorithm; fields an algorithm does not use
are ignored. Fields left at ``None`` take the algorithm's own default (DAPO
turns on clip-higher, token-level loss and dynamic sampling), see
:meth:`RLConfig.resolved`.

>>> cfg = RLConfig(algorithm="dapo", steps=10)
>>> r = cfg.resolved()
>>> (r.clip_eps_high, r.token_level_loss, r.dynamic_sampling)
(0.28, True, True)
>>> RLConfig(algorithm="grpo").resolved().clip_eps_high
0.2
>>> RLConfig(steps=450).resolved().checkpoint_steps   # the paper's Figure 1 steps
(150, 300, 450)
>>> RLConfig().minibatches   # optimizer steps per rollout batch, as VeRL's PPO mini-batches
4
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Optional

from ..errors import InputError
from .registry import ALGORITHM_NAMES, ALGORITHMS

REWARD_MODES = ("binary", "pass_at_k")
KL_ESTIMATORS = ("k1", "k3")
DEVICES = ("cpu", "cuda", "auto")


@dataclass(frozen=True)
class RLConfig:
    """Hyper-parameters of :func:`boundary_lab.rl.train_rl`."""

    algorithm: str = field(default="grpo", metadata={"help": "one of " + ", ".join(ALGORITHM_NAMES)})
    # Seed notebook (PAPER.md): "8 rollouts per prompt, 450 steps, ... batch 32".
    steps: int = field(default=450, metadata={"help": "number of policy-update steps"})
    prompts_per_step: int = field(default=32, metadata={"help": "prompts (groups) per step"})
    # Paper §4.3: "8 rollouts per prompt".
    rollouts_per_prompt: int = field(default=8, metadata={"help": "sampled completions per prompt (group size)"})
    # Paper §4.3: "temperature 1.0" for every RL algorithm.
    temperature: float = field(default=1.0, metadata={"help": "rollout sampling temperature"})
    top_p: float = field(default=1.0, metadata={"help": "rollout nucleus mass (1.0 = off, as in VeRL)"})
    # Paper: rollouts up to 8,192 tokens; micro-world answers are a few dozen tokens.
    max_new_tokens: int = field(default=64, metadata={"help": "maximum tokens per rollout"})
    # Paper: 1e-6 for 7B models; a ~1M-parameter model needs a much larger step to move at all.
    lr: float = field(default=1e-4, metadata={"help": "policy learning rate (AdamW)"})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay"})
    micro_batch_size: int = field(
        default=0, metadata={"help": "rows per forward/backward pass; gradients accumulate over a minibatch "
                                     "(0 = the whole minibatch at once)"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "gradient-norm clip for policy and value"})
    # PPO (Schulman et al. 2017) epsilon = 0.2; VeRL's actor.clip_ratio default 0.2.
    clip_eps: float = field(default=0.2, metadata={"help": "PPO ratio clip, lower side (1 - eps)"})
    # DAPO (Yu et al. 2025) clip-higher: eps_low 0.2, eps_high 0.28.
    clip_eps_high: Optional[float] = field(
        default=None, metadata={"help": "upper ratio clip (1 + eps_high); None: 0.28 for dapo, else clip_eps"})
    # VeRL's default actor.ppo_epochs = 1: each rollout is used by one pass.
    ppo_epochs: int = field(default=1, metadata={"help": "optimisation passes over each step's rollouts"})
    # VeRL splits each rollout batch into PPO mini-batches (its examples: data.train_batch_size=1024 prompts,
    # actor.ppo_mini_batch_size=256, i.e. 4 optimizer steps per batch). After the first, the policy has moved
    # away from the rollout policy, so the importance ratio differs from 1 and clipping acts.
    minibatches: int = field(default=4, metadata={"help": "optimizer steps per epoch: the step's rollouts are "
                                                          "shuffled and split into this many mini-batches (at "
                                                          "most one rollout each)"})
    # Paper §4.3: "no KL term". Where the penalty goes is the algorithm's (registry.AlgorithmSpec.kl_in_reward):
    # REINFORCE++ and PPO subtract it from the per-token reward, the others add it to the loss (GRPO, ProRL).
    kl_coef: float = field(default=0.0, metadata={"help": "KL penalty to the reference (0 = off)"})
    kl_estimator: str = field(default="k3", metadata={"help": "KL estimator per token: k1 (log-ratio) or k3"})
    # A diagnostic, not part of any algorithm: with no KL term the base/reference forward pass feeds only the
    # kl_base and kl_ref metrics, ~15% of a micro-world step (LOG.md 2026-11-30), so it runs on step 1 and
    # every Nth step. Runs with a KL term (kl_coef > 0) compute and log it every step; models do not change.
    kl_metrics_every: int = field(
        default=10, metadata={"help": "log kl_base / kl_ref on step 1 and every N steps when no KL term needs "
                                      "the reference forward pass (1 = every step)"})
    # ProRL (Liu et al. 2025) §2: "hard-reset the reference policy to a recent snapshot of the online policy,
    # and reinitialize the optimizer states".
    reference_reset_every: int = field(
        default=0, metadata={"help": "ProRL reference reset: every N steps the reference becomes the current "
                                     "policy and the optimizer restarts (0 = off)"})
    # The maximum-entropy bonus (Williams & Peng 1991; A3C, Mnih et al. 2016: 0.01; VeRL's actor.entropy_coeff).
    entropy_coef: float = field(default=0.0, metadata={"help": "plain entropy bonus: the loss subtracts coef x the "
                                                               "mean token entropy (0 = off)"})
    # Cheng et al. 2025, "Reasoning with Exploration: An Entropy Perspective": the advantage of every token
    # becomes A_t + min(alpha * H_t (detached), |A_t| / kappa); alpha = 0.4, kappa = 2 (see rl/registry.py).
    entropy_adv_alpha: float = field(default=0.0, metadata={"help": "entropy-based advantage shaping weight "
                                                                    "alpha (Cheng et al. 2025; 0 = off)"})
    entropy_adv_kappa: float = field(default=2.0, metadata={"help": "the shaping term is at most |A_t| / kappa "
                                                                    "(kappa > 1 keeps the advantage's sign)"})
    # Pass@k Training (Chen et al. 2025) §3: the reward of a k-subset is its best member's; the advantage is its
    # analytic expectation over the k-subsets of the group (boundary_lab.rl.advantages.pass_at_k_advantages).
    reward_mode: str = field(default="binary", metadata={"help": "binary, or pass_at_k (group pass@k reward)"})
    pass_at_k_k: int = field(default=4, metadata={"help": "k for reward_mode=pass_at_k"})
    # NSR (Zhu et al. 2025): the objective keeps only the negative samples' term, -1 on every failed rollout.
    nsr_only: bool = field(
        default=False, metadata={"help": "negative sample reinforcement: train only on failed rollouts (advantage -1)"})
    token_level_loss: Optional[bool] = field(
        default=None, metadata={"help": "average the loss over all tokens (DAPO) instead of per sequence; None: "
                                        "True for dapo"})
    dynamic_sampling: Optional[bool] = field(
        default=None, metadata={"help": "drop groups whose rewards are all equal and resample; None: True for dapo"})
    dynamic_sampling_max_tries: int = field(
        default=3, metadata={"help": "rollout rounds per step at most when dynamic sampling"})
    # VeRL's critic.optim.lr default (1e-5) is 10x the actor's (1e-6); the same ratio to lr 1e-4 here.
    value_lr: float = field(default=1e-3, metadata={"help": "PPO value-model learning rate"})
    # VeRL's PPO defaults for LLMs: gamma = lambda = 1.0, value clip 0.5.
    gae_lambda: float = field(default=1.0, metadata={"help": "PPO GAE lambda"})
    gamma: float = field(default=1.0, metadata={"help": "discount (PPO, REINFORCE++ returns)"})
    value_clip: float = field(default=0.5, metadata={"help": "PPO value clip range"})
    # Paper Fig. 1 / Table 3: GRPO steps 150, 300, 450 of 450, i.e. thirds of the run (the None default).
    checkpoint_steps: Optional[tuple[int, ...]] = field(
        default=None, metadata={"help": "steps whose model is saved to out_dir/step_{k}/; None: steps/3, "
                                        "2*steps/3 and steps (150, 300, 450 for 450 steps, as in the paper)"})
    save_every: int = field(default=10, metadata={"help": "save the resumable out_dir/last/ state every N steps"})
    eval_every: int = field(default=50, metadata={"help": "run eval_fn every N steps and at the end (0 = off)"})
    rollout_batch_size: int = field(
        default=512, metadata={"help": "rows (prompt x sample) per decode batch of the sampler"})
    seed: int = field(default=0, metadata={"help": "seed for prompt order, rollouts and initialisation"})
    device: str = field(default="auto", metadata={"help": "cpu, cuda, or auto"})
    # Tiny models gain little from intra-op threads, and on a busy machine spinning threads
    # were measured 25x slower than one thread; 0 leaves torch's setting alone.
    num_threads: int = field(default=0, metadata={"help": "torch CPU threads during the run (0 = unchanged)"})

    def __post_init__(self):
        # ALGORITHMS, not ALGORITHM_NAMES: a row added by registry.register() is a valid choice too.
        choices = {"algorithm": tuple(ALGORITHMS), "reward_mode": REWARD_MODES,
                   "kl_estimator": KL_ESTIMATORS, "device": DEVICES}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(f"RLConfig.{name}={getattr(self, name)!r}: must be one of {', '.join(allowed)}")
        positive = ("steps", "prompts_per_step", "rollouts_per_prompt", "max_new_tokens", "ppo_epochs",
                    "minibatches", "dynamic_sampling_max_tries", "save_every", "rollout_batch_size",
                    "kl_metrics_every")
        for name in positive:
            if int(getattr(self, name)) < 1:
                raise InputError(f"RLConfig.{name}={getattr(self, name)!r}: must be >= 1")
        non_negative = ("lr", "value_lr", "kl_coef", "entropy_coef", "clip_eps", "weight_decay",
                        "reference_reset_every", "eval_every", "temperature", "value_clip", "num_threads",
                        "micro_batch_size", "entropy_adv_alpha")
        for name in non_negative:
            if getattr(self, name) < 0:
                raise InputError(f"RLConfig.{name}={getattr(self, name)!r}: must be >= 0")
        if not 0 < self.top_p <= 1:
            raise InputError(f"RLConfig.top_p={self.top_p!r}: must be in (0, 1]")
        if self.temperature == 0:
            raise InputError("RLConfig.temperature=0: RL needs sampled rollouts (temperature > 0)")
        if self.entropy_adv_kappa <= 1:
            raise InputError(f"RLConfig.entropy_adv_kappa={self.entropy_adv_kappa!r}: must be > 1")
        if self.rollouts_per_prompt < 2 and ALGORITHMS[self.algorithm].needs_group:
            raise InputError(f"RLConfig.rollouts_per_prompt={self.rollouts_per_prompt}: "
                             f"{self.algorithm} needs a group of at least 2")
        if self.reward_mode == "pass_at_k" and not 1 <= self.pass_at_k_k <= self.rollouts_per_prompt:
            raise InputError(f"RLConfig.pass_at_k_k={self.pass_at_k_k}: must be in 1..rollouts_per_prompt "
                             f"({self.rollouts_per_prompt})")
        bad = [s for s in self.checkpoint_steps or () if not 1 <= int(s) <= self.steps]
        if bad:
            raise InputError(f"RLConfig.checkpoint_steps={tuple(self.checkpoint_steps)}: {bad} outside 1..{self.steps}")

    def resolved(self) -> "RLConfig":
        """This config with every ``None`` replaced by the algorithm's default."""
        own = ALGORITHMS[self.algorithm].defaults
        return replace(
            self,
            clip_eps_high=self.clip_eps_high if self.clip_eps_high is not None else own.get("clip_eps_high",
                                                                                           self.clip_eps),
            token_level_loss=(self.token_level_loss if self.token_level_loss is not None
                              else own.get("token_level_loss", False)),
            dynamic_sampling=(self.dynamic_sampling if self.dynamic_sampling is not None
                              else own.get("dynamic_sampling", False)),
            checkpoint_steps=(tuple(int(s) for s in self.checkpoint_steps) if self.checkpoint_steps is not None
                              else tuple(sorted({max(1, round(self.steps * i / 3)) for i in (1, 2, 3)}))),
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.checkpoint_steps is not None:
            d["checkpoint_steps"] = list(self.checkpoint_steps)
        return d

    @classmethod
    def from_dict(cls, d: dict, source: str = "config") -> "RLConfig":
        """Build from a mapping (e.g. parsed JSON); unknown keys are an :class:`InputError`."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InputError(f"{source}: unknown RLConfig field(s) {unknown}")
        d = dict(d)
        if d.get("checkpoint_steps") is not None:
            d["checkpoint_steps"] = tuple(int(s) for s in d["checkpoint_steps"])
        return cls(**d)
