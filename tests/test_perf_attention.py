"""ALiBi through the causal kernel and sliding windows by query blocks, against attention written
out with an explicit softmax (float64: outputs and gradients), and float32 accuracy at L = 1024."""

import math

import pytest
import torch

from infoscale.nets.transformer import CausalSelfAttention


def _explicit(layer, h):
    """softmax(q kᵀ/√d − slope·lag, future and out-of-window keys excluded) v, written out."""
    n, length, d_model = h.shape
    heads, dim = layer.n_heads, layer.head_dim
    q, k, v = layer.qkv(h).view(n, length, 3, heads, dim).permute(2, 0, 3, 1, 4)
    lag = torch.arange(length)[:, None] - torch.arange(length)[None, :]
    scores = q @ k.transpose(-1, -2) / math.sqrt(dim) - layer.slopes[:, None, None].to(h) * lag
    allowed = (lag >= 0) if layer.window is None else (lag >= 0) & (lag < layer.window)
    weights = torch.softmax(scores.masked_fill(~allowed, -math.inf), dim=-1)
    return layer.proj((weights @ v).transpose(1, 2).reshape(n, length, d_model))


def _layer(window, heads=4, alibi=True, seed=0):
    torch.manual_seed(seed)
    return CausalSelfAttention(16, heads, window, alibi)


@pytest.mark.parametrize("window, length", [(None, 1), (None, 77), (5, 200), (64, 300), (70, 129), (3, 64)])
def test_attention_paths_equal_explicit_softmax_with_gradients_in_float64(window, length):
    layer = _layer(window).double()
    h = torch.randn(2, length, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(length))
    weight = torch.randn(2, length, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    params = list(layer.parameters())
    got = layer(h)
    expected = _explicit(layer, h)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    for g, e in zip(torch.autograd.grad((got * weight).sum(), params), torch.autograd.grad((expected * weight).sum(), params)):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("heads", [8, 16])
def test_slopes_that_are_not_powers_of_two_take_the_bias_path_and_stay_exact(heads):
    layer = _layer(None, heads=heads).double()
    assert layer.exact_slopes is (heads == 8)
    h = torch.randn(1, 50, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(layer(h), _explicit(layer, h), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("window", [None, 64])
def test_float32_alibi_attention_is_within_1e_5_of_float64_at_length_1024(window):
    """The appended coordinates' large terms cancel exactly, so float32 keeps its usual accuracy
    (the bias-tensor path is ~5e-7 off here)."""
    layer = _layer(window, seed=3)
    h = torch.randn(2, 1024, 16, generator=torch.Generator().manual_seed(4)) * 2
    with torch.no_grad():
        got = layer(h).double()
        expected = _explicit(layer.double(), h.double())
    assert (got - expected).abs().max().item() < 1e-5
