"""The parameter ranges where each family's exact values are accurate to 1e-8 relative.

Each family states its range (constants in its module); here both ends are checked against an
independent computation in 40-60-digit arithmetic (mpmath: closed forms, dense determinants,
sums over counts), and a value just outside is refused with an error naming the parameter.
hierarchical has no continuous parameter: its exact values are exact at every k and length.
"""

import mpmath as mp
import numpy as np
import pytest

from infoscale import make_family
from infoscale.errors import InvalidInput
from infoscale.generators.ar import MAX_MODULUS, NOISE_STD_RANGE
from infoscale.generators.dirichlet import MAX_ALPHA
from infoscale.generators.fgn import MAX_HURST
from infoscale.generators.gaussian_mean import RATIO_RANGE, STD_RANGE
from infoscale.generators.noisy_copy import SNR_RANGE

mp.mp.dps = 60
RTOL = 1e-8


def _mp_gaussian_mi(cov, ell):
    """½ ln(det A det B / det Σ) of a covariance given as a function of (i, j), in mpmath."""
    n = len(cov)
    c = mp.matrix(cov)
    logdet = lambda m: mp.log(mp.det(m))  # noqa: E731
    return float((logdet(c[0:ell, 0:ell]) + logdet(c[ell:n, ell:n]) - logdet(c)) / 2)


@pytest.mark.parametrize("phi", [0.0, MAX_MODULUS])
@pytest.mark.parametrize("sigma", NOISE_STD_RANGE)
def test_ar1_at_both_ends(phi, sigma):
    family = make_family("ar", coefficients=(phi,), noise_std=sigma)
    exact = float(-mp.log(1 - mp.mpf(phi) ** 2) / 2)
    for length in (16, 256):
        value = family.bipartite_mi(length // 2, length)
        assert value == pytest.approx(exact, rel=RTOL, abs=1e-300)


def test_ar_outside_is_refused():
    with pytest.raises(InvalidInput, match="coefficients"):
        make_family("ar", coefficients=(1 - 1e-10,))
    for sigma in (NOISE_STD_RANGE[0] / 10, NOISE_STD_RANGE[1] * 10):
        with pytest.raises(InvalidInput, match="noise_std"):
            make_family("ar", noise_std=sigma)


def _gm_exact(ell, length, ratio):
    r = mp.mpf(ratio)
    return float((mp.log(1 + ell * r) + mp.log(1 + (length - ell) * r) - mp.log(1 + length * r)) / 2)


@pytest.mark.parametrize("ratio", RATIO_RANGE)
@pytest.mark.parametrize("noise_std", [1e-40, 1.0, 1e40])
def test_gaussian_mean_at_both_ends(ratio, noise_std):
    family = make_family("gaussian-mean", prior_std=np.sqrt(ratio) * noise_std, noise_std=noise_std)
    for length in (4, 64, 512):
        assert family.bipartite_mi(length // 2, length) == pytest.approx(_gm_exact(length // 2, length, ratio), rel=RTOL)


def test_gaussian_mean_outside_is_refused():
    with pytest.raises(InvalidInput, match="prior_std"):
        make_family("gaussian-mean", prior_std=STD_RANGE[1] * 10)
    with pytest.raises(InvalidInput, match="noise_std"):
        make_family("gaussian-mean", noise_std=STD_RANGE[0] / 10)
    for ratio in (RATIO_RANGE[0] / 10, RATIO_RANGE[1] * 10):
        with pytest.raises(InvalidInput, match="prior_std / noise_std"):
            make_family("gaussian-mean", prior_std=np.sqrt(ratio))


def _fgn_cov(hurst, length):
    h = mp.mpf(hurst)
    r = [(abs(k + 1) ** (2 * h) - 2 * abs(k) ** (2 * h) + abs(k - 1) ** (2 * h)) / 2 for k in map(mp.mpf, range(length))]
    return [[r[abs(i - j)] for j in range(length)] for i in range(length)]


@pytest.mark.parametrize("hurst", [1e-300, 0.5, MAX_HURST])
def test_fgn_at_both_ends(hurst):
    family = make_family("fgn", hurst=hurst)
    assert family.bipartite_mi(16, 32) == pytest.approx(_mp_gaussian_mi(_fgn_cov(hurst, 32), 16), rel=RTOL)


def test_fgn_outside_is_refused():
    with pytest.raises(InvalidInput, match="hurst"):
        make_family("fgn", hurst=0.99999)


def _dirichlet_log_prob(alpha, counts):
    a = mp.mpf(alpha)
    return (mp.loggamma(len(counts) * a) - mp.loggamma(len(counts) * a + sum(counts))
            + sum(mp.loggamma(a + n) - mp.loggamma(a) for n in counts))


def _dirichlet_mi(alpha, length, ell):
    """I(ℓ; L) for V = 2 as a sum over the counts of ones in each block."""
    total = mp.mpf(0)
    for k1 in range(ell + 1):
        for k2 in range(length - ell + 1):
            joint = _dirichlet_log_prob(alpha, [k1 + k2, length - k1 - k2])
            left, right = _dirichlet_log_prob(alpha, [k1, ell - k1]), _dirichlet_log_prob(alpha, [k2, length - ell - k2])
            total += mp.binomial(ell, k1) * mp.binomial(length - ell, k2) * mp.exp(joint) * (joint - left - right)
    return float(total)


@pytest.mark.parametrize("alpha", [1e-300, 1.0, MAX_ALPHA])
def test_dirichlet_at_both_ends(alpha):
    family = make_family("dirichlet", alpha=alpha)
    assert family.bipartite_mi(8, 16) == pytest.approx(_dirichlet_mi(alpha, 16, 8), rel=RTOL)
    x = np.array([[0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0]])
    assert family.log_prob(x)[0] == pytest.approx(float(_dirichlet_log_prob(alpha, [8, 8])), rel=RTOL)


def test_dirichlet_outside_is_refused():
    with pytest.raises(InvalidInput, match="alpha"):
        make_family("dirichlet", alpha=MAX_ALPHA * 10)


@pytest.mark.parametrize("snr", SNR_RANGE)
def test_noisy_copy_at_both_ends(snr):
    family = make_family("noisy-copy", snr=snr)
    pair = float(mp.log1p(mp.mpf(snr)) / 2)  # every separated pair carries ½ ln(1 + SNR)
    assert family.bipartite_mi(8, 16) == pytest.approx(8 * pair, rel=RTOL)
    assert family.mi_spectrum(8, 16).mi == pytest.approx(8 * pair, rel=RTOL)
    copy = 8 + int(np.flatnonzero(family.permutation(16) == 0)[0])
    assert family.two_point_mi(0, copy, 16) == pytest.approx(pair, rel=RTOL)


def test_noisy_copy_outside_is_refused():
    for snr in (SNR_RANGE[0] / 10, SNR_RANGE[1] * 10):
        with pytest.raises(InvalidInput, match="snr"):
            make_family("noisy-copy", snr=snr)
