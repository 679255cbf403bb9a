"""The expected law's onset: the first fit start from which a family's class fits its MI curve."""

import json

import numpy as np
import pytest

from infoscale.errors import InvalidInput
from infoscale.theory.onset import expected_onset
from infoscale.theory.scaling import fit_scaling_law

LENGTHS = np.array([16, 26, 40, 64, 102, 162, 256, 406, 646, 1024], dtype=float)
SE = np.full(LENGTHS.shape, 0.005)  # Monte-Carlo standard errors of the size `scaling hmm` reports


def _noisy(curve, seed):
    return curve + np.random.default_rng(seed).normal(0.0, SE)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_area_law_approached_exponentially_is_found_after_its_rise(seed):
    """I(L) = 0.21 (1 − e^(−L/10)): from L = 16 the rise (0.04 below the plateau) rejects every law;
    from some later start the area law fits, with the plateau within 3 standard errors."""
    mi = _noisy(0.21 * (1 - np.exp(-LENGTHS / 10)), seed)
    assert fit_scaling_law(LENGTHS, mi, stderr=SE, fit_from=16).fits["area"].p_value < 0.01
    onset = expected_onset(LENGTHS, mi, "area", stderr=SE, fit_from=16)
    assert 16 < onset.start <= 64  # 0.21·e^(−L/10) is below the noise from L ≈ 40
    assert onset.fit.params["c"] == pytest.approx(0.21, abs=3 * 0.005)
    assert "fits from L >= " in onset.describe()


@pytest.mark.parametrize("seed", [0, 1])
def test_a_log_growth_is_not_called_an_area_law_from_any_start(seed):
    mi = _noisy(0.05 + 0.1 * np.log(LENGTHS), seed)
    onset = expected_onset(LENGTHS, mi, "area", stderr=SE, fit_from=16)
    assert onset.start is None and "from no start" in onset.describe()
    assert expected_onset(LENGTHS, mi, "log", stderr=SE, fit_from=16).start == 16


def test_exact_curves_use_the_residual_test_and_bad_laws_are_refused():
    mi = 0.1028 * LENGTHS**0.798
    assert expected_onset(LENGTHS, mi, "power").start == 16 and expected_onset(LENGTHS, mi, "area").start is None
    with pytest.raises(InvalidInput, match="law must be one of"):
        expected_onset(LENGTHS, mi, "critical")


def test_scaling_names_the_expected_class_and_where_it_fits(cli):
    """`infoscale scaling hmm`: Monte Carlo from L = 16; the JSON and the table say where area fits."""
    argv = ("scaling", "hmm", "--max-length", "64", "--samples", "2000", "--quiet")
    code, out, _ = cli(*argv, "--json")
    result = json.loads(out)
    onset = result["expected_onset"]
    assert code == 0 and result["expected"] == "area" and onset["law"] == "area"
    assert onset["start"] is None or onset["start"] in result["lengths"]
    code, out, _ = cli(*argv)
    verdict = result["fit"]["law"]
    assert ("expected class area: the expected area law" in out) == (verdict != "area")
