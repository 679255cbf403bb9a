"""Declared capabilities: what a family or a model can do, checked with ``isinstance``.

Every family implements ``infoscale.generators.base.SequenceDistribution``. Some can do more,
and say so by having the methods below (and only then: no base class defines them to raise):

- ``GaussianFamily``: a zero-mean Gaussian family with its covariance, Cholesky factor, exact
  conditionals N(mean_t, std_t²) of each token given its past (the nets' exact KL), and the
  canonical correlations across a cut (the linear history dimension, the linear reference).
- ``PredictiveLaw``: a discrete family giving its full next-token law log p(X_t = v | x_<t)
  (the exact per-position KL of a discrete model).

Models of sequences satisfy one protocol, ``AutoregressiveModel``: infoscale's nets, the
exact-family oracles of ``infoscale.estimators.model_based`` and the pretrained (Hugging Face)
language models of ``infoscale.studies.lm_mi.pretrained`` alike, so that every model-based estimator (those
of ``estimators.model_based`` and the LM estimators of ``estimators.documents``) takes any
of them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class GaussianFamily(Protocol):
    """A Gaussian family: covariance, Cholesky factor, exact conditionals and the MI spectrum."""

    token_dim: int

    def covariance(self, length: int) -> np.ndarray:
        """The L × L covariance of one token dimension."""

    def cholesky(self, length: int) -> np.ndarray:
        """Its lower Cholesky factor."""

    def conditionals(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Exact mean and standard deviation of each x_t given x_<t, both shaped like x (n, L, D)."""

    def mi_spectrum(self, ell: int, length: int):
        """Canonical correlations across the cut (``infoscale.exact.gaussian.MISpectrum``)."""

    def check_tokens(self, x, exact_length: bool = True) -> np.ndarray:
        """x validated as float64 (n, L, token_dim)."""


@runtime_checkable
class PredictiveLaw(Protocol):
    """A discrete family that gives its full next-token distribution."""

    vocab_size: int

    def predictive_log_probs(self, x) -> np.ndarray:
        """log p(X_t = v | x_<t) for every position and symbol, (n, L, V)."""

    def check_tokens(self, x, exact_length: bool = True) -> np.ndarray:
        """x validated as int64 (n, L) in [0, V)."""


@runtime_checkable
class AutoregressiveModel(Protocol):
    """A model q of sequences that scores tokens left to right.

    ``discrete`` tells the token type: int tokens (n, L), or float tokens (n, L, D) with
    log-densities. Both methods take and return numpy arrays, in nats, float64.
    """

    discrete: bool

    def token_log_probs(self, x) -> np.ndarray:
        """log q(x_t | x_<t) for every position, (n, L); position 0 is scored from the model's start
        state (a BOS token for a language model)."""

    def block_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        """log q(x_start..stop−1), (n,), of the block alone, as the model scores it without the
        tokens before ``start`` (an exact oracle gives the exact block marginal)."""


def exact_conditionals(family) -> bool:
    """Whether the family gives the exact per-position conditionals a model's exact KL needs."""
    return isinstance(family, PredictiveLaw if family.discrete else GaussianFamily)
