"""GPT-style causal transformer with a KV cache.

Each layer is a pre-LayerNorm block: causal multi-head self-attention, then an MLP. Positions
enter twice, both valid at any length: the multiscale clock of ``base.position_features``
(``positions="sinusoidal"``, the default of every architecture), which tells where a token sits in the hierarchy
of blocks, and ALiBi biases −slope_h · (t − s) on the
attention scores, with slopes 2^(−8h/H) for heads h = 1..H, which give each head a preferred
range from a few tokens to hundreds and let training start from local attention instead of
attention spread evenly over L tokens. ``alibi=False`` drops the biases: full causal attention
then needs no mask and takes torch's fused causal kernel, 2.2× faster forward + backward on CPU
at L = 1024 (``benchmarks/bench_nets.py``). In step-by-step inference
every layer keeps the keys and values of all tokens read so far: the history state after
``length`` tokens is the KV cache, 2 · n_layers · length · d_model floats — it grows
with L, which is why a transformer can satisfy the L²M bound.

``window`` (used by ``sliding_window.py``) limits attention to the last ``window`` positions
and the cache to min(length, window) entries.

Both position schemes stay on torch's fused (flash) SDPA kernel:

- ALiBi without a window adds −m·(t − s) = m·s − m·t to the score of query t and key s. Two
  coordinates appended to each head, q̃_t = (1, −m t, q_t / √d) and k̃_s = (m s, 1, k_s), give
  q̃·k̃ = q·k/√d − m (t − s), so the causal kernel (``is_causal=True``, which skips the blocks above
  the diagonal) computes ALiBi attention with no mask tensor; v gets two zero columns to keep the
  head sizes equal. The two large terms come first in the dot product and cancel exactly when
  m·s is exact (slopes that are powers of two, as 2^(−8h/H) is for H dividing 8, in float32 or
  float64), so the scores are as accurate as with the bias added afterwards; other slopes and
  half precision take the bias-tensor path.
- A window w < L/2 cuts the queries into blocks of max(w, 64); each block attends to its own
  keys and the w before, through one shared (block, block + w) bias-and-band mask: O(L · w)
  work instead of O(L²).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from infoscale.nets.base import AttentionConfig, MixerStack, SequenceModel


@dataclass
class TransformerConfig(AttentionConfig):
    alibi: bool = True


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention, optionally restricted to a sliding window."""

    def __init__(self, d_model: int, n_heads: int, window: int | None = None, alibi: bool = True):
        super().__init__()
        self.n_heads, self.head_dim, self.window, self.alibi = n_heads, d_model // n_heads, window, alibi
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)  # a key bias would get no gradient
        self.proj = nn.Linear(d_model, d_model)
        slopes = 2.0 ** (-8.0 * torch.arange(1, n_heads + 1) / n_heads) if alibi else torch.zeros(n_heads)
        self.register_buffer("slopes", slopes, persistent=False)
        self.exact_slopes = not alibi or 8 % n_heads == 0  # slopes 2^(−8h/H) are powers of two: m·s exact

    def _heads(self, h: torch.Tensor):
        """Split (n, T, d) into q, k, v, each (n, heads, T, head_dim)."""
        n, t, _ = h.shape
        return self.qkv(h).view(n, t, 3, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4)

    def _merge(self, y: torch.Tensor) -> torch.Tensor:
        n, _, t, _ = y.shape
        return self.proj(y.transpose(1, 2).reshape(n, t, -1))

    def _bias(self, lags: torch.Tensor) -> torch.Tensor:
        """ALiBi scores −slope_h · lag, (1, heads, …), for lags ≥ 0; −inf for future or out-of-window keys."""
        allowed = (lags >= 0) if self.window is None else (lags >= 0) & (lags < self.window)
        bias = -self.slopes.to(lags.device)[:, None, None] * lags.to(torch.float32)
        return bias.masked_fill(~allowed, float("-inf"))[None]  # 4-D: lets CPU SDPA use its flash kernel

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        q, k, v = self._heads(h)
        length = h.shape[1]
        if self.window is None and not self.alibi:  # a plain causal mask: the fused kernel, no bias tensor
            return self._merge(F.scaled_dot_product_attention(q, k, v, is_causal=True))
        if self.window is None and self.exact_slopes and q.dtype in (torch.float32, torch.float64):
            return self._merge(self._alibi_causal(q, k, v))
        if self.window is not None and length > 2 * self._block():
            return self._merge(self._banded(q, k, v))
        return self._merge(self._dense(q, k, v, torch.arange(length, device=h.device)))

    def _dense(self, q, k, v, positions):
        """Attention with the whole (heads, T, T) bias tensor (short sequences, other slopes, half precision)."""
        bias = self._bias(positions[:, None] - positions[None, :])
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype))

    def _alibi_causal(self, q, k, v):
        """ALiBi through the causal kernel by two appended coordinates (see the module docstring)."""
        n, heads, length, dim = q.shape
        ms = self.slopes.to(q)[:, None] * torch.arange(length, device=q.device, dtype=q.dtype)  # (heads, T)
        ms = ms[None, :, :, None].expand(n, heads, length, 1)
        one, zeros = torch.ones_like(ms), q.new_zeros(n, heads, length, 2)
        q = torch.cat([one, -ms, q * dim ** -0.5], dim=-1)
        k = torch.cat([ms, one, k], dim=-1)
        y = F.scaled_dot_product_attention(q, k, torch.cat([v, zeros], dim=-1), is_causal=True, scale=1.0)
        return y[..., :dim]

    def _block(self) -> int:
        return max(self.window, 64)

    def _banded(self, q, k, v):
        """Sliding-window attention by query blocks of ``_block()``: O(L · window)."""
        n, heads, length, dim = q.shape
        size, w = self._block(), self.window
        blocks = -(-length // size)
        q, k, v = (F.pad(t, (0, 0, 0, blocks * size - length)) for t in (q, k, v))
        positions = torch.arange(size, device=q.device)
        first = self._dense(q[:, :, :size], k[:, :, :size], v[:, :, :size], positions)
        if blocks == 1:
            return first[:, :, :length]
        queries = q[:, :, size:].reshape(n, heads, blocks - 1, size, dim).transpose(1, 2).flatten(0, 1)
        keys, values = (t[:, :, size - w:].unfold(2, size + w, size).permute(0, 2, 1, 4, 3).flatten(0, 1) for t in (k, v))
        lags = positions[:, None] + w - torch.arange(size + w, device=q.device)[None, :]
        rest = F.scaled_dot_product_attention(queries, keys, values, attn_mask=self._bias(lags).to(q.dtype))
        rest = rest.reshape(n, blocks - 1, heads, size, dim).transpose(1, 2).flatten(2, 3)
        return torch.cat([first, rest], dim=2)[:, :, :length]

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        empty = like.new_zeros(batch, self.n_heads, 0, self.head_dim)
        return empty, empty

    def step(self, h: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        k_cache, v_cache = state
        q, k, v = self._heads(h[:, None])
        k_cache, v_cache = torch.cat([k_cache, k], dim=2), torch.cat([v_cache, v], dim=2)
        if self.window is not None:
            k_cache, v_cache = k_cache[:, :, -self.window:], v_cache[:, :, -self.window:]
        lags = torch.arange(k_cache.shape[2] - 1, -1, -1, device=h.device)[None, :]  # the cache holds the latest tokens
        y = F.scaled_dot_product_attention(q, k_cache, v_cache, attn_mask=self._bias(lags).to(q.dtype))
        return self._merge(y)[:, 0], (k_cache, v_cache)

    def state_dim(self, length: int) -> int:
        kept = length if self.window is None else min(length, self.window)
        return 2 * kept * self.n_heads * self.head_dim


class Transformer(SequenceModel):
    """Causal transformer over continuous or discrete tokens."""

    arch = "transformer"

    def __init__(self, config: TransformerConfig):
        mixers = [CausalSelfAttention(config.d_model, config.n_heads, self.window_of(config), config.alibi)
                  for _ in range(config.n_layers)]
        super().__init__(config, MixerStack(mixers, config.d_model, config.mlp_ratio))

    @staticmethod
    def window_of(config: TransformerConfig) -> int | None:
        """The attention window a config sets (``None``: full causal attention)."""
        return getattr(config, "window", None)
