"""The micro-world tokenizer: one token per symbol, per value and per step, built locally.

It is a ``tokenizers`` WordLevel model on whitespace, wrapped as a
``PreTrainedTokenizerFast`` so it saves with the model (``save_pretrained``)
and loads in transformers and vLLM like any hub tokenizer.

>>> tok = build_tokenizer(47)
>>> ids = tok("Q 5 +3 *7 =")["input_ids"]
>>> tok.decode(ids)
'Q 5 +3 *7 ='
>>> encode_ids(vocabulary(47), "Q 5 +3 *7 =") == ids
True
"""
from __future__ import annotations

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SYMBOLS = ("Q", "=", "A", "C", "S")


def vocabulary(modulus: int) -> dict[str, int]:
    """Token -> id: special tokens, symbols, the values 0..modulus-1, then one token per
    step (``+0 .. *{p-1}``: an operation glued to its operand)."""
    steps = [f"{op}{a}" for op in ("+", "-", "*") for a in range(modulus)]
    tokens = [PAD, BOS, EOS, UNK, *SYMBOLS, *map(str, range(modulus)), *steps]
    return {t: i for i, t in enumerate(tokens)}


def encode_ids(vocab: dict[str, int], text: str) -> list[int]:
    """Fast encoding used by the trainers; identical to the tokenizer's (tested)."""
    unk = vocab[UNK]
    return [vocab.get(t, unk) for t in text.split()]


def build_tokenizer(modulus: int):
    """A ``PreTrainedTokenizerFast`` over :func:`vocabulary`; pads on the left for generation."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel(vocab=vocabulary(modulus), unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    # Tokens are whole words: decode by joining with single spaces.
    core.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=BOS, eos_token=EOS, pad_token=PAD, unk_token=UNK,
        padding_side="left", model_max_length=128,
    )
