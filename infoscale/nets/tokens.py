"""Token interfaces: how tokens enter a model and how its predictions leave it.

- Continuous tokens (n, L, D): a 2-layer MLP maps each token to d_model; the head maps a hidden
  vector to a mean and a positive standard deviation per token dimension (softplus plus a small
  floor, as in the L²M paper's Gaussian output), i.e. q(x_t | x_<t) = N(mean, diag(std²)).
- Discrete tokens (n, L) int64: an embedding in, logits over the vocabulary out.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from infoscale.errors import InvalidInput, InvalidType

#: Floor on the predicted standard deviation, keeping log σ and 1/σ² finite.
MIN_STD = 1e-4


def mlp(d_in: int, d_hidden: int, d_out: int) -> nn.Sequential:
    """Two linear layers with a GELU between them."""
    return nn.Sequential(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Linear(d_hidden, d_out))


class ContinuousTokens(nn.Module):
    """MLP embedding of real tokens and a (mean, std) head."""

    def __init__(self, token_dim: int, d_model: int):
        super().__init__()
        self.token_dim = token_dim
        self.embed = mlp(token_dim, d_model, d_model)
        self.out = nn.Linear(d_model, 2 * token_dim)

    def head(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, raw = self.out(h).chunk(2, dim=-1)
        return mean, F.softplus(raw) + MIN_STD

    def check(self, x: torch.Tensor) -> None:
        if x.ndim != 3 or x.shape[2] != self.token_dim or not x.is_floating_point():
            raise InvalidInput(f"x must be a float tensor of shape (n, length, {self.token_dim}), got {tuple(x.shape)} {x.dtype}")


class DiscreteTokens(nn.Module):
    """Embedding of integer tokens and a logits head."""

    def __init__(self, vocab_size: int, d_model: int):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def check(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise InvalidType(f"x must be a torch tensor of int64 tokens, got {type(x).__name__} (use torch.as_tensor)")
        if x.ndim != 2 or x.dtype != torch.int64:
            raise InvalidInput(f"x must be an int64 tensor of shape (n, length), got {tuple(x.shape)} {x.dtype}")
        if x.shape[1] == 0:
            raise InvalidInput("x must hold at least one position, got length 0")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab_size):
            raise InvalidInput(f"tokens must lie in [0, {self.vocab_size - 1}] (vocab_size {self.vocab_size}), "
                               f"got {int(x.min())}..{int(x.max())}")


def make_tokens(config) -> nn.Module:
    """The token interface a ``base.ModelConfig`` asks for."""
    if config.discrete:
        return DiscreteTokens(config.vocab_size, config.d_model)
    return ContinuousTokens(config.token_dim, config.d_model)
