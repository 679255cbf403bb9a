"""Two-point MI from samples: equality with direct pair counting, convergence on a Markov chain, errors."""

import numpy as np
import pytest

from infoscale.estimators.entropy import mi_from_joint_counts
from infoscale.estimators.two_point_sample import TwoPointCurve, two_point_mi_at, two_point_mi_curve
from infoscale.token_files import load_tokens


def _pair_table(pairs_a, pairs_b, vocab):
    """Joint counts by np.add.at over explicit pair lists (an independent construction)."""
    table = np.zeros((vocab, vocab))
    np.add.at(table, (pairs_a, pairs_b), 1)
    return table


@pytest.mark.parametrize("shape", [(5000,), (40, 60)])
def test_curve_equals_direct_pair_counting(shape):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, size=shape)
    curve = two_point_mi_curve(x, max_distance=9, method="plugin")
    rows = np.atleast_2d(x)
    for d, value, err in zip(curve.distances, curve.mi, curve.stderr):
        a = np.concatenate([row[:-d] for row in rows])
        b = np.concatenate([row[d:] for row in rows])
        expected = mi_from_joint_counts(_pair_table(a, b, 5), "plugin")
        assert value == pytest.approx(expected.value, abs=1e-12)
        assert err == pytest.approx(expected.stderr, abs=1e-12)


def _markov_chain():
    transition = np.array([[0.9, 0.1], [0.3, 0.7]])
    stationary = np.array([0.75, 0.25])  # solves π P = π
    return transition, stationary


def _exact_two_point(transition, stationary, d):
    joint = stationary[:, None] * np.linalg.matrix_power(transition, d)
    return float(np.sum(joint * np.log(joint / np.outer(stationary, stationary))))


def _sample_chain(transition, stationary, n, length, rng):
    x = np.empty((n, length), dtype=np.int64)
    x[:, 0] = rng.random(n) < stationary[1]
    for t in range(1, length):
        x[:, t] = rng.random(n) < transition[x[:, t - 1], 1]
    return x


def test_curve_converges_on_a_markov_chain():
    transition, stationary = _markov_chain()
    rng = np.random.default_rng(1)
    x = _sample_chain(transition, stationary, 20_000, 8, rng)
    curve = two_point_mi_curve(x, method="grassberger")
    exact = np.array([_exact_two_point(transition, stationary, d) for d in curve.distances])
    # Pairs within a row share positions, so the i.i.d. stderr is optimistic: allow 6σ + 1e-3.
    assert np.all(np.abs(curve.mi - exact) < 6 * curve.stderr + 1e-3)


def test_fixed_positions_stderr_coverage():
    # Independent rows: the pair (x_0, x_3) is i.i.d. across rows, so the stated error is honest.
    transition, stationary = _markov_chain()
    truth = _exact_two_point(transition, stationary, 3)
    rng = np.random.default_rng(2)
    hits = []
    for _ in range(200):
        est = two_point_mi_at(_sample_chain(transition, stationary, 3000, 4, rng), 0, 3)
        hits.append(abs(est.value - truth) < 1.96 * est.stderr)
    # Nominal 95 %; the Grassberger bias at 4 cells and n = 3000 is tiny. 200 trials: ±1.5 % spread.
    assert np.mean(hits) >= 0.88


def test_fit_weighs_non_positive_points_by_their_error_and_recovers_exponent():
    d = np.arange(1, 200)
    mi = 0.5 * d ** -0.8 + 0.01
    stderr = np.full(d.shape, 1e-3)
    mi[5], stderr[5] = -0.001, 0.5  # a negative, noisy estimate enters with its weight, not a crash
    curve = TwoPointCurve(distances=d, mi=mi, stderr=stderr, method="grassberger",
                          n_tokens=1000, vocab_size=2, seconds=0.0)
    fit = curve.fit()
    assert fit.alpha == pytest.approx(0.8, abs=1e-3)
    assert fit.C == pytest.approx(0.01, rel=1e-2)


def test_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        two_point_mi_curve(np.array([0.0, 1.0, np.nan]))
    with pytest.raises(TypeError, match="integer tokens"):
        two_point_mi_curve(np.array([0.5, 1.0, 2.0]))
    with pytest.raises(ValueError, match="at least 2 tokens"):
        two_point_mi_curve(np.array([1]))
    with pytest.raises(ValueError, match="non-negative"):
        two_point_mi_curve(np.array([0, -1, 2]))
    with pytest.raises(ValueError, match="max_distance"):
        two_point_mi_curve(np.arange(10) % 3, max_distance=10)
    with pytest.raises(ValueError, match="distances must lie"):
        two_point_mi_curve(np.arange(10) % 3, distances=[0, 3])
    # a vocabulary beyond the dense table is counted sparsely (tests/test_language_model.py checks the values)
    assert two_point_mi_curve(np.array([0, 10_000, 5, 0])).vocab_size == 10_001
    with pytest.raises(ValueError, match="3 axes|1 or 2 axes"):
        two_point_mi_curve(np.zeros((2, 2, 2), dtype=int))
    with pytest.raises(ValueError, match="i != j"):
        two_point_mi_at(np.zeros((5, 3), dtype=int), 1, 1)


def test_load_tokens_refuses_empty_and_binary(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        load_tokens(empty)
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="binary|UTF-8"):
        load_tokens(binary)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8"):
        load_tokens(latin)
    with pytest.raises(ValueError, match="does not exist"):
        load_tokens(tmp_path / "missing.txt")


def test_chunked_uint16_counts_equal_one_bincount():
    from infoscale.estimators import two_point_sample as tp
    from infoscale.estimators.entropy import mi_terms_from_joint

    rng = np.random.default_rng(9)
    for shape, vocab in (((3 * tp.CHUNK + 17,), 256), ((40, 5000), 7), ((2, 2 * tp.CHUNK + 5), 300)):
        x = rng.integers(0, vocab, shape)
        rows = np.atleast_2d(x)
        for d in (1, 13, 4096):
            want = np.bincount((rows[:, :-d] * vocab + rows[:, d:]).ravel(), minlength=vocab * vocab)
            key = np.uint16 if vocab <= 256 else np.uint32
            got = tp.pair_counts((rows * vocab).astype(key), rows.astype(key), d, vocab * vocab)
            assert np.array_equal(got, want)
        curve = tp.two_point_mi_curve(x, distances=[1, 13, 4096], vocab_size=vocab)
        for value, d in zip(curve.mi, (1, 13, 4096)):
            table = np.bincount((rows[:, :-d] * vocab + rows[:, d:]).ravel(), minlength=vocab * vocab)
            assert value == pytest.approx(mi_terms_from_joint(table.reshape(vocab, vocab).astype(float),
                                                              "grassberger")[0], abs=1e-12)


def test_surprisal_table_grows_and_matches():
    from infoscale.estimators.entropy import surprisal_terms
    from infoscale.estimators.two_point_sample import SurprisalTable

    table = SurprisalTable("grassberger")
    counts = np.array([0, 1, 2, 5000, 123_456])
    assert np.array_equal(table(counts), surprisal_terms(counts.astype(float), "grassberger"))
