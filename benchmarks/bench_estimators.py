"""Benchmarks of the sample-based estimators, fast path against baseline in one process.

1. Two-point MI I(d) for every d ≤ 4096 on one 10⁷-token sequence: the vectorised path
   (one ``np.bincount`` of a·V + b over all positions per distance) against a per-d Python loop
   that counts the pairs with ``collections.Counter``. The loop takes seconds per distance, so it
   is timed on a few distances and its total extrapolated (printed as such); the estimates at
   those distances are checked to agree.
2. KSG at n = 10⁴ (2 + 2-dimensional Gaussian): scipy's KD-tree against exact brute-force
   neighbour search (``ksg_mi(..., algorithm="brute")``); the estimates must be identical.

Run: ``python benchmarks/bench_estimators.py`` (a few minutes on 2 cores; ``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np

from infoscale.estimators.block import ksg_mi
from infoscale.estimators.entropy import mi_from_joint_counts
from infoscale.estimators.two_point_sample import two_point_mi_curve
from infoscale.generators import make_family


def python_loop_two_point(x: np.ndarray, d: int, vocab_size: int) -> float:
    """Baseline: count the pairs at distance d in a Python loop, then the same Grassberger formula."""
    counts = collections.Counter(zip(x[:-d].tolist(), x[d:].tolist()))
    table = np.zeros((vocab_size, vocab_size))
    for (a, b), c in counts.items():
        table[a, b] = c
    return mi_from_joint_counts(table, "grassberger").value


def bench_two_point(tokens: int, max_distance: int, loop_distances: list[int], vocab_size: int) -> None:
    rows = 1000
    family = make_family("markov", vocab_size=vocab_size, chain_seed=1, concentration=0.3)
    x = family.sample(rows, tokens // rows, 0).ravel()  # rows joined into one long sequence
    print(f"two-point MI: {x.size:.3g} tokens, V = {vocab_size}, d = 1..{max_distance}")
    start = time.perf_counter()
    curve = two_point_mi_curve(x, max_distance=max_distance, vocab_size=vocab_size, progress=True)
    fast = time.perf_counter() - start
    loop_times = []
    for d in loop_distances:
        start = time.perf_counter()
        value = python_loop_two_point(x, d, vocab_size)
        loop_times.append(time.perf_counter() - start)
        assert abs(value - curve.mi[d - 1]) < 1e-9, (d, value, curve.mi[d - 1])
    per_d = float(np.mean(loop_times))
    print(f"  vectorised, all {max_distance} distances: {fast:.1f} s ({1e3 * fast / max_distance:.1f} ms per d)")
    print(f"  Python loop: {per_d:.2f} s per d (timed on d = {loop_distances}), extrapolated to "
          f"{max_distance} distances: {per_d * max_distance:.0f} s")
    print(f"  ratio (extrapolated loop / vectorised): {per_d * max_distance / fast:.0f}x; estimates agree to 1e-9")


def bench_ksg(n: int) -> None:
    rng = np.random.default_rng(0)
    cov = np.eye(4)
    cov[0, 2] = cov[2, 0] = cov[1, 3] = cov[3, 1] = 0.6
    x = rng.standard_normal((n, 4)) @ np.linalg.cholesky(cov).T
    print(f"KSG (k = 3), n = {n}, 2 + 2 dimensions, exact I = {-np.log(1 - 0.36):.4f}")
    results = {}
    for algorithm in ("kdtree", "brute"):
        start = time.perf_counter()
        results[algorithm] = ksg_mi(x[:, :2], x[:, 2:], k=3, algorithm=algorithm)
        print(f"  {algorithm:<7} {time.perf_counter() - start:7.2f} s   estimate {results[algorithm].value:.4f}")
    assert results["kdtree"].value == results["brute"].value
    print(f"  ratio (brute / KD-tree): {results['brute'].seconds / results['kdtree'].seconds:.0f}x; estimates identical")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=float, default=1e7)
    parser.add_argument("--max-distance", type=int, default=4096)
    parser.add_argument("--loop-distances", default="1,64,4096", help="distances the Python loop is timed on")
    parser.add_argument("--vocab-size", type=int, default=32)
    parser.add_argument("--ksg-n", type=int, default=10_000)
    args = parser.parse_args()
    bench_ksg(args.ksg_n)
    bench_two_point(int(args.tokens), args.max_distance, [int(d) for d in args.loop_distances.split(",")],
                    args.vocab_size)


if __name__ == "__main__":
    main()
