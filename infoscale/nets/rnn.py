"""Recurrent networks: stacked GRU and LSTM (torch's fused cells), a final LayerNorm.

The history state after any number of tokens is the hidden vector of every layer — n_layers ·
d_model floats for the GRU — plus the cell vector for the LSTM (2 · n_layers · d_model): fixed in
size, so by the L²M bound these models must degrade once I(L/2; L) outgrows it. Step-by-step
inference runs the same ``nn.GRU`` / ``nn.LSTM`` on one position, so it matches the parallel
forward by construction. States are stored batch-first, (n, n_layers, d_model).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from infoscale.nets.base import ModelConfig, SequenceModel


@dataclass
class RNNConfig(ModelConfig):
    pass


class RecurrentBackbone(nn.Module):
    """A stacked ``nn.GRU`` or ``nn.LSTM`` with the backbone interface of ``base.py``."""

    def __init__(self, cell: str, d_model: int, n_layers: int):
        super().__init__()
        self.cell = cell
        rnn_class = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = rnn_class(d_model, d_model, n_layers, batch_first=True)
        self.norm = nn.LayerNorm(d_model)
        self.n_layers, self.d_model = n_layers, d_model

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        y, _ = self.rnn(h)
        return self.norm(y)

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        parts = 2 if self.cell == "lstm" else 1
        return tuple(like.new_zeros(batch, self.n_layers, self.d_model) for _ in range(parts))

    def step(self, h: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        hidden = tuple(s.transpose(0, 1).contiguous() for s in state)
        y, hidden = self.rnn(h[:, None], hidden if self.cell == "lstm" else hidden[0])
        hidden = hidden if self.cell == "lstm" else (hidden,)
        return self.norm(y[:, 0]), tuple(s.transpose(0, 1) for s in hidden)

    def state_dim(self, length: int) -> int:
        return (2 if self.cell == "lstm" else 1) * self.n_layers * self.d_model


class GRU(SequenceModel):
    arch = "gru"

    def __init__(self, config: RNNConfig):
        super().__init__(config, RecurrentBackbone("gru", config.d_model, config.n_layers))


class LSTM(SequenceModel):
    arch = "lstm"

    def __init__(self, config: RNNConfig):
        super().__init__(config, RecurrentBackbone("lstm", config.d_model, config.n_layers))
