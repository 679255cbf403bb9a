"""Sequence distributions with known mutual-information scaling, registered by name.

Importing this package registers every family; ``make_family(name, **params)`` builds one and
``family_names()`` lists them.
"""

from infoscale.generators.base import Scaling, SequenceDistribution
from infoscale.generators.registry import family_class, family_names, make_family, register

# Family modules register themselves on import.
from infoscale.generators import (  # noqa: F401  (imported for registration)
    hierarchical,
    mps,
    ising,
    ar,
    fgn,
    gaussian_mean,
    noisy_copy,
    markov,
    hmm,
    copy,
    tree,
    dirichlet,
    santa_fe,
)

__all__ = ["Scaling", "SequenceDistribution", "family_class", "family_names", "make_family", "register"]
