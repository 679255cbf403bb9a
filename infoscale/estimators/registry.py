"""The estimator registries: every way infoscale gets a mutual information, by name.

Two kinds, one table each; the CLI's choices, the validation harness and the docs read them:

- ``MI_METHODS``: I(ℓ; L) of a *family* (``infoscale mi/scaling --method``): ``exact`` (the
  family's closed form, recursion or exact sum), ``mc`` (exact-likelihood Monte Carlo, with a
  standard error) and ``renyi2`` (the exact Rényi-2 MI of an MPS Born machine by contraction — a
  different quantity from the Shannon MI). Each entry runs
  ``(family, ell, length, n_samples, rng, progress) -> Estimate``: it needs the family and no samples.
- ``SAMPLE_ESTIMATORS``: estimators of the MI from *samples* (``infoscale validate --estimators``,
  ``infoscale estimate --method``, ``estimators.estimate``). Each ``EstimatorSpec`` declares

  - ``params``: its settings (e.g. KSG's ``{"k": 3, "algorithm": "kdtree"}``), handed to its
    function as keywords and recorded in every ``Estimate`` it returns as ``extra["params"]``;
  - its limits as tags, which the harness and the CLI read instead of names: ``tokens`` (the
    token kinds it takes, of ``TOKEN_KINDS``), ``max_dim`` (the largest joint block dimension
    p + q it is run at; ``None``: any) and ``ceiling`` (the value in nats the estimate cannot
    exceed whatever the truth, InfoNCE's ln batch; ``None``: none);
  - ``regime(family, x, ell)``: a sentence on where it stands on these samples (the words
    against n, the block dimension, the model's context, the bound's ceiling).

  It is run in one of two shapes, one per kind of input — no fewer, since a model-based
  estimator needs a model of the sequence that paired blocks do not carry:

  - ``spec.pairs(a, b, seed, vocab_size)``: I(A; B) from n paired blocks, for every estimator
    that needs only data (``infoscale.estimators.estimate`` on user arrays);
  - ``spec.run(family, x, ell, seed)``: the block MI I(X_1..ℓ; X_ℓ+1..L) of samples ``x`` of a
    family. A pair estimator runs ``pairs`` on the two halves (so the two shapes agree exactly);
    a model-based one (``spec.model_based``; ``pairs`` refuses it) scores with the family's
    exact oracle as its model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from infoscale.errors import Unavailable
from infoscale.estimators.block import discrete_pair_mi, gaussian_sample_mi, ksg_mi, split_blocks
from infoscale.estimators.model_based import OracleModel, direct_mi, vclub_mi
from infoscale.estimators.result import Estimate, timer
from infoscale.registry import Registry

TOKEN_KINDS = ("discrete", "continuous")


@dataclass(frozen=True)
class MethodSpec:
    """A way to get I(ℓ; L) of a family: ``run(family, ell, length, n_samples, rng, progress)``."""

    name: str
    run: Callable
    help: str


@dataclass(frozen=True)
class EstimatorSpec:
    """A sample-based estimator: its settings, its limits as tags, and its function.

    Exactly one of ``pair_fn`` — ``(a, b, seed, vocab_size, **params) -> Estimate`` — and
    ``model_fn`` — ``(family, x, ell, seed, **params) -> Estimate``, for the model-based ones — is
    given. ``explain(spec, family, x, ell) -> str`` writes the ``regime`` sentence.
    """

    name: str
    help: str
    tokens: tuple
    explain: Callable
    params: dict = field(default_factory=dict)
    max_dim: int | None = None
    ceiling: float | None = None
    pair_fn: Callable | None = None
    model_fn: Callable | None = None

    def __post_init__(self):
        if not self.tokens or not set(self.tokens) <= set(TOKEN_KINDS):
            raise ValueError(f"estimator {self.name!r}: tokens must be some of {TOKEN_KINDS}, got {self.tokens!r}")
        if (self.pair_fn is None) == (self.model_fn is None):
            raise ValueError(f"estimator {self.name!r} needs exactly one of pair_fn and model_fn")
        object.__setattr__(self, "tokens", tuple(self.tokens))
        object.__setattr__(self, "params", dict(self.params))

    @property
    def model_based(self) -> bool:
        """Needs a model of the sequence (the family's oracle), not just pairs of blocks."""
        return self.pair_fn is None

    def applies_to(self, family) -> bool:
        """Whether it takes the family's kind of tokens (its ``tokens`` tag)."""
        return ("discrete" if family.discrete else "continuous") in self.tokens

    def fits(self, dim: int) -> bool:
        """Whether a joint block dimension p + q is within its ``max_dim`` tag."""
        return self.max_dim is None or dim <= self.max_dim

    def pairs(self, a, b, seed: int = 0, vocab_size: int | None = None) -> Estimate:
        """I(A; B) from paired blocks a (n, p), b (n, q), with ``params`` in ``extra``."""
        self.require_pairs()
        return self.pair_fn(a, b, seed, vocab_size, **self.params).with_extra(params=dict(self.params))

    def run(self, family, x, ell: int, seed: int = 0) -> Estimate:
        """The block MI of samples ``x`` of ``family`` cut at ``ell``, with ``params`` in ``extra``."""
        if self.model_based:
            return self.model_fn(family, x, ell, seed, **self.params).with_extra(params=dict(self.params))
        a, b = (x[:, :ell], x[:, ell:]) if family.discrete else split_blocks(x, ell)
        return self.pairs(a, b, seed, family.vocab_size if family.discrete else None)

    def regime(self, family, x, ell: int) -> str:
        """A sentence on where it stands on these samples."""
        return self.explain(self, family, x, ell)

    def require_pairs(self) -> None:
        """Refuse a model-based estimator, which needs a sequence model rather than pairs."""
        if self.model_based:
            raise Unavailable(f"{self.name!r} is model-based and needs a sequence model, not pairs; "
                              f"use one of {', '.join(pair_methods())}")


MI_METHODS: Registry[MethodSpec] = Registry("MI method")
SAMPLE_ESTIMATORS: Registry[EstimatorSpec] = Registry("estimator")


def pair_methods(tokens: str | None = None) -> list[str]:
    """The estimators that run on paired samples (those that take ``tokens``, if given)."""
    return [name for name, spec in SAMPLE_ESTIMATORS.items()
            if not spec.model_based and (tokens is None or tokens in spec.tokens)]


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
    from infoscale.generators import family_class, family_names
    from infoscale.generators.mps import BornMachine

    if not isinstance(family, BornMachine):
        born = [name for name in family_names() if issubclass(family_class(name), BornMachine)]
        raise Unavailable(f"renyi2 contracts a matrix-product state: it needs an MPS family ({', '.join(born)}); "
                          f"the {family.name} family is not one: use the method exact or mc")

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
#: KSG's ``max_dim``: it is not run above this joint dimension (its cost grows as n² there and the point is made).
KSG_MAX_DIM = 64
#: The neural bounds' settings (the fields of ``neural.NeuralConfig``, written here so that the
#: registry reads them without importing torch; ``tests/test_pairs.py`` holds them to its defaults).
NEURAL_SETTINGS = dict(critic="separable", hidden=64, embed=32, batch=128, steps=400, lr=3e-3, eval_every=50,
                       patience=3, tau=5.0, mine_rate=0.01, threads=1)


def _block_dims(x, ell) -> tuple[int, int]:
    token = int(np.prod(x.shape[2:], dtype=int))  # D of (n, L, D) samples, 1 of (n, L)
    return ell * token, (x.shape[1] - ell) * token


def _words(spec, family, x, ell):
    return f"V^ℓ = {family.vocab_size}^{ell} = {float(family.vocab_size) ** ell:.3g} words vs n = {x.shape[0]}"


def _dimension(spec, family, x, ell):
    p, q = _block_dims(x, ell)
    return f"block dimensions {p} + {q}, n = {x.shape[0]}"


def _context(spec, family, x, ell):
    context = spec.params["context"]
    return f"oracle model with {'full' if context is None else f'a {context}-token'} context, cut at ℓ = {ell}"


_NEURAL_LIMITS = {
    "infonce": lambda s: f"ceiling ln(batch) = ln {s['batch']} = {math.log(s['batch']):.2f}",
    "nwj": lambda s: "variance grows like e^I", "mine": lambda s: "variance grows like e^I",
    "smile": lambda s: f"clipped at τ = {s['tau']:g}: biased once I ≫ τ",
}


def _neural_regime(spec, family, x, ell):
    """The regime of a neural bound: its ceiling or variance, and the data it learns from."""
    size = _words(spec, family, x, ell) if family.discrete else _dimension(spec, family, x, ell)
    return f"{_NEURAL_LIMITS[spec.name](spec.params)}; critic trained on n/2 = {x.shape[0] // 2}; {size}"


def _discrete(method: str) -> Callable:
    return lambda a, b, seed, vocab_size: discrete_pair_mi(a, b, method, vocab_size)


def _neural(bound: str) -> Callable:
    def pairs(a, b, seed, vocab_size, **settings):
        # torch is imported only when a neural bound runs
        from infoscale.estimators.neural import NeuralConfig, neural_mi

        return neural_mi(a, b, bound, seed=seed, config=NeuralConfig(**settings), vocab_size=vocab_size)
    return pairs


def _direct(family, x, ell, seed, context, first_tokens):
    first_tokens = min(first_tokens, x.shape[1] - ell - 1)
    return direct_mi(OracleModel(family, context=context), x, ell, first_tokens=first_tokens)


def _vclub(family, x, ell, seed, context):
    return vclub_mi(OracleModel(family, context=context), x, ell)


def _club_gap(spec, family, x, ell):
    return "exact oracle model; vCLUB exceeds I by KL(p(x)p(y) ‖ p(x, y)) even then"


_EITHER = TOKEN_KINDS
for _spec in (
    EstimatorSpec("plugin", "plug-in entropies of the word counts of each half", ("discrete",), _words,
                  pair_fn=_discrete("plugin")),
    EstimatorSpec("miller-madow", "plug-in entropies with the Miller–Madow (K − 1)/2N correction",
                  ("discrete",), _words, pair_fn=_discrete("miller-madow")),
    EstimatorSpec("grassberger", "Grassberger's bias-corrected entropies of the word counts", ("discrete",), _words,
                  pair_fn=_discrete("grassberger")),
    EstimatorSpec("nsb", "NSB Bayesian entropies over the alphabets V^ℓ, V^(L−ℓ), V^L", ("discrete",), _words,
                  pair_fn=_discrete("nsb")),
    EstimatorSpec("gaussian", "log-determinants of the sample covariance, Wishart bias-corrected",
                  ("continuous",), _dimension, {"bias_correction": True},
                  pair_fn=lambda a, b, seed, vocab_size, **params: gaussian_sample_mi(a, b, **params)),
    EstimatorSpec("ksg", "Kraskov–Stögbauer–Grassberger k-nearest neighbours (k = 3)", ("continuous",), _dimension,
                  {"k": 3, "algorithm": "kdtree"}, max_dim=KSG_MAX_DIM,
                  pair_fn=lambda a, b, seed, vocab_size, **params: ksg_mi(a, b, **params)),
    EstimatorSpec("infonce", "InfoNCE lower bound, separable MLP critic (<= ln batch; flagged saturated above "
                  "0.9 ln batch)", _EITHER, _neural_regime, NEURAL_SETTINGS,
                  ceiling=math.log(NEURAL_SETTINGS["batch"]), pair_fn=_neural("infonce")),
    EstimatorSpec("nwj", "NWJ lower bound, separable MLP critic (variance grows like e^I)", _EITHER, _neural_regime,
                  NEURAL_SETTINGS, pair_fn=_neural("nwj")),
    EstimatorSpec("mine", "MINE (Donsker–Varadhan) with the moving-average gradient correction", _EITHER,
                  _neural_regime, NEURAL_SETTINGS, pair_fn=_neural("mine")),
    EstimatorSpec("smile", "SMILE: Donsker–Varadhan with e^f clipped to [e^-5, e^5], trained on Jensen–Shannon",
                  _EITHER, _neural_regime, NEURAL_SETTINGS, pair_fn=_neural("smile")),
    EstimatorSpec("direct", "model-based direct estimator, exact oracle model", _EITHER, _context,
                  {"context": None, "first_tokens": 0}, model_fn=_direct),
    EstimatorSpec("direct-corrected", "direct estimator with the first-tokens n-gram correction", ("discrete",),
                  _context, {"context": None, "first_tokens": 2}, model_fn=_direct),
    EstimatorSpec("vclub", "variational CLUB upper bound, exact oracle model", _EITHER, _club_gap, {"context": None},
                  model_fn=_vclub),
    EstimatorSpec("direct-truncated", f"direct estimator with a model that sees only {TRUNCATED_CONTEXT} tokens back",
                  _EITHER, _context, {"context": TRUNCATED_CONTEXT, "first_tokens": 0}, model_fn=_direct),
):
    SAMPLE_ESTIMATORS.add(_spec.name, _spec)
