"""A discrete hierarchical family: copies of the previous layer mixed by a bijection of V^b.

The discrete analogue of the hierarchical Gaussian family (``infoscale.generators.hierarchical``). Branching b, k copies,
V symbols; a sequence of layer l has length L = b^l.

- Layer 1 (length b): a fixed joint law p_1 over V^b, drawn from Dirichlet(concentration) over
  the V^b words with ``tree_seed``, so its halves share mutual information.
- Layer l ≥ 2 (length n·b, n = b^(l−1)): draw k independent layer-(l−1) sequences c_1..c_k; row
  i (0 ≤ i < n) is r_i = (c_1[i], …, c_k[i], u_i,k+1, …, u_i,b) with fresh uniform symbols u; the
  output row is Z_i = σ(r_i) for a fixed bijection σ of V^b (a permutation drawn with
  ``tree_seed``); the rows are concatenated.

Likelihood. σ is a bijection, so each output row determines its pre-image r_i = σ^{-1}(Z_i), hence
the copies' symbols c_m[i] and the fresh ones; the copies and the fresh symbols are independent:

    log p_l(x) = Σ_{m<k} log p_{l−1}(c_m) − n (b − k) ln V,

down to layer 1, where log p_1 is a table look-up. ``log_prob`` runs this recursion for a whole
batch at once (all copies of all sequences of one layer in one array). The same recursion gives
the law of any block whose ends are multiples of b^(l−1) (whole rows at every layer, down to a
block of p_1): the copies' blocks are [start/b, stop/b).

Conditionals. Given the whole rows before row i, the copies' prefixes c_m[:i] are known and the
pre-image r_i has the law q(r) = Π_{m<k} p_{l−1}(c_m[i] = r_m | c_m[:i]) · V^{−(b−k)} (copies are
independent, fresh symbols uniform). So p(Z_i = z | rows < i) = q(σ^{-1} z), and the conditional
of each symbol of row i given the earlier symbols of that row follows by summing this V^b table.
The copies' predictive laws come from the same recursion one layer down; layer 1 uses p_1.
This gives ``predictive_log_probs``, ``conditional_log_probs`` and the prefix marginals.

Mutual information. At a cut ℓ = c·b^(l−1) (0 < c < b) the rows do not straddle the cut, at any
layer. The left rows are in bijection with (c_m[:ℓ/b])_m and their fresh symbols, the right rows
with (c_m[ℓ/b:])_m and theirs; the copies are independent and the fresh symbols independent of
everything, so I_l(ℓ) = Σ_m I_{l−1}(ℓ/b) = k·I_{l−1}(ℓ/b) and, down to layer 1,

    I(ℓ; L) = k^(l−1) · I_1(c),   I_1(c) = I(Z[:c]; Z[c:]) under p_1.

At the midpoint (c = b/2, b even) I(L/2; L) = k^(l−1) I_1 = (I_1/k)·L^β with β = ln k / ln b:
area for k ≤ 1, volume for k = b, a power law in between. A cut inside a row would mix the two
sides through σ and has no such closed form; ``bipartite_mi`` refuses it (use the Monte-Carlo
estimator at the supported cuts, or enumeration for tiny cases).

Two-point MI. Single-site and pair marginals follow by the same recursion: for positions in rows
i ≠ j the pre-images (r_i, r_j) have the law Π_{m<k} p_{l−1}(c_m[i], c_m[j]) · V^{−2(b−k)} (a
Kronecker product over the columns), pushed through σ on both rows; within one row, the single-
site marginals of the copies give the law of the pre-image.
"""

from __future__ import annotations

import numpy as np

from infoscale._checks import as_rng, check_block, check_float, check_int, check_split
from infoscale.errors import InvalidInput, Unavailable
from infoscale.generators.base import Scaling
from infoscale.exact.discrete import decode_tokens, encode_tokens, joint_mutual_information
from infoscale.generators.discrete import DiscreteSequence
from infoscale.generators.markov import pair_distance
from infoscale.generators.registry import Param, register

#: Largest word table V^b (the pair marginals build V^b × V^b tables).
MAX_WORDS = 2**12
#: Symbols and row codes (< V^b <= MAX_WORDS) fit 16 bits: the recursions move a quarter of the int64 bytes.
_SMALL = np.int16


