"""Every architecture: step() = parallel forward, history_state_dim = the state step() holds,
causality, the parallel scan, and clear errors for bad configs."""

import numpy as np
import pytest
import torch

from infoscale.nets.models import architecture_names, build_model
from infoscale.nets.scan import fused_scan, linear_scan, scan, sequential_scan

SMALL = {
    "transformer": {"d_model": 16, "n_layers": 2, "n_heads": 2},
    "sliding_window": {"d_model": 16, "n_layers": 2, "n_heads": 2, "window": 3},
    "gru": {"d_model": 16, "n_layers": 2},
    "lstm": {"d_model": 16, "n_layers": 2},
    "ssm": {"d_model": 16, "n_layers": 2, "state_size": 4},
    "selective_ssm": {"d_model": 8, "n_layers": 2, "state_size": 4, "expand": 2, "conv_kernel": 3, "scan": "parallel"},
    "linear_attention": {"d_model": 16, "n_layers": 2, "n_heads": 4},
}
# The expected core history state after `length` tokens (Zoology's convention), written out from
# each design: attention 2·d_model·L per layer, GRU d_model, LSTM 2·d_model, SSMs d_inner·state_size,
# linear attention n_heads·head_dim² (two layers each here).
EXPECTED_DIM = {
    "transformer": lambda length: 2 * 2 * length * 16,
    "sliding_window": lambda length: 2 * 2 * min(length, 3) * 16,
    "gru": lambda length: 2 * 16,
    "lstm": lambda length: 2 * 2 * 16,
    "ssm": lambda length: 2 * 16 * 4,
    "selective_ssm": lambda length: 2 * 16 * 4,  # d_inner = 16, state 4
    "linear_attention": lambda length: 2 * 4 * 4 * 4,  # 4 heads of head_dim 4: S (4×4) per head
}
# What the step state holds besides: the conv taps (d_inner·(kernel − 1)), the normaliser z (head_dim per head).
EXPECTED_BUFFER = {"selective_ssm": lambda length: 2 * 16 * (3 - 1), "linear_attention": lambda length: 2 * 4 * 4}
TOKENS = {"continuous": {"token_dim": 3}, "discrete": {"vocab_size": 5}}


def test_every_architecture_is_covered():
    # "mps" (the Born machine, tests/test_mps*.py) carries weight constants in its step state
    assert set(SMALL) == set(architecture_names()) - {"mps"}


def _inputs(kind, n, length, seed):
    gen = torch.Generator().manual_seed(seed)
    if kind == "continuous":
        return torch.randn(n, length, 3, generator=gen)
    return torch.randint(0, 5, (n, length), generator=gen)


def _float_count(state) -> int:
    """Floats held in a (nested) state, for one sequence of the batch."""
    total = 0
    for item in state:
        if isinstance(item, (tuple, list)):
            total += _float_count(item)
        elif isinstance(item, torch.Tensor) and item.is_floating_point():
            total += item[0].numel()
    return total


def _run_steps(model, x):
    """Outputs of step() at every position, and the float count of the state after each token."""
    state = model.init_state(x.shape[0])
    out, state = model.step(None, state)
    outputs, dims = [out], [_float_count(state)]
    for t in range(x.shape[1] - 1):
        out, state = model.step(x[:, t], state)
        outputs.append(out)
        dims.append(_float_count(state))
    return outputs, dims


