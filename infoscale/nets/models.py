"""Architectures by name: ``build_model(arch, config)`` builds any model from a dict or a config.

Other modules (e.g. the MPS Born machine) add themselves with ``register_architecture``.
"""

from __future__ import annotations

from infoscale.nets.base import ModelConfig, SequenceModel, seeded_init
from infoscale.nets.linear_attention import LinearAttention, LinearAttentionConfig
from infoscale.nets.rnn import GRU, LSTM, RNNConfig
from infoscale.nets.selective_ssm import SelectiveSSM, SelectiveSSMConfig
from infoscale.nets.sliding_window import SlidingWindowConfig, SlidingWindowTransformer
from infoscale.nets.ssm import SSM, SSMConfig
from infoscale.nets.transformer import Transformer, TransformerConfig

_ARCHITECTURES: dict[str, tuple[type, type]] = {}


def register_architecture(name: str, config_class: type, model_class: type) -> None:
    """Make ``model_class(config_class(...))`` buildable as ``name``."""
    if name in _ARCHITECTURES and _ARCHITECTURES[name] != (config_class, model_class):
        raise ValueError(f"an architecture named {name!r} is already registered")
    _ARCHITECTURES[name] = (config_class, model_class)


def architecture_names() -> list[str]:
    return sorted(_ARCHITECTURES)


def config_class(arch: str) -> type:
    """The config dataclass of ``arch``; ``ValueError`` listing the known names otherwise."""
    if arch not in _ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; known architectures: {', '.join(architecture_names())}")
    return _ARCHITECTURES[arch][0]


def make_config(arch: str, config: dict | ModelConfig) -> ModelConfig:
    """Validate ``config`` (a dict of fields, or a config instance) for ``arch``."""
    cls = config_class(arch)
    if isinstance(config, ModelConfig):
        if not isinstance(config, cls):
            raise TypeError(f"architecture {arch!r} needs a {cls.__name__}, got {type(config).__name__}")
        return config
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict or a {cls.__name__}, got {type(config).__name__}")
    return cls.from_dict(config)


def build_model(arch: str, config: dict | ModelConfig, seed: int | None = None) -> SequenceModel:
    """Build architecture ``arch``; with ``seed``, its initial weights are reproducible."""
    config = make_config(arch, config)
    with seeded_init(seed):
        return _ARCHITECTURES[arch][1](config)


for _name, _config, _model in [
    ("transformer", TransformerConfig, Transformer),
    ("sliding_window", SlidingWindowConfig, SlidingWindowTransformer),
    ("gru", RNNConfig, GRU),
    ("lstm", RNNConfig, LSTM),
    ("ssm", SSMConfig, SSM),
    ("selective_ssm", SelectiveSSMConfig, SelectiveSSM),
    ("linear_attention", LinearAttentionConfig, LinearAttention),
]:
    register_architecture(_name, _config, _model)

# Modules that register themselves (imported last: they use register_architecture).
from infoscale.nets import mps_model  # noqa: E402,F401  ("mps", the MPS Born machine)
