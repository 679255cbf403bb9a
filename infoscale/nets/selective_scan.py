"""The selective scan read out, y_t[d] = Σ_n C_t[n] h_t[d, n], without the (batch, L, d_inner, state) tensor.

    h_t[d, n] = exp(Δ_t[d] A[d, n]) h_{t-1}[d, n] + Δ_t[d] x_t[d] B_t[n],   h_{-1} = 0.

The present path (``method="materialised"``) builds a = exp(Δ A) and b = Δ x ⊗ B as
(batch, L, d_inner, state) tensors, scans them with ``scan.scan`` and reads h out: at state
64–128 these tensors and their gradients are the whole cost of a training step. The chunked
method cuts the sequence into chunks of ``chunk`` positions and keeps only the state at each
chunk's start, (batch, L / chunk, d_inner, state); the backward pass recomputes one chunk at a
time from its checkpoint. On CPU the whole thing is a compiled loop (``_selective_kernels``);
elsewhere each chunk is the log-depth ``scan.linear_scan`` of that chunk's tensors under
``torch.utils.checkpoint``, so only one chunk's (batch, chunk, d_inner, state) is alive.

Why not the state-space-dual matrix form (Mamba-2's SSD): there, the decay is one scalar per
head and position, so within a chunk the recurrence is a chunk × chunk masked matrix shared by
the state dimension. Here the decay exp(Δ_t[d] A[d, n]) differs for every state n (Mamba-1's
diagonal A), so the masked "matrix" is a separate chunk × chunk one for every (d, n): its
(batch, L, chunk, d_inner, state) entries cost `chunk` times the tensor we set out to avoid.
The chunked state passing is the part of SSD that applies; within a chunk we scan.
"""

from __future__ import annotations

import math

import torch
from torch.utils.checkpoint import checkpoint

from infoscale.errors import InvalidInput
from infoscale.nets.scan import linear_scan, scan

METHODS = ("auto", "chunked", "materialised")
#: Positions per chunk: the CPU loop's scratch is 2 · chunk · state floats (in cache); the
#: checkpoints are (batch, L / chunk, d_inner, state).
CHUNK = 32
_HALF = (torch.float16, torch.bfloat16)


def selective_scan(dt, A, x, B, C, method: str = "auto", chunk: int = CHUNK, scan_method: str = "auto"):
    """y (n, L, D) from dt, x (n, L, D), A (D, N) and B, C (n, L, N); float32 or wider.

    ``method``: ``"chunked"`` (``"auto"``) or ``"materialised"`` (the (n, L, D, N) tensors through
    ``scan.scan(..., method=scan_method)``).
    """
    if method not in METHODS:
        raise InvalidInput(f"method must be one of {list(METHODS)}, got {method!r}")
    _check_shapes(dt, A, x, B, C)
    if any(t.dtype in _HALF for t in (dt, A, x, B, C)):
        dt, A, x, B, C = (t.float() for t in (dt, A, x, B, C))
    dtype = torch.promote_types(torch.promote_types(dt.dtype, A.dtype), torch.promote_types(B.dtype, C.dtype))
    dt, A, x, B, C = (t.to(dtype) for t in (dt, A, x, B, C))
    if method == "materialised":
        return materialised(dt, A, x, B, C, scan_method)
    if x.device.type == "cpu":
        return _CompiledSelectiveScan.apply(dt, A, x, B, C, chunk)
    return chunked_torch(dt, A, x, B, C, chunk)


def _check_shapes(dt, A, x, B, C):
    if x.dim() != 3 or dt.shape != x.shape or A.dim() != 2 or A.shape[0] != x.shape[2]:
        raise InvalidInput(f"dt and x must be (n, L, D) and A (D, N); got {tuple(dt.shape)}, {tuple(x.shape)}, {tuple(A.shape)}")
    if B.shape != C.shape or B.shape != (*x.shape[:2], A.shape[1]):
        raise InvalidInput(f"B and C must be (n, L, N) = {(*x.shape[:2], A.shape[1])}; got {tuple(B.shape)}, {tuple(C.shape)}")


def materialised(dt, A, x, B, C, scan_method: str = "auto"):
    """The present path: (n, L, D, N) decays and inputs, one scan, the readout."""
    a = torch.exp(dt[..., None] * A)
    b = (dt * x)[..., None] * B[..., None, :]
    return (scan(a, b, method=scan_method) * C[..., None, :]).sum(-1)


def _chunk_step(dt, A, x, B, C, h0):
    a = torch.exp(dt[..., None] * A)
    b = (dt * x)[..., None] * B[..., None, :]
    h = linear_scan(a, b, h0)
    return (h * C[..., None, :]).sum(-1), h[:, -1]


def chunked_torch(dt, A, x, B, C, chunk: int = 128):
    """The chunked method in plain torch (any device): one checkpointed log-depth scan per chunk."""
    h = x.new_zeros(x.shape[0], A.shape[0], A.shape[1])
    outputs = []
    for start in range(0, x.shape[1], chunk):
        part = [t[:, start:start + chunk] for t in (dt, x, B, C)]
        if torch.is_grad_enabled():
            y, h = checkpoint(_chunk_step, part[0], A, part[1], part[2], part[3], h, use_reentrant=False)
        else:
            y, h = _chunk_step(part[0], A, part[1], part[2], part[3], h)
        outputs.append(y)
    return torch.cat(outputs, dim=1)


def _numpy(t):
    return t.detach().contiguous().numpy()


class _CompiledSelectiveScan(torch.autograd.Function):
    """The CPU loop of ``_selective_kernels``: forward keeps chunk-start states, backward recomputes."""

    @staticmethod
    def forward(ctx, dt, A, x, B, C, chunk):
        from infoscale.nets import _selective_kernels as kernels

        n, length, width = x.shape
        y = x.new_empty(n, length, width)
        ck = x.new_empty(n, math.ceil(length / chunk), width, A.shape[1])
        arrays = [_numpy(t) for t in (dt, A, x, B, C)]
        kernels.forward(*arrays, chunk, y.numpy(), ck.numpy())
        ctx.save_for_backward(dt, A, x, B, C, ck)
        ctx.chunk = chunk
        return y

    @staticmethod
    def backward(ctx, gy):
        from infoscale.nets import _selective_kernels as kernels

        dt, A, x, B, C, ck = ctx.saved_tensors
        gdt, gx = torch.empty_like(x), torch.empty_like(x)
        gA, gB, gC = torch.zeros_like(A), torch.zeros_like(B), torch.zeros_like(C)
        arrays = [_numpy(t) for t in (dt, A, x, B, C)]
        kernels.backward(*arrays, ctx.chunk, ck.numpy(), _numpy(gy.to(x.dtype)),
                         gdt.numpy(), gA.numpy(), gx.numpy(), gB.numpy(), gC.numpy())
        return gdt, gA, gx, gB, gC, None
