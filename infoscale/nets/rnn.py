"""Recurrent networks: stacked GRU and LSTM (torch's fused cells), a final LayerNorm.

The history state after any number of tokens is the hidden vector of every layer — n_layers ·
d_hidden floats for the GRU — plus the cell vector for the LSTM (2 · n_layers · d_hidden): fixed
in size, so by the L²M bound these models must degrade once I(L/2; L) outgrows it. d_hidden is
d_model unless set; a linear map then takes the last hidden vector back to d_model, so that the
state can be sized apart from the token interface. Step-by-step inference runs the same
``nn.GRU`` / ``nn.LSTM`` on one position, so it matches the parallel forward by construction.
States are stored batch-first, (n, n_layers, d_hidden).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from infoscale._checks import check_int
from infoscale.nets.base import ModelConfig, SequenceModel


@dataclass
class RNNConfig(ModelConfig):
    d_hidden: int | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.d_hidden is not None:
            self.d_hidden = check_int("d_hidden", self.d_hidden, 1)


class RecurrentBackbone(nn.Module):
    """A stacked ``nn.GRU`` or ``nn.LSTM`` with the backbone interface of ``base.py``."""

    def __init__(self, cell: str, d_model: int, n_layers: int, d_hidden: int | None = None):
        super().__init__()
        self.cell = cell
        hidden = d_model if d_hidden is None else d_hidden
        rnn_class = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = rnn_class(d_model, hidden, n_layers, batch_first=True)
        self.out = nn.Identity() if d_hidden is None else nn.Linear(hidden, d_model)
        self.norm = nn.LayerNorm(d_model)
        self.n_layers, self.d_hidden = n_layers, hidden

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        y, _ = self.rnn(h)
        return self.norm(self.out(y))

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        parts = 2 if self.cell == "lstm" else 1
        return tuple(like.new_zeros(batch, self.n_layers, self.d_hidden) for _ in range(parts))

    def step(self, h: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        hidden = tuple(s.transpose(0, 1).contiguous() for s in state)
        y, hidden = self.rnn(h[:, None], hidden if self.cell == "lstm" else hidden[0])
        hidden = hidden if self.cell == "lstm" else (hidden,)
        return self.norm(self.out(y[:, 0])), tuple(s.transpose(0, 1) for s in hidden)

    def state_dim(self, length: int) -> int:
        return (2 if self.cell == "lstm" else 1) * self.n_layers * self.d_hidden


class GRU(SequenceModel):
    arch = "gru"

    def __init__(self, config: RNNConfig):
        super().__init__(config, RecurrentBackbone("gru", config.d_model, config.n_layers, config.d_hidden))


class LSTM(SequenceModel):
    arch = "lstm"

    def __init__(self, config: RNNConfig):
        super().__init__(config, RecurrentBackbone("lstm", config.d_model, config.n_layers, config.d_hidden))
