"""MI by named method: exact, Monte Carlo and the automatic fallback for curves."""

import numpy as np
import pytest

from infoscale import make_family
from infoscale.estimators.methods import estimate_mi, estimate_mi_curve


def test_exact_method_is_the_family_value():
    family = make_family("ar", coefficients=(0.7,))
    est = estimate_mi(family, 5, 10, "exact")
    assert est.stderr is None and est.value == pytest.approx(-0.5 * np.log(1 - 0.49), abs=1e-12)


def test_mc_method_agrees_within_four_standard_errors():
    family = make_family("copy", vocab_size=2, epsilon=0.1)
    exact = family.bipartite_mi(4, 8)
    est = estimate_mi(family, 4, 8, "mc", n_samples=4000, rng=11)
    assert abs(est.value - exact) < 4 * est.stderr


def test_auto_falls_back_to_monte_carlo_beyond_exact_reach():
    family = make_family("hmm", vocab_size=2, hidden_states=2, hmm_seed=0)
    curve = estimate_mi_curve(family, [4, 6, 30], method="auto", n_samples=500, rng=0)
    assert curve.methods == ["exact", "exact", "monte-carlo"]
    assert curve.estimated and curve.stderr[0] == 0 and curve.stderr[2] > 0
    assert curve.mi[1] == pytest.approx(family.bipartite_mi(3, 6), abs=1e-12)
    with pytest.raises(NotImplementedError, match="Monte-Carlo"):
        estimate_mi_curve(family, [4, 30], method="exact")


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method must be one of"):
        estimate_mi(make_family("ar"), 2, 4, "magic")


def test_curve_progress_counts_sampled_tokens_and_cost_is_checked_first():
    family = make_family("hmm", vocab_size=2, hidden_states=2, hmm_seed=0)
    calls, checked = [], []

    def check(seconds, lengths):
        assert not calls  # the check comes before any sampling
        checked.append((seconds, lengths))

    curve = estimate_mi_curve(family, [4, 30, 40], n_samples=200, rng=0, progress=lambda d, t: calls.append((d, t)),
                              check_cost=check)
    assert curve.methods == ["exact", "monte-carlo", "monte-carlo"]
    assert checked[0][1] == [30, 40] and checked[0][0] > 0
    assert calls[-1] == (200 * 70, 200 * 70)  # one total over every sampled length, reached at the end
    assert all(b[0] >= a[0] for a, b in zip(calls, calls[1:]))


def test_cost_check_can_refuse_a_sweep_before_it_samples():
    family = make_family("hmm", vocab_size=2, hidden_states=2, hmm_seed=0)

    def refuse(seconds, lengths):
        raise ValueError(f"too long: {lengths}")

    with pytest.raises(ValueError, match=r"too long: \[30\]"):
        estimate_mi_curve(family, [4, 30], n_samples=200, rng=0, check_cost=refuse)
