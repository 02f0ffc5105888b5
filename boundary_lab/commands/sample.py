"""``boundary-lab sample``: draw N samples per problem of a benchmark into a sample store.

Running it again on an existing RUN resumes it (same model and weights, benchmark, template,
sampling settings and shard required). One process writes a store at a time: a second one on
the same RUN fails at once, naming the first. Multi-node: run ``--shard i/N`` for each i, each
into its own RUN, then ``boundary-lab merge``.

Before sampling, every prompt is tokenised and checked against the model's context window:
the longest prompt + ``--max-new-tokens`` must fit, unless ``--truncate-to-context``.
``--model micro:<name>`` samples a trained micro-world checkpoint (``micro:rl``, ``micro:base``, ...).

Example::

    boundary-lab sample --model Qwen/Qwen2.5-7B --benchmark math500 --n 256 --backend vllm --out runs/base
"""
from __future__ import annotations

from ..errors import InputError
from ..sampling import default_backend
from ..sampling.config import SamplingConfig
from ._checks import at_least

_DEFAULTS = SamplingConfig()


def register(subparsers) -> None:
    p = subparsers.add_parser("sample", help="sample N completions per problem into a sample store",
                              description=__doc__)
    p.add_argument("--model", required=True, help="model directory, hub id, or micro:<name> (a micro-world model)")
    p.add_argument("--benchmark", required=True, help="registered benchmark name or a JSONL file of problems")
    p.add_argument("--n", type=int, required=True, help="samples per problem")
    p.add_argument("--backend", choices=["vllm", "hf"], default=None,
                   help="sampler (default: vllm on a GPU, hf on CPU)")
    p.add_argument("--out", required=True, help="run directory (created, or resumed if it exists)")
    p.add_argument("--temperature", type=float, default=_DEFAULTS.temperature)
    p.add_argument("--top-p", type=float, default=_DEFAULTS.top_p)
    p.add_argument("--top-k", type=int, default=_DEFAULTS.top_k, help="-1 disables top-k")
    p.add_argument("--max-new-tokens", type=int, default=_DEFAULTS.max_new_tokens)
    p.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    p.add_argument("--seed", type=int, default=_DEFAULTS.seed)
    p.add_argument("--shard", default=None, help="i/N: sample only problems i, i+N, ... (default 0/1)")
    p.add_argument("--template", default=None, help="prompt template (default: the benchmark's)")
    p.add_argument("--batch-problems", type=int, default=8, help="problems per chunk (one store shard each)")
    p.add_argument("--limit", type=int, default=None, help="only the first LIMIT problems of the benchmark")
    p.add_argument("--model-name", default=None, help="name in counts tables (default: --model)")
    p.add_argument("--device", default=None, help="hf backend: torch device (default cpu)")
    p.add_argument("--batch-size", type=int, default=None, help="hf backend: rows per decode batch")
    p.add_argument("--dtype", default=None, help="model dtype (hf: float32/bfloat16; vllm: auto/float32/...)")
    p.add_argument("--tensor-parallel-size", type=int, default=None, help="vllm: GPUs per model")
    p.add_argument("--gpu-memory-utilization", type=float, default=None, help="vllm: memory share")
    p.add_argument("--max-model-len", type=int, default=None, help="vllm: context length")
    p.add_argument("--truncate-to-context", action="store_true",
                   help="when the longest prompt + --max-new-tokens exceeds the model's context, sample at most "
                        "context - longest prompt new tokens instead of refusing")
    p.add_argument("--micro-workdir", default="runs/micro", help="micro:<name>: the micro-world's cache directory")
    p.add_argument("--micro-preset", default="default", help="micro:<name>: the micro-world preset it was trained with")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--adaptive", action="store_true", help="spend --budget samples in rounds where they decide "
                   "pass@--k-target (boundary_lab.sampling.adaptive); --n is the first round's samples per problem")
    p.add_argument("--budget", type=int, default=None, help="with --adaptive: total samples over all problems")
    p.add_argument("--k-target", type=int, default=1024, help="with --adaptive: the k the later rounds decide")
    p.add_argument("--step", type=int, default=16, help="with --adaptive: samples a chosen problem gets per round")
    p.add_argument("--rounds", type=int, default=8, help="with --adaptive: rounds after the first")
    p.add_argument("--planner", default="unsolved", choices=("unsolved", "variance"),
                   help="with --adaptive: unsolved (fewest successes first, no per-round cap) or variance "
                        "(largest expected drop in posterior variance); LOG.md compares them")
    p.set_defaults(func=run)


def backend_kwargs(args) -> dict:
    """Backend-specific options that were given on the command line."""
    names = {"hf": ["device", "batch_size", "dtype"],
             "vllm": ["dtype", "tensor_parallel_size", "gpu_memory_utilization", "max_model_len"]}

    backend = args.backend or default_backend()
    return {k: getattr(args, k) for k in names[backend] if getattr(args, k) is not None}


def run(args) -> int:
    from ..evaluate import resolve_model
    from ..sampling.run import sample_benchmark

    at_least(args, n=1, max_new_tokens=1, limit=1, batch_problems=1, batch_size=1, tensor_parallel_size=1)
    if args.temperature < 0 or not 0 < args.top_p <= 1:
        raise InputError(f"--temperature must be >= 0 and --top-p in (0, 1], got {args.temperature}, {args.top_p}")
    if args.gpu_memory_utilization is not None and not 0 < args.gpu_memory_utilization <= 1:
        raise InputError(f"--gpu-memory-utilization must be in (0, 1], got {args.gpu_memory_utilization}")
    config = SamplingConfig(n=args.n, temperature=args.temperature, top_p=args.top_p, top_k=args.top_k,
                            max_new_tokens=args.max_new_tokens, stop=tuple(args.stop), seed=args.seed)
    model = resolve_model(args.model, args.micro_workdir, args.micro_preset)  # micro:<name> as the notebook does
    if args.adaptive or args.budget is not None:  # issue 24: the planner decides where samples go
        from ..sampling.adaptive import run_from_args

        return run_from_args(args, model, config, backend_kwargs(args))
    store = sample_benchmark(model, args.benchmark, args.out, config, backend=args.backend,
                             template=args.template, shard=args.shard, batch_problems=args.batch_problems,
                             limit=args.limit, progress=not args.quiet, backend_kwargs=backend_kwargs(args),
                             model_name=args.model_name or args.model, truncate_to_context=args.truncate_to_context)
    print(f"{store.path}: {len(store.completed_problems())} problems done")
    return 0