@pytest.mark.parametrize("positions", ["none", "sinusoidal"])
@pytest.mark.parametrize("kind", sorted(TOKENS))
@pytest.mark.parametrize("arch", sorted(SMALL))
def test_step_matches_forward_and_state_size(arch, kind, positions):
    model = build_model(arch, {**SMALL[arch], **TOKENS[kind], "positions": positions}, seed=1).eval()
    x = _inputs(kind, 3, 9, seed=2)
    with torch.no_grad():
        parallel = model(x)
        outputs, dims = _run_steps(model, x)
    # float32 models: step and parallel paths differ only by rounding (~1e-7 on O(1) outputs).
    if kind == "continuous":
        for i in range(2):
            stepped = torch.stack([o[i] for o in outputs], dim=1)
            torch.testing.assert_close(stepped, parallel[i], atol=1e-5, rtol=0)
    else:
        torch.testing.assert_close(torch.stack(outputs, dim=1), parallel, atol=1e-5, rtol=0)
    # dims[t] counts the floats the state holds after t tokens: core state + buffers (the position
    # counter, 1 when positions are on, is an int in the state, not a float)
    counter = 1 if positions == "sinusoidal" else 0
    assert dims == [model.history_state_dim(t) + model.history_buffer_dim(t) - counter for t in range(9)]
    assert [model.history_state_dim(t) for t in range(9)] == [EXPECTED_DIM[arch](t) for t in range(9)]
    expected_buffer = EXPECTED_BUFFER.get(arch, lambda length: 0)
    assert [model.history_buffer_dim(t) for t in range(9)] == [expected_buffer(t) + counter for t in range(9)]
    if arch == "selective_ssm":  # the two parts, tensor by tensor: (conv taps, h) per layer
        state = model.init_state(1)[1]
        assert sum(layer[0][0].numel() for layer in state) == model.history_buffer_dim(5) - counter
        assert sum(layer[1][0].numel() for layer in state) == model.history_state_dim(5)


def test_transformer_without_alibi_matches_zero_slopes_and_its_own_steps():
    """alibi=False takes the fused causal kernel; it must equal the bias path with every slope 0,
    and step() (which always builds the bias) must reproduce it."""
    config = {**SMALL["transformer"], "token_dim": 3}
    plain = build_model("transformer", {**config, "alibi": False}, seed=4).eval()
    zeroed = build_model("transformer", config, seed=4).eval()
    for module in zeroed.modules():
        if hasattr(module, "slopes"):
            module.slopes.zero_()
    x = _inputs("continuous", 2, 9, seed=5)
    with torch.no_grad():
        expected, outputs = zeroed(x), plain(x)
        stepped = _run_steps(plain, x)[0]
    for i in range(2):
        torch.testing.assert_close(outputs[i], expected[i], atol=1e-5, rtol=0)  # float32 rounding
        torch.testing.assert_close(torch.stack([o[i] for o in stepped], dim=1), outputs[i], atol=1e-5, rtol=0)


@pytest.mark.parametrize("arch", sorted(SMALL))
def test_outputs_are_causal(arch):
    model = build_model(arch, {**SMALL[arch], "token_dim": 3}, seed=3).eval()
    x = _inputs("continuous", 2, 10, seed=4)
    y = x.clone()
    y[:, 6] += 5.0  # changing token 6 may change predictions of positions 7.. only
    with torch.no_grad():
        mean_x, std_x = model(x)
        mean_y, std_y = model(y)
    assert torch.allclose(mean_x[:, :7], mean_y[:, :7], atol=1e-6)  # 1e-6: float32 rounding only
    assert torch.allclose(std_x[:, :7], std_y[:, :7], atol=1e-6)
    assert not torch.allclose(mean_x[:, 7], mean_y[:, 7], atol=1e-4)
    assert bool((std_x > 0).all())


def test_sliding_window_forgets_beyond_window():
    model = build_model("sliding_window", {**SMALL["sliding_window"], "token_dim": 3, "n_layers": 1}, seed=5).eval()
    x = _inputs("continuous", 2, 10, seed=6)
    y = x.clone()
    y[:, 2] += 5.0  # one layer, window 3: token 2 is read at position 3 and seen by positions 3, 4, 5
    with torch.no_grad():
        mean_x, _ = model(x)
        mean_y, _ = model(y)
    assert torch.allclose(mean_x[:, 6:], mean_y[:, 6:], atol=1e-6)
    assert not torch.allclose(mean_x[:, 5], mean_y[:, 5], atol=1e-4)


