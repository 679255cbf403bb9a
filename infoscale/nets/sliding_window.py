"""Sliding-window attention: a causal transformer whose tokens see only the last ``window`` positions.

The KV cache keeps min(length, window) entries per layer, so the history state stops growing at
2 · n_layers · window · d_model floats: a fixed-size state between an RNN and a full transformer.
The attention layer itself is the transformer's (``transformer.CausalSelfAttention``, with a window).
"""

from __future__ import annotations

from dataclasses import dataclass

from infoscale._checks import check_int
from infoscale.nets.transformer import Transformer, TransformerConfig


@dataclass
class SlidingWindowConfig(TransformerConfig):
    window: int = 16

    def __post_init__(self):
        super().__post_init__()
        self.window = check_int("window", self.window, 1)


class SlidingWindowTransformer(Transformer):
    """Causal transformer with attention limited to the last ``config.window`` positions."""

    arch = "sliding_window"
