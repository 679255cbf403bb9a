"""Model selection of the scaling fit: parsimony among nested laws, goodness of fit, local exponents.

Noisy curves carry 2 % Gaussian noise with that standard error: the size of the Monte-Carlo errors
of ``infoscale scaling`` at its default 10 000 samples (the χ = 4 MPS run: 0.0055 on 0.28).
"""

import numpy as np
import pytest

from infoscale import make_family
from infoscale.estimators.methods import estimate_mi_curve
from infoscale.theory.local_exponents import local_exponents
from infoscale.theory.scaling import fit_scaling_law, law_curve

LONG = 2.0 ** np.arange(4, 13)  # 16 … 4096
SHORT = 2.0 ** np.arange(4, 8)  # 16 … 128, the MPS command's range
TRUTHS = [("area", {"c": 0.28}), ("log", {"a": 0.1, "c": 0.5}), ("power", {"A": 0.29, "beta": 0.79}),
          ("power", {"A": 0.29, "beta": 0.3}), ("volume", {"c": 0.05})]


def _noisy_fits(law, params, lengths, seeds=20, noise=0.02):
    truth = law_curve(law, params, lengths)
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        yield fit_scaling_law(lengths, truth + noise * truth * rng.standard_normal(lengths.size), stderr=noise * truth)


@pytest.mark.parametrize("law, params", TRUTHS)
def test_noisy_curves_over_a_long_range_give_their_law(law, params):
    for fit in _noisy_fits(law, params, LONG):
        assert fit.law == law, fit.describe()
        if law == "power":  # the reported error, drift included, covers the truth
            assert abs(fit.exponent - params["beta"]) < 4 * fit.exponent_stderr


@pytest.mark.parametrize("law, params, least", [(law, p, n) for (law, p), n in zip(TRUTHS, (19, 16, 20, 15, 20))])
def test_noisy_curves_over_a_short_range(law, params, least):
    fits = list(_noisy_fits(law, params, SHORT))
    assert sum(f.law == law for f in fits) >= least  # measured: 20, 18, 20, 17, 20 of 20
    assert all(law in (f.law, *f.alternatives) or f.law == "power" for f in fits)
    assert all(0 < f.exponent <= 1 for f in fits if f.law == "power")


def test_p_value_rejects_a_law_only_at_its_rate():
    # Noise larger than the 2 % tolerance: the true law still passes at about 1 − accept.
    fits = list(_noisy_fits("log", {"a": 0.1, "c": 0.5}, LONG, seeds=50, noise=0.08))
    assert sum(f.fits["log"].p_value >= 0.01 for f in fits) >= 47


def test_power_never_has_a_non_positive_or_superlinear_exponent():
    for y in (0.31 * SHORT**-0.03, 0.5 * LONG**-0.2, 1e-3 * LONG**1.4, 1e-13 * LONG**2):
        lengths = SHORT if len(y) == len(SHORT) else LONG
        fit = fit_scaling_law(lengths, y)
        assert 0.0 <= fit.fits["power"].params["beta"] <= 1.0
        assert fit.law != "power"


def test_random_chi4_mps_curve_is_area():
    # Exactly what `infoscale scaling mps --chi 4 --max-length 128` computes (auto method, seed 0).
    family = make_family("mps", chi=4)
    lengths = family.lengths_up_to(128)
    curve = estimate_mi_curve(family, lengths, 0.5, "auto", 10_000, 0)
    fit = fit_scaling_law(lengths, curve.mi, stderr=curve.stderr, fit_from=16)
    assert fit.law == "area" and not fit.ambiguous, fit.describe()
    assert fit.coefficient == pytest.approx(np.mean(curve.mi[2:]), rel=0.05)


