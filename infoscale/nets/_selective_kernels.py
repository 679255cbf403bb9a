"""Compiled (numba) loops of the selective scan y_t = C_t · h_t, h_t = exp(Δ_t A) ⊙ h_{t-1} + Δ_t x_t B_t.

Imported only when the CPU path of ``nets.selective_scan`` first runs (numba is slow to import).
One (batch row, channel) at a time, the state of one channel (state_size floats) in a local
vector: nothing of shape (batch, L, d_inner, state_size) is written. The forward pass keeps the
state at the start of every chunk of ``chunk`` positions; the backward pass recomputes one chunk
at a time from its checkpoint (decays and states into two chunk × state_size scratch arrays, in
cache) and runs the reverse recurrence over it, last chunk first.

``exp`` is written out (Cody–Waite range reduction, Cephes' polynomial for float32 and Padé form
for float64, 2^k from its bits) so that LLVM vectorises the inner loops; libm's scalar exp
would cost most of the time. Relative error ≤ 2 ulp on the arguments used here (Δ A ≤ 0);
below −87 (float32) or −708 (float64) it returns the tiny value exp(−87) or exp(−708), which
the tests' float64 comparison against torch.exp would see only beyond ~1e-300.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload


@intrinsic
def _f32_from_bits(typingctx, bits):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


@intrinsic
def _f64_from_bits(typingctx, bits):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@numba.njit(inline="always", fastmath=True)
def _exp32(x):
    x = max(x, np.float32(-87.0))
    k = np.floor(x * np.float32(1.44269504) + np.float32(0.5))
    r = x - k * np.float32(0.693359375) - k * np.float32(-2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    p = p * r * r + r + np.float32(1.0)
    return p * _f32_from_bits((np.int32(k) + np.int32(127)) << np.int32(23))


@numba.njit(inline="always", fastmath=True)
def _exp64(x):
    x = max(x, -708.0)
    k = np.floor(x * 1.4426950408889634 + 0.5)
    r = x - k * 6.93145751953125e-1 - k * 1.42860682030941723212e-6
    rr = r * r
    p = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1)
    q = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr + 2.27265548208155028766e-1) * rr + 2.0
    e = 1.0 + 2.0 * p / (q - p)
    return e * _f64_from_bits((np.int64(k) + np.int64(1023)) << np.int64(52))


def fast_exp(x):
    """exp(x) in x's precision (float32 or float64), vectorisable; see the module docstring."""
    return np.exp(x)


@overload(fast_exp, inline="always")
def _fast_exp(x):
    if x == types.float32:
        return lambda x: _exp32(x)
    return lambda x: _exp64(x)


def _zero(x):
    return 0.0


@overload(_zero, inline="always")
def _zero_impl(x):
    if x == types.float32:
        return lambda x: np.float32(0.0)
    return lambda x: 0.0


@numba.njit(cache=True, fastmath=True, nogil=True)
def forward(dt, A, x, Bm, Cm, chunk, y, ck):
    """y (n, L, D) and the chunk-start states ck (n, ceil(L / chunk), D, N), from h_{-1} = 0."""
    n, length, width = x.shape
    h = np.empty(A.shape[1], dtype=x.dtype)
    for i in range(n):
        for d in range(width):
            Ad = A[d]
            h[:] = 0
            for t in range(length):
                if t % chunk == 0:
                    ck[i, t // chunk, d, :] = h
                delta = dt[i, t, d]
                u = delta * x[i, t, d]
                Bt, Ct = Bm[i, t], Cm[i, t]
                acc = _zero(delta)
                for m in range(h.size):
                    hm = fast_exp(delta * Ad[m]) * h[m] + u * Bt[m]
                    h[m] = hm
                    acc += hm * Ct[m]
                y[i, t, d] = acc


@numba.njit(cache=True, fastmath=True, nogil=True)
def backward(dt, A, x, Bm, Cm, chunk, ck, gy, gdt, gA, gx, gB, gC):
    """Gradients of Σ gy · y with respect to dt, A, x, Bm, Cm (gA, gB, gC zeroed by the caller)."""
    n, length, width = x.shape
    size = A.shape[1]
    hbuf = np.empty((chunk, size), dtype=x.dtype)
    abuf = np.empty((chunk, size), dtype=x.dtype)
    carry = np.empty(size, dtype=x.dtype)  # a_{t+1} ⊙ dL/dh_{t+1}
    for i in range(n):
        for d in range(width):
            Ad, gAd = A[d], gA[d]
            carry[:] = 0
            for c in range(ck.shape[1] - 1, -1, -1):
                start, stop = c * chunk, min(length, (c + 1) * chunk)
                _recompute(dt, x, Bm, Ad, ck[i, c, d], i, d, start, stop, hbuf, abuf)
                for t in range(stop - 1, start - 1, -1):
                    q = t - start
                    prev = ck[i, c, d] if q == 0 else hbuf[q - 1]
                    delta, g_y = dt[i, t, d], gy[i, t, d]
                    u = delta * x[i, t, d]
                    Bt, Ct, gBt, gCt, ht, at = Bm[i, t], Cm[i, t], gB[i, t], gC[i, t], hbuf[q], abuf[q]
                    du = _zero(delta)
                    dlog = _zero(delta)
                    for m in range(size):
                        g = g_y * Ct[m] + carry[m]
                        gCt[m] += g_y * ht[m]
                        gBt[m] += g * u
                        du += g * Bt[m]
                        ga = g * prev[m] * at[m]  # dL/d(Δ_t A_m)
                        dlog += ga * Ad[m]
                        gAd[m] += ga * delta
                        carry[m] = at[m] * g
                    gdt[i, t, d] = dlog + du * x[i, t, d]
                    gx[i, t, d] = du * delta


@numba.njit(inline="always", fastmath=True, nogil=True)
def _recompute(dt, x, Bm, Ad, h0, i, d, start, stop, hbuf, abuf):
    for t in range(start, stop):
        q = t - start
        prev = h0 if q == 0 else hbuf[q - 1]
        delta = dt[i, t, d]
        u = delta * x[i, t, d]
        Bt, hq, aq = Bm[i, t], hbuf[q], abuf[q]
        for m in range(hq.size):
            a = fast_exp(delta * Ad[m])
            aq[m] = a
            hq[m] = a * prev[m] + u * Bt[m]
