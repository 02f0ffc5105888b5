"""The RLVR training loop: rollouts, verifiable reward, advantages, clipped updates, checkpoints.

Each step samples ``rollouts_per_prompt`` completions for ``prompts_per_step``
prompts from the current policy, scores them with ``reward_fn``, computes the
rollout policy's log-probs (``old_logp``) with one forward pass, turns rewards
into advantages with the algorithm's registry row (:mod:`boundary_lab.rl.registry`: its
estimator, extra rollouts and critic; the trainer never branches on the name), and runs ``ppo_epochs`` passes of
``minibatches`` optimizer steps (:meth:`Trainer.optimise`). From the second
mini-batch on, the policy has moved away from the rollout policy, so the
importance ratio differs from 1 and the clip acts, as in VeRL. Everything
random derives from ``(seed, step)`` through :func:`boundary_lab.seeding.derive_seed`,
so a run is deterministic and a resumed run repeats exactly what the
uninterrupted run would have done.

>>> import tempfile
>>> from boundary_lab.rl.toy import make_toy_model, successor_task, successor_reward
>>> base = make_toy_model(tempfile.mkdtemp())
>>> prompts, targets = successor_task(8)
>>> cfg = RLConfig(steps=2, prompts_per_step=4, rollouts_per_prompt=4, max_new_tokens=2,
...                checkpoint_steps=(2,), eval_every=0, device="cpu")
>>> history = train_rl(base, tempfile.mkdtemp(), prompts, successor_reward(targets), cfg, progress=False)
>>> [m["step"] for m in history], sorted(k for k in history[0] if k in ("clip_frac", "approx_kl", "entropy"))
([1, 2], ['approx_kl', 'clip_frac', 'entropy'])
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

from ..errors import InputError
from ..seeding import derive_seed
from . import advantages as adv
from . import state
from .config import RLConfig
from .losses import aggregate, clipped_surrogate, kl_per_token, value_loss
from .registry import ALGORITHMS
from .rollouts import RolloutBatch, rollout_batch, sample_groups, token_logprobs
from .value_head import ValueModel


def step_prompt_indices(n_prompts: int, per_step: int, step: int, seed: int) -> list[int]:
    """Prompts of ``step`` (1-based): consecutive slices of a fresh permutation per epoch."""
    out, pos = [], (step - 1) * per_step
    while len(out) < per_step:
        epoch, offset = divmod(pos, n_prompts)
        perm = np.random.default_rng([seed, epoch]).permutation(n_prompts)
        take = min(per_step - len(out), n_prompts - offset)
        out.extend(int(i) for i in perm[offset:offset + take])
        pos += take
    return out


def micro_batches(rows, size: int) -> list:
    """``rows`` in consecutive chunks of ``size`` (all of them when ``size`` is 0).

    >>> micro_batches(np.arange(5), 2)
    [array([0, 1]), array([2, 3]), array([4])]
    """
    if not size or size >= len(rows):
        return [rows]
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def _weight(mask: torch.Tensor, token_level: bool) -> torch.Tensor:
    """What :func:`aggregate` divides by: tokens, or sequences that have tokens."""
    return mask.sum() if token_level else (mask.sum(dim=1) > 0).sum()


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("RLConfig.device='cuda': no CUDA device is available")
    return torch.device(name)


@dataclass
class StepData:
    """One step's rollouts with everything the update needs (per-token tensors are (B, L-1))."""

    batch: RolloutBatch
    old_logp: torch.Tensor        # log-probs under the rollout policy (the importance ratio's denominator)
    ref_logp: Optional[torch.Tensor]   # under the KL reference (the base, or the last reset's policy);
    base_logp: Optional[torch.Tensor]  # both None on steps that neither use nor log the KL
    entropy: torch.Tensor         # the rollout policy's per-token entropy
    advantages: torch.Tensor
    values: Optional[torch.Tensor] = None   # PPO critic's values before the update
    returns: Optional[torch.Tensor] = None  # PPO value targets


