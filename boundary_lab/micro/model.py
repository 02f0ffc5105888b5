"""The micro-world model: a standard Hugging Face Llama of a few hundred thousand parameters.

Checkpoints are ordinary HF directories (``save_pretrained`` of model and
tokenizer), so transformers, vLLM and every boundary-lab command load them
like a hub model.

>>> from boundary_lab.micro.config import ModelConfig
>>> model = build_model(ModelConfig(hidden_size=32, num_layers=1, num_heads=1, intermediate_size=32), 47)
>>> model.config.model_type, model.num_parameters() < 20_000
('llama', True)
"""
from __future__ import annotations

from pathlib import Path

from .tokenizer import build_tokenizer, vocabulary


def build_model(shape, modulus: int, seed: int = 0):
    """A freshly initialised ``LlamaForCausalLM`` for the world's vocabulary."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    vocab = vocabulary(modulus)
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=shape.hidden_size, num_hidden_layers=shape.num_layers,
        num_attention_heads=shape.num_heads, num_key_value_heads=shape.num_heads,
        intermediate_size=shape.intermediate_size, max_position_embeddings=64,
        tie_word_embeddings=True, pad_token_id=vocab["<pad>"], bos_token_id=vocab["<s>"],
        eos_token_id=vocab["</s>"], rms_norm_eps=1e-5,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config)


def save_checkpoint(model, modulus: int, out_dir: str | Path) -> Path:
    """Save model and tokenizer (float32 safetensors) as an HF model directory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok = build_tokenizer(modulus)
    tok.save_pretrained(out)
    return out


def load_checkpoint(path: str | Path, device: str = "cpu"):
    """(model, tokenizer) from an HF directory, in eval mode."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(path)).to(device).eval()
    tok = AutoTokenizer.from_pretrained(str(path))
    tok.padding_side = "left"
    return model, tok
