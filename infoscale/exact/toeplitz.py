"""Exact mutual information of stationary Gaussian sequences from one Durbin–Levinson pass.

A stationary zero-mean Gaussian sequence with autocovariance r_0, r_1, … has the Toeplitz
covariance Σ_n = [r_|i−j|] (n × n) for its first n positions. Write x̂_n for the best linear
prediction of x_n from x_0..x_{n−1} and v_n = E(x_n − x̂_n)² for its error variance. Then the
Cholesky factorisation of Σ_n has diagonal √v_0, …, √v_{n−1}, so

    ln det Σ_n = Σ_{t<n} ln v_t              for every n at once.

**Durbin–Levinson recursion.** With φ_{n,1..n} the coefficients of x̂_n = Σ_j φ_{n,j} x_{n−j}
and κ_n = φ_{n,n} (the n-th partial autocorrelation / reflection coefficient),

    v_0 = r_0,
    κ_n = (r_n − Σ_{j=1}^{n−1} φ_{n−1,j} r_{n−j}) / v_{n−1},
    φ_{n,j} = φ_{n−1,j} − κ_n φ_{n−1,n−j}   (j < n),     φ_{n,n} = κ_n,
    v_n = v_{n−1} (1 − κ_n²).

Step n costs O(n) work, so all of v_0..v_{N−1} take O(N²) time and O(N) memory (one coefficient
vector, updated in place) — no per-length factorisation. The loop is compiled (numba): in Python
each lag cost ~6 µs of interpreter overhead. Σ_N is positive definite
iff r_0 > 0 and |κ_n| < 1 for every n; otherwise some v_n ≤ 0 and we raise ``ValueError``.
ln v_n is accumulated as ln v_{n−1} + log1p(−κ_n²), accurate also when κ_n is tiny.

**Bipartite MI.** Stationarity makes the two blocks of a cut at ℓ Toeplitz too: Σ_AA = Σ_ℓ and
Σ_BB = Σ_{L−ℓ}. With ld(n) = ln det Σ_n,

    I(ℓ; L) = ½ [ld(ℓ) + ld(L−ℓ) − ld(L)],

so the whole curve (every L ≤ N, any split) comes from the one pass. ld(n) grows like n·ln v_∞
while I stays small; because ℓ + (L−ℓ) − L = 0, replacing ln v_t by ln v_t − c leaves I unchanged.
We take c = ln v_{N−1} (≈ ln v_∞), which turns the cancellation between three numbers of size
O(N) into one between numbers of the size of I itself.
"""

from __future__ import annotations

import functools

import numpy as np

from infoscale._checks import check_finite_array, check_float
from infoscale.errors import InvalidInput, InvalidType
from infoscale.progress import Progress, report

#: Lags between two progress reports.
_REPORT_EVERY = 1024


def prediction_log_variances(autocov, progress: Progress = None) -> np.ndarray:
    """ln v_t, t = 0..N−1: log one-step prediction error variances of the Toeplitz sequence ``autocov``.

    The recursion runs as a compiled loop (numba), ``_REPORT_EVERY`` lags per call.
    """
    r = check_finite_array("autocov", autocov, ndim=1)
    size = r.shape[0]
    if size == 0:
        raise InvalidInput("autocov must hold at least r_0")
    if r[0] <= 0.0:
        raise InvalidInput(f"autocov is not positive definite: r_0 = {float(r[0])!r} must be > 0")
    kernel = _kernel()
    log_var = np.empty(size)
    log_var[0] = np.log(r[0])
    phi = np.zeros(max(size - 1, 1))  # φ_{n,1..n} in phi[:n]
    state = np.array([r[0], 0.0])  # v_{n−1}; the offending κ
    r = np.ascontiguousarray(r, dtype=np.float64)
    for start in range(1, size, _REPORT_EVERY):
        report(progress, start - 1, size)
        failed = kernel(r, phi, log_var, state, start, min(size, start + _REPORT_EVERY))
        if failed >= 0:
            raise InvalidInput(f"autocov is not positive definite: the prediction error variance at lag {failed} "
                               f"is <= 0 (partial autocorrelation {float(state[1])!r})")
    report(progress, size, size)
    return log_var


