"""The collapse score and the state law on synthetic rows whose answers are known."""

import numpy as np
import pytest

from infoscale.theory.collapse import collapse_scores, monotone_fit, power_exponent, r_squared, state_law, state_needed


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


def test_collapse_is_detected_when_kl_depends_on_the_ratio_only():
    rows = _rows(lambda mi, d, L: 0.01 * (mi / d) ** 0.7, noise=0.05)
    scores = collapse_scores(rows)
    assert scores["r2_ratio"] > 0.95 and scores["holds"]
    assert scores["r2_ratio"] > scores["r2_state"] and scores["r2_ratio"] > scores["r2_length"]


def test_no_collapse_when_kl_depends_on_the_state_only():
    scores = collapse_scores(_rows(lambda mi, d, L: 0.5 / d, noise=0.05))
    assert scores["r2_state"] > 0.95 and not scores["holds"]


def test_no_collapse_when_kl_depends_on_the_length_only():
    scores = collapse_scores(_rows(lambda mi, d, L: 1e-4 * L, noise=0.05))
    assert scores["r2_length"] > 0.95 and not scores["holds"]


def test_state_needed_interpolates_in_log_log_and_reports_the_range():
    states, kls = [4, 8, 16, 32], [0.1, 0.04, 0.01, 0.002]
    # between 8 (0.04) and 16 (0.01): log-linear in log D, KL = 0.02 at D = 8·2^(ln 2 / ln 4) = 8·√2
    assert state_needed(states, kls, 0.02) == pytest.approx(8 * np.sqrt(2), rel=1e-12)
    assert state_needed(states, kls, 0.5) is None  # the smallest size is already below: out of range
    assert state_needed(states, kls, 1e-4) is None  # no size reaches it


def test_state_law_recovers_the_exponent_of_a_pure_ratio_law():
    """KL = c·(I/D)^p with I ∝ L^β: D*(L) = I(L)·(c/τ)^(1/p) ∝ L^β exactly."""
    beta = 0.8
    rows = _rows(lambda mi, d, L: 0.01 * (mi / d) ** 0.7, states=tuple(2.0 ** np.arange(1, 12)), beta=beta)
    curves = {L: (np.arange(1, 513), 0.02 * np.exp(-np.arange(1, 513) / (0.05 * L**beta))) for L in (64, 256, 1024)}
    (entry,) = state_law(rows, [0.005], curves, family_exponent=beta)
    assert entry["gamma"] == pytest.approx(beta, abs=1e-9) and entry["gamma_stderr"] == pytest.approx(0, abs=1e-9)
    assert entry["beta_local"] == pytest.approx(beta, abs=1e-12)
    # the reference's D*: 0.02·exp(−D/(0.05 L^β)) = τ at D = 0.05 L^β ln 4, again ∝ L^β (up to grid rounding)
    assert entry["gamma_linear"] == pytest.approx(beta, abs=0.02)


def test_power_exponent_needs_two_points():
    assert power_exponent([64, 256], [None, 3.0])["exponent"] is None
    fit = power_exponent([4, 16, 64], [2.0, 4.0, 8.0])
    assert fit["exponent"] == pytest.approx(0.5) and fit["stderr"] == pytest.approx(0.0, abs=1e-12)
