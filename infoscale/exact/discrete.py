"""Exact information of discrete tables, and the codes that enumerate V^L sequences.

- ``joint_mutual_information``: I(X; Y) = Σ p log p / (p_x p_y) of a joint table (0 log 0 = 0).
  The discrete families compute exact pair marginals (matrix powers for Markov and hidden-Markov
  chains, a recursion for the tree, closed forms for copy and Pólya urn) and finish here.
- ``decode_tokens`` / ``encode_tokens``: integer code c ↔ sequence (x_0..x_L−1) with
  c = Σ x_t·V^(L−1−t), so ``arange(V**L)`` lists every sequence in lexicographic order.
- ``check_enumerable`` and ``sequence_chunks``: the guard and the generator of exact sums over
  all V^L sequences (bounded memory, a chunk at a time).
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from infoscale._checks import check_finite_array, check_int
from infoscale.errors import InvalidInput

#: Default largest V^L an exact sum over sequences may take.
MAX_SEQUENCES = 2**22


def joint_mutual_information(joint) -> float:
    """I(X; Y) in nats of a joint probability table p(x, y) (entries ≥ 0 summing to 1)."""
    joint = check_finite_array("joint", joint, ndim=2)
    if np.any(joint < 0) or not np.isclose(joint.sum(), 1.0, rtol=0, atol=1e-9):
        raise InvalidInput("joint must be a probability table: entries >= 0 summing to 1")
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    value = np.sum(xlogy(joint, joint)) - np.sum(xlogy(px, px)) - np.sum(xlogy(py, py))
    return max(float(value), 0.0)


def check_enumerable(vocab_size: int, length: int, max_sequences: int = MAX_SEQUENCES) -> int:
    """Return V^L, or raise ``InvalidInput`` when it exceeds ``max_sequences``."""
    max_sequences = check_int("max_sequences", max_sequences, 1)
    count = int(vocab_size) ** int(length)
    if count > max_sequences:
        raise InvalidInput(f"exact enumeration needs V^L = {vocab_size}^{length} ≈ 10^{length * np.log10(vocab_size):.1f} "
                           f"sequences, beyond max_sequences={max_sequences}; raise max_sequences or use the "
                           "Monte-Carlo estimator (infoscale.estimators.monte_carlo.mc_mutual_information, "
                           "`infoscale mi --method mc`)")
    return count


def decode_tokens(codes, vocab_size: int, length: int) -> np.ndarray:
    """Base-V digits of integer codes, most significant first: shape (len(codes), length)."""
    codes = np.asarray(codes, dtype=np.int64)
    powers = vocab_size ** np.arange(length - 1, -1, -1, dtype=np.int64)
    return (codes[..., None] // powers) % vocab_size


def encode_tokens(x, vocab_size: int, dtype=np.int64) -> np.ndarray:
    """Inverse of ``decode_tokens`` along the last axis (``dtype``: a narrower int type when V^L fits it)."""
    x = np.asarray(x).astype(dtype, copy=False)
    code = np.zeros(x.shape[:-1], dtype=dtype)
    for t in range(x.shape[-1]):          # Horner's scheme: elementwise, much faster than an int matmul
        code = code * vocab_size + x[..., t]
    return code


def sequence_chunks(vocab_size: int, length: int, chunk_size: int = 2**16, max_sequences: int = MAX_SEQUENCES):
    """Yield every sequence of V^L in lexicographic order, as int arrays of at most ``chunk_size`` rows."""
    count = check_enumerable(vocab_size, length, max_sequences)
    chunk_size = check_int("chunk_size", chunk_size, 1)
    for start in range(0, count, chunk_size):
        yield decode_tokens(np.arange(start, min(start + chunk_size, count)), vocab_size, length)
