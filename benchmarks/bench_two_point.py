"""Two-point MI I(d) for every d ≤ D: infoscale's path against one plain ``np.bincount`` per distance.

Both run in one process on the same token sequence (V = 256, a Markov chain), alternating in
blocks of distances so that a change in the machine's load hits both alike. The baseline is the
straightforward vectorised code (int64 keys a·V + b of all pairs, one ``np.bincount``, then the
same Grassberger formula on the occupied cells); infoscale's path (``two_point_mi_curve``) uses
uint16 keys counted in cache-sized chunks and a lookup table of G(n). Every value is checked to
agree to 1e-12. The total at 10⁷ tokens and d ≤ 4096 is extrapolated from the measured time
per (token × distance) when a smaller size is run (printed as such).

Run: ``python benchmarks/bench_two_point.py [--tokens 1000000 --max-distance 1024]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from infoscale.estimators.entropy import mi_terms_from_joint
from infoscale.estimators.two_point_sample import two_point_mi_curve
from infoscale.generators import make_family


def bincount_baseline(x: np.ndarray, distances, vocab_size: int) -> np.ndarray:
    """One int64 ``np.bincount`` of a·V + b per distance, then the Grassberger MI of the table."""
    scaled = x * vocab_size
    out = np.empty(len(distances))
    for index, d in enumerate(distances):
        joint = np.bincount(scaled[:-d] + x[d:], minlength=vocab_size**2).reshape(vocab_size, vocab_size)
        out[index] = mi_terms_from_joint(joint.astype(np.float64), "grassberger")[0]
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--max-distance", type=int, default=1024)
    parser.add_argument("--vocab-size", type=int, default=256)
    parser.add_argument("--block", type=int, default=64, help="distances per alternation (default 64)")
    args = parser.parse_args(argv)
    family = make_family("markov", vocab_size=args.vocab_size, chain_seed=1, concentration=0.3)
    rows = 100
    x = family.sample(rows, args.tokens // rows, 0).ravel()  # rows joined into one long sequence
    distances = np.arange(1, args.max_distance + 1)
    print(f"two-point MI: {x.size:.3g} tokens, V = {args.vocab_size}, d = 1..{args.max_distance}")
    times = {"baseline": 0.0, "infoscale": 0.0}
    base, fast = np.empty(len(distances)), np.empty(len(distances))
    for start in range(0, len(distances), args.block):
        chunk = distances[start: start + args.block]
        t0 = time.perf_counter()
        base[start: start + len(chunk)] = bincount_baseline(x, chunk, args.vocab_size)
        t1 = time.perf_counter()
        fast[start: start + len(chunk)] = two_point_mi_curve(x, distances=chunk, vocab_size=args.vocab_size).mi
        t2 = time.perf_counter()
        times["baseline"] += t1 - t0
        times["infoscale"] += t2 - t1
    assert np.max(np.abs(base - fast)) < 1e-12, np.max(np.abs(base - fast))
    pairs = x.size * len(distances)
    for name, seconds in times.items():
        full = seconds / pairs * 1e7 * 4096
        print(f"  {name:<10} {seconds:8.2f} s   {seconds / pairs * 1e9:6.2f} ns per token-distance   "
              f"→ 10⁷ tokens × d ≤ 4096: {full:6.0f} s" + ("" if pairs == 1e7 * 4096 else " (extrapolated)"))
    print(f"  speed-up over the bincount baseline: {times['baseline'] / times['infoscale']:.2f}×; "
          f"max |difference| {np.max(np.abs(base - fast)):.1e} nats")


if __name__ == "__main__":
    main()
