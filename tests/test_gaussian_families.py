"""The ar, fgn, gaussian-mean and noisy-copy families against independent dense computations."""

import numpy as np
import pytest
from scipy import linalg

from infoscale.generators import make_family
from infoscale.generators.registry import parse_family_args


def independent_covariance(family, length):
    """Each family's covariance built from its definition, sharing no code with the library."""
    if family.name == "ar":
        # Stationary state covariance of the companion form from the discrete Lyapunov equation
        # P = A P Aᵀ + Q, then γ_k = (A^k P)[0, 0].
        phi = np.asarray(family.coefficients)
        p = phi.size
        companion = np.zeros((p, p))
        companion[0] = phi
        companion[1:, :-1] = np.eye(p - 1)
        q = np.zeros((p, p))
        q[0, 0] = family.noise_std**2
        state = linalg.solve_discrete_lyapunov(companion, q)
        gamma, power = [], np.eye(p)
        for _ in range(length):
            gamma.append((power @ state)[0, 0])
            power = companion @ power
        return linalg.toeplitz(gamma)
    if family.name == "fgn":
        k = np.arange(length, dtype=float)
        h2 = 2 * family.hurst
        return linalg.toeplitz(0.5 * (np.abs(k + 1) ** h2 - 2 * k**h2 + np.abs(k - 1) ** h2))
    if family.name == "gaussian-mean":
        return family.noise_std**2 * np.eye(length) + family.prior_std**2 * np.ones((length, length))
    if family.name == "noisy-copy":
        # x = B z + noise on the second half, B = [I; P] with P[j, π(j)] = 1.
        half = length // 2
        perm = np.random.default_rng(family.permutation_seed).permutation(half)
        b = np.vstack([np.eye(half), np.eye(half)[perm]])
        return b @ b.T + np.diag(np.r_[np.zeros(half), np.full(half, 1 / family.snr)])
    raise AssertionError(family.name)




