"""The first-order linear recurrence h_t = a_t ⊙ h_{t-1} + b_t (h_{-1} = h0), in parallel.

SSMs and their selective (Mamba-like) variant spend their time here. The parallel scan pairs
neighbours: composing steps 2i and 2i+1 gives a recurrence of half the length for the odd
positions,

    h_{2i+1} = (a_{2i+1} a_{2i}) h_{2i-1} + (a_{2i+1} b_{2i} + b_{2i+1}),

which is solved recursively; the even positions follow from h_{2i} = a_{2i} h_{2i-1} + b_{2i}.
That is O(L) work in O(log L) sequential torch calls instead of L, and it is differentiable with
ordinary autograd. ``sequential_scan`` is the step-by-step reference.
"""

from __future__ import annotations

import torch


def linear_scan(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None = None) -> torch.Tensor:
    """All h_t of h_t = a_t h_{t-1} + b_t along axis 1 (a, b: (n, T, ...)), by the parallel scan."""
    if a.shape != b.shape:
        a = a.expand_as(b)
    if h0 is not None:
        b = torch.cat([b[:, :1] + a[:, :1] * h0[:, None], b[:, 1:]], dim=1)
    return _pair_scan(a, b)


def _pair_scan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    length = a.shape[1]
    if length == 1:
        return b
    if length % 2:
        a = torch.cat([a, torch.ones_like(a[:, :1])], dim=1)
        b = torch.cat([b, torch.zeros_like(b[:, :1])], dim=1)
    a_even, a_odd, b_even, b_odd = a[:, 0::2], a[:, 1::2], b[:, 0::2], b[:, 1::2]
    h_odd = _pair_scan(a_odd * a_even, a_odd * b_even + b_odd)
    h_before = torch.cat([torch.zeros_like(h_odd[:, :1]), h_odd[:, :-1]], dim=1)
    h_even = b_even + a_even * h_before
    return torch.stack([h_even, h_odd], dim=2).flatten(1, 2)[:, :length]


def sequential_scan(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None = None) -> torch.Tensor:
    """The same recurrence one position at a time (the reference for ``linear_scan``)."""
    if a.shape != b.shape:
        a = a.expand_as(b)
    h = torch.zeros_like(b[:, 0]) if h0 is None else h0
    out = []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1)):  # unbind: one backward node, not L slices
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, dim=1)
