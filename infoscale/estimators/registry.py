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
  Each entry runs ``(family, x, ell, seed) -> Estimate``; the model-based ones use the family's
  exact oracle as their model. The others also run on any paired blocks,
  ``pairs(a, b, seed, vocab_size) -> Estimate`` (``infoscale.estimators.pairs.estimate``), and
  their block MI is exactly that on the two halves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from infoscale.estimators.block import discrete_pair_mi, gaussian_sample_mi, ksg_mi, split_blocks
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
    ``run(family, x, ell, seed) -> Estimate``, ``cause(family, x, ell) -> str`` explaining its
    regime, and ``pairs(a, b, seed, vocab_size) -> Estimate`` on paired blocks (``None`` for the
    model-based estimators, which need a model of the sequence)."""

    name: str
    tokens: str
    run: Callable
    cause: Callable
    help: str
    pairs: Callable | None = None

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


def _halves(family, x, ell):
    """The two blocks of a sample: integer tokens for discrete families, flattened floats otherwise."""
    return (x[:, :ell], x[:, ell:]) if family.discrete else split_blocks(x, ell)


def _on_halves(pairs: Callable) -> Callable:
    return lambda f, x, ell, seed: pairs(*_halves(f, x, ell), seed, f.vocab_size if f.discrete else None)


def _discrete(method: str) -> Callable:
    return lambda a, b, seed, vocab_size: discrete_pair_mi(a, b, method, vocab_size)


def _neural(bound: str) -> Callable:
    def pairs(a, b, seed, vocab_size):
        from infoscale.estimators.neural import neural_mi  # torch is imported only when a neural bound runs

        return neural_mi(a, b, bound, seed=seed, vocab_size=vocab_size)
    return pairs


def _neural_cause(bound: str) -> Callable:
    """The regime of a neural bound: its ceiling or variance, and the data it learns from."""
    def cause(family, x, ell):
        from infoscale.estimators.neural import NeuralConfig

        config = NeuralConfig()
        limit = {"infonce": f"ceiling ln(batch) = ln {config.batch} = {math.log(config.batch):.2f}",
                 "nwj": "variance grows like e^I", "mine": "variance grows like e^I",
                 "smile": f"clipped at τ = {config.tau:g}: biased once I ≫ τ"}[bound]
        size = _words(family, x, ell) if family.discrete else _dimension(family, x, ell)
        return f"{limit}; critic trained on n/2 = {x.shape[0] // 2}; {size}"
    return cause


_PAIRS = {
    "plugin": _discrete("plugin"), "miller-madow": _discrete("miller-madow"),
    "grassberger": _discrete("grassberger"), "nsb": _discrete("nsb"),
    "gaussian": lambda a, b, seed, vocab_size: gaussian_sample_mi(a, b),
    "ksg": lambda a, b, seed, vocab_size: ksg_mi(a, b, k=3),
    **{bound: _neural(bound) for bound in ("infonce", "nwj", "mine", "smile")},
}


def _pairwise(name: str, tokens: str, cause, text: str) -> EstimatorSpec:
    """The spec of an estimator of I(a; b) from pairs: its block MI is that on the two halves."""
    return EstimatorSpec(name, tokens, _on_halves(_PAIRS[name]), cause, text, _PAIRS[name])


for _spec in (
    _pairwise("plugin", "discrete", _words,
              "plug-in entropies of the word counts of each half"),
    _pairwise("miller-madow", "discrete", _words,
              "plug-in entropies with the Miller–Madow (K − 1)/2N correction"),
    _pairwise("grassberger", "discrete", _words,
              "Grassberger's bias-corrected entropies of the word counts"),
    _pairwise("nsb", "discrete", _words,
              "NSB Bayesian entropies over the alphabets V^ℓ, V^(L−ℓ), V^L"),
    _pairwise("gaussian", "continuous", _dimension,
              "log-determinants of the sample covariance, Wishart bias-corrected"),
    _pairwise("ksg", "continuous", _dimension,
              "Kraskov–Stögbauer–Grassberger k-nearest neighbours (k = 3)"),
    _pairwise("infonce", "any", _neural_cause("infonce"),
              "InfoNCE lower bound, separable MLP critic (<= ln batch; flagged saturated above 0.9 ln batch)"),
    _pairwise("nwj", "any", _neural_cause("nwj"),
              "NWJ lower bound, separable MLP critic (variance grows like e^I)"),
    _pairwise("mine", "any", _neural_cause("mine"),
              "MINE (Donsker–Varadhan) with the moving-average gradient correction"),
    _pairwise("smile", "any", _neural_cause("smile"),
              "SMILE: Donsker–Varadhan with e^f clipped to [e^-5, e^5], trained on Jensen–Shannon"),
    EstimatorSpec("direct", "any", lambda f, x, ell, seed: direct_mi(OracleModel(f), x, ell), _context("full"),
                  "model-based direct estimator, exact oracle model"),
    EstimatorSpec("direct-corrected", "discrete",
                  lambda f, x, ell, seed: direct_mi(OracleModel(f), x, ell, first_tokens=min(2, x.shape[1] - ell - 1)),
                  _context("full"), "direct estimator with the first-tokens n-gram correction"),
    EstimatorSpec("vclub", "any", lambda f, x, ell, seed: vclub_mi(OracleModel(f), x, ell),
                  lambda f, x, ell: "exact oracle model; vCLUB exceeds I by KL(p(x)p(y) ‖ p(x, y)) even then",
                  "variational CLUB upper bound, exact oracle model"),
    EstimatorSpec("direct-truncated", "any",
                  lambda f, x, ell, seed: direct_mi(OracleModel(f, context=TRUNCATED_CONTEXT), x, ell),
                  _context(f"a {TRUNCATED_CONTEXT}-token"),
                  f"direct estimator with a model that sees only {TRUNCATED_CONTEXT} tokens back"),
):
    SAMPLE_ESTIMATORS.add(_spec.name, _spec)
