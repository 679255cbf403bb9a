"""Hugging Face ``transformers`` models as plug-in layers (``nets.plugin``): Mamba, Mamba2, Llama.

Each factory builds the library's base model (no LM head) from a small random config and feeds it
through ``inputs_embeds``: infoscale's token embedding, position features and head surround it, as
for any plug-in. The step state is the library's own cache object (a ``DynamicCache``: convolution
and SSM states for Mamba and Mamba2, keys and values for Llama), and the harness counts the
floating-point elements of the tensors that cache holds after L/2 steps — the real cache, not a
formula. The cache is updated in place, so a state is used once, as infoscale's step loops do.

On CPU the models run the library's reference (pure torch) paths, which are slow: use them at tiny
sizes. On a CUDA machine with ``mamba_ssm`` and ``causal_conv1d`` installed, ``transformers``
switches to their fused kernels by itself; nothing here changes.

``selective_ssm_from_hf`` copies a Hugging Face ``MambaMixer``'s weights into infoscale's
``SelectiveSSMLayer``: the two compute the same function (the low-rank Δ projection
``dt_proj ∘ x_proj[:rank]`` becomes one d_inner × d_inner matrix), so the fast built-in layer
stands in for the real one on CPU. The blocks around the layers differ: Hugging Face's
``MambaBlock`` is RMSNorm → mixer → residual with no MLP and a final RMSNorm; infoscale's
``MixerStack`` is LayerNorm → mixer → residual, then an MLP.

Needs the ``[lm]`` extra (``pip install infoscale[lm]``); importing this module imports no
``transformers`` until a factory runs.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

import torch
from torch import nn

from infoscale._checks import check_int
from infoscale.errors import InvalidInput, Unavailable
from infoscale.nets.plugin import state_tensors


#: The oldest ``transformers`` these adapters were tested with (its unified ``DynamicCache`` of SSM and
#: attention layers, and the ``cache=`` argument of the Mamba models).
MIN_TRANSFORMERS = (5, 25)


def _transformers():
    try:
        import transformers
    except ImportError:
        raise Unavailable("the Hugging Face layers need transformers: pip install 'infoscale[lm]'") from None
    found = tuple(int(part) for part in transformers.__version__.split(".")[:2] if part.isdigit())
    if found < MIN_TRANSFORMERS:
        raise Unavailable(f"the Hugging Face layers need transformers >= {'.'.join(map(str, MIN_TRANSFORMERS))}, "
                          f"found {transformers.__version__}: pip install -U 'infoscale[lm]'")
    return transformers


class CacheTensors:
    """A ``transformers`` cache as a ``plugin.CarriesTensors``: every tensor its layers hold."""

    def __init__(self, cache):
        self.cache = cache

    def state_tensors(self) -> Iterable[torch.Tensor]:
        """The tensors in each cache layer's attributes (and in its lists and dicts of them)."""
        for layer in self.cache.layers:
            yield from state_tensors([value for value in vars(layer).values()
                                      if isinstance(value, (torch.Tensor, list, tuple, dict))])


class HFState(NamedTuple):
    """The step state: the cache, and an empty (batch, 0) tensor that says the batch size before
    the cache holds anything."""

    cache: CacheTensors
    batch: torch.Tensor


