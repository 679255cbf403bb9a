"""Two-point MI I(d) for every d ≤ D: infoscale's path against one plain ``np.bincount`` per distance.

Both run in one process on the same token sequence (V = 256, a Markov chain), alternating in
blocks of distances so that a change in the machine's load hits both alike. The baseline is the
straightforward vectorised code (int64 keys a·V + b of all pairs, one ``np.bincount``, then the
same Grassberger formula on the occupied cells); infoscale's path (``two_point_mi_curve``) uses
uint16 keys counted in cache-sized chunks and a lookup table of G(n). Every value is checked to
agree to 1e-12. The cost of one distance barely depends on d, so ``--sample`` evenly spaced
distances of 1..D are timed and the total for every d ≤ D extrapolated (printed as such). Both
wall and CPU time are shown: on a loaded machine the CPU time of this one-thread process is what
it would take alone.

Run: ``python benchmarks/bench_two_point.py [--tokens 10000000 --max-distance 4096 --sample 64]``.
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
    parser.add_argument("--tokens", type=int, default=10_000_000)
    parser.add_argument("--max-distance", type=int, default=4096)
    parser.add_argument("--sample", type=int, default=64, help="distances timed, evenly spaced (default 64; 0: all)")
    parser.add_argument("--vocab-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two paths (default 2)")
    args = parser.parse_args(argv)
    family = make_family("markov", vocab_size=args.vocab_size, chain_seed=1, concentration=0.3)
    rows = 100
    x = family.sample(rows, args.tokens // rows, 0).ravel()  # rows joined into one long sequence
    distances = np.arange(1, args.max_distance + 1)
    if 0 < args.sample < args.max_distance:
        distances = np.unique(np.linspace(1, args.max_distance, args.sample).astype(int))
    print(f"two-point MI: {x.size:.3g} tokens, V = {args.vocab_size}, {len(distances)} distances in 1..{args.max_distance}")
    times = {"baseline": np.zeros(2), "infoscale": np.zeros(2)}  # wall, CPU
    base, fast = np.empty(len(distances)), np.empty(len(distances))
    block = -(-len(distances) // args.rounds)  # each call sees many distances, as in real use
    for start in range(0, len(distances), block):
        chunk = distances[start: start + block]
        t0 = np.array([time.perf_counter(), time.process_time()])
        base[start: start + len(chunk)] = bincount_baseline(x, chunk, args.vocab_size)
        t1 = np.array([time.perf_counter(), time.process_time()])
        fast[start: start + len(chunk)] = two_point_mi_curve(x, distances=chunk, vocab_size=args.vocab_size).mi
        t2 = np.array([time.perf_counter(), time.process_time()])
        times["baseline"] += t1 - t0
        times["infoscale"] += t2 - t1
    assert np.max(np.abs(base - fast)) < 1e-12, np.max(np.abs(base - fast))
    scale = args.max_distance / len(distances)
    note = "" if scale == 1 else f" (extrapolated from {len(distances)} distances)"
    for name, (wall, cpu) in times.items():
        print(f"  {name:<10} per distance {1e3 * wall / len(distances):7.1f} ms wall, {1e3 * cpu / len(distances):7.1f} ms CPU"
              f"   → every d ≤ {args.max_distance}: {wall * scale:6.0f} s wall, {cpu * scale:6.0f} s CPU{note}")
    ratio = times["baseline"] / times["infoscale"]
    print(f"  speed-up over the bincount baseline: {ratio[0]:.2f}× wall, {ratio[1]:.2f}× CPU; "
          f"max |difference| {np.max(np.abs(base - fast)):.1e} nats")


if __name__ == "__main__":
    main()
