"""PPO's critic: a copy of the base model's transformer with a scalar head per token.

The critic is a separate network (as in VeRL's PPO), initialised from the base
model, so value-loss gradients never touch the policy.

>>> import tempfile, torch
>>> from boundary_lab.rl.toy import make_toy_model
>>> critic = ValueModel.from_pretrained(make_toy_model(tempfile.mkdtemp()))
>>> critic(torch.tensor([[1, 5, 6]]), torch.ones(1, 3, dtype=torch.long)).shape
torch.Size([1, 3])
"""
from __future__ import annotations

import torch
from torch import nn


class ValueModel(nn.Module):
    """``values[b, t]`` estimates the return after the tokens ``input_ids[b, :t+1]``."""

    def __init__(self, backbone: nn.Module, hidden_size: int):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(hidden_size, 1)
        # A zero head starts every value at 0, so early advantages equal the rewards.
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    @classmethod
    def from_pretrained(cls, model_dir, dtype=torch.float32) -> "ValueModel":
        from transformers import AutoModel

        backbone = AutoModel.from_pretrained(model_dir, dtype=dtype)
        return cls(backbone, backbone.config.hidden_size)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(hidden).squeeze(-1).float()
