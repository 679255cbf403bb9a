"""The discrete families against dense probability tables built independently from their definitions.

Each reference table lists p(x) for all V^L sequences, computed from the family's generative
definition without the library's recursions: the Markov chain by products along the path (π by
matrix powers), the HMM by summing over all D^L hidden paths, the copy family from the channel
formula, the tree by enumerating every draw of copies and fresh symbols and applying σ row by
row, the Pólya urn by its sequential rule. Everything the library computes (likelihoods,
conditionals, block marginals, exact MI, two-point MI, samples) is checked against these tables.
"""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from infoscale.estimators.enumeration import exact_mutual_information
from infoscale.generators import make_family

# Float64 sums over at most a few thousand terms: 1e-10 leaves ample room for rounding.
TOL = 1e-10


def all_sequences(v, length):
    return np.array(list(itertools.product(range(v), repeat=length)), dtype=np.int64)


def code(seq, v):
    return sum(int(s) * v ** (len(seq) - 1 - i) for i, s in enumerate(seq))


def markov_table(fam, length):
    p = np.asarray(fam.matrix)
    pi = np.linalg.matrix_power(p, 4000)[0]
    return np.array([pi[x[0]] * math.prod(p[a, b] for a, b in zip(x[:-1], x[1:]))
                     for x in all_sequences(fam.vocab_size, length)])


def hmm_table(fam, length):
    a, e = fam.transition_matrix, fam.emission_matrix
    pi = np.linalg.matrix_power(a, 4000)[0]
    paths = list(itertools.product(range(fam.hidden_states), repeat=length))
    out = []
    for x in all_sequences(fam.vocab_size, length):
        total = 0.0
        for s in paths:
            total += pi[s[0]] * math.prod(a[i, j] for i, j in zip(s[:-1], s[1:])) * math.prod(e[si, xi] for si, xi in zip(s, x))
        out.append(total)
    return np.array(out)


def copy_table(fam, length):
    v, eps, half = fam.vocab_size, fam.epsilon, length // 2
    w = lambda y, x: (1 - eps) * (y == x) + eps / v
    return np.array([v**-half * math.prod(w(x[half + t], x[t]) for t in range(half))
                     for x in all_sequences(v, length)])


