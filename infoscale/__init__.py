"""infoscale: the information theory of long sequences.

Exact bipartite mutual information I(ℓ; L) = I(X_1..ℓ ; X_ℓ+1..L) for sequence distributions
with a known scaling class, estimators validated against it, scaling-law fits, and small torch
models that test the L²M history-state bound. All information is in nats.

Sub-packages (dependencies point downwards only)::

    nets        torch models, exact-KL training, the L²M experiment
    estimators  exact and sample-based mutual-information estimators
    generators  sequence distributions with exact likelihoods and exact MI
    theory      scaling-law fits, L²M bounds, symbolic results
"""

from infoscale.generators import family_names, make_family

__version__ = "0.1.0"
__all__ = ["make_family", "family_names", "__version__"]