@pytest.mark.parametrize("length", [1, 2, 7, 16, 33])
def test_parallel_scan_matches_a_plain_loop(length):
    rng = np.random.default_rng(length)
    a = rng.uniform(0.0, 1.0, (2, length, 3))
    b = rng.standard_normal((2, length, 3))
    h0 = rng.standard_normal((2, 3))
    expected = np.empty_like(b)
    h = h0.copy()
    for t in range(length):  # independent numpy reference
        h = a[:, t] * h + b[:, t]
        expected[:, t] = h
    ta, tb, th0 = (torch.from_numpy(v) for v in (a, b, h0))
    # float64 throughout: agreement to rounding
    np.testing.assert_allclose(linear_scan(ta, tb, th0).numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sequential_scan(ta, tb, th0).numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused_scan(ta, tb, th0).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_parallel_scan_broadcasts_time_invariant_decay_and_has_gradients():
    a = torch.full((4,), 0.5, dtype=torch.float64, requires_grad=True)
    b = torch.ones(1, 6, 4, dtype=torch.float64)
    h = linear_scan(a, b)
    np.testing.assert_allclose(h[0, :, 0].detach().numpy(), [2 - 0.5**t for t in range(6)], rtol=1e-14)
    h.sum().backward()
    assert a.grad is not None and torch.isfinite(a.grad).all()


def test_selective_ssm_scan_options_give_the_same_outputs():
    cfg = {**SMALL["selective_ssm"], "token_dim": 2}
    x = _inputs("continuous", 2, 11, seed=8)[..., :2]
    with torch.no_grad():
        outputs = [build_model("selective_ssm", {**cfg, "scan": method}, seed=7).eval()(x)
                   for method in ("parallel", "sequential", "fused", "auto")]
    for other in outputs[1:]:
        for a, b in zip(outputs[0], other):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=0)  # float32 rounding only


@pytest.mark.parametrize("a_shape", [(2, 6, 3, 4), (1, 6, 3, 4), (2, 1, 3, 4), (3, 4), (4,)])
def test_fused_scan_gradients_equal_autograd_through_the_loop(a_shape):
    """The hand-written reverse recurrence against autograd of the step-by-step loop (float64, so
    both agree to rounding), for every way ``a`` may broadcast, with and without h0."""
    gen = torch.Generator().manual_seed(sum(a_shape))
    a = torch.rand(a_shape, generator=gen, dtype=torch.float64)
    b = torch.randn(2, 6, 3, 4, generator=gen, dtype=torch.float64)
    h0 = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    weights = torch.randn(2, 6, 3, 4, generator=gen, dtype=torch.float64)
    for initial in (None, h0):
        grads = []
        for fn in (sequential_scan, fused_scan):
            inputs = [t.clone().requires_grad_() for t in (a, b) + (() if initial is None else (initial,))]
            (fn(*inputs) * weights).sum().backward()
            grads.append([t.grad for t in inputs])
        for expected, got in zip(*grads):
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_fused_scan_is_bitwise_the_loop_in_float32_and_auto_picks_it_on_cpu():
    gen = torch.Generator().manual_seed(3)
    a = torch.rand(3, 50, 8, generator=gen)
    b = torch.randn(3, 50, 8, generator=gen)
    assert torch.equal(fused_scan(a, b), sequential_scan(a, b))  # same operations in the same order
    assert torch.equal(scan(a, b), fused_scan(a, b))


@pytest.mark.parametrize("half", [torch.bfloat16, torch.float16])
def test_half_precision_inputs_are_scanned_in_float32(half):
    """Under autocast the decays and inputs may arrive in half precision; every method scans them
    in float32, so over 500 steps the state stays within float32 rounding (1e-5 of its scale) of a
    float64 loop over the same half-precision numbers, where a half-precision recurrence is off by
    3e-3 to 6e-2 (and the fused loop, numba, could not take bf16 at all)."""
    gen = torch.Generator().manual_seed(4)
    a = (0.99 + 0.01 * torch.rand(2, 500, 3, generator=gen)).to(half)
    b = torch.randn(2, 500, 3, generator=gen).to(half)
    h0 = torch.randn(2, 3, generator=gen).to(half)
    expected, state = np.empty((2, 500, 3)), h0.double().numpy()
    for t in range(500):
        state = a[:, t].double().numpy() * state + b[:, t].double().numpy()
        expected[:, t] = state
    for method in ("fused", "parallel", "sequential"):
        h = scan(a, b, h0, method=method)
        assert h.dtype == torch.float32
        np.testing.assert_allclose(h.numpy(), expected, rtol=0, atol=1e-5 * np.abs(expected).max())
    with torch.autocast("cpu", dtype=torch.bfloat16):  # a whole model under CPU autocast
        out = build_model("selective_ssm", {**SMALL["selective_ssm"], "token_dim": 2}, seed=1)(_inputs("continuous", 2, 9, seed=2)[..., :2])
    assert all(torch.isfinite(t).all() for t in out)


