"""Hugging Face layers through the plug-in contract (needs the [lm] extra; skipped without transformers):
the measured state equals the cache tensors' element count (and the architectures' formulas), step
equals the parallel forward, a short exact-KL training lowers the KL, and infoscale's selective SSM
computes what Hugging Face's MambaMixer computes on the same weights."""

import pytest
import torch

transformers = pytest.importorskip("transformers")

from infoscale.generators import make_family  # noqa: E402
from infoscale.nets import models  # noqa: E402
from infoscale.nets.evaluate import evaluate  # noqa: E402
from infoscale.nets.hf_layers import CacheTensors, selective_ssm_from_hf  # noqa: E402
from infoscale.nets.models import build_model  # noqa: E402
from infoscale.nets.train import TrainConfig, train  # noqa: E402

D, LAYERS = 16, 2
OPTIONS = {"hf_mamba": {"state_size": 4, "conv_kernel": 3}, "hf_mamba2": {"state_size": 4, "head_dim": 8, "chunk_size": 8},
           "hf_llama": {"n_heads": 4, "n_kv_heads": 2}}
# Written out from each design (two layers, d_model 16, expand 2 → d_inner 32):
# Mamba: conv taps d_inner·kernel + SSM state d_inner·state_size per layer;
# Mamba2: conv taps (d_inner + 2·state_size)·kernel + heads·head_dim·state_size per layer;
# Llama: keys and values, n_kv_heads·head_dim each per position per layer.
EXPECTED = {"hf_mamba": lambda length: 2 * (32 * 3 + 32 * 4),
            "hf_mamba2": lambda length: 2 * ((32 + 2 * 4) * 4 + 4 * 8 * 4),
            "hf_llama": lambda length: 2 * 2 * 2 * 4 * length}


@pytest.fixture(autouse=True)
def registry(monkeypatch, one_torch_thread):
    monkeypatch.setattr(models.ARCHITECTURES, "_entries", dict(models.ARCHITECTURES._entries))


def _model(arch, seed=0):
    return build_model(arch, {"token_dim": 1, "d_model": D, "n_layers": LAYERS, "options": OPTIONS[arch]}, seed=seed)


@pytest.mark.parametrize("arch", sorted(OPTIONS))
def test_state_is_the_cache_and_step_is_forward(arch, stepped_means):
    model = _model(arch).eval()
    x = torch.randn(2, 9, 1, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        mean, _ = model(x)
    steps, state = stepped_means(model, x)
    torch.testing.assert_close(steps, mean, rtol=0, atol=1e-5)
    cache = state[1].cache.cache  # the library's own object after 8 tokens read
    assert isinstance(cache, transformers.DynamicCache) and isinstance(state[1].cache, CacheTensors)
    assert model.history_state_dim(8) == _cache_floats(cache) == EXPECTED[arch](8)


def _cache_floats(cache) -> int:
    """Floats per sequence in a DynamicCache, read from its documented fields: keys and values of
    attention layers; conv_states and recurrent_states (dicts by state index) of the SSM layers."""
    total = 0
    for layer in cache.layers:
        if isinstance(layer, transformers.cache_utils.DynamicLayer):
            tensors = [layer.keys, layer.values]
        else:
            tensors = [*layer.conv_states.values(), *layer.recurrent_states.values()]
        total += sum(t[0].numel() for t in tensors)
    return total


@pytest.mark.parametrize("arch", ["hf_mamba", "hf_mamba2"])
def test_a_short_training_run_lowers_the_exact_kl(arch):
    family, length = make_family("hierarchical", k=3, token_dim=1), 16
    model = _model(arch, seed=0)
    before = evaluate(model, family, length, n_samples=64, seed=5).mean_kl
    train(model, family, length, TrainConfig(steps=30, batch_size=8, lr=3e-3, warmup=2, device="cpu", seed=0))
    after = evaluate(model, family, length, n_samples=64, seed=5)
    assert after.mean_kl < before - 5 * after.mean_kl_stderr, (before, after.mean_kl)


@pytest.mark.parametrize("scan", ["sequential", "auto"])
@pytest.mark.parametrize("rank, bias", [(None, False), (32, True)])
def test_selective_ssm_equals_hf_mamba_on_copied_weights(rank, bias, scan):
    """One MambaMixer (default low-rank Δ without biases; full-rank Δ with biases) against infoscale's
    layer built from its weights, by the reference loop and by the default (fast) scan: parallel
    outputs, and the infoscale layer's steps, to 1e-5."""
    config = transformers.MambaConfig(hidden_size=D, num_hidden_layers=1, state_size=4, intermediate_size=32,
                                      conv_kernel=4, time_step_rank=rank or "auto", use_bias=bias, vocab_size=2)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        mixer = transformers.MambaModel(config).layers[0].mixer.eval()
        with torch.no_grad():  # move every weight off its initial value, biases and D included
            for p in mixer.parameters():
                p.add_(0.1 * torch.randn_like(p))
    assert mixer.time_step_rank == (rank or 1)
    ours = selective_ssm_from_hf(mixer, scan=scan)
    u = torch.randn(2, 20, D, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = mixer(u)
        torch.testing.assert_close(ours(u), expected, rtol=0, atol=1e-5)
        state, steps = ours.init_state(2, u), []
        for t in range(20):
            y, state = ours.step(u[:, t], state)
            steps.append(y)
    torch.testing.assert_close(torch.stack(steps, 1), expected, rtol=0, atol=1e-5)
