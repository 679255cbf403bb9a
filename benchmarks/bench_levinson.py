"""Durbin–Levinson (``prediction_log_variances``) against a plain compiled loop of the same
recurrence, side by side: ``python benchmarks/bench_levinson.py``.

The baseline is the textbook loop under ``numba.njit`` (default flags): a scalar dot product for
κ_n, then φ_{n,j} = φ_{n−1,j} − κ_n φ_{n−1,n−j} through a copy. infoscale's is the same
recurrence in blocks of 1024 lags per compiled call (progress reports between them), with the dot
product vectorised and the update in place. fGn autocovariance, H = 0.75.
ratio = baseline time / infoscale time (target ≥ 1/1.2 = 0.83). The work is 2 N² flops
(lag n: a dot product and an update of n terms, 2n flops each), reported against the float64 GEMM
peak, and 16 N² bytes streamed (lag n: 32 bytes per term), against the large-copy bandwidth —
though φ and r (16 N bytes) stay in cache up to N ≈ 32k, so cache bandwidth is the real limit.
"""

from __future__ import annotations

import numba
import numpy as np

from _machine import best_time, context, copy_bandwidth, gemm_flops
from infoscale.exact.toeplitz import prediction_log_variances
from infoscale.generators.fgn import fgn_autocovariance


@numba.njit(cache=True)
def plain_levinson(r):
    size = r.size
    log_var = np.empty(size)
    log_var[0] = np.log(r[0])
    phi = np.zeros(size)
    var = r[0]
    for n in range(1, size):
        acc = 0.0
        for j in range(n - 1):
            acc += phi[j] * r[n - 1 - j]
        kappa = (r[n] - acc) / var
        old = phi[: n - 1].copy()
        for j in range(n - 1):
            phi[j] = old[j] - kappa * old[n - 2 - j]
        phi[n - 1] = kappa
        var *= (1.0 - kappa) * (1.0 + kappa)
        log_var[n] = log_var[n - 1] + np.log1p(-kappa * kappa)
    return log_var


def main():
    import torch

    torch.set_num_threads(1)
    print(context())
    peak, bandwidth = gemm_flops(dtype=torch.float64), copy_bandwidth()
    for size in (2048, 8192, 32768):
        r = fgn_autocovariance(0.75, size)
        base = best_time(lambda: plain_levinson(r))
        ours = best_time(lambda: prediction_log_variances(r))
        diff = np.abs(plain_levinson(r) - prediction_log_variances(r)).max()
        flops, moved = 2.0 * size**2, 16.0 * size**2
        print(f"N = {size:6d}: plain compiled loop {base * 1e3:8.2f} ms   infoscale {ours * 1e3:8.2f} ms   "
              f"ratio {base / ours:5.2f}x   max |diff| {diff:.1e}   {flops / ours / 1e9:5.1f} GFLOP/s "
              f"({flops / ours / peak:4.0%} of GEMM float64), {moved / ours / 1e9:5.1f} GB/s ({moved / ours / bandwidth:4.0%} of copy)")


if __name__ == "__main__":
    main()
