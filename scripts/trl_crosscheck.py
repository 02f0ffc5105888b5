"""Cross-check boundary-lab's GRPO against TRL's GRPOTrainer on the micro-world (issues 9 and 26).

``onestep`` (issue 26) is the check of faithfulness: the same weights and the same 128 rollouts (16 prompts
x 8, sampled by our trainer) go to both trainers; TRL receives them through ``GRPOTrainer(rollout_func=...)``
and computes its own rewards, advantages and old log-probs. TRL's minibatch partition (its shuffle of the
generation batch) is read back from the inputs of its 4 optimizer steps, and our trainer runs its minibatch
update on the same rows in the same order, with its own AdamW. Per minibatch it compares the loss and the
gradient norm, and after the 4 updates the weights. Our GRPO is compared with ``loss_type="grpo"`` and our
DAPO (token-level loss, clip-higher 0.28) with ``"bnpo"`` and ``"dapo"``, each with the advantage epsilon of
the registry row set to TRL's 1e-4 (a registered copy of the row); ``grpo_shipped_eps`` keeps our shipped
1e-6 to show what that costs. tests/test_trl_onestep.py runs it and asserts the agreement.

    python scripts/trl_crosscheck.py onestep --base BASE [--json benchmarks/results/trl_crosscheck_onestep.json]

The end-to-end comparison (issue 9) describes behaviour, not faithfulness: both trainers start from the same
micro-world base checkpoint and train on the same prompts with the
same reward (:func:`boundary_lab.rl.rewards.micro_reward_fn`, answer reward), 8 rollouts per prompt,
16 prompts per rollout batch, temperature 1.0, learning rate 3e-4, no KL, clip 0.2, sequence-mean
loss (TRL ``loss_type="grpo"``) and 4 optimizer steps per rollout batch (ours: ``minibatches=4``;
TRL: ``steps_per_generation=4`` with 32 completions per step, so one of our steps is 4 TRL steps).
Then each checkpoint samples the held-out tier-B problems (n samples each, temperature 1) and
the script reports pass@1 and pass@n per seed, with the reward curves.

TRL 1.16.0 (the ``trl`` extra, installed by ``make setup``) shares the project environment.

    python scripts/trl_crosscheck.py ours --base BASE --out runs/xcheck/ours-s0 --seed 0 --steps 100
    python scripts/trl_crosscheck.py trl --base BASE --out runs/xcheck/trl-s0 --seed 0 --steps 100
    python scripts/trl_crosscheck.py report --base BASE runs/xcheck/*-s*

BASE is a micro-world ``pretrain-*`` model directory (its DONE.json holds the world's TaskConfig).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPTS_PER_STEP, ROLLOUTS, TEMPERATURE, LR, MINIBATCHES = 16, 8, 1.0, 3e-4, 4
TRAIN_PROBLEMS = 4000


def task_config(base: Path):
    from boundary_lab.micro.config import TaskConfig

    saved = json.loads((base / "DONE.json").read_text())["config"]["task"]
    names = {f.name for f in dataclasses.fields(TaskConfig)}
    return TaskConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items() if k in names})


def world(base: Path, seed: int):
    """Training prompts (the no-tier-B split, where GRPO collapses onto the shortcut), tier-B problems,
    the reward and the response-length cap."""
    from boundary_lab.micro.task import completion_tokens, heldout_tiers, training_problems
    from boundary_lab.rl.rewards import micro_reward_fn

    task = task_config(base)
    probs = training_problems(task, TRAIN_PROBLEMS, seed, without_tier_b=True)
    tier_b = [p for p in heldout_tiers(task) if p.tier == "B"]
    checks = getattr(task, "careful_check_tokens", 0)
    max_new = completion_tokens(task.pretrain_lengths[1], "C", checks) + 2
    return task, [p.prompt for p in probs], tier_b, micro_reward_fn(task.modulus, "answer", checks), max_new


def train_ours(args) -> None:
    import torch

    from boundary_lab.rl import RLConfig, train_rl

    torch.set_num_threads(1)
    task, prompts, _, reward, max_new = world(args.base, args.seed)
    cfg = RLConfig(algorithm="grpo", steps=args.steps, prompts_per_step=PROMPTS_PER_STEP,
                   rollouts_per_prompt=ROLLOUTS, temperature=TEMPERATURE, lr=LR, minibatches=MINIBATCHES,
                   max_new_tokens=max_new, checkpoint_steps=(args.steps,), eval_every=0, seed=args.seed,
                   device="cpu", num_threads=1)
    t0 = time.time()
    history = train_rl(args.base, args.out, prompts, lambda i, text: reward([prompts[i]], [text])[0], cfg,
                       progress=False)
    curve = [{"step": m["step"], "reward": m["reward_mean"], "clip_frac": m.get("clip_frac"),
              "approx_kl": m.get("approx_kl"), "entropy": m.get("entropy")} for m in history]
    _write(args.out, "ours", curve, time.time() - t0, Path(args.out) / f"step_{args.steps}")


def train_trl(args) -> None:
    import torch
    import trl
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    torch.set_num_threads(1)
    task, prompts, _, reward, max_new = world(args.base, args.seed)
    rows = PROMPTS_PER_STEP * ROLLOUTS // MINIBATCHES
    config = GRPOConfig(
        output_dir=str(args.out), max_steps=args.steps * MINIBATCHES, learning_rate=LR,
        lr_scheduler_type="constant", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
        per_device_train_batch_size=rows, gradient_accumulation_steps=1, steps_per_generation=MINIBATCHES,
        num_generations=ROLLOUTS, num_iterations=1, temperature=TEMPERATURE, top_p=1.0,
        max_completion_length=max_new, beta=0.0, epsilon=0.2, loss_type="grpo", scale_rewards="group",
        logging_steps=MINIBATCHES, save_strategy="no", report_to="none", seed=args.seed, use_cpu=True,
        bf16=False, disable_tqdm=True,
    )
    tokenizer = AutoTokenizer.from_pretrained(args.base)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32)
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=config, processing_class=tokenizer,
                          train_dataset=Dataset.from_dict({"prompt": prompts}))
    t0 = time.time()
    trainer.train()
    seconds = time.time() - t0
    final = Path(args.out) / f"step_{args.steps}"
    trainer.save_model(str(final))
    tokenizer.save_pretrained(str(final))
    curve = [{"step": int(h["step"]) // MINIBATCHES, "reward": h.get("reward"),
              "clip_frac": h.get("clip_ratio/region_mean"), "entropy": h.get("entropy")}
             for h in trainer.state.log_history if "reward" in h]
    _write(args.out, f"trl {trl.__version__}", curve, seconds, final)


# ---------------------------------------------------------------- onestep (issue 26)

TRL_ADV_EPS = 1e-4  # TRL 1.16 GRPOTrainer: advantages / (std_rewards + 1e-4)
# case: (our registry row, its advantage epsilon (None: the shipped one), TRL loss_type, TRL epsilon_high)
ONESTEP_CASES = {
    "grpo": ("grpo", TRL_ADV_EPS, "grpo", 0.2),
    "dapo_vs_bnpo": ("dapo", TRL_ADV_EPS, "bnpo", 0.28),
    "dapo_vs_dapo": ("dapo", TRL_ADV_EPS, "dapo", 0.28),
    "grpo_shipped_eps": ("grpo", None, "grpo", 0.2),
}


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-30)


def onestep(base: Path, out: Path, cases=tuple(ONESTEP_CASES), seed: int = 0, lr: float = LR,
            quiet: bool = True) -> dict:
    """Run the one-step comparison for ``cases`` (keys of ONESTEP_CASES); returns one dict per case."""
    import os

    import torch

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    torch.set_num_threads(1)
    task, prompts, _, reward, max_new = world(base, seed)
    results = {"base": str(base), "seed": seed, "lr": lr, "prompts": PROMPTS_PER_STEP, "rollouts": ROLLOUTS,
               "minibatches": MINIBATCHES, "cases": {}}
    for case in cases:
        results["cases"][case] = _onestep_case(base, Path(out) / case, prompts, reward, max_new, seed, lr,
                                               *ONESTEP_CASES[case])
        if not quiet:
            print(case, json.dumps(results["cases"][case]["minibatches"]), flush=True)
    return results


def _onestep_case(base, out, prompts, reward, max_new, seed, lr, name, eps, loss_type, eps_high) -> dict:
    import contextlib

    import numpy as np

    from boundary_lab.rl import RLConfig, algorithm
    from boundary_lab.rl.registry import registered
    from boundary_lab.rl.trainer import Trainer

    row = algorithm(name)
    if eps is not None:
        row = dataclasses.replace(row, name=f"{name}_eps_{eps:g}", estimator_args=(("eps", eps),))
    with registered(row) if eps is not None else contextlib.nullcontext():
        cfg = RLConfig(algorithm=row.name, steps=1, checkpoint_steps=(1,), prompts_per_step=PROMPTS_PER_STEP,
                       rollouts_per_prompt=ROLLOUTS, temperature=TEMPERATURE, lr=lr, minibatches=MINIBATCHES,
                       max_new_tokens=max_new, dynamic_sampling=False, eval_every=0, seed=seed, device="cpu")
        cfg = cfg.resolved()
        assert cfg.clip_eps_high == eps_high, (cfg.clip_eps_high, eps_high)
        ours = Trainer(base, Path(out) / "ours", prompts, lambda i, text: reward([prompts[i]], [text])[0], cfg)
        batch, _, greedy = ours.collect(1)
        data = ours.score(batch, greedy, log_kl=False)
        start = {k: v.detach().clone() for k, v in ours.policy.named_parameters()}
        our_grads = _record_gradients(ours.optimizer, ours.policy)
        trl_run = _trl_one_generation(base, Path(out) / "trl", batch, prompts, reward, max_new, seed, lr, loss_type,
                                      eps_high)
        rows_of = {}
        for i, key in enumerate(_row_keys(batch)):
            rows_of.setdefault(key, []).append(i)
        ours_adv = (data.advantages.sum(1) / batch.response_mask.sum(1).clamp(min=1)).numpy()
        minibatches, adv_diff = [], 0.0
        for step, (keys, trl_adv) in enumerate(zip(trl_run["minibatch_keys"], trl_run["advantages"])):
            rows = np.array([rows_of[k].pop() for k in keys])
            adv_diff = max(adv_diff, float(np.abs(ours_adv[rows] - trl_adv).max()))
            parts = ours._minibatch_update(data, rows, bool(cfg.token_level_loss), False)
            log = trl_run["log"][step]
            mine, theirs = our_grads[step], trl_run["gradients"][step]
            grad_diff = sum(float(((mine[k] - theirs[k]) ** 2).sum()) for k in theirs) ** 0.5
            grad_size = sum(float((theirs[k] ** 2).sum()) for k in theirs) ** 0.5
            minibatches.append({"loss_ours": parts["pg_loss"], "loss_trl": log["loss"],
                                "loss_rel": _rel(parts["pg_loss"], log["loss"]),
                                "grad_norm_ours": parts["grad_norm"], "grad_norm_trl": log["grad_norm"],
                                "grad_norm_rel": _rel(parts["grad_norm"], log["grad_norm"]),
                                "gradient_rel": grad_diff / max(grad_size, 1e-30),
                                "gradient_max_abs_diff": max(float((mine[k] - theirs[k]).abs().max()) for k in theirs),
                                "clip_frac_ours": parts["clip_frac"], "tokens": int(batch.response_mask[rows].sum())})
        trl_weights = trl_run["weights"]
        diff = upd = size = 0.0
        max_abs = 0.0
        for k, w in ours.policy.named_parameters():
            mine, theirs = w.detach() - start[k], trl_weights[k] - start[k]
            diff += float(((mine - theirs) ** 2).sum())
            upd += float((theirs ** 2).sum())
            size += float((trl_weights[k] ** 2).sum())
            max_abs = max(max_abs, float((w.detach() - trl_weights[k]).abs().max()))
        # Adam divides by sqrt(v): float noise in tiny gradient entries is magnified in the update (not asserted).
    return {"row": name, "advantage_eps": eps if eps is not None else row.estimator_settings.get("eps"),
            "trl_loss_type": loss_type, "epsilon_high": eps_high, "minibatches": minibatches,
            "advantage_max_abs_diff": adv_diff, "update_rel_diff": (diff / max(upd, 1e-300)) ** 0.5,
            "weights_max_abs_diff": max_abs, "weights_rel_diff": (diff / size) ** 0.5,
            "reward_mean": float(np.mean(batch.rewards)),
            "groups_with_signal": int((batch.rewards.reshape(-1, ROLLOUTS).std(1) > 0).sum())}


def _record_gradients(optimizer, model) -> list:
    """A list that receives {parameter name: gradient} each time ``optimizer`` steps (after the norm clip)."""
    names = {id(p): n for n, p in model.named_parameters()}
    steps = []

    def hook(opt, args, kwargs):
        steps.append({names[id(p)]: p.grad.detach().clone() for group in opt.param_groups for p in group["params"]
                      if p.grad is not None})
    optimizer.register_step_pre_hook(hook)
    return steps


def _row_keys(batch) -> list:
    """(prompt ids, completion ids) of each row of our RolloutBatch."""
    keys = []
    for ids, attention, response in zip(batch.input_ids, batch.attention_mask, batch.response_mask):
        ids = ids[attention.bool()].tolist()
        first = int(response.nonzero()[0]) + 1
        last = int(response.nonzero()[-1]) + 2
        keys.append((tuple(ids[:first]), tuple(ids[first:last])))
    return keys


def _trl_one_generation(base, out, batch, prompts, reward, max_new, seed, lr, loss_type, eps_high) -> dict:
    """TRL's GRPOTrainer on our rollouts: 4 optimizer steps on one generation batch of 128."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    keys = _row_keys(batch)
    by_prompt = {}
    for i, key in zip(batch.prompt_index, keys):
        by_prompt.setdefault(int(i), []).append(key)
    index_of = {prompts[i]: i for i in by_prompt}
    if len(index_of) != len(by_prompt):
        raise ValueError("onestep: two prompts of the step have the same text; pick another --seed")
    tokenizer = AutoTokenizer.from_pretrained(base)

    def rollout_func(prompt_list, trainer):
        pending = {i: list(rows) for i, rows in by_prompt.items()}
        chosen = [pending[index_of[p]].pop(0) for p in prompt_list]
        return {"prompt_ids": [list(k[0]) for k in chosen], "completion_ids": [list(k[1]) for k in chosen],
                "logprobs": None}

    recorded = []

    class Recording(GRPOTrainer):
        def _prepare_inputs(self, generation_batch):
            inputs = super()._prepare_inputs(generation_batch)
            recorded.append(inputs)
            return inputs

        def create_optimizer(self, *args, **kwargs):
            optimizer = super().create_optimizer(*args, **kwargs)
            self._gradient_steps = _record_gradients(optimizer, self.model)
            return optimizer

    rows = PROMPTS_PER_STEP * ROLLOUTS // MINIBATCHES
    config = GRPOConfig(
        output_dir=str(out), max_steps=MINIBATCHES, learning_rate=lr, lr_scheduler_type="constant",
        warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0, optim="adamw_torch", adam_beta1=0.9,
        adam_beta2=0.999, adam_epsilon=1e-8, per_device_train_batch_size=rows, gradient_accumulation_steps=1,
        steps_per_generation=MINIBATCHES, num_generations=ROLLOUTS, num_iterations=1, temperature=TEMPERATURE,
        max_completion_length=max_new, beta=0.0, epsilon=0.2, epsilon_high=eps_high, loss_type=loss_type,
        scale_rewards="group", mask_truncated_completions=False, logging_steps=1, save_strategy="no",
        report_to="none", seed=seed, use_cpu=True, bf16=False, disable_tqdm=True,
    )
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    trainer = Recording(model=model, reward_funcs=[reward], args=config, processing_class=tokenizer,
                        train_dataset=Dataset.from_dict({"prompt": [prompts[i] for i in sorted(by_prompt)]}),
                        rollout_func=rollout_func)
    trainer.train()
    minibatch_keys, advantages = [], []
    for inputs in recorded:
        mb = []
        for p, pm, c, cm in zip(inputs["prompt_ids"], inputs["prompt_mask"], inputs["completion_ids"],
                                inputs["completion_mask"]):
            mb.append((tuple(p[pm.bool()].tolist()), tuple(c[cm.bool()].tolist())))
        minibatch_keys.append(mb)
        advantages.append(inputs["advantages"].detach().cpu().numpy().reshape(-1))
    log = [h for h in trainer.state.log_history if "loss" in h and "grad_norm" in h]
    weights = {k: v.detach().clone() for k, v in trainer.accelerator.unwrap_model(trainer.model).named_parameters()}
    return {"minibatch_keys": minibatch_keys, "advantages": advantages, "log": log, "weights": weights,
            "gradients": trainer._gradient_steps}