@functools.cache
def _kernel():
    """The Durbin–Levinson steps n = start..stop−1 as one compiled loop (numba, imported here)."""
    import numba

    @numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "nsz"})  # reassoc: a vectorised dot
    def levinson_steps(r, phi, log_var, state, start, stop):
        var = state[0]
        for n in range(start, stop):
            acc = 0.0
            for j in range(n - 1):  # Σ_j φ_{n−1,j+1} r_{n−1−j}
                acc += phi[j] * r[n - 1 - j]
            kappa = (r[n] - acc) / var
            if not abs(kappa) < 1.0:  # also catches NaN (no "nnan" flag above)
                state[1] = kappa
                return n
            for j in range((n - 1) // 2):  # φ_j −= κ φ_{n−2−j}, both ends of the vector at once
                low, high = phi[j], phi[n - 2 - j]
                phi[j] = low - kappa * high
                phi[n - 2 - j] = high - kappa * low
            if (n - 1) % 2:
                phi[(n - 1) // 2] *= 1.0 - kappa
            phi[n - 1] = kappa
            var *= (1.0 - kappa) * (1.0 + kappa)
            log_var[n] = log_var[n - 1] + np.log1p(-kappa * kappa)
        state[0] = var
        return -1

    return levinson_steps


def toeplitz_logdets(autocov, progress: Progress = None) -> np.ndarray:
    """ln det Σ_n for n = 0..N (ln det Σ_0 = 0), Σ_n the n × n Toeplitz matrix of ``autocov``."""
    return np.concatenate([[0.0], np.cumsum(prediction_log_variances(autocov, progress))])


def toeplitz_mi(autocov, ell, length, progress: Progress = None):
    """Exact I(ℓ; L) in nats for the stationary Gaussian sequence ``autocov``, for (arrays of) ℓ and L.

    ``ell`` and ``length`` broadcast together; one Durbin–Levinson pass up to max(L) serves all of
    them. Returns a float for scalar input, an array otherwise.
    """
    ell, length = np.broadcast_arrays(_int_array("ell", ell), _int_array("length", length))
    r = check_finite_array("autocov", autocov, ndim=1)
    if length.size == 0:
        return np.zeros(length.shape)
    if length.min() < 2 or length.max() > r.shape[0]:
        raise InvalidInput(f"length must be between 2 and len(autocov) = {r.shape[0]}, "
                         f"got values in [{length.min()}, {length.max()}]")
    bad = (ell < 1) | (ell > length - 1)
    if bad.any():
        k = np.flatnonzero(bad.ravel())[0]
        raise InvalidInput(f"ell must be between 1 and length - 1, got ell={ell.ravel()[k]} "
                         f"for length={length.ravel()[k]}")
    log_var = prediction_log_variances(r[: length.max()], progress)
    centred = np.concatenate([[0.0], np.cumsum(log_var - log_var[-1])])
    mi = 0.5 * (centred[ell] + centred[length - ell] - centred[length])
    return float(mi) if mi.ndim == 0 else mi


def toeplitz_mi_curve(autocov, lengths=None, split: float = 0.5,
                      progress: Progress = None) -> tuple[np.ndarray, np.ndarray]:
    """(lengths, I(ℓ; L)) with ℓ = round(split·L), from one Durbin–Levinson pass.

    ``lengths`` defaults to every even L ≤ len(autocov) whose cut leaves both blocks non-empty.
    Rounding is half-to-even, as in ``infoscale.generators.base.split_position``. ``progress``
    (a callback ``(done, total)``, see ``infoscale.progress``) follows the Durbin–Levinson pass.
    """
    split = check_float("split", split, 0.0, 1.0, low_open=True, high_open=True)
    size = check_finite_array("autocov", autocov, ndim=1).shape[0]
    if lengths is None:
        lengths = np.arange(2, size + 1, 2)
        cut = np.rint(split * lengths).astype(np.int64)
        lengths = lengths[(cut >= 1) & (cut <= lengths - 1)]
    lengths = _int_array("lengths", lengths)
    if lengths.ndim != 1:
        raise InvalidInput(f"lengths must be one-dimensional, got shape {lengths.shape}")
    ell = np.rint(split * lengths).astype(np.int64)
    return lengths, toeplitz_mi(autocov, ell, lengths, progress)


def _int_array(name: str, values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind != "f" or not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InvalidType(f"{name} must hold integers, got {values!r}")
    return arr.astype(np.int64)