FAMILIES = [
    ("ar", dict(coefficients=(0.5,))),
    ("ar", dict(coefficients=(0.6, -0.3, 0.2), noise_std=0.4)),
    ("ar", dict(coefficients=(1.2, -0.5), token_dim=2)),
    ("fgn", dict(hurst=0.75)),
    ("fgn", dict(hurst=0.2, token_dim=3)),
    ("gaussian-mean", dict(prior_std=2.0, noise_std=0.5)),
    ("gaussian-mean", dict(token_dim=2)),
    ("noisy-copy", dict(snr=3.0)),
    ("noisy-copy", dict(snr=0.5, permutation_seed=7, token_dim=2)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(FAMILIES)]


@pytest.mark.parametrize("name, params", FAMILIES, ids=IDS)
def test_covariance_matches_definition(name, params):
    family = make_family(name, **params)
    # 1e-12: both sides are exact formulas evaluated in float64 (Lyapunov solve for AR).
    np.testing.assert_allclose(family.covariance(40), independent_covariance(family, 40), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name, params", FAMILIES, ids=IDS)
def test_bipartite_mi_matches_dense_slogdet(name, params, dense_gaussian_mi):
    family = make_family(name, **params)
    for length in (2, 8, 30, 64):
        cov = independent_covariance(family, length)
        for ell in sorted({1, length // 3, length // 2, length - 1} - {0}):
            # 1e-10 absolute (the bound); both sides are stable log-determinants.
            expected = family.token_dim * dense_gaussian_mi(cov, ell)
            assert family.bipartite_mi(ell, length) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("name, params", FAMILIES, ids=IDS)
def test_mi_curve_matches_dense_per_length(name, params, dense_gaussian_mi):
    family = make_family(name, **params)
    lengths = [4, 10, 32, 96]
    for split in (0.5, 0.25):
        curve = family.mi_curve(lengths, split=split)
        for length, value in zip(lengths, curve):
            cov = independent_covariance(family, length)
            # 1e-9 absolute (the bound for the Levinson curve).
            assert value == pytest.approx(family.token_dim * dense_gaussian_mi(cov, int(round(split * length))), abs=1e-9)


@pytest.mark.parametrize("phi", [0.5, -0.9, 0.99])
def test_ar1_closed_form_at_every_split(phi):
    family = make_family("ar", coefficients=(phi,), noise_std=2.0)
    expected = -0.5 * np.log1p(-phi**2)
    for length in (2, 5, 50):
        for ell in range(1, length):
            assert family.bipartite_mi(ell, length) == pytest.approx(expected, rel=1e-11)
    # the Levinson curve at a length no dense matrix is needed for
    np.testing.assert_allclose(family.mi_curve([2000, 5000]), expected, rtol=1e-10)


def test_ar_area_law_constant_beyond_order():
    """AR(p): I(ℓ; L) = ½ Σ_{t<p} ln(v_t/σ²) once both blocks hold p positions: constant."""
    family = make_family("ar", coefficients=(0.6, -0.3, 0.2), noise_std=0.4)
    cov = independent_covariance(family, 3)
    v = [cov[0, 0]]  # one-step prediction variances from Schur complements of the dense matrix
    for t in (1, 2):
        v.append(cov[t, t] - cov[t, :t] @ np.linalg.solve(cov[:t, :t], cov[:t, t]))
    expected = 0.5 * np.sum(np.log(np.array(v) / 0.4**2))
    np.testing.assert_allclose(family.mi_curve([6, 20, 400, 3000]), expected, rtol=1e-10)


def test_gaussian_mean_closed_form():
    family = make_family("gaussian-mean", prior_std=3.0, noise_std=1.5, token_dim=2)
    q = 4.0
    for length, ell in [(2, 1), (9, 4), (1000, 123), (10**7, 5 * 10**6)]:
        expected = np.log((1 + ell * q) * (1 + (length - ell) * q) / (1 + length * q))  # = 2 · ½ ln(...)
        assert family.bipartite_mi(ell, length) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("snr, token_dim", [(1.0, 1), (10.0, 3), (0.01, 2)])
def test_noisy_copy_closed_form_at_half_split(snr, token_dim):
    family = make_family("noisy-copy", snr=snr, token_dim=token_dim)
    for length in (2, 16, 4096):
        expected = (length / 2) * 0.5 * np.log(1 + snr) * token_dim
        assert family.bipartite_mi(length // 2, length) == pytest.approx(expected, rel=1e-12)


def test_token_dim_multiplies_mi():
    for name, params in [("fgn", {}), ("ar", {}), ("gaussian-mean", {}), ("noisy-copy", {})]:
        one, four = make_family(name, **params), make_family(name, **params, token_dim=4)
        assert four.bipartite_mi(5, 16) == pytest.approx(4 * one.bipartite_mi(5, 16), rel=1e-13)


@pytest.mark.parametrize("name, params", FAMILIES, ids=IDS)
def test_sample_covariance_matches_covariance(name, params):
    family = make_family(name, **params)
    n, length = 100_000, 8
    x = family.sample(n, length, rng=np.random.default_rng(1234))
    assert x.shape == (n, length, family.token_dim) and x.dtype == np.float64
    cov = family.covariance(length)
    for d in range(family.token_dim):
        sample_cov = x[:, :, d].T @ x[:, :, d] / n  # zero mean is known
        # Var of the (i, j) entry of the sample covariance of a zero-mean Gaussian is
        # (Σ_ii Σ_jj + Σ_ij²)/n; allow 5 standard deviations per entry (64 entries, seeded).
        bound = 5 * np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
        assert np.all(np.abs(sample_cov - cov) <= bound)
    if family.token_dim > 1:  # token dimensions are independent copies
        cross = x[:, :, 0].T @ x[:, :, 1] / n
        assert np.all(np.abs(cross) <= 5 * np.sqrt(np.outer(np.diag(cov), np.diag(cov)) / n))


def test_ar_conditionals_are_the_recursion():
    phi, sigma = np.array([0.6, -0.3, 0.2]), 0.4
    family = make_family("ar", coefficients=tuple(phi), noise_std=sigma)
    x = family.sample(5, 12, rng=np.random.default_rng(3))
    mean, std = family.conditionals(x)
    for t in range(3, 12):  # E[x_t | past] = Σ φ_i x_{t−i}, sd σ, exactly, once p values are known
        np.testing.assert_allclose(mean[:, t, 0], x[:, t - 3:t, 0][:, ::-1] @ phi, atol=1e-12)
        np.testing.assert_allclose(std[:, t, 0], sigma, rtol=1e-12)


def test_ar1_two_point_mi():
    family = make_family("ar", coefficients=(0.7,))
    for d in (1, 2, 9):
        assert family.two_point_mi(3, 3 + d, 20) == pytest.approx(-0.5 * np.log1p(-0.7 ** (2 * d)), rel=1e-12)


def test_scaling_classes():
    assert make_family("ar").scaling.law == "area"
    assert make_family("fgn", hurst=0.3).scaling.law == "log"
    assert make_family("fgn", hurst=0.5).scaling.law == "area"
    assert make_family("gaussian-mean").scaling.law == "log"
    assert make_family("noisy-copy").scaling.law == "volume"


def test_fgn_half_is_white_noise():
    family = make_family("fgn", hurst=0.5)
    np.testing.assert_array_equal(family.covariance(6), np.eye(6))
    np.testing.assert_array_equal(family.mi_curve([4, 64]), 0.0)


def test_fgn_autocovariance_tail_is_accurate():
    import mpmath as mp

    mp.mp.dps = 40
    for hurst in (0.1, 0.5001, 0.75, 0.95):
        gamma = make_family("fgn", hurst=hurst).autocovariance(100_001)
        h2 = 2 * mp.mpf(hurst)
        for k in (1, 2, 3, 50, 4321, 100_000):
            exact = (mp.mpf(k + 1) ** h2 - 2 * mp.mpf(k) ** h2 + mp.mpf(k - 1) ** h2) / 2
            # 1e-14 relative: the direct float formula loses ~2·log10(k) digits here.
            assert float(abs(gamma[k] - exact) / abs(exact)) < 1e-14


def test_noisy_copy_other_splits_count_separated_pairs():
    family = make_family("noisy-copy", snr=2.0, permutation_seed=3)
    perm = np.random.default_rng(3).permutation(5)
    for ell in range(1, 10):
        separated = sum(1 for j in range(5) if perm[j] < ell <= 5 + j)
        assert family.bipartite_mi(ell, 10) == pytest.approx(separated * 0.5 * np.log(3.0), rel=1e-12)


def test_parameters_from_the_cli_parser():
    params = parse_family_args("ar", ["--coefficients", "0.5,-0.2", "--noise-std", "2"])
    family = make_family("ar", **params)
    assert family.params == {"coefficients": (0.5, -0.2), "noise_std": 2.0, "token_dim": 1}
    family = make_family("noisy-copy", **parse_family_args("noisy-copy", ["--snr", "4", "--permutation-seed", "2"]))
    assert family.params == {"snr": 4.0, "permutation_seed": 2, "token_dim": 1}


@pytest.mark.parametrize("name, params, match", [
    ("ar", dict(coefficients=(1.0,)), "coefficients must give a stationary"),
    ("ar", dict(coefficients=(-1.2,)), "coefficients must give a stationary"),
    ("ar", dict(coefficients=(0.5, 0.6)), "coefficients must give a stationary"),
    ("ar", dict(coefficients=()), "coefficients must hold at least one"),
    ("ar", dict(coefficients=(np.nan,)), "coefficients contains NaN"),
    ("ar", dict(noise_std=0.0), "noise_std must be"),
    ("ar", dict(noise_std=-1.0), "noise_std must be"),
    ("fgn", dict(hurst=0.0), "hurst must be"),
    ("fgn", dict(hurst=1.0), "hurst must be"),
    ("fgn", dict(hurst=-0.3), "hurst must be"),
    ("fgn", dict(hurst=float("nan")), "hurst must be"),
    ("gaussian-mean", dict(noise_std=0.0), "noise_std must be"),
    ("gaussian-mean", dict(prior_std=-1.0), "prior_std must be"),
    ("noisy-copy", dict(snr=0.0), "snr must be"),
    ("noisy-copy", dict(snr=-2.0), "snr must be"),
    ("noisy-copy", dict(permutation_seed=-1), "permutation_seed must be"),
    ("fgn", dict(token_dim=0), "token_dim must be"),
])
def test_bad_parameters_raise_naming_the_parameter(name, params, match):
    with pytest.raises(ValueError, match=match):
        make_family(name, **params)


def test_bad_lengths_and_cuts():
    copy = make_family("noisy-copy")
    for call in (lambda: copy.bipartite_mi(3, 7), lambda: copy.sample(2, 9), lambda: copy.covariance(5)):
        with pytest.raises(ValueError, match="length must be even"):
            call()
    with pytest.raises(ValueError, match="ell must be"):
        make_family("fgn").bipartite_mi(10, 10)
    with pytest.raises(ValueError, match="length must be"):
        make_family("ar").mi_curve([1, 8])


@pytest.mark.parametrize("hurst", [0.75, 0.3, 0.9])
def test_fgn_log_law_slope_is_d_squared_over_two(hurst):
    """Long memory with d = H − ½ gives I(L/2; L) ≈ (d²/2)·ln L + const at large L."""
    mi = make_family("fgn", hurst=hurst).mi_curve([4096, 8192])
    # 2% relative: the asymptotic slope, with O(1/ln L)-small corrections at L ~ 10⁴ (observed < 0.01%).
    assert (mi[1] - mi[0]) / np.log(2) == pytest.approx((hurst - 0.5) ** 2 / 2, rel=0.02)
