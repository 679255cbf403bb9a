"""The linear-Gaussian reference over a sweep's own design: what the design can identify before
anything is trained.

For every family, length and state size of a sweep's fixed-state models, ``reference_rows`` gives
a row as a trained model would, with the least KL a D-float *linear* state can leave
(``theory.rate_distortion``): the summed excess over the second half R(D), and R(D)/L per token.
``collapse_scores`` on these rows shows whether the design separates I(L/2; L)/D from L/D;
``reference_curves`` gives R(D) at every integer D for the state law's reference.
"""

from __future__ import annotations

import numpy as np

from infoscale.generators import make_family
from infoscale.protocols import GaussianFamily
from infoscale.studies.l2m.plan import plan
from infoscale.studies.l2m.schema import plain
from infoscale.theory.rate_distortion import reference_curve


def reference_rows(config, states=None) -> list[dict]:
    """Rows of the linear reference over ``config``'s families × lengths × the fixed-state sizes
    (``states``, or the sizes of the sweep's fixed-state models at L/2, as planned)."""
    if states is None:  # the sizes as the sweep builds them
        states = sorted({r.state_dim for r in plan(config) if not r.grows})
    rows = []
    for index, spec in enumerate(config.families):
        family = make_family(spec.name, **plain(spec.params))
        if not isinstance(family, GaussianFamily):
            continue
        for length in config.lengths:
            mi = float(family.bipartite_mi(length // 2, length))
            for state, value in zip(states, reference_curve(family, length, states)):
                rows.append({"family": family.name, "family_params": family.params, "family_index": index,
                             "arch": "linear reference", "length": length, "history_state_dim": int(state),
                             "mi_half": mi, "kl_second_half_total": float(value), "mean_kl": float(value) / length})
    return rows


def reference_curves(family, lengths) -> dict:
    """{L: (states 1 … L/2·token_dim, R(D))}: the reference at every integer state."""
    curves = {}
    for length in lengths:
        states = np.arange(1, length // 2 * family.token_dim + 1)
        curves[length] = (states, reference_curve(family, length, states))
    return curves
