"""A toy RLVR world for tests, benchmarks and examples: answer the successor of the last digit.

A prompt is a few random digits and ``>``; the reward is 1 when the completion
starts with ``(last digit + 1) % 10``. A random tiny model answers right about
1 time in 16 (its vocabulary is 16 characters), so a few dozen GRPO steps show
learning, and prompts never seen in training measure held-out reward.

>>> prompts, targets = successor_task(3, seed=0)
>>> prompts[0][-1], len(prompts[0])
('>', 4)
>>> reward = successor_reward(targets)
>>> reward(0, targets[0] + "12"), reward(0, "x")
(1.0, 0.0)
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..tiny_models import BOS, EOS, PAD, SPECIAL_TOKENS, make_tiny_model

DIGITS = "0123456789"
ALPHABET = DIGITS + "> "


def char_tokenizer(alphabet: str = ALPHABET):
    """A character-level tokenizer (one token per character) with bos/eos/pad; prepends ``<|bos|>``."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast


    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS + list(dict.fromkeys(alphabet)))}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=PAD))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens(SPECIAL_TOKENS)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", special_tokens=[(BOS, vocab[BOS])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD,
                                   padding_side="left")


def make_toy_model(out_dir, seed: int = 0, hidden: int = 32, layers: int = 2) -> Path:
    """Save a random tiny Llama with the character tokenizer to ``out_dir``; returns the directory."""
    return make_tiny_model(out_dir, arch="llama", hidden=hidden, layers=layers, head_dim=16,
                           max_positions=64, seed=seed, tokenizer=char_tokenizer())


def successor_task(n: int, seed: int = 0, length: int = 3) -> tuple[list[str], list[str]]:
    """``n`` prompts of ``length`` random digits plus ``>``, and the digit each should be answered with."""
    rng = np.random.default_rng(seed)
    digits = rng.integers(0, 10, size=(n, length))
    prompts = ["".join(map(str, row)) + ">" for row in digits]
    targets = [str((row[-1] + 1) % 10) for row in digits]
    return prompts, targets


def successor_reward(targets: list[str]) -> Callable[[int, str], float]:
    """Binary verifiable reward: 1.0 when the completion of prompt ``i`` starts with ``targets[i]``."""
    def reward(i: int, completion: str) -> float:
        return float(completion.startswith(targets[i]))
    return reward
