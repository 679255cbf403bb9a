"""Exact per-position KL and NLL of a model against a family's true conditionals.

Continuous (Gaussian) families give the exact conditional p(x_t | x_<t) = N(μ_t, σ_t²) per token
dimension (``family.conditionals``). The model predicts q(x_t | x_<t) = N(m_t, s_t²), and the
per-position KL of the L²M paper (Eq. F.37) is, summed over token dimensions,

    KL_t = Σ_d [ ln(s/σ) + (σ² + (μ − m)²) / (2 s²) − ½ ]
         = Σ_d [ ½ (e^u − 1 − u) + ½ ((μ − m)/s)² ],       u = 2 ln(σ/s),

written in the second form (``expm1``) so that it is never negative beyond rounding. Its
expectation over x ~ p is E[ln p(x_t|x_<t) − ln q(x_t|x_<t)]: training on it has the gradient of
the NLL in expectation but none of the sampling noise of x_t given its past.

Discrete families with ``predictive_log_probs`` give the full next-token law, and

    KL_t = Σ_v p(v | x_<t) (ln p(v | x_<t) − ln q(v | x_<t)).

The NLL −ln q(x_t | x_<t) needs only the model. ``Objective`` bundles the family, the loss and
the checks that must fail before any training starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from infoscale._checks import check_int
from infoscale.errors import InvalidInput
from infoscale.protocols import exact_conditionals

LOSSES = ("kl", "nll")
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_kl(mean_p, std_p, mean_q, std_q) -> torch.Tensor:
    """KL(N(mean_p, std_p²) ‖ N(mean_q, std_q²)) summed over the last axis."""
    u = 2.0 * (torch.log(std_p) - torch.log(std_q))
    return 0.5 * (torch.expm1(u) - u + ((mean_p - mean_q) / std_q) ** 2).sum(-1)


def gaussian_nll(x, mean_q, std_q) -> torch.Tensor:
    """−ln N(x; mean_q, std_q²) summed over the last axis."""
    return (0.5 * ((x - mean_q) / std_q) ** 2 + torch.log(std_q) + HALF_LOG_2PI).sum(-1)


def categorical_kl(log_p, logits_q) -> torch.Tensor:
    """KL(p ‖ softmax(logits_q)) over the last axis, from exact log-probabilities ``log_p``
    (symbols with p = 0, log_p = −inf, contribute 0)."""
    p = log_p.exp()
    return (torch.special.xlogy(p, p) - p * F.log_softmax(logits_q, dim=-1)).sum(-1)


def categorical_nll(x, logits_q) -> torch.Tensor:
    """−ln softmax(logits_q)[x] for integer tokens x."""
    return -F.log_softmax(logits_q, dim=-1).gather(-1, x[..., None])[..., 0]


@dataclass
class Batch:
    """Tokens (float64 or int64) and the family's exact conditionals for them (or ``None``)."""

    x: torch.Tensor
    target: tuple[torch.Tensor, ...] | None

    def inputs(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The tokens as a model takes them (continuous tokens cast to ``dtype``)."""
        return self.x if not self.x.is_floating_point() else self.x.to(dtype)


class Objective:
    """A family with the loss a model is trained on: exact ``kl`` or ``nll``.

    The default loss is ``kl`` for Gaussian families and ``nll`` for discrete ones. Building an
    Objective checks that the family declares exact conditionals (``infoscale.protocols``) when
    ``kl`` is asked.
    """

    def __init__(self, family, loss: str | None = None):
        self.family = family
        self.discrete = bool(family.discrete)
        self.loss = loss or ("nll" if self.discrete else "kl")
        if self.loss not in LOSSES:
            raise InvalidInput(f"loss must be one of {LOSSES}, got {loss!r}")
        self.has_exact = exact_conditionals(family)
        if self.loss == "kl" and not self.has_exact:
            raise InvalidInput(f"loss 'kl' needs the exact conditionals of the {family.name} family, which it does not give; use loss='nll'")

    def exact(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        """The family's exact conditionals of the tokens x (numpy, float64)."""
        if self.discrete:
            return (self.family.predictive_log_probs(x),)
        return self.family.conditionals(x)

    def check_model(self, model) -> None:
        """Raise if the model's token interface does not fit the family's tokens."""
        config = model.config
        if self.discrete != config.discrete:
            kind = "discrete" if self.discrete else "continuous"
            raise InvalidInput(f"the {self.family.name} family has {kind} tokens but the model does not")
        if self.discrete and config.vocab_size != self.family.vocab_size:
            raise InvalidInput(f"model vocab_size {config.vocab_size} != family vocab_size {self.family.vocab_size}")
        if not self.discrete and config.token_dim != self.family.token_dim:
            raise InvalidInput(f"model token_dim {config.token_dim} != family token_dim {self.family.token_dim}")

    def batch(self, n: int, length: int, rng, device, with_target: bool | None = None) -> Batch:
        """``n`` fresh samples drawn with ``rng`` by the family (float64) and their exact conditionals
        (the evaluation path; training draws on the device, ``infoscale.nets.data``)."""
        x = self.family.sample(check_int("n", n, 1), length, rng)
        with_target = self.loss == "kl" if with_target is None else with_target
        target = tuple(torch.as_tensor(np.ascontiguousarray(t), device=device) for t in self.exact(x)) if with_target else None
        return Batch(torch.as_tensor(x, device=device), target)

    def loss_value(self, output, batch: Batch) -> torch.Tensor:
        """The training loss: the mean per-token ``kl`` or ``nll`` over the batch (float32)."""
        return position_metrics(output, batch, torch.float32)[self.loss].mean()


def position_metrics(output, batch: Batch, dtype=None) -> dict[str, torch.Tensor]:
    """Per-position ``nll`` and (when ``batch.target`` is set) ``kl`` of a model's ``output``,
    each (n, L), computed in ``dtype`` (default: the output's)."""
    discrete = not batch.x.is_floating_point()
    cast = (lambda t: t.to(dtype)) if dtype is not None else (lambda t: t)
    if discrete:
        logits = cast(output)
        out = {"nll": categorical_nll(batch.x, logits)}
        if batch.target is not None:
            out["kl"] = categorical_kl(batch.target[0].to(logits.dtype), logits)
        return out
    mean, std = cast(output[0]), cast(output[1])
    out = {"nll": gaussian_nll(batch.x.to(mean.dtype), mean, std)}
    if batch.target is not None:
        out["kl"] = gaussian_kl(batch.target[0].to(mean.dtype), batch.target[1].to(mean.dtype), mean, std)
    return out
