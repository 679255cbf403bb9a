"""The shared skeleton of every history-state model: token interface, start state, backbone.

A model maps a token sequence x_0..x_{L-1} to one prediction per position, position t
predicting x_t from x_<t. The prediction for position 0 comes from a learned start vector; the
prediction for t ≥ 1 comes from the backbone's output after reading x_0..x_{t-1}:

    outputs = head([start, backbone(embed(x_0..x_{L-2}))])

so the backbone's state after ``length`` tokens is exactly what predicts token ``length``.

State accounting (the convention of Zoology's ``state_size``, one sequence, all layers):
``history_state_dim(length)`` counts the floats of the recurrent *core* state — the KV cache
(2·d_model·L per attention layer, 2·d_model·min(L, w) with a window w), the SSM state
(d_inner·state_size per layer), the GRU hidden vector (d_model per layer), the LSTM hidden and
cell vectors (2·d_model per layer), the linear-attention matrices (n_heads·head_dim² per layer),
the MPS bond vector. ``history_buffer_dim(length)`` counts what the step-by-step state holds
besides: convolution taps of the selective SSM (d_inner·(kernel − 1) per layer), the
linear-attention normaliser (n_heads·head_dim per layer), and the position counter (1) when
positions are on. The tests check both numbers against the tensors ``step()`` holds.

Positions (``positions``, one convention for every architecture, chosen per sweep): ``"none"``,
or ``"sinusoidal"``: the token embedding at position t gets a learned linear map of a fixed
multiscale clock added — sin and cos of 2πt/2^j for j = 1..13 (``position_features``), the same
26 features for every model whatever its width, so every architecture sees the same input. The
hierarchical families are not stationary (their conditional spread swings with t mod 4, 16, …),
and without a clock a fixed-state model must spend state on counting. Every architecture defaults
to ``"sinusoidal"`` (``DEFAULT_POSITIONS``; attention alone is blind to order), as does the L²M
sweep, so a model built with the defaults sees the input the sweep gives it.

A backbone (``nn.Module``) implements

- ``forward(h) -> y`` on (n, T, d_model), all positions in parallel;
- ``init_state(batch, like) -> state`` (a tuple of tensors, ``like`` gives device and dtype);
- ``step(h, state) -> (y, state)`` on (n, d_model), one position;
- ``state_dim(length) -> int`` (the core state) and, where it holds more, ``buffer_dim(length)``.

Most backbones are a ``MixerStack``: pre-LayerNorm residual blocks, each a sequence *mixer*
(attention, linear attention, an SSM) followed by an MLP. A mixer implements the same four
methods as a backbone.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, fields
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from infoscale._checks import check_int
from infoscale.errors import InvalidInput
from infoscale.nets.scoring import TokenScorer
from infoscale.nets.tokens import make_tokens, mlp


POSITIONS = ("none", "sinusoidal")
#: The one default of every architecture's ``positions`` and of the L²M sweep's.
DEFAULT_POSITIONS = "sinusoidal"
#: Periods 2, 4, …, 2^13 = 8192 of the position clock: every length of the presets is covered.
POSITION_SCALES = 13


@dataclass
class ModelConfig:
    """Sizes shared by every architecture. Exactly one of ``token_dim`` (continuous tokens) and
    ``vocab_size`` (discrete tokens) is set."""

    token_dim: int | None = None
    vocab_size: int | None = None
    d_model: int = 32
    n_layers: int = 2
    positions: str = DEFAULT_POSITIONS

    def __post_init__(self):
        if (self.token_dim is None) == (self.vocab_size is None):
            raise InvalidInput("set exactly one of token_dim (continuous tokens) and vocab_size (discrete tokens)")
        if self.token_dim is not None:
            self.token_dim = check_int("token_dim", self.token_dim, 1)
        if self.vocab_size is not None:
            self.vocab_size = check_int("vocab_size", self.vocab_size, 2)
        self.d_model = check_int("d_model", self.d_model, 1)
        self.n_layers = check_int("n_layers", self.n_layers, 1)
        if self.positions not in POSITIONS:
            raise InvalidInput(f"positions must be one of {POSITIONS}, got {self.positions!r}")

    @property
    def discrete(self) -> bool:
        return self.vocab_size is not None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ModelConfig":
        return dataclass_from_dict(cls, values)


@dataclass
class BlockConfig(ModelConfig):
    """Sizes of a ``MixerStack`` model: the MLP hidden width is ``mlp_ratio`` · d_model."""

    mlp_ratio: int = 4

    def __post_init__(self):
        super().__post_init__()
        self.mlp_ratio = check_int("mlp_ratio", self.mlp_ratio, 1)


@dataclass
class AttentionConfig(BlockConfig):
    """A ``BlockConfig`` with ``n_heads`` heads of size d_model / n_heads."""

    n_heads: int = 4

    def __post_init__(self):
        super().__post_init__()
        self.n_heads = check_int("n_heads", self.n_heads, 1)
        if self.d_model % self.n_heads:
            raise InvalidInput(f"d_model must be a multiple of n_heads, got d_model={self.d_model}, n_heads={self.n_heads}")


def dataclass_from_dict(cls, values: dict):
    """``cls(**values)``, naming any key that is not a field of the dataclass ``cls``."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidInput(f"{cls.__name__} has no field {unknown[0]!r}; its fields: {', '.join(sorted(known))}")
    return cls(**values)


def position_features(positions: torch.Tensor) -> torch.Tensor:
    """The multiscale clock (…, 2·POSITION_SCALES) of integer positions: sin, cos of 2πt/2^j, j = 1..13."""
    period = 2.0 ** torch.arange(1, POSITION_SCALES + 1, device=positions.device, dtype=torch.float64)
    angle = 2 * torch.pi * positions.to(torch.float64)[..., None] / period
    return torch.cat([angle.sin(), angle.cos()], dim=-1).to(torch.float32)