@register
class Tree(DiscreteSequence):
    """Discrete hierarchical family: k copies per row, mixed by a bijection of V^b; β = ln k / ln b."""

    name = "tree"
    PARAMS = (
        Param("vocab_size", int, 2, "number of symbols V"),
        Param("branching", int, 4, "branching b: a layer-l sequence has length b^l"),
        Param("k", int, 3, "copies of the previous layer per row, 0..b (beta = ln k / ln b)"),
        Param("tree_seed", int, 0, "seed of the layer-1 law and of the row bijection"),
        Param("concentration", float, 0.5, "Dirichlet concentration of the layer-1 law over V^b words"),
    )

    def __init__(self, vocab_size: int = 2, branching: int = 4, k: int = 3, tree_seed: int = 0,
                 concentration: float = 0.5):
        self.vocab_size = self._check_vocab(vocab_size)
        self.branching = check_int("branching", branching, 2)
        self.k = check_int("k", k, 0, self.branching)
        self.tree_seed = check_int("tree_seed", tree_seed, 0)
        self.concentration = check_float("concentration", concentration, 0.0, low_open=True)
        words = self.vocab_size**self.branching
        if words > MAX_WORDS:
            raise InvalidInput(f"vocab_size**branching must be <= {MAX_WORDS} (one table over all rows), got {words}")
        rng = as_rng(self.tree_seed)
        self.layer1 = rng.dirichlet(np.full(words, self.concentration))     # p_1 over words (codes)
        self.permutation = rng.permutation(words)                           # σ: pre-image code → row code
        self.inverse = np.argsort(self.permutation)                         # σ^{-1}
        digits = decode_tokens(np.arange(words), self.vocab_size, self.branching)
        self._image_digits = digits[self.permutation].astype(_SMALL)        # code of r → symbols of σ(r)
        self._preimage_digits = digits[self.inverse].astype(_SMALL)         # code of z → symbols of σ^{-1}(z)

    # ---- lengths ----------------------------------------------------------------------------
    def check_length(self, length) -> int:
        length = check_int("length", length, self.branching)
        self.level(length)
        return super().check_length(length)

    def level(self, length: int) -> int:
        """The layer l with b^l = length; ``ValueError`` for other lengths."""
        level, size = 1, self.branching
        while size < length:
            level, size = level + 1, size * self.branching
        if size != length:
            raise InvalidInput(f"length must be a power of the branching {self.branching} (b^l, l >= 1), got {length}")
        return level

    def lengths_up_to(self, max_length: int) -> list[int]:
        max_length = check_int("max_length", max_length, self.branching)
        lengths = [self.branching]
        while lengths[-1] * self.branching <= max_length:
            lengths.append(lengths[-1] * self.branching)
        return lengths

    @property
    def scaling(self) -> Scaling:
        if self.k <= 1:
            return Scaling("area")
        if self.k == self.branching:
            return Scaling("volume")
        return Scaling("power", float(np.log(self.k) / np.log(self.branching)))

    # ---- sampling and likelihoods -------------------------------------------------------------
    def sample(self, n: int, length: int, rng=None) -> np.ndarray:
        n = check_int("n", n, 1)
        return self._sample(as_rng(rng), n, self.level(self.check_length(length))).astype(np.int64)

    def log_prob(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        return self._aligned_log_prob(x, 0, x.shape[1])

    def marginal_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        """Exact for blocks whose ends are multiples of b^(l−1), and for every prefix."""
        x = self.check_tokens(x)
        length = x.shape[1]
        start, stop = check_block(start, stop, length)
        unit = length // self.branching
        if start % unit == 0 and stop % unit == 0:
            return self._aligned_log_prob(x, start, stop)
        if start == 0:
            return self.conditional_log_probs(x)[:, :stop].sum(axis=1)
        raise Unavailable(f"the tree family has exact block marginals only for prefixes and for blocks "
                                  f"whose ends are multiples of b^(l-1) = {unit}; got [{start}, {stop})")

    def conditional_log_probs(self, x) -> np.ndarray:
        x = self.check_tokens(x)
        probs = self._predictive(x)
        with np.errstate(divide="ignore"):
            return np.log(np.take_along_axis(probs, x[..., None], axis=2)[..., 0])

    def predictive_log_probs(self, x) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self._predictive(self.check_tokens(x)))

    # ---- mutual information -----------------------------------------------------------------
    def bipartite_mi(self, ell: int, length: int) -> float:
        length = self.check_length(length)
        ell = check_split(ell, length)
        level = self.level(length)
        unit = length // self.branching
        if ell % unit:
            raise Unavailable(f"the tree family's exact MI is known at cuts ell = c*b^(l-1) = c*{unit}, "
                                      f"got ell = {ell}; use enumeration (small cases) or mc_mutual_information")
        return float(self.k ** (level - 1)) * self.layer1_mi(ell // unit)

    def layer1_mi(self, cut: int) -> float:
        """I_1(c) = I(Z[:c]; Z[c:]) under the layer-1 law."""
        cut = check_int("cut", cut, 1, self.branching - 1)
        v = self.vocab_size
        return joint_mutual_information(self.layer1.reshape(v**cut, v ** (self.branching - cut)))

    def two_point_mi(self, i: int, j: int, length: int) -> float:
        pair_distance(self, i, j, length)
        i, j = sorted((i, j))
        return joint_mutual_information(self._pair_marginal(i, j, self.level(length)))

    # ---- recursions -------------------------------------------------------------------------
    def _sample(self, rng, n: int, level: int) -> np.ndarray:
        b, k, v = self.branching, self.k, self.vocab_size
        if level == 1:
            return decode_tokens(rng.choice(len(self.layer1), size=n, p=self.layer1), v, b).astype(_SMALL)
        rows = b ** (level - 1)
        copies = self._sample(rng, n * k, level - 1).reshape(n, k, rows) if k else np.empty((n, 0, rows), _SMALL)
        fresh = rng.integers(0, v, size=(n, rows, b - k), dtype=_SMALL)
        pre = np.concatenate([np.swapaxes(copies, 1, 2), fresh], axis=2)       # (n, rows, b)
        return self._image_digits[encode_tokens(pre, v, _SMALL)].reshape(n, rows * b)

    def _preimages(self, x: np.ndarray) -> np.ndarray:
        """σ^{-1} of every row: (..., rows·b) → (..., rows, b)."""
        b, v = self.branching, self.vocab_size
        rows = x.reshape(x.shape[:-1] + (-1, b))
        return self._preimage_digits[encode_tokens(rows, v, _SMALL)]

    def _aligned_log_prob(self, x: np.ndarray, start: int, stop: int) -> np.ndarray:
        """log p of the block [start, stop) (ends multiples of b^(l−1)) by recursion through the layers."""
        b, k, v = self.branching, self.k, self.vocab_size
        n = x.shape[0]
        seqs = x[:, None, start:stop].astype(_SMALL)                           # (n, copies, block)
        fresh_symbols = 0
        for _ in range(self.level(x.shape[1]) - 1):
            if seqs.shape[1] == 0:  # k = 0: no copies left, every remaining symbol was fresh
                return np.full(n, -fresh_symbols * np.log(v))
            rows = seqs.shape[2] // b
            fresh_symbols += seqs.shape[1] * rows * (b - k)
            pre = self._preimages(seqs)                                        # (n, copies, rows, b)
            seqs = np.swapaxes(pre[..., :k], 2, 3).reshape(n, -1, rows)
            start, stop = start // b, stop // b
        if seqs.shape[1] == 0:
            return np.full(n, -fresh_symbols * np.log(v))
        table = self._layer1_block(start, stop)
        return table[encode_tokens(seqs, v)].sum(axis=1) - fresh_symbols * np.log(v)

    def _layer1_block(self, start: int, stop: int) -> np.ndarray:
        """log p_1 of the block [start, stop) of layer 1, indexed by the block's code."""
        b, v = self.branching, self.vocab_size
        outside = tuple(a for a in range(b) if not start <= a < stop)
        with np.errstate(divide="ignore"):
            return np.log(self.layer1.reshape((v,) * b).sum(axis=outside).reshape(-1))

    def _predictive(self, x: np.ndarray) -> np.ndarray:
        """p(X_t = v | x_<t) for every position, (n, L, V), by recursion through the layers."""
        b, k, v = self.branching, self.k, self.vocab_size
        n, length = x.shape
        if length == b:
            return self._row_conditionals(self.layer1[None, None, :], x[:, None, :])
        rows = length // b
        copies = np.swapaxes(self._preimages(x)[..., :k], 1, 2).reshape(n * k, rows)
        copy_pred = self._predictive(copies).reshape(n, k, rows, v) if k else np.ones((n, 0, rows, v))
        # Law of each row's pre-image given the earlier rows: product over copies, uniform fresh symbols.
        law = np.ones((n, rows, 1))
        for m in range(k):
            law = (law[..., :, None] * copy_pred[:, m, :, None, :]).reshape(n, rows, -1)
        law = np.repeat(law, v ** (b - k), axis=2) / v ** (b - k)
        return self._row_conditionals(law[..., self.inverse], x.reshape(n, rows, b))

    def _row_conditionals(self, word_law: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """p(Z[o] = v | Z[:o]) for each symbol of each row, given the law of the row (…, V^b) → (n, L, V).

        Walks along the row: sum the law over the symbols after o, then keep the slice of the
        observed symbol, so the cost is V^b + V^(b−1) + … per row. ``word_law`` may have
        leading axes of size 1 (one law shared by all rows).
        """
        b, v = self.branching, self.vocab_size
        n, n_rows = rows.shape[:2]
        out = np.empty((n, n_rows, b, v))
        law = word_law
        for o in range(b):
            law = law.reshape(law.shape[:2] + (v, -1))
            joint = np.broadcast_to(law.sum(axis=3), (n, n_rows, v))
            total = joint.sum(axis=2, keepdims=True)
            out[:, :, o] = np.divide(joint, total, out=np.zeros((n, n_rows, v)), where=total > 0)
            law = np.take_along_axis(law, rows[:, :, o, None, None], axis=2)[:, :, 0]
        return out.reshape(n, n_rows * b, v)

    def _word_law(self, column_laws: list[np.ndarray]) -> np.ndarray:
        """Law over V^b output words of σ(r), r with independent columns of the given laws (V,) each."""
        law = np.ones(1)
        for column in column_laws:
            law = np.kron(law, column)
        return law[self.inverse]

    def _site_marginal(self, t: int, level: int) -> np.ndarray:
        """p(X_t = ·) at layer ``level``, shape (V,)."""
        b, v = self.branching, self.vocab_size
        if level == 1:
            words = self.layer1
        else:
            copy = self._site_marginal(t // b, level - 1)
            words = self._word_law([copy] * self.k + [np.full(v, 1.0 / v)] * (b - self.k))
        return _marginal(words, (v,) * b, (t % b,))

    def _pair_marginal(self, i: int, j: int, level: int) -> np.ndarray:
        """p(X_i = ·, X_j = ·) for i < j at layer ``level``, shape (V, V)."""
        b, v = self.branching, self.vocab_size
        if level == 1:
            return _marginal(self.layer1, (v,) * b, (i, j))
        ri, rj = i // b, j // b
        if ri == rj:
            copy = self._site_marginal(ri, level - 1)
            words = self._word_law([copy] * self.k + [np.full(v, 1.0 / v)] * (b - self.k))
            return _marginal(words, (v,) * b, (i % b, j % b))
        copy_pair = self._pair_marginal(ri, rj, level - 1)
        joint = np.ones((1, 1))
        for column in [copy_pair] * self.k + [np.full((v, v), 1.0 / v**2)] * (b - self.k):
            joint = np.kron(joint, column)
        joint = joint[np.ix_(self.inverse, self.inverse)]
        return _marginal(joint.reshape(-1), (v,) * (2 * b), (i % b, b + j % b))


def _marginal(law: np.ndarray, shape: tuple[int, ...], keep: tuple[int, ...]) -> np.ndarray:
    """Sum a flat law over all axes of ``shape`` except ``keep`` (kept in the given order)."""
    table = law.reshape(shape)
    return table.sum(axis=tuple(a for a in range(len(shape)) if a not in keep))
