"""Exact two-point MI of Gaussian families equals −½ ln(1 − r²) from the dense covariance."""

import numpy as np
import pytest

from infoscale import make_family


@pytest.mark.parametrize("name, params", [("ar", {"coefficients": (0.5, -0.3)}), ("fgn", {"hurst": 0.8}),
                                          ("gaussian-mean", {}), ("hierarchical", {"k": 3}),
                                          ("noisy-copy", {"snr": 3.0, "token_dim": 2})])
def test_two_point_matches_dense_covariance(name, params):
    family = make_family(name, **params)
    L = 64
    cov = family.covariance(L)
    for i, j in [(0, 1), (5, 40), (31, 32), (0, 63)]:
        r2 = cov[i, j] ** 2 / (cov[i, i] * cov[j, j])
        assert family.two_point_mi(i, j, L) == pytest.approx(-0.5 * family.token_dim * np.log(1 - r2), abs=1e-13)
    with pytest.raises(ValueError, match="different positions"):
        family.two_point_mi(3, 3, L)
    with pytest.raises(ValueError, match="j must be"):
        family.two_point_mi(0, L, L)