def tree_table(fam, length):
    """Enumerate every draw: k copies of the previous layer (weighted by its table) and all fresh symbols."""
    v, b, k = fam.vocab_size, fam.branching, fam.k
    if length == b:
        return np.asarray(fam.layer1, dtype=float)
    n = length // b
    prev = tree_table(fam, n)
    copy_codes = np.array(list(itertools.product(range(len(prev)), repeat=k)), dtype=np.int64)
    copy_codes = copy_codes.reshape(len(copy_codes), k)
    weights = prev[copy_codes].prod(axis=1)                                  # (C,)
    copies = (copy_codes[:, :, None] // v ** np.arange(n - 1, -1, -1)) % v   # (C, k, n) digits
    fresh = all_sequences(v, n * (b - k))
    fresh = fresh.reshape(len(fresh), n, b - k)                               # (F, n, b - k)
    c, f = len(copy_codes), len(fresh)
    rows = np.concatenate([np.broadcast_to(np.swapaxes(copies, 1, 2)[:, None], (c, f, n, k)),
                           np.broadcast_to(fresh[None], (c, f, n, b - k))], axis=3)
    out_rows = fam.permutation[rows @ v ** np.arange(b - 1, -1, -1)]        # σ of each row's code
    seq_codes = out_rows @ (v**b) ** np.arange(n - 1, -1, -1)               # rows concatenated
    out = np.zeros(v**length)
    np.add.at(out, seq_codes.ravel(), np.repeat(weights / f, f))
    return out


def dirichlet_table(fam, length):
    v, a = fam.vocab_size, fam.alpha
    out = []
    for x in all_sequences(v, length):
        counts, p = [0] * v, 1.0
        for t, s in enumerate(x):
            p *= (a + counts[s]) / (v * a + t)
            counts[s] += 1
        out.append(p)
    return np.array(out)


TABLES = {"markov": markov_table, "hmm": hmm_table, "copy": copy_table, "tree": tree_table, "dirichlet": dirichlet_table}

CASES = [
    ("markov", dict(transition=((0.5, 0.3, 0.2), (0.1, 0.6, 0.3), (0.4, 0.4, 0.2))), (2, 3, 5)),
    ("markov", dict(vocab_size=2, chain_seed=3), (4, 7)),
    ("hmm", dict(vocab_size=2, hidden_states=3, hmm_seed=1, concentration=0.5), (2, 5)),
    ("hmm", dict(), (4, 6)),
    ("copy", dict(vocab_size=3, epsilon=0.0), (2, 4, 6)),
    ("copy", dict(vocab_size=2, epsilon=0.35), (4, 8)),
    ("copy", dict(vocab_size=3, epsilon=1.0), (4,)),
    ("tree", dict(vocab_size=2, branching=2, k=1), (2, 4, 8)),
    ("tree", dict(vocab_size=3, branching=2, k=2, tree_seed=4), (4, 8)),
    ("tree", dict(vocab_size=2, branching=2, k=0), (4,)),
    ("tree", dict(), (4, 16)),
    ("dirichlet", dict(vocab_size=3, alpha=0.7), (2, 4, 6)),
    ("dirichlet", dict(vocab_size=2, alpha=2.5), (7,)),
]
PARAMS = [(name, params, length) for name, params, lengths in CASES for length in lengths]
IDS = [f"{name}-{i}-L{length}" for i, (name, _, length) in enumerate(PARAMS)]

_cache = {}


def setup(name, params, length):
    key = (name, tuple(sorted(params.items())), length)
    if key not in _cache:
        fam = make_family(name, **params)
        _cache[key] = (fam, TABLES[name](fam, length), all_sequences(fam.vocab_size, length))
    return _cache[key]


def marginal_table(table, v, length, start, stop):
    """p of the block [start, stop), indexed by the block's lexicographic code."""
    axes = tuple(a for a in range(length) if not start <= a < stop)
    return table.reshape((v,) * length).sum(axis=axes).reshape(-1)


def table_mi(table, v, length, ell):
    p = table.reshape(v**ell, v ** (length - ell))
    outer = np.outer(p.sum(axis=1), p.sum(axis=0))
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / outer[mask])))


def block_supported(fam, length, start, stop):
    if fam.name != "tree":
        return True
    unit = length // fam.branching
    return start == 0 or (start % unit == 0 and stop % unit == 0)


@pytest.mark.parametrize("name,params,length", PARAMS, ids=IDS)
def test_reference_table_is_a_distribution(name, params, length):
    _, table, _ = setup(name, params, length)
    assert np.all(table >= 0) and abs(table.sum() - 1) < TOL