class HFLayer(nn.Module):
    """A ``transformers`` base model as a plug-in layer (``forward``, ``init_state``, ``step``)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.model(inputs_embeds=h, use_cache=False).last_hidden_state

    def init_state(self, batch: int, like: torch.Tensor) -> HFState:
        cache = _transformers().DynamicCache(config=self.model.config)
        return HFState(CacheTensors(cache), like.new_zeros(batch, 0))

    def step(self, h: torch.Tensor, state: HFState) -> tuple[torch.Tensor, HFState]:
        out = self.model(inputs_embeds=h[:, None], cache=state.cache.cache, use_cache=True)
        return out.last_hidden_state[:, 0], state


def mamba(d_model: int, n_layers: int, state_size: int = 16, expand: int = 2, conv_kernel: int = 4,
          time_step_rank: int | None = None, use_bias: bool = False) -> HFLayer:
    """``transformers.MambaModel``: d_inner = expand · d_model, Δ of rank ``time_step_rank``
    (default ⌈d_model / 16⌉); state per layer d_inner · (state_size + conv_kernel) floats."""
    t = _transformers()
    config = t.MambaConfig(hidden_size=d_model, num_hidden_layers=n_layers, vocab_size=2,
                           state_size=check_int("state_size", state_size, 1),
                           intermediate_size=check_int("expand", expand, 1) * d_model,
                           conv_kernel=check_int("conv_kernel", conv_kernel, 1),
                           time_step_rank="auto" if time_step_rank is None else check_int("time_step_rank", time_step_rank, 1),
                           use_bias=bool(use_bias), bos_token_id=None, eos_token_id=None, pad_token_id=None)
    return HFLayer(t.MambaModel(config))


def mamba2(d_model: int, n_layers: int, state_size: int = 16, head_dim: int = 8, expand: int = 2,
           conv_kernel: int = 4, chunk_size: int = 64) -> HFLayer:
    """``transformers.Mamba2Model`` with one group: expand · d_model / head_dim heads of ``head_dim``."""
    t = _transformers()
    inner, head_dim = check_int("expand", expand, 1) * d_model, check_int("head_dim", head_dim, 1)
    if inner % head_dim:
        raise InvalidInput(f"expand · d_model must be a multiple of head_dim, got {inner} and head_dim={head_dim}")
    config = t.Mamba2Config(hidden_size=d_model, num_hidden_layers=n_layers, vocab_size=2, expand=expand, n_groups=1,
                            state_size=check_int("state_size", state_size, 1), num_heads=inner // head_dim,
                            head_dim=head_dim, conv_kernel=check_int("conv_kernel", conv_kernel, 1),
                            chunk_size=check_int("chunk_size", chunk_size, 1), bos_token_id=None, eos_token_id=None,
                            pad_token_id=None)
    return HFLayer(t.Mamba2Model(config))


def llama(d_model: int, n_layers: int, n_heads: int = 2, n_kv_heads: int | None = None, mlp_ratio: int = 4,
          max_length: int = 8192) -> HFLayer:
    """``transformers.LlamaModel`` (RoPE, SwiGLU, grouped-query attention with ``n_kv_heads``)."""
    t = _transformers()
    n_heads = check_int("n_heads", n_heads, 1)
    n_kv_heads = n_heads if n_kv_heads is None else check_int("n_kv_heads", n_kv_heads, 1, n_heads)
    if d_model % n_heads or n_heads % n_kv_heads:
        raise InvalidInput(f"d_model must be a multiple of n_heads and n_heads of n_kv_heads, got d_model={d_model}, "
                           f"n_heads={n_heads}, n_kv_heads={n_kv_heads}")
    config = t.LlamaConfig(hidden_size=d_model, num_hidden_layers=n_layers, vocab_size=2, num_attention_heads=n_heads,
                           num_key_value_heads=n_kv_heads, intermediate_size=check_int("mlp_ratio", mlp_ratio, 1) * d_model,
                           max_position_embeddings=check_int("max_length", max_length, 1), bos_token_id=None,
                           eos_token_id=None, pad_token_id=None)
    return HFLayer(t.LlamaModel(config))


def selective_ssm_from_hf(mixer: nn.Module, scan: str = "auto"):
    """infoscale's ``SelectiveSSMLayer`` with the weights of a Hugging Face ``MambaMixer`` (SiLU)."""
    from infoscale.nets.selective_ssm import SelectiveSSMLayer

    if mixer.activation != "silu":
        raise InvalidInput(f"the selective SSM uses SiLU; this MambaMixer uses {mixer.activation!r}")
    rank, state = mixer.time_step_rank, mixer.ssm_state_size
    layer = SelectiveSSMLayer(mixer.hidden_size, state, mixer.intermediate_size, mixer.conv_kernel_size, scan)
    with torch.no_grad():
        _copy_linear(layer.in_proj, mixer.in_proj.weight, mixer.in_proj.bias)
        layer.conv.weight.copy_(mixer.conv1d.weight)
        _copy_bias(layer.conv.bias, mixer.conv1d.bias)
        _copy_linear(layer.dt_proj, mixer.dt_proj.weight @ mixer.x_proj.weight[:rank], mixer.dt_proj.bias)
        layer.bc_proj.weight.copy_(mixer.x_proj.weight[rank:])
        layer.A_log.copy_(mixer.A_log)
        layer.D.copy_(mixer.D)
        _copy_linear(layer.out_proj, mixer.out_proj.weight, mixer.out_proj.bias)
    return layer


def _copy_linear(linear: nn.Linear, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
    linear.weight.copy_(weight)
    _copy_bias(linear.bias, bias)


def _copy_bias(target: torch.Tensor, bias: torch.Tensor | None) -> None:
    """``bias``, or zeros where the Hugging Face layer has none."""
    target.copy_(bias) if bias is not None else target.zero_()
