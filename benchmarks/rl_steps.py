"""RL training speed: steps/s of every algorithm of boundary_lab.rl on tiny models (CPU).

Two model sizes:
- ``toy``: the toy successor task (:mod:`boundary_lab.rl.toy`), a 33k-parameter
  Llama, 16 prompts x 8 rollouts, 2 new tokens per rollout.
- ``micro``: a random 1.05M-parameter Llama (hidden 128, 4 layers), the size of
  a micro-world base model, on the same prompts, 16 x 8 rollouts of up to
  ``--micro-tokens`` tokens (a random model ends a rollout with EOS about once
  in 16 tokens, so rollouts average about 20 tokens at the default 32).

A step is rollouts + reward + old/reference log-probs + advantages + the
optimizer updates. Each algorithm runs twice, back to back: with one optimizer
update per rollout batch (``minibatches=1``, the trainer before issue 9) and
with the default VeRL-style ``minibatches=4``, so the cost of several updates
per batch is measured under the same load. Reported: the median
``step_time_s`` of the timed steps (the first step is a warm-up and excluded),
steps/s and rollout tokens/s, and the CPU seconds per step (thread CPU time of a
run of ``--steps`` steps minus that of a 1-step run, over the extra steps), which
other jobs on a shared 2-core machine disturb far less than wall time. The JSON
records the load average before and after.

Run: ``python benchmarks/rl_steps.py [--steps 6] [--threads 1] [--micro-tokens 32] [--minibatches 1,4]``.
Writes ``benchmarks/results/rl_steps.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "rl_steps.json"


def bench(base, prompts, reward_fn, algorithm: str, steps: int, threads: int, max_new_tokens: int,
          minibatches: int) -> dict:
    from boundary_lab.rl import RLConfig, train_rl

    cfg = RLConfig(algorithm=algorithm, steps=steps, prompts_per_step=16, rollouts_per_prompt=8,
                   minibatches=minibatches,
                   max_new_tokens=max_new_tokens, lr=5e-3, checkpoint_steps=(steps,), save_every=steps,
                   eval_every=0, device="cpu", num_threads=threads,
                   # DAPO's resampling would make step cost depend on the reward; time one round.
                   dynamic_sampling_max_tries=1)
    cpu = {}
    for n in (1, steps):  # thread CPU time: one torch thread runs everything on this thread
        run_cfg = RLConfig(**{**cfg.to_dict(), "steps": n, "checkpoint_steps": (n,), "save_every": n})
        with tempfile.TemporaryDirectory() as out:
            t0 = time.thread_time()
            history = train_rl(base, out, prompts, reward_fn, run_cfg, progress=False)
            cpu[n] = time.thread_time() - t0
    times = [m["step_time_s"] for m in history[1:]]
    median = statistics.median(times)
    tokens = statistics.mean(m.get("response_length", 0.0) for m in history[1:]) * 16 * 8
    return {"algorithm": algorithm, "minibatches": minibatches, "median_step_s": round(median, 4),
            "cpu_s_per_step": round((cpu[steps] - cpu[1]) / (steps - 1), 4),
            "steps_per_s": round(1 / median, 2),
            "rollout_tokens_per_s": round(tokens / median, 1), "timed_steps": len(times)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6, help="steps per run (the first is a warm-up)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--micro-tokens", type=int, default=32, help="rollout length of the micro-size model")
    parser.add_argument("--minibatches", default="1,4", help="optimizer updates per rollout batch to compare")
    parser.add_argument("--models", default="toy,micro", help="model sizes to run")
    args = parser.parse_args(argv)

    import torch

    from boundary_lab.rl import ALGORITHMS
    from boundary_lab.rl.toy import char_tokenizer, make_toy_model, successor_reward, successor_task
    from boundary_lab.tiny_models import make_tiny_model

    torch.set_num_threads(args.threads)
    prompts, targets = successor_task(512, seed=0)
    reward = successor_reward(targets)
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        toy = make_toy_model(Path(tmp) / "toy")
        micro = make_tiny_model(Path(tmp) / "micro", hidden=128, layers=4, head_dim=32, max_positions=128,
                                tokenizer=char_tokenizer())
        sizes = {"toy": (toy, 2), "micro": (micro, args.micro_tokens)}
        sizes = {k: v for k, v in sizes.items() if k in args.models.split(",")}
        for size, (path, new_tokens) in sizes.items():
            params = sum(p.numel() for p in __import__("transformers").AutoModelForCausalLM
                         .from_pretrained(path).parameters())
            bench(path, prompts, reward, "grpo", 2, args.threads, new_tokens, 1)  # warm-up: first-call costs
            for algorithm in ALGORITHMS:
                for minibatches in (int(m) for m in args.minibatches.split(",")):
                    row = bench(path, prompts, reward, algorithm, args.steps, args.threads, new_tokens, minibatches)
                    row.update(model=size, params=params, max_new_tokens=new_tokens)
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    result = {
        "benchmark": "rl_steps",
        "conditions": {"threads": args.threads, "prompts_per_step": 16, "rollouts_per_prompt": 8,
                       "steps": args.steps, "torch": torch.__version__, "machine": platform.processor() or
                       platform.machine(), "cpus": os.cpu_count(), "loadavg_before": load_before,
                       "loadavg_after": os.getloadavg(),
                       "note": "shared 2-core machine; timings are noisy"},
        "results": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print("| model | algorithm | updates per batch | CPU s per step | steps/s (wall) | rollout tokens/s |\n"
          "|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['algorithm']} | {r['minibatches']} | {r['cpu_s_per_step']} | {r['steps_per_s']} | "
              f"{r['rollout_tokens_per_s']} |")
    return result


if __name__ == "__main__":
    main()
