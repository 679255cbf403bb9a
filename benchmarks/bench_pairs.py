"""Two-point MI I(d) against compiled per-distance loops, side by side in one process:
``python benchmarks/bench_pairs.py [--quick]``.

Markov chains (V = 256 and 4), 10⁶ and 10⁷ tokens, 64 distances evenly spaced in 1..1024,
Grassberger estimates. Baselines, each per distance:

- "numba count + numpy MI": the table counted by a plain compiled loop (``counts[V·a + b] += 1``),
  the MI by infoscale's numpy formula (``mi_terms_from_joint``, as ``bench_two_point.py``'s
  bincount baseline);
- "numba count + numba MI": the same loop, then a plain compiled pass over the table for the MI.

infoscale: ``two_point_mi_curve`` (its compiled core is ``estimators.pair_kernels``).
ratio = baseline time / infoscale time; every estimate is checked to agree to 1e-10.
"""

from __future__ import annotations

import argparse
import math

import numba
import numpy as np

from _machine import best_time, context, copy_bandwidth
from infoscale.estimators.entropy import mi_terms_from_joint, surprisal_terms
from infoscale.estimators.two_point_sample import two_point_mi_curve
from infoscale.generators import make_family


@numba.njit(cache=True)
def count_loop(x, d, vocab):
    counts = np.zeros(vocab * vocab, np.int64)
    for t in range(x.size - d):
        counts[x[t] * vocab + x[t + d]] += 1
    return counts


@numba.njit(cache=True)
def mi_loop(counts, vocab, f):
    row, col = np.zeros(vocab, np.int64), np.zeros(vocab, np.int64)
    for c in range(counts.size):
        row[c // vocab] += counts[c]
        col[c % vocab] += counts[c]
    total = row.sum()
    acc = 0.0
    for c in range(counts.size):
        if counts[c]:
            acc += counts[c] * (f[counts[c]] - f[row[c // vocab]] - f[col[c % vocab]] + math.log(total))
    return acc / total


def baselines(x, distances, vocab, f):
    def numpy_mi():
        return [mi_terms_from_joint(count_loop(x, int(d), vocab).reshape(vocab, vocab).astype(np.float64),
                                    "grassberger")[0] for d in distances]

    def numba_mi():
        return [mi_loop(count_loop(x, int(d), vocab), vocab, f) for d in distances]
    return {"numba count + numpy MI": numpy_mi, "numba count + numba MI": numba_mi}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(context())
    bandwidth = copy_bandwidth()
    distances = np.unique(np.linspace(1, 1024, 64).astype(int))
    for tokens in ((10**6,) if args.quick else (10**6, 10**7)):
        for vocab in (256, 4):
            x = make_family("markov", vocab_size=vocab, chain_seed=1, concentration=0.3).sample(100, tokens // 100, 0).ravel()
            f = surprisal_terms(np.arange(tokens + 1), "grassberger")
            ours = two_point_mi_curve(x, distances=distances, vocab_size=vocab).mi
            took = best_time(lambda: two_point_mi_curve(x, distances=distances, vocab_size=vocab), 1 if args.quick else 3)
            cells = [f"infoscale {took / len(distances) * 1e3:6.2f} ms/distance"]
            for name, run in baselines(x, distances, vocab, f).items():
                diff = np.max(np.abs(np.asarray(run()) - ours))
                assert diff < 1e-10, (name, diff)
                base = best_time(run, 1 if args.quick else 3)
                cells.append(f"{name} {base / len(distances) * 1e3:6.2f} ms (ratio {base / took:4.2f}x)")
            rate = tokens * 2 * len(distances) / took  # bytes of uint16 keys read per distance
            print(f"{tokens:.0e} tokens, V = {vocab:3d}: " + "   ".join(cells)
                  + f"   reads {rate / 1e9:4.1f} GB/s ({rate / bandwidth:4.0%} of copy)")


if __name__ == "__main__":
    main()