class Trainer:
    """Models, optimizers and the step logic of a run: collect, score, optimise."""

    def __init__(self, base_model_dir, out_dir: Path, prompts, reward_fn, cfg: RLConfig):
        from transformers import AutoTokenizer

        self.cfg, self.out, self.prompts, self.reward_fn = cfg, Path(out_dir), prompts, reward_fn
        self.spec = ALGORITHMS[cfg.algorithm]
        self.device = _device(cfg.device)
        self.tokenizer = AutoTokenizer.from_pretrained(base_model_dir)
        torch.manual_seed(cfg.seed)
        self.base = state.load_model(base_model_dir, self.device).eval().requires_grad_(False)
        self.critic = ValueModel.from_pretrained(base_model_dir).to(self.device) if self.spec.critic else None
        self.reference = self.base
        resume = state.last_state_dir(self.out)
        self.policy = state.load_model(resume or base_model_dir, self.device).train()
        self._new_optimizers()
        self.step = 0
        if resume is not None:
            saved = torch.load(resume / state.TRAINER_STATE, map_location=self.device, weights_only=False)
            self.step = int(saved["step"])
            self.optimizer.load_state_dict(saved["optimizer"])
            if self.critic is not None:
                self.critic.load_state_dict(saved["critic"])
                self.critic_optimizer.load_state_dict(saved["critic_optimizer"])
            if saved.get("reference") is not None:
                self.reference = copy.deepcopy(self.base)
                self.reference.load_state_dict(saved["reference"])

    def _new_optimizers(self):
        cfg = self.cfg
        self.optimizer = torch.optim.AdamW(self.policy.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.critic_optimizer = (torch.optim.AdamW(self.critic.parameters(), lr=cfg.value_lr)
                                 if self.critic is not None else None)

    def reset_reference(self):
        """ProRL's reset: the reference becomes a copy of the current policy and the optimizer starts afresh."""
        self.reference = copy.deepcopy(self.policy).eval().requires_grad_(False)
        self._new_optimizers()

    # ------------------------------------------------------------ persistence
    def save_last(self):
        trainer_state = {
            "step": self.step,
            "optimizer": self.optimizer.state_dict(),
            "critic": self.critic.state_dict() if self.critic is not None else None,
            "critic_optimizer": self.critic_optimizer.state_dict() if self.critic is not None else None,
            "reference": self.reference.state_dict() if self.reference is not self.base else None,
        }
        state.save_checkpoint(self.out / state.LAST, self.policy, self.tokenizer, trainer_state)

    def save_step(self):
        state.save_checkpoint(self.out / f"step_{self.step}", self.policy, self.tokenizer)

    # ------------------------------------------------------------ rollouts
    def _rewards(self, indices, groups) -> list[list[float]]:
        out = []
        for i, completions in zip(indices, groups):
            row = []
            for comp in completions:
                r = self.reward_fn(i, comp.text)
                try:
                    value = float(r)
                except (TypeError, ValueError):
                    value = float("nan")
                if not 0.0 <= value <= 1.0:
                    raise InputError(f"reward_fn(prompt {i}, {comp.text[:40]!r}) returned {r!r}: rewards must be "
                                     "in [0, 1]")
                if self.cfg.reward_mode == "pass_at_k" and value not in (0.0, 1.0):
                    raise InputError(f"reward_fn(prompt {i}, {comp.text[:40]!r}) returned {r!r}: "
                                     "reward_mode='pass_at_k' needs binary rewards (0 or 1)")
                row.append(value)
            out.append(row)
        return out

    def _sample(self, indices, n, seed, temperature):
        cfg = self.cfg
        return sample_groups(self.policy, self.tokenizer, [self.prompts[i] for i in indices], n,
                             temperature=temperature, top_p=cfg.top_p if temperature > 0 else 1.0,
                             max_new_tokens=cfg.max_new_tokens, seed=seed, batch_size=cfg.rollout_batch_size)

    def collect(self, step: int):
        """Sample, reward, and (DAPO) keep only informative groups.

        Returns ``(batch, stats, greedy)``: the batch is None when dynamic sampling kept
        no group; ``greedy`` holds the greedy-rollout reward per kept group when the algorithm's
        row asks for a greedy rollout (ReMax), else None.
        """
        cfg = self.cfg
        indices = step_prompt_indices(len(self.prompts), cfg.prompts_per_step, step, cfg.seed)
        kept_idx, kept_groups, kept_rewards, first_rewards = [], [], [], None
        tries = cfg.dynamic_sampling_max_tries if cfg.dynamic_sampling else 1
        for attempt in range(tries):
            if attempt:
                deficit = cfg.prompts_per_step - len(kept_idx)
                rng = np.random.default_rng(derive_seed(cfg.seed, step, attempt, "resample"))
                indices = [int(i) for i in rng.choice(len(self.prompts), deficit, replace=len(self.prompts) < deficit)]
            groups = self._sample(indices, cfg.rollouts_per_prompt, derive_seed(cfg.seed, step, attempt),
                                  cfg.temperature)
            rewards = self._rewards(indices, groups)
            if first_rewards is None:
                first_rewards = np.asarray(rewards)
            keep = (adv.dynamic_sampling_keep(np.asarray(rewards)) if cfg.dynamic_sampling
                    else np.ones(len(indices), dtype=bool))
            for k in np.flatnonzero(keep):
                kept_idx.append(indices[k])
                kept_groups.append(groups[k])
                kept_rewards.append(rewards[k])
            if len(kept_idx) >= cfg.prompts_per_step:
                break
        n = cfg.prompts_per_step
        batch = (rollout_batch(self.tokenizer, self.prompts, kept_idx[:n], kept_groups[:n], kept_rewards[:n])
                 if kept_idx else None)
        stats = {
            "reward_mean": float(first_rewards.mean()),
            "pass_rate": float((first_rewards >= 0.5).mean()),
            "group_solved": float((first_rewards >= 0.5).any(axis=1).mean()),
            "groups": len(kept_idx[:n]),
            "sampling_tries": attempt + 1,
        }
        greedy = None
        if batch is None:
            return None, stats, greedy
        if "greedy" in self.spec.rollouts:
            g_idx = kept_idx[:n]
            greedy_groups = self._sample(g_idx, 1, derive_seed(cfg.seed, step, "greedy"), 0.0)
            greedy = np.asarray(self._rewards(g_idx, greedy_groups))[:, 0]
            stats["greedy_reward"] = float(greedy.mean())
        return batch.to(self.device), stats, greedy

    # ------------------------------------------------------------ advantages
    def advantages(self, batch: RolloutBatch, old_logp, ref_logp, values, greedy, entropy=None):
        """Per-token advantages (B, L-1) and, for PPO, value targets.

        ``entropy`` (the rollout policy's, per token) is needed only for Cheng et al.'s
        entropy-based advantage shaping (``entropy_adv_alpha > 0``).
        """
        cfg, mask = self.cfg, batch.response_mask
        grouped = batch.rewards.reshape(-1, cfg.rollouts_per_prompt)
        returns = None
        if cfg.nsr_only:
            tok = self._outcome(adv.nsr_advantages(grouped), mask)
        elif self.spec.level == "outcome":
            tok = self._outcome(adv.group_advantages(self.spec, grouped, greedy_rewards=greedy,
                                                     reward_mode=cfg.reward_mode, pass_at_k_k=cfg.pass_at_k_k), mask)
        else:
            scores = (adv.pass_at_k_rewards(grouped, cfg.pass_at_k_k) if cfg.reward_mode == "pass_at_k"
                      else grouped).reshape(-1)
            scores = torch.as_tensor(scores, dtype=torch.float32)
            kl = kl_per_token(old_logp, ref_logp, cfg.kl_estimator).cpu() if cfg.kl_coef else None
            args = dict(scores=scores, mask=mask.cpu(), kl=kl, kl_coef=cfg.kl_coef, gamma=cfg.gamma,
                        **self.spec.estimator_settings)
            if self.spec.critic:
                tok, returns = self.spec.estimator(values=values.cpu(), lam=cfg.gae_lambda, **args)
                returns = returns.to(self.device)
            else:
                tok = self.spec.estimator(**args)
            tok = tok.to(self.device)
        if cfg.entropy_adv_alpha:
            tok = adv.entropy_shaped_advantages(tok, entropy, mask, cfg.entropy_adv_alpha, cfg.entropy_adv_kappa)
        return tok, returns

    def _outcome(self, outcome, mask):
        outcome = torch.as_tensor(outcome.reshape(-1), dtype=torch.float32, device=self.device)
        return outcome[:, None] * mask

    def score(self, batch: RolloutBatch, greedy=None, log_kl: bool = True) -> StepData:
        """Log-probs under the rollout policy, base and reference; critic values; advantages (no gradients).

        The base and reference passes run when a KL term needs them (``kl_coef > 0``) or ``log_kl``
        asks for the kl_base / kl_ref metrics; otherwise they are skipped (``None``)."""
        cfg = self.cfg
        with torch.no_grad():
            chunk = cfg.micro_batch_size
            old_logp, entropy = token_logprobs(self.policy, batch, cfg.temperature, with_entropy=True, chunk=chunk)
            need_ref = bool(cfg.kl_coef) or log_kl
            need_base = log_kl or (need_ref and self.reference is self.base)
            base_logp = token_logprobs(self.base, batch, cfg.temperature, chunk=chunk) if need_base else None
            ref_logp = (base_logp if self.reference is self.base
                        else token_logprobs(self.reference, batch, cfg.temperature, chunk=chunk) if need_ref
                        else None)
            values = (torch.cat([self.critic(batch.input_ids[r], batch.attention_mask[r])[:, :-1]
                                 for r in micro_batches(torch.arange(len(batch)), chunk)])
                      if self.critic is not None else None)
            advantages, returns = self.advantages(batch, old_logp, ref_logp, values, greedy, entropy)
        return StepData(batch, old_logp, ref_logp, base_logp, entropy, advantages, values, returns)

    # ------------------------------------------------------------ the update
    def optimise(self, step: int, data: StepData) -> dict:
        """``ppo_epochs`` passes of ``minibatches`` optimizer steps on one step's rollouts.

        Every mini-batch's ratio is taken against ``data.old_logp`` (the rollout
        policy), so later mini-batches see a moved policy and the clip acts. A
        mini-batch may be split further into micro-batches of ``micro_batch_size``
        rows whose gradients accumulate, each weighted by its share of the
        mini-batch's tokens (token-level loss) or sequences, so the update does not
        depend on the split beyond float rounding. Returns the mean loss terms over
        the updates: ``pg_loss``, ``clip_frac``, ``approx_kl`` (k3 estimate of
        KL(rollout policy || policy being updated) on the mini-batch), ``grad_norm``,
        and ``kl_loss``, ``entropy_bonus``, ``value_loss`` when they apply.
        """
        cfg, batch = self.cfg, data.batch
        token_level = bool(cfg.token_level_loss)
        kl_in_loss = bool(cfg.kl_coef) and not self.spec.kl_in_reward
        n_mini = min(cfg.minibatches, len(batch))
        sums: dict[str, float] = {}
        updates = 0
        for epoch in range(cfg.ppo_epochs):
            gen = torch.Generator().manual_seed(derive_seed(cfg.seed, step, epoch, "minibatch"))
            order = torch.randperm(len(batch), generator=gen).numpy()
            for rows in np.array_split(order, n_mini):
                parts = self._minibatch_update(data, rows, token_level, kl_in_loss)
                for k, v in parts.items():
                    sums[k] = sums.get(k, 0.0) + v
                updates += 1
        return {k: v / updates for k, v in sums.items()}

    def _minibatch_update(self, data: StepData, rows, token_level: bool, kl_in_loss: bool) -> dict:
        cfg, device = self.cfg, self.device
        rows_mask = data.batch.response_mask[torch.as_tensor(rows, device=device)]
        total = _weight(rows_mask, token_level).clamp(min=1)
        tokens = rows_mask.sum().clamp(min=1)
        self.optimizer.zero_grad(set_to_none=True)
        if self.critic is not None:
            self.critic_optimizer.zero_grad(set_to_none=True)
        parts: dict[str, float] = {}
        for chunk in micro_batches(rows, cfg.micro_batch_size):
            mb, t = data.batch.select(chunk), torch.as_tensor(chunk, device=device)
            mask = mb.response_mask
            share = _weight(mask, token_level) / total
            token_share = mask.sum() / tokens  # clip_frac and approx_kl are token means
            logp, ent = token_logprobs(self.policy, mb, cfg.temperature, with_entropy=True)
            loss, clip_frac = clipped_surrogate(logp, data.old_logp[t], data.advantages[t], mask, cfg.clip_eps,
                                                cfg.clip_eps_high, token_level)
            terms = {"pg_loss": loss.detach()}
            diagnostics = {"clip_frac": clip_frac,
                           "approx_kl": aggregate(kl_per_token(data.old_logp[t], logp.detach(), "k3"), mask, True)}
            if kl_in_loss:
                kl = aggregate(kl_per_token(logp, data.ref_logp[t], cfg.kl_estimator), mask, token_level)
                loss = loss + cfg.kl_coef * kl
                terms["kl_loss"] = kl.detach()
            if cfg.entropy_coef:
                bonus = aggregate(ent, mask, token_level)
                loss = loss - cfg.entropy_coef * bonus
                terms["entropy_bonus"] = bonus.detach()
            (loss * share).backward()
            if self.critic is not None:
                values = self.critic(mb.input_ids, mb.attention_mask)[:, :-1]
                v_loss = value_loss(values, data.values[t], data.returns[t], mask, cfg.value_clip, token_level)
                (v_loss * share).backward()
                terms["value_loss"] = v_loss.detach()
            for k, v in terms.items():
                parts[k] = parts.get(k, 0.0) + float(v * share)
            for k, v in diagnostics.items():
                parts[k] = parts.get(k, 0.0) + float(v * token_share)
        parts["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(self.policy.parameters(), cfg.max_grad_norm))
        self.optimizer.step()
        if self.critic is not None:
            torch.nn.utils.clip_grad_norm_(self.critic.parameters(), cfg.max_grad_norm)
            self.critic_optimizer.step()
        return parts

    # ------------------------------------------------------------ one step
    def train_step(self, step: int) -> dict:
        cfg = self.cfg
        start = time.perf_counter()
        if cfg.reference_reset_every and step > 1 and (step - 1) % cfg.reference_reset_every == 0:
            self.reset_reference()
        batch, metrics, greedy = self.collect(step)
        metrics = {"step": step, **metrics}
        if batch is None:  # dynamic sampling found no informative group
            self.step = step
            return {**metrics, "skipped": True, "step_time_s": time.perf_counter() - start}
        log_kl = bool(cfg.kl_coef) or step == 1 or step % cfg.kl_metrics_every == 0
        data = self.score(batch, greedy, log_kl)
        sums = self.optimise(step, data)
        self.step = step
        mask = batch.response_mask
        if log_kl:
            metrics.update({name: float(aggregate(kl_per_token(data.old_logp, logp, "k3"), mask, True))
                            for name, logp in (("kl_base", data.base_logp), ("kl_ref", data.ref_logp))})
        metrics.update({
            "entropy": float(aggregate(data.entropy, mask, True)),
            "response_length": float(mask.sum(dim=1).mean()),
            "advantage_abs_mean": float(aggregate(data.advantages.abs(), mask, True)),
            **sums,
            "step_time_s": time.perf_counter() - start,
        })
        return metrics


def _check_inputs(prompts, reward_fn, eval_fn):
    if isinstance(prompts, str) or not len(prompts):
        raise InputError(f"prompts: expected a non-empty list of strings, got {type(prompts).__name__} "
                         f"of length {len(prompts)}")
    for i, p in enumerate(prompts):
        if not isinstance(p, str) or not p:
            raise InputError(f"prompts[{i}]: expected a non-empty string, got {p!r}")
    if not callable(reward_fn):
        raise InputError(f"reward_fn: expected a callable (prompt index, completion) -> reward, got {reward_fn!r}")
    if eval_fn is not None and not callable(eval_fn):
        raise InputError(f"eval_fn: expected a callable (model, tokenizer) -> dict, got {eval_fn!r}")


def train_rl(base_model_dir, out_dir, prompts: list[str], reward_fn: Callable[[int, str], float],
             config: RLConfig, eval_fn: Optional[Callable] = None, progress: bool = True) -> list[dict]:
    """RL-train the HF model in ``base_model_dir`` on ``prompts``; returns one metrics dict per step.

    Checkpoints go to ``out_dir/step_{k}/`` for ``k`` in ``config.checkpoint_steps``,
    metrics to ``out_dir/metrics.jsonl``. If ``out_dir`` holds an unfinished run
    with the same config, training continues from its ``last/`` state; the
    returned history then also holds the steps done before.
    """
    if not isinstance(config, RLConfig):
        raise InputError(f"config: expected an RLConfig, got {type(config).__name__}")
    if not (Path(base_model_dir) / "config.json").exists():
        raise InputError(f"base_model_dir: {base_model_dir} holds no HF model (config.json missing)")
    _check_inputs(prompts, reward_fn, eval_fn)
    cfg = config.resolved()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state.check_config(out, config.to_dict())
    threads = torch.get_num_threads()
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    try:
        return _run(base_model_dir, out, list(prompts), reward_fn, cfg, eval_fn, progress)
    finally:
        torch.set_num_threads(threads)


def _run(base_model_dir, out: Path, prompts, reward_fn, cfg: RLConfig, eval_fn, progress) -> list[dict]:
    from tqdm import tqdm  # plain text bars: no widget warnings in notebooks

    trainer = Trainer(base_model_dir, out, prompts, reward_fn, cfg)
    history = state.truncate_metrics(out, trainer.step)
    bar = tqdm(total=cfg.steps, initial=trainer.step, disable=not progress, desc=f"RL {cfg.algorithm}",
               unit="step")
    try:
        for step in range(trainer.step + 1, cfg.steps + 1):
            metrics = trainer.train_step(step)
            if eval_fn is not None and cfg.eval_every and (step % cfg.eval_every == 0 or step == cfg.steps):
                trainer.policy.eval()
                with torch.no_grad():
                    result = eval_fn(trainer.policy, trainer.tokenizer)
                trainer.policy.train()
                # numpy scalars -> Python numbers, so the metrics line is plain JSON.
                metrics.update({(k if k not in metrics else f"eval_{k}"): (v.item() if hasattr(v, "item") else v)
                                for k, v in dict(result).items()})
            # Metrics first: a kill before save_last() only drops lines that resume recomputes.
            state.append_metrics(out, metrics)
            history.append(metrics)
            if step in cfg.checkpoint_steps:
                trainer.save_step()
            if step % cfg.save_every == 0 or step in cfg.checkpoint_steps or step == cfg.steps:
                trainer.save_last()
            bar.update(1)
            bar.set_postfix(reward=f"{metrics['reward_mean']:.3f}")
    finally:
        bar.close()
    return history
