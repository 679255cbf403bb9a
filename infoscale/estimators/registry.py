"""The estimator registries: every way infoscale gets a mutual information, by name.

Two kinds, one table each; the CLI's choices, the validation harness and the docs read them:

- ``MI_METHODS``: I(ℓ; L) of a *family* (``infoscale mi/scaling --method``): ``exact`` (the
  family's closed form, recursion or exact sum), ``mc`` (exact-likelihood Monte Carlo, with a
  standard error) and ``renyi2`` (the exact Rényi-2 MI of an MPS Born machine by contraction — a
  different quantity from the Shannon MI). Each entry runs
  ``(family, ell, length, n_samples, rng, progress) -> Estimate``.
- ``SAMPLE_ESTIMATORS``: estimators of the block MI from *samples* (``infoscale validate
  --estimators``), each with the tokens it takes and a sentence explaining where it stands
  (the number of words against the samples, the block dimension, the model's context).
  Each entry runs ``(family, x, ell) -> Estimate``; the model-based ones use the family's exact
  oracle as their model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from infoscale.estimators.block import discrete_block_mi, gaussian_sample_mi, ksg_mi, split_blocks
from infoscale.estimators.model_based import OracleModel, direct_mi, vclub_mi
from infoscale.estimators.result import Estimate, timer
from infoscale.registry import Registry

TOKEN_KINDS = ("discrete", "continuous", "any")


@dataclass(frozen=True)
class MethodSpec:
    """A way to get I(ℓ; L) of a family: ``run(family, ell, length, n_samples, rng, progress)``."""

    name: str
    run: Callable
    help: str


@dataclass(frozen=True)
class EstimatorSpec:
    """A sample-based estimator: which tokens it takes (``discrete``, ``continuous`` or ``any``),
    ``run(family, x, ell) -> Estimate`` and ``cause(family, x, ell) -> str`` explaining its regime."""

    name: str
    tokens: str
    run: Callable
    cause: Callable
    help: str

    def applies_to(self, family) -> bool:
        return self.tokens == "any" or (self.tokens == "discrete") == bool(family.discrete)


MI_METHODS: Registry[MethodSpec] = Registry("MI method")
SAMPLE_ESTIMATORS: Registry[EstimatorSpec] = Registry("estimator")


def nonnegative(values):
    """Exact MI with rounding below zero (e.g. −8.9e-16 from three log-determinants) set to 0.

    Mutual information is never negative; a computed negative value is float rounding of a zero
    (or tiny) MI. Returns the clipped values and whether any was clipped.
    """
    values = np.asarray(values, dtype=np.float64)
    return np.maximum(values, 0.0), bool(np.any(values < 0))


def _exact(family, ell, length, n_samples, rng, progress) -> Estimate:
    with timer() as elapsed:
        raw = float(family.bipartite_mi(ell, length))
    value, clipped = nonnegative(raw)
    extra = {"rounding": f"the computed value {raw:.3g} is float rounding of zero; reported as 0"} if clipped else {}
    return Estimate(value=float(value), stderr=None, method="exact", seconds=elapsed(), extra=extra)


def _mc(family, ell, length, n_samples, rng, progress) -> Estimate:
    from infoscale.estimators.monte_carlo import mc_mutual_information

    return mc_mutual_information(family, ell, length, n_samples=n_samples, rng=rng, progress=progress)


def _renyi2(family, ell, length, n_samples, rng, progress) -> Estimate:
    from infoscale.estimators.tensor_network import renyi2_mutual_information

    return renyi2_mutual_information(family, ell, length, progress=progress)


for _spec in (
    MethodSpec("exact", _exact, "the family's closed form / recursion / exact sum"),
    MethodSpec("mc", _mc, "exact-likelihood Monte Carlo, with a standard error"),
    MethodSpec("renyi2", _renyi2, "exact Rényi-2 MI by tensor contraction (MPS families: mps, ising)"),
):
    MI_METHODS.add(_spec.name, _spec)


# ---- sample-based estimators ---------------------------------------------------------------------
#: Context of the deliberately short-sighted oracle model (``direct-truncated``).
TRUNCATED_CONTEXT = 4


def _words(family, x, ell):
    return f"V^ℓ = {family.vocab_size}^{ell} = {float(family.vocab_size) ** ell:.3g} words vs n = {x.shape[0]}"


def _dimension(family, x, ell):
    return f"block dimensions {ell * family.token_dim} + {(x.shape[1] - ell) * family.token_dim}, n = {x.shape[0]}"


def _context(context):
    return lambda family, x, ell: f"oracle model with {context} context, cut at ℓ = {ell}"


for _spec in (
    EstimatorSpec("plugin", "discrete", lambda f, x, ell: discrete_block_mi(x, ell, "plugin"), _words,
                  "plug-in entropies of the word counts of each half"),
    EstimatorSpec("grassberger", "discrete", lambda f, x, ell: discrete_block_mi(x, ell, "grassberger"), _words,
                  "Grassberger's bias-corrected entropies of the word counts"),
    EstimatorSpec("gaussian", "continuous", lambda f, x, ell: gaussian_sample_mi(*split_blocks(x, ell)), _dimension,
                  "log-determinants of the sample covariance, Wishart bias-corrected"),
    EstimatorSpec("ksg", "continuous", lambda f, x, ell: ksg_mi(*split_blocks(x, ell), k=3), _dimension,
                  "Kraskov–Stögbauer–Grassberger k-nearest neighbours (k = 3)"),
    EstimatorSpec("direct", "any", lambda f, x, ell: direct_mi(OracleModel(f), x, ell), _context("full"),
                  "model-based direct estimator, exact oracle model"),
    EstimatorSpec("direct-corrected", "discrete",
                  lambda f, x, ell: direct_mi(OracleModel(f), x, ell, first_tokens=min(2, x.shape[1] - ell - 1)),
                  _context("full"), "direct estimator with the first-tokens n-gram correction"),
    EstimatorSpec("vclub", "any", lambda f, x, ell: vclub_mi(OracleModel(f), x, ell),
                  lambda f, x, ell: "exact oracle model; vCLUB exceeds I by KL(p(x)p(y) ‖ p(x, y)) even then",
                  "variational CLUB upper bound, exact oracle model"),
    EstimatorSpec("direct-truncated", "any",
                  lambda f, x, ell: direct_mi(OracleModel(f, context=TRUNCATED_CONTEXT), x, ell),
                  _context(f"a {TRUNCATED_CONTEXT}-token"),
                  f"direct estimator with a model that sees only {TRUNCATED_CONTEXT} tokens back"),
):
    SAMPLE_ESTIMATORS.add(_spec.name, _spec)