def run_onestep(args) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        results = onestep(args.base, Path(tmp), seed=args.seed, lr=args.lr, quiet=False)
    results["machine"] = machine()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1))
    print(f"wrote {args.json}")


def machine() -> dict:
    import platform

    import torch
    import trl

    name = ""
    try:
        name = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    return {"cpu": name or platform.processor(), "torch": torch.__version__, "trl": trl.__version__,
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(), "commit": commit}


def _write(out, trainer: str, curve, seconds: float, final: Path) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "crosscheck.json").write_text(json.dumps(
        {"trainer": trainer, "seconds": round(seconds, 1), "final": str(final), "curve": curve}, indent=1))


def report(args) -> None:
    import numpy as np
    import torch
    from transformers import AutoTokenizer

    from boundary_lab.micro.task import check
    from boundary_lab.passk import pass_at_k_curve
    from boundary_lab.rl.state import load_model
    from boundary_lab.sampling import SamplingConfig
    from boundary_lab.sampling.hf import generate

    torch.set_num_threads(1)
    rows = []
    for run in args.runs:
        meta = json.loads((Path(run) / "crosscheck.json").read_text())
        seed = int(Path(run).name.rsplit("-s", 1)[1])
        _, _, tier_b, _, max_new = world(args.base, seed)
        paths = {"base": args.base, "trained": meta["final"]}
        for which, path in paths.items():
            if which == "base" and any(r["model"] == "base" for r in rows):
                continue
            model, tok = load_model(path, "cpu").eval(), AutoTokenizer.from_pretrained(path)
            tok.padding_side = "left"
            groups = generate(model, tok, [p.prompt for p in tier_b],
                              SamplingConfig(n=args.n, temperature=1.0, max_new_tokens=max_new, seed=1000 + seed),
                              progress=False)
            graded = [[check(p, s.text) for s in g] for p, g in zip(tier_b, groups)]
            c = np.array([sum(r.answer_correct for r in g) for g in graded])
            careful = float(np.mean([r.strategy == "C" for g in graded for r in g]))
            p1, pn = pass_at_k_curve(np.full(len(c), args.n), c, [1, args.n])
            curve = meta["curve"]
            last = [r["reward"] for r in curve[-10:] if r["reward"] is not None]
            rows.append({"model": "base" if which == "base" else meta["trainer"], "seed": seed,
                         "pass@1": round(float(p1), 4), f"pass@{args.n}": round(float(pn), 4),
                         "solved": int((c > 0).sum()), "careful_share": round(careful, 3),
                         "reward_last10": round(float(np.mean(last)), 4) if last and which != "base" else None,
                         "train_s": meta["seconds"] if which != "base" else None})
            print(json.dumps(rows[-1]), flush=True)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"n": args.n, "tier_b_problems": len(tier_b), "rows": rows,
                               "curves": {r: json.loads((Path(r) / "crosscheck.json").read_text())["curve"]
                                          for r in args.runs}}, indent=1))
    keys = ["model", "seed", "pass@1", f"pass@{args.n}", "solved", "careful_share", "reward_last10", "train_s"]
    print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("ours", "trl"):
        p = sub.add_parser(name)
        p.add_argument("--base", type=Path, required=True)
        p.add_argument("--out", type=Path, required=True)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--steps", type=int, default=100, help="rollout batches (ours: steps; TRL: x4 steps)")
    p = sub.add_parser("onestep", help="one generation batch, 4 minibatch updates each side (issue 26)")
    p.add_argument("--base", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=LR)
    p.add_argument("--json", default="benchmarks/results/trl_crosscheck_onestep.json")
    p = sub.add_parser("report")
    p.add_argument("--base", type=Path, required=True)
    p.add_argument("--n", type=int, default=64, help="samples per tier-B problem")
    p.add_argument("--json", default="benchmarks/results/trl_crosscheck.json")
    p.add_argument("runs", nargs="+", help="output directories named <anything>-s<seed>")
    args = parser.parse_args(argv)
    {"ours": train_ours, "trl": train_trl, "onestep": run_onestep, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
