"""An MPS Born machine as a sequence model: its history state is the bond vector, χ floats per cut.

The model holds one tensor A_t (D_t × V × D_t+1, D_0 = D_L = 1, D_t = min(χ, V^t, V^(L−t)))
per position of a sequence of at most ``max_length`` tokens and defines q(x) ∝ |ψ(x)|² with
ψ(x) = A_0[x_0] ⋯ A_L−1[x_L−1] (real tensors). Its conditionals are exact, not sampled:
with the right environments R_L = 1, R_t = Σ_v A_t[v] R_t+1 A_t[v]^T (positive semi-definite),

    q(x_t = v | x_<t) ∝ u A_t[v] R_t+1 A_t[v]^T u^T,     u = A_0[x_0] ⋯ A_t−1[x_t−1],

so ``forward`` returns logits = log(u A_t[v] R_t+1 A_t[v]^T u^T) (normalised by the softmax), and
the NLL of a sequence is its exact −log q(x). Scale factors cancel in every ratio, so u and R_t are
renormalised at every step. Sequences shorter than ``max_length`` get the marginal of their prefix
(R_t sums out the rest exactly).

History state. After t tokens the model carries u, a D_t-vector: ``history_state_dim(t) = D_t``
(χ in the bulk). The environments R_t are constants of the weights, not history; ``init_state``
computes them once and carries them alongside u so that ``step`` costs O(V χ²).

Interface (as the other nets, docs/DESIGN.md): ``forward(x)`` on int64 (n, L) gives per-position
next-token logits (n, L, V), position t predicting x_t from x_<t; ``step(token, state)``;
``history_state_dim(length)``, ``token_log_probs`` (``scoring.TokenScorer``); registered as
architecture ``mps`` in ``infoscale.nets.models``, so ``infoscale.nets.train.train``
and ``infoscale.nets.evaluate.evaluate`` (exact per-position KL against families with exact
conditionals, e.g. ``mps`` and ``ising``) work unchanged. ``from_state`` loads a family's MPS: the
model then reproduces the family's conditionals exactly (KL 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from infoscale._checks import check_float, check_int
from infoscale.errors import InvalidInput
from infoscale.nets.base import ModelConfig
from infoscale.nets.scoring import TokenScorer


@dataclass
class MPSConfig(ModelConfig):
    """Born-machine sizes: ``vocab_size`` V, bond dimension ``chi``, longest sequence ``max_length``.
    (``d_model`` and ``n_layers`` of the shared config are not used; ``positions`` is accepted and
    changes nothing: every position has its own tensor, so the model always knows where it is.)"""

    chi: int = 8
    max_length: int = 64
    init_noise: float = 0.1

    def __post_init__(self):
        super().__post_init__()
        if not self.discrete:
            raise InvalidInput("the MPS Born machine needs discrete tokens: set vocab_size, not token_dim")
        self.chi = check_int("chi", self.chi, 1)
        self.max_length = check_int("max_length", self.max_length, 2)
        self.init_noise = check_float("init_noise", self.init_noise, 0.0)


class MPSBornMachine(TokenScorer, nn.Module):
    """Born machine q(x) ∝ |A_0[x_0] ⋯ A_L−1[x_L−1]|² with exact conditionals (see module docstring)."""

    arch = "mps"
    #: The site tensors are the whole model: weight decay would pull the state towards zero amplitude.
    no_weight_decay = ("tensors",)

    def __init__(self, config: MPSConfig):
        super().__init__()
        self.config = config
        v, length = config.vocab_size, config.max_length
        dims = [min(config.chi, v ** min(t, length - t)) for t in range(length + 1)]
        tensors = []
        for t in range(length):
            eye = torch.eye(dims[t], dims[t + 1]).unsqueeze(1).expand(-1, v, -1) / np.sqrt(v)
            tensors.append(nn.Parameter(eye + config.init_noise * torch.randn(dims[t], v, dims[t + 1])))
        self.tensors = nn.ParameterList(tensors)

    @property
    def discrete(self) -> bool:
        return True

    @classmethod
    def from_state(cls, state, dtype=torch.float64) -> "MPSBornMachine":
        """A model whose tensors are those of a real ``CanonicalMPS`` (e.g. ``family.state(L)``)."""
        if state.complex:
            raise InvalidInput("the Born-machine model has real tensors; the given state is complex")
        model = cls(MPSConfig(vocab_size=state.vocab_size, chi=max(state.bond_dims), max_length=state.length))
        model.tensors = nn.ParameterList(nn.Parameter(torch.as_tensor(b, dtype=dtype)) for b in state.tensors)
        return model

    def history_state_dim(self, length: int) -> int:
        """Floats in the state after ``length`` tokens: the bond dimension D_length."""
        length = check_int("length", length, 0, self.config.max_length)
        return self.tensors[length].shape[0] if length < self.config.max_length else self.tensors[-1].shape[2]

    def history_buffer_dim(self, length: int) -> int:
        """Nothing besides the bond vector (the right environments in the state are weight constants)."""
        check_int("length", length, 0, self.config.max_length)
        return 0

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 2 or x.dtype != torch.int64:
            raise InvalidInput(f"x must be an int64 tensor of shape (n, length), got {tuple(x.shape)} {x.dtype}")
        if not 1 <= x.shape[1] <= self.config.max_length:
            raise InvalidInput(f"length must be between 1 and max_length={self.config.max_length}, got {x.shape[1]}")

    def right_environments(self, length: int) -> list[torch.Tensor]:
        """R_1..R_length (trace-normalised) for sequences of ``length`` tokens."""
        envs = [None] * (self.config.max_length + 1)
        env = torch.ones(1, 1, dtype=self.tensors[0].dtype, device=self.tensors[0].device)
        envs[-1] = env
        for t in range(self.config.max_length - 1, 0, -1):
            a = self.tensors[t]
            env = torch.einsum("lvr,rs,mvs->lm", a, env, a)
            env = env / env.diagonal().sum()
            envs[t] = env
        return envs[1:length + 1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        n, length = x.shape
        envs = self.right_environments(length)
        u = torch.ones(n, 1, dtype=self.tensors[0].dtype, device=x.device)
        logits = []
        for t in range(length):
            step_logits, w = _scores(u, self.tensors[t], envs[t])
            logits.append(step_logits)
            u = _normalise(w[torch.arange(n, device=x.device), x[:, t]])
        return torch.stack(logits, dim=1)

    def init_state(self, batch: int) -> tuple:
        """(tokens read, u, environments): u is the history; the environments are weight constants."""
        u = torch.ones(check_int("batch", batch, 1), 1, dtype=self.tensors[0].dtype, device=self.tensors[0].device)
        return 0, u, tuple(self.right_environments(self.config.max_length))

    def step(self, token: torch.Tensor | None, state: tuple):
        """Read one token (or ``None`` at the start) and give the logits of the next one."""
        t, u, envs = state
        if token is not None:
            if t >= self.config.max_length:
                raise InvalidInput(f"cannot read more than max_length={self.config.max_length} tokens")
            _, w = _scores(u, self.tensors[t], envs[t])
            u, t = _normalise(w[torch.arange(u.shape[0], device=u.device), token]), t + 1
        if t >= self.config.max_length:
            raise InvalidInput(f"no position left to predict after max_length={self.config.max_length} tokens")
        return _scores(u, self.tensors[t], envs[t])[0], (t, u, envs)


def _scores(u: torch.Tensor, a: torch.Tensor, env: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits log(w_v R w_v^T) of the next token and the candidate vectors w_v = u A[v], (n, V, D)."""
    w = torch.einsum("nl,lvr->nvr", u, a)
    score = torch.einsum("nvr,rs,nvs->nv", w, env, w)
    return torch.log(score.clamp_min(torch.finfo(score.dtype).tiny)), w


def _normalise(u: torch.Tensor) -> torch.Tensor:
    return u / u.norm(dim=1, keepdim=True).clamp_min(torch.finfo(u.dtype).tiny)

