"""Diagonal linear state-space model (S4D-real style), one SSM per channel.

Each layer keeps, for every channel c of d_model and every state index k < state_size, a
decaying memory h_t[c, k] = a[c, k] h_{t-1}[c, k] + Δ_c B[c, k] u_t[c], with a = exp(Δ_c A[c, k]),
A = −exp(A_log) < 0 and Δ = exp(log_dt) > 0, so 0 < a < 1 (stable). The output is
y_t[c] = Σ_k C[c, k] h_t[c, k] + D_c u_t[c], followed by a linear map mixing channels.
The dynamics are time-invariant (a does not depend on the input), unlike ``selective_ssm.py``.
With ``d_inner`` set, the layer runs its SSMs on d_inner channels between a linear map in
(d_model → d_inner) and one out, so that the state can be sized apart from the model's width.

History state after any number of tokens: n_layers · d_inner · state_size floats (fixed;
d_inner = d_model unless set).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from infoscale._checks import check_int
from infoscale.nets.base import BlockConfig, MixerStack, SequenceModel
from infoscale.nets.scan import scan


@dataclass
class SSMConfig(BlockConfig):
    state_size: int = 8
    d_inner: int | None = None

    def __post_init__(self):
        super().__post_init__()
        self.state_size = check_int("state_size", self.state_size, 1)
        if self.d_inner is not None:
            self.d_inner = check_int("d_inner", self.d_inner, 1)


class DiagonalSSM(nn.Module):
    """One diagonal linear SSM layer over d_inner channels (d_model unless ``d_inner`` is given)."""

    #: The dynamics (decay rates, step sizes) are not shrunk by weight decay: that would shorten the memory.
    no_weight_decay = ("A_log", "log_dt")

    def __init__(self, d_model: int, state_size: int, d_inner: int | None = None, dt_min: float = 1e-3,
                 dt_max: float = 1e-1):
        super().__init__()
        channels = d_model if d_inner is None else d_inner
        self.d_inner, self.state_size = channels, state_size
        self.inp = nn.Identity() if d_inner is None else nn.Linear(d_model, channels)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, state_size + 1, dtype=torch.float32)).repeat(channels, 1))
        self.log_dt = nn.Parameter(torch.empty(channels).uniform_(math.log(dt_min), math.log(dt_max)))
        self.B = nn.Parameter(torch.randn(channels, state_size))
        self.C = nn.Parameter(torch.randn(channels, state_size) / math.sqrt(state_size))
        self.D = nn.Parameter(torch.ones(channels))
        self.out = nn.Linear(channels, d_model)

    def _coefficients(self):
        dt = self.log_dt.exp()[:, None]
        return torch.exp(-dt * self.A_log.exp()), dt * self.B  # a, Δ·B: (d_inner, state_size)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        u = self.inp(u)
        a, dt_b = self._coefficients()
        h = scan(a, dt_b * u[..., None])  # a: (d_inner, state_size), broadcast over batch and time
        return self.out((h * self.C).sum(-1) + self.D * u)

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        return (like.new_zeros(batch, self.d_inner, self.state_size),)

    def step(self, u: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        u = self.inp(u)
        a, dt_b = self._coefficients()
        h = a * state[0] + dt_b * u[..., None]
        return self.out((h * self.C).sum(-1) + self.D * u), (h,)

    def state_dim(self, length: int) -> int:
        return self.d_inner * self.state_size


class SSM(SequenceModel):
    """A stack of diagonal linear SSM layers with MLPs."""

    arch = "ssm"

    def __init__(self, config: SSMConfig):
        mixers = [DiagonalSSM(config.d_model, config.state_size, config.d_inner) for _ in range(config.n_layers)]
        super().__init__(config, MixerStack(mixers, config.d_model, config.mlp_ratio))
