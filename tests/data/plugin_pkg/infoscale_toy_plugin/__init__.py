"""An installed plug-in layer: a fixed-decay diagonal recurrence (d_model floats of state per layer)."""

import torch
from torch import nn


class Decay(nn.Module):
    def __init__(self, d_model: int, n_layers: int):
        super().__init__()
        self.inputs = nn.ModuleList(nn.Linear(d_model, d_model) for _ in range(n_layers))
        self.decay = nn.Parameter(torch.full((n_layers, d_model), 0.9))

    def forward(self, x):
        for i, linear in enumerate(self.inputs):
            u, h, ys = linear(x), x.new_zeros(x.shape[0], x.shape[2]), []
            for t in range(x.shape[1]):
                h = self.decay[i] * h + u[:, t]
                ys.append(h)
            x = x + torch.stack(ys, dim=1)
        return x

    def init_state(self, batch, like):
        return tuple(like.new_zeros(batch, like.shape[-1]) for _ in self.inputs)

    def step(self, x, state):
        new = []
        for i, (linear, h) in enumerate(zip(self.inputs, state)):
            h = self.decay[i] * h + linear(x)
            x = x + h
            new.append(h)
        return x, tuple(new)

    def state_dim(self, length):
        return self.decay.numel()


def decay(d_model, n_layers):
    return Decay(d_model, n_layers)
