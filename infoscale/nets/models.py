"""Architectures by name: ``build_model(arch, config)`` builds any model from a dict or a config.

``ARCHITECTURES`` is the registry (name → (config class, model class)); the CLI's ``--arch``
choices and help text come from it. Add one with ``register_architecture``.
"""

from __future__ import annotations

import torch

from infoscale.budget import check_memory
from infoscale.errors import InvalidInput, InvalidType
from infoscale.nets.base import ModelConfig, SequenceModel, seeded_init
from infoscale.nets.linear_attention import LinearAttention, LinearAttentionConfig
from infoscale.nets.mps_model import MPSBornMachine, MPSConfig
from infoscale.nets.rnn import GRU, LSTM, RNNConfig
from infoscale.nets.selective_ssm import SelectiveSSM, SelectiveSSMConfig
from infoscale.nets.sliding_window import SlidingWindowConfig, SlidingWindowTransformer
from infoscale.nets.ssm import SSM, SSMConfig
from infoscale.nets.transformer import Transformer, TransformerConfig
from infoscale.registry import Registry

ARCHITECTURES: Registry[tuple[type, type]] = Registry("architecture")


def register_architecture(name: str, config_class: type, model_class: type) -> None:
    """Make ``model_class(config_class(...))`` buildable as ``name``."""
    ARCHITECTURES.add(name, (config_class, model_class))


def architecture_names() -> list[str]:
    return sorted(ARCHITECTURES)


def config_class(arch: str) -> type:
    """The config dataclass of ``arch``; ``InvalidInput`` listing the known names otherwise."""
    return ARCHITECTURES.get(arch)[0]


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
            parameters = sum(p.numel() for p in ARCHITECTURES.get(arch)[1](config).parameters())
    except RuntimeError as err:  # sizes whose storage size overflows
        raise InvalidInput(f"the {arch} model config {config.to_dict()} is too large to build "
                           f"({str(err).splitlines()[0][:120]})") from None
    check_memory(f"the {arch} model of {parameters:,} parameters (model config {config.to_dict()})",
                 TRAINING_BYTES_PER_PARAMETER * parameters)
    with seeded_init(seed):
        return ARCHITECTURES.get(arch)[1](config)


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
