"""Durbin–Levinson MI curve against per-length Cholesky factorisations, side by side.

1. N = 4096 (fGn, H = 0.75): the whole curve I(L/2; L) for every even L ≤ N from one
   Durbin–Levinson pass, against the baseline of scipy Cholesky factors of Σ_L and Σ_{L/2} for
   every even L (the two halves of a stationary sequence are the same matrix). The full baseline
   takes minutes, so it is timed on every ``stride``-th even L and scaled up by ``stride``
   (a systematic sample of an O(L³) cost; the output says so). The single Cholesky of Σ_N, whose
   diagonal gives every leading log-determinant at once (O(N³) time, O(N²) memory), is shown too
   as the strongest dense alternative.
2. N = 100,000: time and peak traced memory of the full curve (tracemalloc; numpy reports its
   buffers to it), and the same at N/4 to show the O(N) memory.

BLAS runs on one thread (set before numpy loads) so both paths use one core, as the
Durbin–Levinson loop does: ``python3 benchmarks/bench_toeplitz.py [--n 4096] [--n-large 100000]``.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
from scipy import linalg  # noqa: E402

from infoscale.exact.toeplitz import toeplitz_mi_curve  # noqa: E402
from infoscale.generators.fgn import fgn_autocovariance  # noqa: E402


def cholesky_logdet(cov: np.ndarray) -> float:
    return 2.0 * float(np.sum(np.log(np.diag(linalg.cholesky(cov, lower=True, check_finite=False)))))


def per_length_cholesky(autocov: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The baseline: I(L/2; L) = ½(2 ld Σ_{L/2} − ld Σ_L) with two fresh factorisations per L."""
    return np.array([0.5 * (2 * cholesky_logdet(linalg.toeplitz(autocov[: n // 2]))
                            - cholesky_logdet(linalg.toeplitz(autocov[:n]))) for n in lengths])


def one_cholesky(autocov: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Leading log-determinants of Σ_N from the diagonal of one Cholesky factor."""
    diag = np.diag(linalg.cholesky(linalg.toeplitz(autocov), lower=True, check_finite=False))
    ld = np.concatenate([[0.0], np.cumsum(2 * np.log(diag))])
    return 0.5 * (2 * ld[lengths // 2] - ld[lengths])


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def compare(n: int, stride: int) -> None:
    autocov = fgn_autocovariance(0.75, n)
    t_lev, (lengths, mi) = timed(toeplitz_mi_curve, autocov)
    subset = lengths[stride - 1:: stride]
    t_sub, mi_sub = timed(per_length_cholesky, autocov, subset)
    t_base = t_sub * lengths.size / subset.size
    t_one, mi_one = timed(one_cholesky, autocov, lengths)
    err = max(np.max(np.abs(mi_sub - mi[stride - 1:: stride])), np.max(np.abs(mi_one - mi)))
    print(f"N = {n}: I(L/2; L) for all {lengths.size} even L (fGn, H = 0.75)")
    print(f"  Durbin-Levinson, one pass          {t_lev:9.3f} s")
    print(f"  Cholesky per L (baseline)          {t_base:9.1f} s   "
          f"(extrapolated: {t_sub:.1f} s measured on {subset.size} lengths, every {stride}th, x{lengths.size / subset.size:.0f})")
    print(f"  one Cholesky of Sigma_N            {t_one:9.3f} s   (O(N^2) memory)")
    print(f"  speed-up vs per-L Cholesky         {t_base / t_lev:9.0f} x   (target >= 100x)")
    print(f"  speed-up vs one Cholesky           {t_one / t_lev:9.1f} x")
    print(f"  max |difference| between methods   {err:9.2e} nats")


def large(n: int) -> None:
    autocov = fgn_autocovariance(0.75, n)
    t_lev, (lengths, mi) = timed(toeplitz_mi_curve, autocov)
    print(f"N = {n}: full curve ({lengths.size} lengths) in {t_lev:.1f} s (target < 60 s); "
          f"I(N/2; N) = {mi[-1]:.6f} nats")
    for size in (n // 4, n):
        small = fgn_autocovariance(0.75, size)
        tracemalloc.start()
        toeplitz_mi_curve(small)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak traced memory at N = {size:>7}: {peak / 2**20:7.2f} MiB "
              f"({peak / (8 * size):.1f} float64 per position; a dense Sigma_N would be {8 * size**2 / 2**30:.1f} GiB)")
    print(f"  process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--stride", type=int, default=128, help="time the per-L baseline on every stride-th L")
    parser.add_argument("--n-large", type=int, default=100_000)
    args = parser.parse_args()
    compare(args.n, args.stride)
    large(args.n_large)


if __name__ == "__main__":
    main()
