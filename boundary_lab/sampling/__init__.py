"""Sampling backends behind one interface (see ``config.py`` for the contract).

Both backends take already-templated prompt strings and a :class:`SamplingConfig`
and return one list of ``n`` :class:`Completion` per prompt:
``backend.generate(prompts, config, progress=False, stream=(), keys=None)``.
``keys`` (one int per prompt, e.g. a hash of the problem id) and ``stream`` (ints,
e.g. a chunk id) select the random streams; see each backend's module docstring.

>>> from boundary_lab.sampling import BACKENDS
>>> sorted(BACKENDS)
['hf', 'vllm']
"""
from .config import Completion, SamplingConfig

# name -> "module:class"; imported on demand so that importing this package stays light.
BACKENDS = {"hf": "boundary_lab.sampling.hf:HFBackend", "vllm": "boundary_lab.sampling.vllm_backend:VLLMBackend"}


def default_backend() -> str:
    """``vllm`` on a GPU; ``hf`` on CPU, where it is the faster of the two for small models
    (see benchmarks/sampling_throughput.py)."""
    import torch

    return "vllm" if torch.cuda.is_available() else "hf"


def get_backend(name: str, model_path, **kwargs):
    """Instantiate backend ``name`` ("hf" or "vllm") on a model directory or hub id."""
    import importlib

    if name not in BACKENDS:
        raise ValueError(f"backend={name!r}: expected one of {sorted(BACKENDS)}")
    module, cls = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), cls)(model_path, **kwargs)


__all__ = ["BACKENDS", "Completion", "SamplingConfig", "default_backend", "get_backend"]
