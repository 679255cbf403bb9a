"""The smoother and the state law on synthetic rows whose answers are known (the collapse scores:
test_collapse.py)."""

import numpy as np
import pytest

from infoscale.theory.collapse import monotone_fit, r_squared
from infoscale.theory.state_law import gamma_interval, information_state_law, state_needed


def _rows(kl_of, lengths=(64, 256, 1024), states=(4, 8, 16, 32, 64, 128), beta=0.8, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for length in lengths:
        mi = 0.1 * length**beta
        for state in states:
            kl = kl_of(mi, state, length) * np.exp(noise * rng.standard_normal())
            rows.append({"length": length, "history_state_dim": state, "mi_half": mi, "mean_kl": kl, "arch": "ssm"})
    return rows


def test_monotone_fit_is_monotone_and_exact_on_monotone_data():
    u = np.linspace(-2, 3, 40)
    y = np.tanh(u) + 0.3 * u
    fitted = monotone_fit(u, y)
    assert np.all(np.diff(fitted) >= -1e-12)
    assert r_squared(u, y) > 0.99
    assert r_squared(u, -y) > 0.99  # decreasing works too
    assert r_squared(u, np.sin(3 * u)) < 0.5  # not monotone: a monotone function cannot explain it


def test_state_needed_interpolates_in_log_log_and_reports_the_range():
    states, kls = [4, 8, 16, 32], [0.1, 0.04, 0.01, 0.002]
    # between 8 (0.04) and 16 (0.01): log-linear in log D, KL = 0.02 at D = 8·2^(ln 2 / ln 4) = 8·√2
    assert state_needed(states, kls, 0.02) == pytest.approx(8 * np.sqrt(2), rel=1e-12)
    assert state_needed(states, kls, 0.5) is None  # the smallest size is already below: out of range
    assert state_needed(states, kls, 1e-4) is None  # no size reaches it


def test_state_law_recovers_the_exponent_of_a_pure_ratio_law():
    """Excess KL over the second half = I·c·(I/D)^p with I ∝ L^β: ε·I is reached at
    D* = I·(c/ε)^(1/p) ∝ L^β exactly; the fit's residuals are zero, so its interval is a point."""
    beta = 0.8
    rows = _rows(lambda mi, d, L: 0.01 * (mi / d) ** 0.7, lengths=(16, 64, 256, 1024),
                 states=tuple(2.0 ** np.arange(-2, 12)), beta=beta)
    for r in rows:
        r["kl_second_half_total"] = r["mi_half"] * r["mean_kl"]
    (entry,) = information_state_law(rows, [0.005], None, bootstrap=20)
    assert entry["gamma"] == pytest.approx(beta, abs=1e-9) and entry["beta_local"] == pytest.approx(beta, abs=1e-12)
    assert entry["interval"] == pytest.approx([beta, beta], abs=1e-9)
    assert entry["lengths"] == entry["fit_lengths"] == [16, 64, 256, 1024]


def test_gamma_needs_four_lengths():
    """Never a γ from two (or three) points."""
    assert gamma_interval([64, 256, 1024], [2.0, 4.0, 8.0])["gamma"] is None
    assert gamma_interval([16, 64, 256, 1024], [1.0, None, 4.0, 8.0])["gamma"] is None
    fit = gamma_interval([4, 16, 64, 256], [2.0, 4.0, 8.0, 16.0], bootstrap=20)
    assert fit["gamma"] == pytest.approx(0.5) and fit["interval"] == pytest.approx([0.5, 0.5], abs=1e-9)
