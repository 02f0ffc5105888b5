"""The sampling contract shared by every backend (``vllm``, ``hf``).

A backend takes prompts (already-templated strings) and a :class:`SamplingConfig`
and returns, per prompt, ``n`` :class:`Completion` objects.

>>> cfg = SamplingConfig(n=4, temperature=0.6, top_p=0.95, max_new_tokens=64, seed=0)
>>> cfg.n
4
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional


@dataclass(frozen=True)
class SamplingConfig:
    """How to draw samples. Defaults follow the paper's protocol where it has one."""

    n: int = field(default=256, metadata={"help": "samples per problem"})
    # Paper §2.3 / Appendix: "temperature 0.6, top-p 0.95" for every model.
    temperature: float = field(default=0.6, metadata={"help": "softmax temperature; 0 means greedy"})
    top_p: float = field(default=0.95, metadata={"help": "nucleus sampling mass"})
    top_k: int = field(default=-1, metadata={"help": "top-k cut-off; -1 disables it"})
    # Paper: "maximum generation length of 16,384 tokens"; far less for tiny models.
    max_new_tokens: int = field(default=16384, metadata={"help": "maximum generated tokens per sample"})
    stop: tuple[str, ...] = field(default=(), metadata={"help": "stop strings (not included in the output)"})
    seed: int = field(default=0, metadata={"help": "run seed; shards and problems derive their own streams"})
    logprobs: bool = field(default=False, metadata={"help": "also return per-token log-probs of sampled tokens"})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["stop"] = list(self.stop)
        return d


@dataclass
class Completion:
    """One sampled answer."""

    text: str
    n_tokens: int
    finish_reason: str  # "stop" (EOS or a stop string) or "length"
    token_ids: Optional[list[int]] = None  # the sampled token ids (RL needs them exactly)
    token_logprobs: Optional[list[float]] = None