def seeded_init(seed: int | None):
    """Context for building a module with reproducible initial weights, leaving the global RNG as it was."""
    if seed is None:
        return contextlib.nullcontext()
    stack = contextlib.ExitStack()
    stack.enter_context(torch.random.fork_rng(devices=[]))
    torch.manual_seed(check_int("seed", seed, 0))
    return stack


class MixerStack(nn.Module):
    """Pre-LayerNorm residual blocks ``x += mixer(LN(x)); x += MLP(LN(x))``, then a final LayerNorm."""

    def __init__(self, mixers: list[nn.Module], d_model: int, mlp_ratio: int = 4):
        super().__init__()
        self.mixers = nn.ModuleList(mixers)
        self.norms1 = nn.ModuleList(nn.LayerNorm(d_model) for _ in mixers)
        self.norms2 = nn.ModuleList(nn.LayerNorm(d_model) for _ in mixers)
        self.mlps = nn.ModuleList(mlp(d_model, mlp_ratio * d_model, d_model) for _ in mixers)
        self.norm_out = nn.LayerNorm(d_model)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        for mixer, n1, n2, ff in zip(self.mixers, self.norms1, self.norms2, self.mlps):
            h = h + mixer(n1(h))
            h = h + ff(n2(h))
        return self.norm_out(h)

    def init_state(self, batch: int, like: torch.Tensor) -> tuple:
        return tuple(m.init_state(batch, like) for m in self.mixers)

    def step(self, h: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        new_state = []
        for mixer, n1, n2, ff, s in zip(self.mixers, self.norms1, self.norms2, self.mlps, state):
            y, s = mixer.step(n1(h), s)
            h = h + y
            h = h + ff(n2(h))
            new_state.append(s)
        return self.norm_out(h), tuple(new_state)

    def state_dim(self, length: int) -> int:
        return sum(m.state_dim(length) for m in self.mixers)

    def buffer_dim(self, length: int) -> int:
        return sum(buffer_dim(m, length) for m in self.mixers)


@runtime_checkable
class HoldsBuffer(Protocol):
    """A backbone or mixer whose step state holds floats besides its core state (taps, normalisers)."""

    def buffer_dim(self, length: int) -> int: ...


def buffer_dim(module, length: int) -> int:
    """A backbone's or mixer's ``buffer_dim(length)``, 0 for those that hold no extra buffer."""
    return module.buffer_dim(length) if isinstance(module, HoldsBuffer) else 0


class SequenceModel(TokenScorer, nn.Module):
    """A token interface around a backbone, with a learned start vector for position 0.

    ``forward(x)``: continuous x (n, L, D) → (mean, std), each (n, L, D); discrete x (n, L)
    int64 → logits (n, L, V). ``step(token, state)`` with ``token=None`` gives the position-0
    prediction (state unchanged); with token x_t it reads x_t and predicts x_{t+1}. The state is
    ``(t, backbone_state)`` with t the number of tokens read. ``token_log_probs`` and
    ``block_log_prob`` (``scoring.TokenScorer``) make it an ``infoscale.protocols.AutoregressiveModel``.
    """

    arch: str = ""

    def __init__(self, config: ModelConfig, backbone: nn.Module):
        super().__init__()
        self.config = config
        self.tokens = make_tokens(config)
        self.backbone = backbone
        self.start = nn.Parameter(torch.zeros(config.d_model))
        if config.positions == "sinusoidal":
            self.position_map = nn.Linear(2 * POSITION_SCALES, config.d_model, bias=False)

    @property
    def discrete(self) -> bool:
        return self.config.discrete

    def forward(self, x: torch.Tensor):
        self.tokens.check(x)
        start = self.start.expand(x.shape[0], 1, -1)
        if x.shape[1] == 1:
            return self.tokens.head(start)
        y = self.backbone(self._embed(x[:, :-1], torch.arange(x.shape[1] - 1, device=x.device)))
        return self.tokens.head(torch.cat([start.to(y.dtype), y], dim=1))

    def _embed(self, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        h = self.tokens.embed(x)
        if self.config.positions == "sinusoidal":
            h = h + self.position_map(position_features(positions).to(h.dtype))
        return h

    def init_state(self, batch: int) -> tuple:
        """The history state before any token (device and dtype of the parameters)."""
        return 0, self.backbone.init_state(check_int("batch", batch, 1), self.start)

    def step(self, token: torch.Tensor | None, state: tuple):
        """Read one token (or ``None`` at the start) and predict the next one."""
        position, inner = state
        if token is None:
            return self.tokens.head(self.start.expand(_state_batch(inner), -1)), state
        h = self._embed(token, torch.tensor(position, device=token.device))
        y, inner = self.backbone.step(h, inner)
        return self.tokens.head(y), (position + 1, inner)

    def history_state_dim(self, length: int) -> int:
        """Floats of the recurrent core state after ``length`` tokens, all layers, one sequence."""
        return self.backbone.state_dim(check_int("length", length, 0))

    def history_buffer_dim(self, length: int) -> int:
        """Numbers the step-by-step state holds besides the core state (convolution taps,
        normalisers, the position counter)."""
        counter = 1 if self.config.positions == "sinusoidal" else 0
        return buffer_dim(self.backbone, check_int("length", length, 0)) + counter


def _state_batch(state) -> int:
    """The batch size of a (nested) state: the leading size of its first tensor."""
    for item in state:
        if isinstance(item, torch.Tensor):
            return item.shape[0]
        if isinstance(item, (tuple, list)):
            return _state_batch(item)
    raise InvalidInput("state holds no tensor to read the batch size from")
