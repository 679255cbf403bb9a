"""The chunked selective scan against an independent loop (float64), its gradients against autograd
through the sequential reference, and its memory: nothing of shape (batch, L, d_inner, state) saved."""

import numpy as np
import pytest
import torch

from infoscale.errors import InvalidInput
from infoscale.nets.models import build_model
from infoscale.nets.scan import sequential_scan
from infoscale.nets.selective_scan import chunked_torch, selective_scan


def _inputs(n, length, width, size, seed, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    dt = torch.rand(n, length, width, generator=gen, dtype=dtype) * 0.6
    A = -torch.rand(width, size, generator=gen, dtype=dtype) * 4 - 0.05
    return [dt, A] + [torch.randn(n, length, k, generator=gen, dtype=dtype) for k in (width, size, size)]


def _numpy_loop(dt, A, x, B, C):
    dt, A, x, B, C = (t.detach().numpy() for t in (dt, A, x, B, C))
    n, length, width = x.shape
    h, y = np.zeros((n, width, A.shape[1])), np.zeros((n, length, width))
    for t in range(length):
        h = np.exp(dt[:, t, :, None] * A) * h + (dt[:, t] * x[:, t])[..., None] * B[:, t, None, :]
        y[:, t] = np.einsum("idn,in->id", h, C[:, t])
    return y


def _reference(dt, A, x, B, C):
    a = torch.exp(dt[..., None] * A)
    return (sequential_scan(a, (dt * x)[..., None] * B[..., None, :]) * C[..., None, :]).sum(-1)


CHUNKED = {"compiled": lambda *t, chunk: selective_scan(*t, chunk=chunk), "torch": lambda *t, chunk: chunked_torch(*t, chunk=chunk)}


@pytest.mark.parametrize("path", sorted(CHUNKED))
@pytest.mark.parametrize("length, chunk", [(1, 4), (23, 4), (32, 8), (40, 64)])
def test_chunked_scan_equals_a_plain_loop_in_float64(path, length, chunk):
    inputs = _inputs(2, length, 3, 5, seed=length)
    np.testing.assert_allclose(CHUNKED[path](*inputs, chunk=chunk).numpy(), _numpy_loop(*inputs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("path", sorted(CHUNKED))
def test_chunked_scan_gradients_equal_autograd_through_the_sequential_loop(path):
    inputs = [t.requires_grad_() for t in _inputs(3, 29, 4, 6, seed=1)]
    weight = torch.randn(3, 29, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    expected = torch.autograd.grad((_reference(*inputs) * weight).sum(), inputs)
    got = torch.autograd.grad((CHUNKED[path](*inputs, chunk=8) * weight).sum(), inputs)
    for name, g, e in zip(("dt", "A", "x", "B", "C"), got, expected):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-11, atol=1e-12, err_msg=name)


def test_compiled_scan_is_float32_accurate_and_handles_strong_decay():
    """Decays down to exp(−200) (the kernel's own exp clamps below −87 in float32)."""
    dt, A, x, B, C = _inputs(2, 50, 3, 4, seed=3, dtype=torch.float32)
    A = A * 60
    expected = _numpy_loop(*(t.double() for t in (dt, A, x, B, C)))
    np.testing.assert_allclose(selective_scan(dt, A, x, B, C, chunk=16).numpy(), expected, rtol=2e-5, atol=2e-5)


def test_chunked_scan_saves_no_tensor_of_the_full_state_shape():
    inputs = [t.requires_grad_() for t in _inputs(2, 64, 8, 16, seed=4, dtype=torch.float32)]
    full = 2 * 64 * 8 * 16
    for method, expect_full in (("chunked", False), ("materialised", True)):
        sizes = []
        with torch.autograd.graph.saved_tensors_hooks(lambda t: sizes.append(t.numel()) or t, lambda t: t):
            selective_scan(*inputs, method=method, chunk=16).sum().backward()
        assert (max(sizes) >= full) is expect_full, (method, max(sizes), full)


def test_selective_ssm_chunked_equals_sequential_in_float64_with_gradients():
    cfg = {"d_model": 8, "n_layers": 2, "state_size": 6, "token_dim": 2}
    x = torch.randn(3, 37, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    results = []
    for method in ("chunked", "sequential"):
        model = build_model("selective_ssm", {**cfg, "scan": method}, seed=7).double()
        out = model(x)[0]
        grads = torch.autograd.grad(out.square().sum(), list(model.parameters()))
        results.append((out, grads))
    (out_c, grads_c), (out_s, grads_s) = results
    np.testing.assert_allclose(out_c.detach().numpy(), out_s.detach().numpy(), rtol=1e-12, atol=1e-12)
    for g_c, g_s in zip(grads_c, grads_s):
        np.testing.assert_allclose(g_c.numpy(), g_s.numpy(), rtol=1e-10, atol=1e-12)


def test_selective_scan_rejects_bad_shapes_and_methods():
    dt, A, x, B, C = _inputs(1, 5, 2, 3, seed=6)
    with pytest.raises(InvalidInput, match="method must be one of"):
        selective_scan(dt, A, x, B, C, method="ssd")
    with pytest.raises(InvalidInput, match="A \\(D, N\\)"):
        selective_scan(dt, A.T, x, B, C)
    with pytest.raises(InvalidInput, match="B and C"):
        selective_scan(dt, A, x, B, C[:, :4])