@pytest.mark.parametrize("name,params,length", PARAMS, ids=IDS)
def test_log_prob_and_conditionals_match_table(name, params, length):
    fam, table, x = setup(name, params, length)
    with np.errstate(divide="ignore"):
        expected = np.log(table)
    lp = fam.log_prob(x)
    assert np.array_equal(np.isfinite(lp), np.isfinite(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(lp[finite], expected[finite], rtol=0, atol=TOL)
    cond = fam.conditional_log_probs(x)
    np.testing.assert_allclose(cond.sum(axis=1)[finite], lp[finite], rtol=0, atol=TOL)
    # Predictive: p(X_t = v | x_<t) = p(x_<t, v) / p(x_<t), from prefix marginals of the table.
    pred = np.exp(fam.predictive_log_probs(x))
    v = fam.vocab_size
    for t in range(length):
        joint = marginal_table(table, v, length, 0, t + 1).reshape(-1, v)
        prefix = x[:, :t] @ v ** np.arange(t - 1, -1, -1) if t else np.zeros(len(x), dtype=int)
        possible = joint.sum(axis=1)[prefix] > 0
        want = joint[prefix] / joint.sum(axis=1, keepdims=True)[prefix].clip(1e-300)
        np.testing.assert_allclose(pred[possible, t], want[possible], rtol=0, atol=TOL)
        took = np.take_along_axis(pred[:, t], x[:, t, None], axis=1)[:, 0]
        np.testing.assert_allclose(np.log(took[possible & finite]), cond[possible & finite, t], rtol=0, atol=1e-9)


@pytest.mark.parametrize("name,params,length", PARAMS, ids=IDS)
def test_block_marginals_match_table_and_sum_to_one(name, params, length):
    fam, table, x = setup(name, params, length)
    v = fam.vocab_size
    for start in range(length):
        for stop in range(start + 1, length + 1):
            if not block_supported(fam, length, start, stop):
                with pytest.raises(NotImplementedError, match="block marginals"):
                    fam.marginal_log_prob(x[:2], start, stop)
                continue
            want = marginal_table(table, v, length, start, stop)
            blocks = all_sequences(v, stop - start)
            padded = np.zeros((len(blocks), length), dtype=np.int64)
            padded[:, start:stop] = blocks
            got = np.exp(fam.marginal_log_prob(padded, start, stop))
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
            assert abs(got.sum() - 1) < TOL


@pytest.mark.parametrize("name,params,length", PARAMS, ids=IDS)
def test_bipartite_mi_matches_table_and_enumeration(name, params, length):
    fam, table, _ = setup(name, params, length)
    v = fam.vocab_size
    for ell in range(1, length):
        want = table_mi(table, v, length, ell)
        if name == "tree" and ell % (length // fam.branching):
            with pytest.raises(NotImplementedError, match="cuts"):
                fam.bipartite_mi(ell, length)
            continue
        assert fam.bipartite_mi(ell, length) == pytest.approx(want, abs=TOL)
        if block_supported(fam, length, ell, length):
            # An odd chunk size that splits the sequences unevenly (and into many chunks when small).
            est = exact_mutual_information(fam, ell, length, chunk_size=max(7, table.size // 3))
            assert est.value == pytest.approx(want, abs=TOL) and est.stderr is None
            assert abs(est.extra["log_total"]) < TOL


@pytest.mark.parametrize("name,params,length", PARAMS, ids=IDS)
def test_two_point_mi_matches_table(name, params, length):
    fam, table, _ = setup(name, params, length)
    v = fam.vocab_size
    for i, j in itertools.combinations(range(length), 2):
        pair = table.reshape((v,) * length).sum(axis=tuple(a for a in range(length) if a not in (i, j)))
        want = table_mi(pair.reshape(-1), v, 2, 1)
        assert fam.two_point_mi(i, j, length) == pytest.approx(want, abs=TOL)
        assert fam.two_point_mi(j, i, length) == pytest.approx(want, abs=TOL)


@pytest.mark.parametrize("name,params,length", [c for c in PARAMS if 2 < c[2] <= 8 and 2 ** c[2] <= 300] +
                         [("tree", {}, 16)], ids=lambda c: str(c))
def test_sample_frequencies_match_table(name, params, length):
    """Chi-square goodness of fit of 40 000 samples; cells with expected count < 5 pooled.

    Threshold: p-value > 1e-4. With fixed seeds the test is deterministic; a wrong sampler gives
    p-values far below 1e-10 at this sample size.
    """
    fam, table, _ = setup(name, params, length)
    n = 40_000
    x = fam.sample(n, length, rng=12345)
    assert x.shape == (n, length) and np.issubdtype(x.dtype, np.integer)
    codes = x @ fam.vocab_size ** np.arange(length - 1, -1, -1)
    observed = np.bincount(codes, minlength=table.size).astype(float)
    expected = n * table
    assert observed[expected == 0].sum() == 0
    big = expected >= 5
    obs = np.r_[observed[big], observed[~big].sum()]
    exp = np.r_[expected[big], expected[~big].sum()]
    keep = exp > 0
    assert stats.chisquare(obs[keep], exp[keep]).pvalue > 1e-4


@pytest.mark.parametrize("a, b", [(5.08e-3, 1.93e-4), (1e-9, 3e-9), (0.3, 0.6)])
def test_stationary_distribution_of_a_sticky_chain_is_the_closed_form(a, b):
    """π = (b, a)/(a + b) for P = [[1 − a, a], [b, 1 − b]], also when the chain almost never moves
    (a rank tolerance on P − I found no stationary direction there)."""
    from infoscale.generators.markov import stationary_distribution

    pi = stationary_distribution("transition", np.array([[1 - a, a], [b, 1 - b]]))
    # 1 − a is stored to ±eps, so a (and π) is known only to ~eps/a relative: the tolerance says so.
    np.testing.assert_allclose(pi, np.array([b, a]) / (a + b), rtol=10 * np.finfo(float).eps / min(a, b))
