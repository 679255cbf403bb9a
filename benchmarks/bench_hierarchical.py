"""Hierarchical family: the structured exact I(L/2; L) and the recursive sampler/likelihood against
the dense-covariance baselines, side by side in one process.

    python3 benchmarks/bench_hierarchical.py [--k 3] [--no-boundary]
"""

import argparse
import time
import tracemalloc

import numpy as np

from infoscale.exact.gaussian import gaussian_mi
from infoscale.exact.hierarchical import hierarchical_half_mi
from infoscale.generators.gaussian import GaussianSequence
from infoscale.generators.hierarchical import Hierarchical


def timed(fn, repeat=1):
    """Best wall time of ``repeat`` calls and the last result."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def peak_mib(fn):
    """Peak traced Python/numpy allocation of one call, in MiB."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def deepest_finite_level(k, boundary, limit=4096):
    """Largest l ≤ limit whose I(L/2; L) fits in float64 (bisection on the overflow error)."""
    low, high = 1, limit
    while low < high:
        mid = (low + high + 1) // 2
        try:
            hierarchical_half_mi(k, boundary, mid)
            low = mid
        except ValueError:
            high = mid - 1
    return low


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--no-boundary", action="store_true")
    args = parser.parse_args()
    boundary = not args.no_boundary
    family = Hierarchical(args.k, boundary)
    print(f"hierarchical k={args.k} boundary={boundary}")

    # 1. exact MI at 4^8 and beyond
    seconds, value = timed(lambda: family.bipartite_mi(4**8 // 2, 4**8), repeat=5)
    print(f"exact I(L/2; L) at L = 4^8: {value:.10g} nats in {seconds * 1e3:.2f} ms, "
          f"peak memory {peak_mib(lambda: family.bipartite_mi(4**8 // 2, 4**8)):.3f} MiB")
    deepest = deepest_finite_level(args.k, boundary)
    seconds, curve = timed(lambda: hierarchical_half_mi(args.k, boundary, deepest))
    print(f"deepest level before float64 overflow (searched up to 4096): l = {deepest} (L = 4^{deepest}), "
          f"whole curve l = 1..{deepest} in {seconds:.3f} s, I = {curve[-1]:.6g} nats")
    per_level = seconds / deepest
    print(f"  {per_level * 1e6:.0f} us per level: 60 s reach l ~ {int(60 / per_level)} where float64 allows")

    # 2. structured vs dense at 4^6
    length = 4**6
    t_dense, dense = timed(lambda: gaussian_mi(family.covariance(length), length // 2))
    t_fast, fast = timed(lambda: family.bipartite_mi(length // 2, length), repeat=5)
    print(f"L = 4^6: dense {t_dense:.3f} s, structured {t_fast * 1e3:.3f} ms, ratio {t_dense / t_fast:.0f}x, "
          f"|difference| {abs(dense - fast):.2e} (relative {abs(dense - fast) / dense:.1e})")

    # 3. sampler and likelihood: recursive vs dense Cholesky at 4^6, recursive at 4^8
    rng = np.random.default_rng(0)
    n = 200
    family.cholesky(length)  # the dense baseline gets its factor for free (cached)
    t_dense_s, _ = timed(lambda: GaussianSequence.sample(family, n, length, rng), repeat=3)
    t_fast_s, x = timed(lambda: family.sample(n, length, rng), repeat=3)
    t_dense_lp, _ = timed(lambda: GaussianSequence.log_prob(family, x), repeat=3)
    t_fast_lp, _ = timed(lambda: family.log_prob(x), repeat=3)
    print(f"L = 4^6, {n} samples: sample dense {t_dense_s:.3f} s vs recursive {t_fast_s:.3f} s "
          f"({t_dense_s / t_fast_s:.1f}x); log_prob dense {t_dense_lp:.3f} s vs recursive {t_fast_lp:.3f} s "
          f"({t_dense_lp / t_fast_lp:.1f}x)")
    length, n = 4**8, 100
    t_s, x = timed(lambda: family.sample(n, length, rng), repeat=3)
    t_lp, _ = timed(lambda: family.log_prob(x), repeat=3)
    mem = peak_mib(lambda: family.sample(n, length, rng))
    print(f"L = 4^8, {n} samples: sample {t_s:.3f} s ({n / t_s:.0f} sequences/s, "
          f"{n * length / t_s / 1e6:.1f} M tokens/s, peak {mem:.0f} MiB = {mem * 2**20 / (8 * n * length):.1f}x the output); "
          f"log_prob {t_lp:.3f} s ({n * length / t_lp / 1e6:.1f} M tokens/s)")


if __name__ == "__main__":
    main()
