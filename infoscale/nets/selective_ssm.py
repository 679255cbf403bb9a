"""Selective state-space model (Mamba-like): an SSM whose decay and input/output maps depend on the token.

One layer (d_inner channels, expand · d_model unless ``d_inner`` is given; state_size states per
channel):

    x, z   = split(W_in u_t)                      (two d_inner vectors)
    x      = SiLU(causal depthwise conv of x, kernel conv_kernel)
    Δ_t    = softplus(W_Δ x_t + b_Δ)  (d_inner),  B_t, C_t = W_B x_t, W_C x_t  (state_size each)
    h_t    = exp(Δ_t A) ⊙ h_{t-1} + (Δ_t x_t) ⊗ B_t      A = −exp(A_log)  (d_inner × state_size)
    y_t    = W_out [ (h_t C_t + D ⊙ x_t) ⊙ SiLU(z_t) ]

The recurrence for h is linear in h with input-dependent coefficients, so the whole sequence is
one call to ``selective_scan.selective_scan``: ``scan="auto"`` (default) is ``"chunked"`` on CPU
(a compiled loop that never writes the (batch, L, d_inner, state_size) tensors, checkpointing the
state every 32 positions) and the parallel scan (O(log L) sequential torch calls) on
accelerators; ``"chunked"`` elsewhere runs one checkpointed parallel scan per chunk. ``"fused"``,
``"parallel"`` and ``"sequential"`` (one torch call per token, the reference) build the
(batch, L, d_inner, state_size) decays and inputs and scan them by ``scan.scan``. History state per
layer: h, d_inner · state_size floats (``history_state_dim``, as Zoology counts it); the
convolution taps, d_inner · (conv_kernel − 1) floats, are a buffer (``history_buffer_dim``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from infoscale._checks import check_int
from infoscale.errors import InvalidInput
from infoscale.nets.base import BlockConfig, MixerStack, SequenceModel
from infoscale.nets.scan import METHODS as SCAN_METHODS
from infoscale.nets.selective_scan import selective_scan

METHODS = ("auto", "chunked", *SCAN_METHODS[1:])


@dataclass
class SelectiveSSMConfig(BlockConfig):
    state_size: int = 8
    expand: int = 2
    conv_kernel: int = 4
    scan: str = "auto"
    d_inner: int | None = None

    def __post_init__(self):
        super().__post_init__()
        self.state_size = check_int("state_size", self.state_size, 1)
        self.expand = check_int("expand", self.expand, 1)
        self.conv_kernel = check_int("conv_kernel", self.conv_kernel, 1)
        if self.d_inner is not None:
            self.d_inner = check_int("d_inner", self.d_inner, 1)
        if self.scan not in METHODS:
            raise InvalidInput(f"scan must be one of {list(METHODS)}, got {self.scan!r}")


class SelectiveSSMLayer(nn.Module):
    """One Mamba-like selective SSM layer."""

    #: The decay rates are not shrunk by weight decay (Δ's bias, a vector, is not decayed either).
    no_weight_decay = ("A_log",)

    def __init__(self, d_model: int, state_size: int, d_inner: int, conv_kernel: int, scan: str):
        super().__init__()
        self.d_inner, self.state_size, self.kernel, self.scan = d_inner, state_size, conv_kernel, scan
        self.in_proj = nn.Linear(d_model, 2 * d_inner)
        self.conv = nn.Conv1d(d_inner, d_inner, conv_kernel, groups=d_inner)
        self.dt_proj = nn.Linear(d_inner, d_inner)
        self.bc_proj = nn.Linear(d_inner, 2 * state_size, bias=False)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, state_size + 1, dtype=torch.float32)).repeat(d_inner, 1))
        self.D = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, d_model)
        with torch.no_grad():  # start with Δ = softplus(bias) spread over [1e-3, 1e-1]
            dt = torch.exp(torch.empty(d_inner).uniform_(math.log(1e-3), math.log(1e-1)))
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))

    def _ssm_inputs(self, x: torch.Tensor):
        """Decay a, input b and readout C for every position of the conv output x (..., d_inner)."""
        dt = F.softplus(self.dt_proj(x))
        bmat, cmat = self.bc_proj(x).chunk(2, dim=-1)
        a = torch.exp(-dt[..., None] * self.A_log.exp())
        b = (dt * x)[..., None] * bmat[..., None, :]
        return a, b, cmat

    def _readout(self, h, cmat, x, z):
        y = (h * cmat[..., None, :]).sum(-1) + self.D * x
        return self.out_proj(y * F.silu(z))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        x, z = self.in_proj(u).chunk(2, dim=-1)
        x = F.conv1d(F.pad(x.transpose(1, 2), (self.kernel - 1, 0)), self.conv.weight, self.conv.bias, groups=self.d_inner)
        x = F.silu(x.transpose(1, 2))
        dt = F.softplus(self.dt_proj(x))
        bmat, cmat = self.bc_proj(x).chunk(2, dim=-1)
        chunked = self.scan == "chunked" or (self.scan == "auto" and x.device.type == "cpu")
        method, scan_method = ("chunked", "auto") if chunked else ("materialised", self.scan)
        y = selective_scan(dt, -self.A_log.exp(), x, bmat, cmat, method=method, scan_method=scan_method)
        return self.out_proj((y + self.D * x) * F.silu(z))

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        return like.new_zeros(batch, self.d_inner, self.kernel - 1), like.new_zeros(batch, self.d_inner, self.state_size)

    def step(self, u: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        buffer, h = state
        x, z = self.in_proj(u).chunk(2, dim=-1)
        window = torch.cat([buffer, x[..., None]], dim=-1)
        x = F.silu((window * self.conv.weight[:, 0]).sum(-1) + self.conv.bias)
        a, b, cmat = self._ssm_inputs(x)
        h = a * h + b
        return self._readout(h, cmat, x, z), (window[..., 1:], h)

    def state_dim(self, length: int) -> int:
        return self.d_inner * self.state_size

    def buffer_dim(self, length: int) -> int:
        return self.d_inner * (self.kernel - 1)


class SelectiveSSM(SequenceModel):
    """A stack of selective SSM layers with MLPs."""

    arch = "selective_ssm"

    def __init__(self, config: SelectiveSSMConfig):
        d_inner = config.expand * config.d_model if config.d_inner is None else config.d_inner
        mixers = [SelectiveSSMLayer(config.d_model, config.state_size, d_inner, config.conv_kernel, config.scan)
                  for _ in range(config.n_layers)]
        super().__init__(config, MixerStack(mixers, config.d_model, config.mlp_ratio))
