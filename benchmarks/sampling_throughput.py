"""Sampling throughput of the hf and vllm backends against the machine's FLOP bound.

On one tiny random model (micro-world sized by default: Llama, hidden 96, 3 layers),
each backend draws ``n`` completions of one prompt at temperature 1 with
``max_new_tokens`` tokens. A random model almost never emits EOS, so nearly every
completion has exactly ``max_new_tokens`` tokens; the token counts are measured anyway.

Reported per backend and batch size: completions/s, tokens/s, and the achieved FLOP
rate as a fraction of the machine's float32 matmul rate (a large ``torch.matmul``),
with the model's FLOPs per token = 2 x (non-embedding weights + LM head) plus
attention 4 x layers x hidden x context. For vllm the batch size is ``max_num_seqs``.

For hf the CPU-time rate is reported too (``fraction_of_matmul_peak_cpu``: the process's CPU seconds
against the matmul's FLOPs per CPU second), which a busy machine does not distort.

Run: ``python benchmarks/sampling_throughput.py [--quick] [--no-vllm] [--threads 1]``. Writes
``benchmarks/results/sampling_throughput.json`` (``sampling_throughput_hf.json`` with ``--no-vllm``). Timings on a
shared machine are noisy;
the JSON records the machine, the thread count and the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "sampling_throughput.json"
PROMPT = "Question: 12 + 35 = ? Let's think step by step."


def matmul_flops(size: int = 2048, repeats: int = 5, clock=time.perf_counter) -> float:
    """Best float32 FLOP/s of a size x size matmul (``clock``: wall, or ``time.process_time`` for CPU time)."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        a @ b
        best = min(best, clock() - start)
    return 2 * size**3 / best


def flops_per_completion(config, prompt_len: int, new_tokens: float) -> float:
    """Forward FLOPs to generate ``new_tokens`` after a ``prompt_len`` prompt (KV cache)."""
    h, layers, vocab = config.hidden_size, config.num_hidden_layers, config.vocab_size
    kv = config.num_key_value_heads * (h // config.num_attention_heads)
    per_layer = h * h + 2 * h * kv + h * h + 3 * h * config.intermediate_size  # q,k,v,o + gated MLP
    dense = 2 * (layers * per_layer + h * vocab)
    total = prompt_len * (dense - 2 * h * vocab)  # prefill (logits only at the last position)
    for t in range(int(round(new_tokens))):
        total += dense + 4 * layers * h * (prompt_len + t + 1)
    return float(total)


def run_backend(backend, config, n: int, max_new: int, model_config, prompt_len: int, peak: float,
                cpu_peak: float | None = None) -> dict:
    from boundary_lab.sampling import SamplingConfig

    cfg = SamplingConfig(n=n, temperature=1.0, top_p=1.0, max_new_tokens=max_new, seed=0)
    backend.generate([PROMPT], SamplingConfig(n=8, temperature=1.0, top_p=1.0, max_new_tokens=4))  # warm-up
    start, cpu_start = time.perf_counter(), time.process_time()
    out = backend.generate([PROMPT], cfg)[0]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    tokens = sum(c.n_tokens for c in out)
    flops = sum(flops_per_completion(model_config, prompt_len, c.n_tokens) for c in out)
    return {"completions": n, "seconds": round(seconds, 3), "completions_per_s": round(n / seconds, 1),
            "tokens_per_s": round(tokens / seconds, 1), "mean_tokens": round(tokens / n, 2),
            "gflop_per_s": round(flops / seconds / 1e9, 2), "fraction_of_matmul_peak": round(flops / seconds / peak, 4),
            # CPU time of this process: the other jobs on a shared machine do not inflate it (not for vllm,
            # whose engine runs in other processes)
            **({"cpu_seconds": round(cpu, 3), "fraction_of_matmul_peak_cpu": round(flops / cpu / cpu_peak, 4)}
               if cpu_peak else {}),
            **config}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer completions and batch sizes")
    parser.add_argument("--no-vllm", action="store_true")
    parser.add_argument("--hidden", type=int, default=96)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for hf and the matmul (default: torch's; 1 is faster on a busy machine)")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from transformers import AutoConfig, AutoTokenizer

    from boundary_lab.sampling.hf import HFBackend
    from boundary_lab.tiny_models import make_tiny_model

    model_dir = make_tiny_model(Path(tempfile.mkdtemp()) / "model", arch="llama", hidden=args.hidden,
                                layers=args.layers)
    model_config = AutoConfig.from_pretrained(model_dir)
    prompt_len = len(AutoTokenizer.from_pretrained(model_dir)(PROMPT).input_ids)
    n = 256 if args.quick else 1024
    batches = [256] if args.quick else [64, 256, 1024]
    peak = matmul_flops()
    cpu_peak = matmul_flops(clock=time.process_time)
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=RESULTS.parents[2], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": commit,
        "command": "python benchmarks/sampling_throughput.py " + " ".join(sys.argv[1:]),
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                    "torch_threads": torch.get_num_threads(), "load_avg_before": os.getloadavg()[0]},
        "matmul_gflop_per_s": round(peak / 1e9, 2),
        "matmul_gflop_per_cpu_s": round(cpu_peak / 1e9, 2),
        "model": {"arch": "llama", "hidden": args.hidden, "layers": args.layers, "vocab": model_config.vocab_size,
                  "params": None, "prompt_tokens": prompt_len, "max_new_tokens": args.max_new_tokens},
        "runs": [],
    }
    hf = HFBackend(model_dir)
    result["model"]["params"] = sum(p.numel() for p in hf.model.parameters())
    for bs in batches:
        hf.batch_size = bs
        result["runs"].append({"backend": "hf", **run_backend(hf, {"batch_size": bs}, n, args.max_new_tokens,
                                                                model_config, prompt_len, peak, cpu_peak)})
        print(json.dumps(result["runs"][-1]), flush=True)
    hf.close()
    if not args.no_vllm:
        from boundary_lab.sampling.vllm_backend import VLLMBackend

        for bs in batches[-1:] if args.quick else [256, 1024]:
            engine = VLLMBackend(model_dir, max_model_len=256, max_num_seqs=bs)
            result["runs"].append({"backend": "vllm", **run_backend(engine, {"batch_size": bs}, n,
                                                                      args.max_new_tokens, model_config,
                                                                      prompt_len, peak)})
            engine.close()
            print(json.dumps(result["runs"][-1]), flush=True)
    best = {b: max((r["completions_per_s"] for r in result["runs"] if r["backend"] == b), default=None)
            for b in ("hf", "vllm")}
    result["best_completions_per_s"] = best
    result["faster_on_this_machine"] = max((b for b in best if best[b]), key=lambda b: best[b])
    result["load_avg_after"] = os.getloadavg()[0]
    out = RESULTS.with_name("sampling_throughput_hf.json") if args.no_vllm else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
