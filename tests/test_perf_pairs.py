"""The compiled two-point core (estimators.pair_kernels) against np.bincount and the numpy MI formula."""

import numpy as np
import pytest

from infoscale.estimators import pair_kernels
from infoscale.estimators.entropy import mi_from_joint_counts
from infoscale.estimators.two_point_sample import SurprisalTable


def _tokens(rows, length, vocab, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, (rows, length))
    x[:, 1::3] = x[:, ::3][:, : x[:, 1::3].shape[1]]  # runs of equal tokens: repeated keys
    return x


@pytest.mark.parametrize("vocab", [2, 4, 64, 300])  # 8 laned tables up to V² = 4096, one table above
@pytest.mark.parametrize("d", [1, 7, 99])
def test_pair_counts_equal_bincount(vocab, d):
    x = _tokens(3, 1000, vocab, seed=vocab + d)
    key = np.uint16 if vocab * vocab <= 1 << 16 else np.uint32
    expected = sum(np.bincount(row[:-d] * vocab + row[d:], minlength=vocab * vocab) for row in x)
    got = pair_kernels.pair_counts((x * vocab).astype(key), x.astype(key), d, vocab * vocab)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("method", ["plugin", "miller-madow", "grassberger"])
@pytest.mark.parametrize("vocab", [3, 100])
def test_pair_mi_equals_the_numpy_estimate_of_the_joint_table(method, vocab):
    x = _tokens(4, 5000, vocab, seed=vocab)
    d = 5
    joint = sum(np.bincount(row[:-d] * vocab + row[d:], minlength=vocab * vocab) for row in x).reshape(vocab, vocab)
    expected = mi_from_joint_counts(joint, method)
    codes = x.astype(np.uint16)
    value, stderr = pair_kernels.pair_mi(codes * np.uint16(vocab), codes, d, vocab, method, SurprisalTable(method))
    assert value == pytest.approx(expected.value, abs=1e-12, rel=1e-12)
    assert stderr == pytest.approx(expected.stderr, abs=1e-12, rel=1e-10)
