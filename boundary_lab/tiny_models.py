"""Tiny random causal LMs, built locally, for tests, benchmarks and the micro-world.

Nothing is downloaded: the tokenizer is a byte-level BPE trained with the
``tokenizers`` library on a small built-in (or given) corpus, and the model is a
randomly initialised Llama or Qwen2 from a transformers config. The directory
written by :func:`make_tiny_model` loads with ``AutoModelForCausalLM`` /
``AutoTokenizer`` and with vLLM, exactly like a hub checkpoint.

>>> import tempfile
>>> from transformers import AutoModelForCausalLM, AutoTokenizer
>>> path = make_tiny_model(tempfile.mkdtemp(), arch="qwen2", hidden=64, layers=1)
>>> tok = AutoTokenizer.from_pretrained(path)
>>> tok.decode(tok("1 + 2 = 3", add_special_tokens=False).input_ids)
'1 + 2 = 3'
>>> AutoModelForCausalLM.from_pretrained(path).config.model_type
'qwen2'
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

BOS, EOS, PAD = "<|bos|>", "<|eos|>", "<|pad|>"
# "<|endoftext|>" is there because transformers loads every qwen2 checkpoint with its
# Qwen2Tokenizer, which adds that token; having it in the vocabulary keeps ids < vocab.
SPECIAL_TOKENS = [PAD, BOS, EOS, "<|endoftext|>"]  # ids 0, 1, 2, 3

# Qwen2's pre-tokenizer (digits one by one, which also suits arithmetic): transformers
# rebuilds qwen2 tokenizers with it, so both architectures use it to tokenize alike.
_SPLIT_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# A plain role-tagged chat template, so chat-style prompts work with tiny models too.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

# Enough text for BPE to learn merges of digits, operators and common words.
_DEFAULT_CORPUS = [
    "Question: What is 12 + 35? Answer: 12 + 35 = 47. The answer is \\boxed{47}.",
    "Let's think step by step. 7 * 8 = 56, 56 - 9 = 47, so the final answer is 47.",
    "Solve for x: 3x + 5 = 20. Then 3x = 15 and x = 5. #### 5",
    "The sum of the first 10 positive integers is 55. Therefore the answer is 55.",
    "If a = 4 and b = 9 then a * b = 36 and a + b = 13. \\boxed{13}",
    "0123456789 + - * / = ( ) [ ] { } mod step result answer problem solution",
]


def make_tokenizer(vocab_size: int = 512, corpus: Optional[Iterable[str]] = None):
    """A byte-level BPE tokenizer (any text round-trips) with bos/eos/pad and a chat template.

    ``vocab_size`` counts the 256 byte tokens and the 4 special tokens; the rest are
    merges learned from ``corpus``. The tokenizer prepends ``<|bos|>`` when
    ``add_special_tokens=True`` (the default), like Llama tokenizers.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    byte_level = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(_SPLIT_REGEX), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    vocab, merges = _train_bpe(corpus if corpus is not None else _DEFAULT_CORPUS, vocab_size, byte_level)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = byte_level
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIAL_TOKENS)
    bos_id = tok.token_to_id(BOS)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, bos_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD, padding_side="left"
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def _train_bpe(corpus: Iterable[str], vocab_size: int, byte_level) -> tuple[dict, list]:
    """Deterministic byte-level BPE: merge the most frequent pair, ties broken by the pair itself.

    (The ``tokenizers`` trainer breaks ties in hash order, so its vocabulary can differ
    from run to run; tiny models must be reproducible from their seed and corpus.)
    """
    from collections import Counter

    from tokenizers import pre_tokenizers

    words = Counter(w for text in corpus for w, _ in byte_level.pre_tokenize_str(text))
    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS + sorted(pre_tokenizers.ByteLevel.alphabet()))}
    splits = {w: tuple(w) for w in words}
    merges: list[tuple[str, str]] = []
    while len(vocab) < vocab_size:
        pairs: Counter = Counter()
        for w, parts in splits.items():
            for pair in zip(parts, parts[1:]):
                pairs[pair] += words[w]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        vocab.setdefault(best[0] + best[1], len(vocab))
        for w, parts in splits.items():
            out, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and (parts[i], parts[i + 1]) == best:
                    out.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            splits[w] = tuple(out)
    return vocab, merges


def make_tiny_model(
    out_dir,
    arch: str = "llama",
    vocab: int = 512,
    hidden: int = 64,
    layers: int = 2,
    head_dim: int = 32,
    max_positions: int = 2048,
    seed: int = 0,
    corpus: Optional[Iterable[str]] = None,
    tokenizer=None,
) -> Path:
    """Build a random ``arch`` ("llama" or "qwen2") model + tokenizer and save both to ``out_dir``.

    ``head_dim`` defaults to 32 because vLLM's CPU attention supports only some head
    sizes (32, 64, 80, 96, 112, 128, ...). Pass ``tokenizer`` to reuse your own
    (e.g. the micro-world's); the model's vocabulary then follows ``len(tokenizer)``.
    Returns the directory.
    """
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig, LlamaConfig, Qwen2Config

    if hidden % head_dim:
        raise ValueError(f"hidden={hidden} is not a multiple of head_dim={head_dim}")
    tok = tokenizer if tokenizer is not None else make_tokenizer(vocab, corpus)
    heads = hidden // head_dim
    common = dict(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=4 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        head_dim=head_dim,
        max_position_embeddings=max_positions,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
        torch_dtype="float32",
    )
    configs = {"llama": LlamaConfig, "qwen2": Qwen2Config}
    if arch not in configs:
        raise ValueError(f"arch={arch!r}: expected one of {sorted(configs)}")
    config = configs[arch](**common)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # A generation config with only the special ids, so neither transformers nor vLLM
    # picks up sampling defaults from it.
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id
    )
    model.save_pretrained(out)
    tok.save_pretrained(out)
    _check_reload(out, tok)
    return out


def _check_reload(path: Path, tok) -> None:
    """Fail loudly if ``AutoTokenizer`` (which vLLM uses too) would tokenize differently.

    transformers swaps in its own tokenizer class for some model types (qwen2), which
    would silently change a custom tokenizer.
    """
    from transformers import AutoTokenizer

    probe = "Question: 12 + 305 = ? Answer:\n\\boxed{317} <|eos|>"
    loaded = AutoTokenizer.from_pretrained(path)
    if loaded(probe).input_ids != tok(probe).input_ids or len(loaded) > len(tok):
        raise ValueError(
            f"{path}: AutoTokenizer loads this tokenizer as {type(loaded).__name__} and "
            "tokenizes differently; use arch='llama' for a custom tokenizer"
        )
