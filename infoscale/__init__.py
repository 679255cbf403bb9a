"""infoscale: the information theory of long sequences.

Exact bipartite mutual information I(ℓ; L) = I(X_1..ℓ ; X_ℓ+1..L) for sequence distributions
with a known scaling class, estimators validated against it, scaling-law fits, and small torch
models that test the L²M history-state bound. All information is in nats.

The public API, one import away::

    import infoscale as isc

    family = isc.make_family("hierarchical", k=3)        # a SequenceDistribution
    family.bipartite_mi(512, 1024)                        # exact I(L/2; L), nats
    curve = isc.mi_curve(family, [64, 256, 1024])         # exact where it can, else Monte Carlo
    fit = isc.fit_scaling_law(curve.lengths, curve.mi)    # area / log / power / volume, or none
    isc.estimate(x, y, method="ksg")                      # any pair estimator on your own samples
    model = isc.build_model("gru", {"d_hidden": 32, "token_dim": 1}, seed=0)
    isc.train(model, family, 64, isc.TrainConfig(steps=200)); isc.evaluate(model, family, 64)

Sub-packages (layers, bottom to top; imports point downwards only, see docs/DESIGN.md)::

    exact       pure mathematics: log-determinants, Levinson, the hierarchical recursion, MPS
    theory      scaling-law and two-point fits, the collapse scores, R(D), closed forms
    generators  sequence families with exact likelihoods and exact MI
    nets        torch models with a countable history state, exact-KL training
    estimators  exact, sample-based and model-based MI estimators
    studies     the experiments: l2m, validation, lm_mi
    cli         the ``infoscale`` command

Everything here is loaded on first use: ``import infoscale`` imports no sub-package, and torch
only when a name that needs it (``build_model``, ``train``, ``evaluate``) is touched.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module that defines it, or "module:name" where the name differs there.
_EXPORTS = {
    "SequenceDistribution": "infoscale.generators.base",
    "Scaling": "infoscale.generators.base",
    "make_family": "infoscale.generators.registry",
    "family_names": "infoscale.generators.registry",
    "family_class": "infoscale.generators.registry",
    "register": "infoscale.generators.registry",
    "Estimate": "infoscale.estimators.result",
    "estimate": "infoscale.estimators.pairs",
    "pair_methods": "infoscale.estimators.pairs",
    "estimate_mi": "infoscale.estimators.methods",
    "mi_curve": "infoscale.estimators.methods:estimate_mi_curve",
    "fit_scaling_law": "infoscale.theory.scaling",
    "fit_two_point": "infoscale.theory.two_point",
    "build_model": "infoscale.nets.models",
    "architecture_names": "infoscale.nets.models",
    "register_architecture": "infoscale.nets.models",
    "TrainConfig": "infoscale.nets.train",
    "train": "infoscale.nets.train",
    "evaluate": "infoscale.nets.evaluate",
}
_SUBPACKAGES = ("exact", "theory", "generators", "nets", "estimators", "studies", "cli")

__all__ = [*_EXPORTS, *_SUBPACKAGES, "__version__"]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"infoscale.{name}")
    if name not in _EXPORTS:
        raise AttributeError(f"module 'infoscale' has no attribute {name!r}")
    module_name, _, attribute = _EXPORTS[name].partition(":")
    if module_name == "infoscale.generators.registry":
        importlib.import_module("infoscale.generators")  # registers every family
    value = getattr(importlib.import_module(module_name), attribute or name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
