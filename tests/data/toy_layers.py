"""Plug-in layers for the tests of ``infoscale.nets.plugin`` (imported as ``toy_layers:...``).

``GatedRecurrence`` is a correct layer (state: d_model floats per layer); ``WrongFormula`` declares a
state it does not carry; ``LeakyStep`` steps a different function than its parallel forward.
"""

import torch
from torch import nn


class GatedRecurrence(nn.Module):
    """h_t = σ(W_g x_t) ⊙ h_{t-1} + W_v x_t per layer, output W_o h_t + x_t (d_model floats of state per layer)."""

    def __init__(self, d_model: int, n_layers: int, leak: float = 0.0):
        super().__init__()
        self.gates = nn.ModuleList(nn.Linear(d_model, 2 * d_model) for _ in range(n_layers))
        self.outs = nn.ModuleList(nn.Linear(d_model, d_model) for _ in range(n_layers))
        self.leak = leak

    def _layer(self, i, x, h):
        gate, value = self.gates[i](x).chunk(2, dim=-1)
        h = torch.sigmoid(gate) * h + value
        return x + self.outs[i](h) + self.leak * x.square(), h

    def forward(self, x):
        for i in range(len(self.gates)):
            h, ys = x.new_zeros(x.shape[0], x.shape[2]), []
            for t in range(x.shape[1]):
                y, h = self._layer(i, x[:, t], h)
                ys.append(y)
            x = torch.stack(ys, dim=1)
        return x

    def init_state(self, batch, like):
        return [like.new_zeros(batch, like.shape[-1]) for _ in self.gates]

    def step(self, x, state):
        new = []
        for i, h in enumerate(state):
            x, h = self._layer(i, x, h)
            new.append(h)
        return x, new


def gated(d_model, n_layers, leak=0.0):
    return GatedRecurrence(d_model, n_layers, leak)


class WrongFormula(GatedRecurrence):
    def state_dim(self, length):
        return 2 * len(self.gates) * self.outs[0].in_features  # twice what it carries


class RightFormula(GatedRecurrence):
    def state_dim(self, length):
        return len(self.gates) * self.outs[0].in_features


class LeakyStep(GatedRecurrence):
    def step(self, x, state):
        y, state = super().step(x, state)
        return y + 1e-3 * x, state


def wrong_formula(d_model, n_layers):
    return WrongFormula(d_model, n_layers)


def right_formula(d_model, n_layers):
    return RightFormula(d_model, n_layers)


def leaky_step(d_model, n_layers):
    return LeakyStep(d_model, n_layers)