def test_scan_rejects_bad_shapes_and_methods():
    b = torch.zeros(2, 5, 3)
    with pytest.raises(ValueError, match="does not broadcast"):
        fused_scan(torch.zeros(3, 5, 3), b)
    with pytest.raises(ValueError, match="T >= 1"):
        fused_scan(torch.zeros(3), torch.zeros(2, 0, 3))
    with pytest.raises(ValueError, match="method must be one of"):
        scan(b, b, method="fft")


def test_seeded_build_is_reproducible_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = build_model("gru", {"d_model": 4, "n_layers": 1, "token_dim": 1}, seed=9)
    after = torch.rand(1)
    second = build_model("gru", {"d_model": 4, "n_layers": 1, "token_dim": 1}, seed=9)
    assert torch.equal(before, after)
    for p, q in zip(first.parameters(), second.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("arch, config, match", [
    ("rwkv", {"token_dim": 1}, "unknown architecture 'rwkv'"),
    ("gru", {"token_dim": 1, "d_model": 0}, "d_model must be >= 1"),
    ("ssm", {"token_dim": 1, "state_size": 0}, "state_size must be >= 1"),
    ("selective_ssm", {"token_dim": 1, "state_size": 0}, "state_size must be >= 1"),
    ("sliding_window", {"token_dim": 1, "window": 0}, "window must be >= 1"),
    ("transformer", {"token_dim": 1, "d_model": 10, "n_heads": 4}, "multiple of n_heads"),
    ("transformer", {"d_model": 8}, "exactly one of token_dim"),
    ("transformer", {"token_dim": 1, "vocab_size": 3}, "exactly one of token_dim"),
    ("gru", {"token_dim": 1, "hidden": 8}, "no field 'hidden'"),
    ("selective_ssm", {"token_dim": 1, "scan": "fft"}, "scan must be one of"),
])
def test_bad_configs_raise_clear_errors(arch, config, match):
    with pytest.raises(ValueError, match=match):
        build_model(arch, config)


def test_wrong_token_shape_is_rejected():
    model = build_model("gru", {"d_model": 4, "n_layers": 1, "token_dim": 2})
    with pytest.raises(ValueError, match=r"shape \(n, length, 2\)"):
        model(torch.zeros(1, 5, 3))
    discrete = build_model("gru", {"d_model": 4, "n_layers": 1, "vocab_size": 3})
    with pytest.raises(ValueError, match="int64"):
        discrete(torch.zeros(1, 5))


@pytest.mark.parametrize("arch, config, expected", [
    ("ssm", {"d_model": 8, "n_layers": 2, "state_size": 3, "d_inner": 5}, 2 * 5 * 3),
    ("selective_ssm", {"d_model": 8, "n_layers": 2, "state_size": 2, "d_inner": 6, "conv_kernel": 3}, 2 * 6 * 2),
    ("gru", {"d_model": 8, "n_layers": 2, "d_hidden": 5}, 2 * 5),
    ("lstm", {"d_model": 8, "n_layers": 1, "d_hidden": 5}, 2 * 5),
])
def test_state_sized_apart_from_the_width(arch, config, expected):
    """d_inner / d_hidden set the state without changing d_model: step() = forward, and the count holds."""
    model = build_model(arch, {**config, "token_dim": 3, "positions": "sinusoidal"}, seed=1).eval()
    x = _inputs("continuous", 2, 7, seed=3)
    with torch.no_grad():
        parallel = model(x)
        outputs, dims = _run_steps(model, x)
    for i in range(2):
        torch.testing.assert_close(torch.stack([o[i] for o in outputs], dim=1), parallel[i], atol=1e-5, rtol=0)
    assert model.history_state_dim(4) == expected
    assert dims[4] == expected + model.history_buffer_dim(4) - 1  # minus the integer position counter
