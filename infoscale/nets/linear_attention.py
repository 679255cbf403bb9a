"""Causal linear attention (Katharopoulos et al. 2020): attention with a fixed-size recurrent state.

With the feature map φ(x) = elu(x) + 1 > 0, causal attention becomes

    y_t = φ(q_t)ᵀ S_t / (φ(q_t)ᵀ z_t),   S_t = Σ_{s≤t} φ(k_s) v_sᵀ,   z_t = Σ_{s≤t} φ(k_s),

per head. The parallel forward takes cumulative sums of the outer products; step-by-step
inference updates (S, z). History state per layer: the matrices S, n_heads · head_dim² floats
(``history_state_dim``); the normaliser z, n_heads · head_dim floats, is a buffer
(``history_buffer_dim``). Both are independent of the length.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from infoscale.nets.base import AttentionConfig, MixerStack, SequenceModel


@dataclass
class LinearAttentionConfig(AttentionConfig):
    pass


class LinearAttentionLayer(nn.Module):
    """Multi-head causal linear attention."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def _features(self, h: torch.Tensor):
        """φ(q), φ(k), v, each (..., heads, head_dim)."""
        q, k, v = self.qkv(h).unflatten(-1, (3, self.n_heads, self.head_dim)).unbind(-3)
        return F.elu(q) + 1, F.elu(k) + 1, v

    def _attend(self, q, kv, k_sum):
        y = (q[..., None, :] @ kv)[..., 0, :] / (q * k_sum).sum(-1, keepdim=True)
        return self.proj(y.flatten(-2))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        q, k, v = self._features(h)
        kv = torch.cumsum(k[..., :, None] * v[..., None, :], dim=1)
        return self._attend(q, kv, torch.cumsum(k, dim=1))

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        return (like.new_zeros(batch, self.n_heads, self.head_dim, self.head_dim),
                like.new_zeros(batch, self.n_heads, self.head_dim))

    def step(self, h: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        q, k, v = self._features(h)
        kv = state[0] + k[..., :, None] * v[..., None, :]
        k_sum = state[1] + k
        return self._attend(q, kv, k_sum), (kv, k_sum)

    def state_dim(self, length: int) -> int:
        return self.n_heads * self.head_dim * self.head_dim

    def buffer_dim(self, length: int) -> int:
        return self.n_heads * self.head_dim


class LinearAttention(SequenceModel):
    """A stack of causal linear-attention layers with MLPs."""

    arch = "linear_attention"

    def __init__(self, config: LinearAttentionConfig):
        mixers = [LinearAttentionLayer(config.d_model, config.n_heads) for _ in range(config.n_layers)]
        super().__init__(config, MixerStack(mixers, config.d_model, config.mlp_ratio))
