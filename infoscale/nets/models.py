"""Architectures by name: ``build_model(arch, config)`` builds any model from a dict or a config.

``ARCHITECTURES`` is the registry (name → (config class, model class)). Add one with
``register_architecture``, or a plug-in layer (``nets.plugin``) in one of three ways:
``register_layer(name, factory)``; an installed package's entry point in the group
``infoscale.architectures`` (``name = "package.module:Factory"``); or the name
``"package.module:Factory"`` itself wherever an architecture is named (``--arch``, l2m configs).
Entry points, the bundled Hugging Face layers (``BUNDLED_LAYERS``) and module paths are imported
only when first used (``resolve_architecture``); ``available_architectures`` lists every name
without importing any of them.
"""

from __future__ import annotations

import torch

from infoscale.budget import check_memory
from infoscale.errors import InvalidInput, InvalidType
from infoscale.nets.base import ModelConfig, SequenceModel, seeded_init
from infoscale.nets.linear_attention import LinearAttention, LinearAttentionConfig
from infoscale.nets.mps_model import MPSBornMachine, MPSConfig
from infoscale.nets.plugin import PluginConfig, load_factory, plugin_model_class
from infoscale.nets.rnn import GRU, LSTM, RNNConfig
from infoscale.nets.selective_ssm import SelectiveSSM, SelectiveSSMConfig
from infoscale.nets.sliding_window import SlidingWindowConfig, SlidingWindowTransformer
from infoscale.nets.ssm import SSM, SSMConfig
from infoscale.nets.transformer import Transformer, TransformerConfig
from infoscale.registry import ARCHITECTURE_ENTRY_POINTS, Registry

ARCHITECTURES: Registry[tuple[type, type]] = Registry("architecture")
#: The entry-point group through which an installed package adds plug-in layers.
#: Plug-in layers that come with infoscale, imported when used (they need the ``[lm]`` extra).
BUNDLED_LAYERS = {"hf_mamba": "infoscale.nets.hf_layers:mamba", "hf_mamba2": "infoscale.nets.hf_layers:mamba2",
                  "hf_llama": "infoscale.nets.hf_layers:llama"}


def register_architecture(name: str, config_class: type, model_class: type) -> None:
    """Make ``model_class(config_class(...))`` buildable as ``name``."""
    ARCHITECTURES.add(name, (config_class, model_class))


def register_layer(name: str, factory) -> None:
    """Make the plug-in layer ``factory(d_model, n_layers, **options)`` buildable as ``name``
    (its config is a ``plugin.PluginConfig``)."""
    register_architecture(name, PluginConfig, plugin_model_class(name, factory))


def architecture_names() -> list[str]:
    """The architectures registered so far (the built-in ones, and plug-ins once used)."""
    return sorted(ARCHITECTURES)


def available_architectures() -> list[str]:
    """Every architecture name: registered, bundled and installed plug-ins (none imported)."""
    return sorted(set(ARCHITECTURES) | set(BUNDLED_LAYERS) | set(_entry_points()))


def _entry_points() -> dict[str, str]:
    from importlib.metadata import entry_points

    return {point.name: point.value for point in entry_points(group=ARCHITECTURE_ENTRY_POINTS)}


def resolve_architecture(arch: str) -> tuple[type, type]:
    """(config class, model class) of ``arch``, registering a bundled, installed or
    ``package.module:Factory`` plug-in on first use; ``InvalidInput`` listing every name otherwise."""
    if isinstance(arch, str) and arch not in ARCHITECTURES:
        spec = BUNDLED_LAYERS.get(arch) or _entry_points().get(arch) or (arch if ":" in arch else None)
        if spec is None:
            raise InvalidInput(f"unknown architecture {arch!r}; known: {', '.join(available_architectures())}, "
                               "or a plug-in named 'package.module:Factory'")
        register_layer(arch, load_factory(spec))
    return ARCHITECTURES.get(arch)


def config_class(arch: str) -> type:
    """The config dataclass of ``arch``; ``InvalidInput`` listing the known names otherwise."""
    return resolve_architecture(arch)[0]


def make_config(arch: str, config: dict | ModelConfig) -> ModelConfig:
    """Validate ``config`` (a dict of fields, or a config instance) for ``arch``."""
    cls = config_class(arch)
    if isinstance(config, ModelConfig):
        if not isinstance(config, cls):
            raise InvalidType(f"architecture {arch!r} needs a {cls.__name__}, got {type(config).__name__}")
        return config
    if not isinstance(config, dict):
        raise InvalidType(f"config must be a dict or a {cls.__name__}, got {type(config).__name__}")
    return cls.from_dict(config)


#: float32 weights, gradients and AdamW's two moments.
TRAINING_BYTES_PER_PARAMETER = 16


def build_model(arch: str, config: dict | ModelConfig, seed: int | None = None) -> SequenceModel:
    """Build architecture ``arch``; with ``seed``, its initial weights are reproducible."""
    config = make_config(arch, config)
    try:
        with torch.device("meta"):  # count the parameters without allocating them
            parameters = sum(p.numel() for p in resolve_architecture(arch)[1](config).parameters())
    except RuntimeError as err:  # sizes whose storage size overflows; anything else is not about size
        if "overflow" not in str(err):
            raise
        raise InvalidInput(f"the {arch} model config {config.to_dict()} is too large to build "
                           f"({str(err).splitlines()[0][:120]})") from None
    check_memory(f"the {arch} model of {parameters:,} parameters (model config {config.to_dict()})",
                 TRAINING_BYTES_PER_PARAMETER * parameters)
    with seeded_init(seed):
        return resolve_architecture(arch)[1](config)


for _name, _config, _model in [
    ("transformer", TransformerConfig, Transformer),
    ("sliding_window", SlidingWindowConfig, SlidingWindowTransformer),
    ("gru", RNNConfig, GRU),
    ("lstm", RNNConfig, LSTM),
    ("ssm", SSMConfig, SSM),
    ("selective_ssm", SelectiveSSMConfig, SelectiveSSM),
    ("linear_attention", LinearAttentionConfig, LinearAttention),
    ("mps", MPSConfig, MPSBornMachine),
]:
    register_architecture(_name, _config, _model)