@pytest.mark.parametrize("prior_std", [0.001, 0.0316])
def test_gaussian_mean_before_its_crossover_fits_no_law(prior_std):
    # I = ½ ln(1 + (L/2)² σ²/(1 + Lσ²))-like: ∝ L² until L ~ 1/σ², far beyond L = 4096 for σ = 0.001.
    family = make_family("gaussian-mean", prior_std=prior_std)
    lengths = family.lengths_up_to(4096)
    fit = fit_scaling_law(lengths, family.mi_curve(lengths), fit_from=16)
    assert fit.law == "none" and fit.exponent is None
    assert fit.local_exponents[0] == pytest.approx(2.0, abs=0.03)  # the L² regime, reported
    assert "no law fits" in fit.describe()


def test_local_exponents_and_drift_follow_their_formulas():
    # ln I = b0 ln L + q (ln L)²: pair slopes are b0 + 2q ln m exactly, so the drift is |2q|·Δln m / 2.
    b0, q = 0.6, 0.01
    y = np.exp(b0 * np.log(LONG) + q * np.log(LONG) ** 2)
    mids, slopes = local_exponents(LONG, y)
    np.testing.assert_allclose(mids, np.sqrt(LONG[:-1] * LONG[1:]))
    np.testing.assert_allclose(slopes, b0 + 2 * q * np.log(mids), rtol=1e-12)
    fit = fit_scaling_law(LONG, y)
    expected = 2 * q * (np.log(mids[-1]) - np.log(mids[0])) / 2
    assert fit.drift == pytest.approx(expected, rel=1e-9)
    if fit.law == "power":
        assert fit.exponent_stderr == pytest.approx(np.hypot(fit.best.stderr["beta"], expected))
    # The log law's slopes (I_k+1 − I_k)/ln(L_k+1/L_k) of a + c ln L + q (ln L)² are c + 2q ln m.
    log_fit = fit_scaling_law(LONG, 0.2 + 0.5 * np.log(LONG) + q * np.log(LONG) ** 2)
    assert log_fit.law == "log"
    assert log_fit.log_drift == pytest.approx(expected, rel=1e-9)
    assert log_fit.coefficient_stderr == pytest.approx(np.hypot(log_fit.best.stderr["c"], expected))


def test_hierarchical_exponent_error_covers_the_asymptotic_exponent():
    # The boundary step changes the prefactor, not the exponent: local exponents fall to ln 3/ln 4.
    family = make_family("hierarchical", k=3)
    lengths = family.lengths_up_to(16384)
    fit = fit_scaling_law(lengths, family.mi_curve(lengths), fit_from=16)
    assert fit.law == "power"
    assert abs(fit.exponent - np.log(3) / np.log(4)) < fit.exponent_stderr
    assert fit.exponent_stderr > 2 * fit.best.stderr["beta"]  # the drift dominates the error
    assert fit.local_exponents[-1] < fit.exponent


def test_fit_from_drops_short_lengths():
    y = law_curve("log", {"a": 0.2, "c": 0.5}, LONG)
    y[:2] = [5.0, 0.01]  # wild short-length values
    assert fit_scaling_law(LONG, y).law != "log"
    fit = fit_scaling_law(LONG, y, fit_from=64)
    assert fit.law == "log" and fit.lengths[0] == 64
    with pytest.raises(ValueError, match="fit_from = 2048"):
        fit_scaling_law(LONG, y, fit_from=2048)


@pytest.mark.slow
def test_slowly_mixing_hmm_is_not_called_a_growth_law():
    # `infoscale scaling hmm --transition "0.999,0.001;0.001,0.999" --emission "0.6,0.4;0.4,0.6"
    # --max-length 64`: bounded by ln 2, but I grows faster than L below the mixing time (~500).
    family = make_family("hmm", transition=[[0.999, 0.001], [0.001, 0.999]], emission=[[0.6, 0.4], [0.4, 0.6]])
    lengths = family.lengths_up_to(64)
    curve = estimate_mi_curve(family, lengths, 0.5, "auto", 10_000, 0)
    fit = fit_scaling_law(lengths, curve.mi, stderr=curve.stderr, fit_from=16)
    assert fit.law == "none", fit.describe()
    assert fit.trend[0] > 1.0  # the local exponents say why: faster than any growth law here
