"""Benchmark registry: specs, loaders (shipped files, a local data root, or the HF hub), prompt templates.

>>> from boundary_lab import benchmarks
>>> sorted(benchmarks.SPECS)  # doctest: +NORMALIZE_WHITESPACE
['aime24', 'amc23', 'gsm8k', 'humaneval', 'math500', 'mbpp-style', 'micro-tierA', 'micro-tierB', 'micro-tierC',
 'minerva', 'olympiadbench']
>>> benchmarks.SPECS["humaneval"].verifier, benchmarks.SPECS["math500"].template
('code', 'qwen-boxed')
"""
from __future__ import annotations

from .loaders import (
    benchmark_info,
    data_file,
    data_root,
    dataset_sha256,
    get_spec,
    iter_jsonl,
    load_benchmark,
    resolve_path,
    shipped_root,
)
from .prompts import TEMPLATES, PromptTemplate, format_prompt, qwen_chat
from .specs import SPECS, BenchmarkSpec, user_problem

__all__ = [
    "SPECS", "TEMPLATES", "BenchmarkSpec", "PromptTemplate", "benchmark_info", "data_file", "data_root",
    "dataset_sha256", "format_prompt", "get_spec", "iter_jsonl", "load_benchmark", "qwen_chat",
    "resolve_path", "shipped_root", "user_problem",
]
