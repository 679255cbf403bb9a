"""The plug-in contract: any sequence layer through infoscale's token interface, training and L²M study.

A *layer* (the backbone of a ``base.SequenceModel``) is an ``nn.Module`` with

- ``forward(h) -> y``: (batch, L, d_model) → (batch, L, d_model), all positions in parallel, causal;
- ``init_state(batch, like) -> state``: the state before any token (``like``, a tensor, gives the
  device and dtype);
- ``step(h, state) -> (y, state)``: one position, (batch, d_model) → (batch, d_model);
- optionally ``state_dim(length) -> int``: a *declared* formula for its state, which is checked.

A state is a tuple, list or dict of tensors (nested freely; ints and ``None`` may sit beside them),
or an object that lists its tensors itself (``CarriesTensors``, e.g. the Hugging Face caches of
``hf_layers``). A *factory* builds a layer: ``factory(d_model, n_layers, **options)``.
infoscale supplies the rest, as for its own architectures: the embedding of continuous or
discrete tokens, the position features, the Gaussian or categorical head, the learned start
vector, exact-KL training, evaluation and every L²M figure (``base.SequenceModel``).

The harness, not the plug-in, counts the history state: ``history_state_dim(length)`` is the
number of floating-point elements in the state the step carries after ``length`` tokens (one
sequence; integer tensors such as position counters are not counted), measured by stepping the
layer. Everything the step carries counts — convolution taps and normalisers too, which the
built-in architectures report apart as a buffer — because that is what a recurrent layer must keep.
A declared ``state_dim`` that disagrees with the measurement is refused, naming both numbers.
When a plug-in model is built with real weights, its step-by-step outputs are compared with its
parallel forward on random inputs, and a largest difference above ``STEP_TOLERANCE`` is refused.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from importlib import import_module
from typing import Iterable, Protocol, runtime_checkable

import torch
from torch import nn

from infoscale._checks import check_int
from infoscale.errors import InvalidInput, InvalidType
from infoscale.nets.base import ModelConfig, SequenceModel

#: The largest |parallel forward − step by step| a plug-in may show (float32 outputs of order 1).
STEP_TOLERANCE = 1e-5
#: Positions and batch of the parallel-versus-step check made when a plug-in model is built.
CHECK_LENGTH, CHECK_BATCH = 12, 2


@runtime_checkable
class SequenceLayer(Protocol):
    """The plug-in contract (see the module docstring)."""

    def forward(self, h: torch.Tensor) -> torch.Tensor: ...

    def init_state(self, batch: int, like: torch.Tensor): ...

    def step(self, h: torch.Tensor, state) -> tuple: ...


@runtime_checkable
class DeclaresStateDim(Protocol):
    """A layer that states a formula for its state; the harness checks it against the tensors."""

    def state_dim(self, length: int) -> int: ...


@runtime_checkable
class CarriesTensors(Protocol):
    """A state object (not a tuple, list or dict) that lists the tensors it carries across time."""

    def state_tensors(self) -> Iterable[torch.Tensor]: ...


@dataclass
class PluginConfig(ModelConfig):
    """Sizes of a plug-in model: ``d_model`` and ``n_layers`` as every architecture, the rest of the
    factory's keyword arguments in ``options``."""

    options: dict = field(default_factory=dict)

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.options, dict) or not all(isinstance(key, str) for key in self.options):
            raise InvalidInput(f"options must be an object of the layer factory's keyword arguments, got {self.options!r}")
        self.options = dict(self.options)


def load_factory(spec: str):
    """The callable named by ``"package.module:Factory"`` (``Factory`` may be dotted), imported now."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise InvalidInput(f"a plug-in architecture is named 'package.module:Factory', got {spec!r}")
    try:
        target = import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name is None or not (module_name == err.name or module_name.startswith(err.name + ".")):
            raise  # the plug-in's own imports failed: a bug to see in full
        raise InvalidInput(f"architecture {spec!r}: no module named {err.name!r} (is its package installed "
                           "or on PYTHONPATH?)") from None
    for part in attribute.split("."):
        if part not in vars(target):
            raise InvalidInput(f"architecture {spec!r}: {module_name} has no attribute {attribute!r}")
        target = vars(target)[part]
    if not callable(target):
        raise InvalidType(f"architecture {spec!r} must name a callable factory(d_model, n_layers, **options), "
                          f"got a {type(target).__name__}")
    return target


def state_tensors(state) -> Iterable[torch.Tensor]:
    """Every tensor a step state carries: in tuples, lists and dict values, and those a
    ``CarriesTensors`` object lists. Any other object is refused (its tensors could not be counted)."""
    if isinstance(state, torch.Tensor):
        yield state
    elif isinstance(state, (tuple, list)):
        for item in state:
            yield from state_tensors(item)
    elif isinstance(state, dict):
        for item in state.values():
            yield from state_tensors(item)
    elif isinstance(state, CarriesTensors):
        yield from state.state_tensors()
    elif not isinstance(state, (int, float, bool, str, type(None))):
        raise InvalidType(f"a step state holds a {type(state).__name__}, whose tensors cannot be counted; use "
                          "tuples, lists or dicts of tensors, or give the object a state_tensors() method")


def measure_state(layer: nn.Module, length: int, like: torch.Tensor) -> int:
    """Floating-point elements of ``layer``'s step state after ``length`` tokens of one sequence."""
    with torch.no_grad():
        state = layer.init_state(1, like)
        h = like.new_zeros(1, like.shape[-1])
        for _ in range(length):
            _, state = layer.step(h, state)
        return sum(t.numel() for t in state_tensors(state) if t.is_floating_point())


def step_error(layer: nn.Module, like: torch.Tensor, length: int = CHECK_LENGTH, batch: int = CHECK_BATCH) -> float:
    """The largest |forward(h) − step-by-step(h)| over random h (batch, length, d_model), in eval mode."""
    generator = torch.Generator().manual_seed(0)
    h = torch.randn(batch, length, like.shape[-1], generator=generator).to(like)
    training = layer.training
    layer.eval()
    try:
        with torch.no_grad():
            parallel = layer(h)
            state, steps = layer.init_state(batch, like), []
            for t in range(length):
                y, state = layer.step(h[:, t], state)
                steps.append(y)
    finally:
        layer.train(training)
    return float((parallel - torch.stack(steps, dim=1)).abs().max())


class PluginModel(SequenceModel):
    """A ``SequenceModel`` whose backbone a plug-in factory builds; its state is measured, not declared."""

    factory = None  # set per architecture by ``plugin_model_class``
    #: Measurements by (architecture, config, length), shared by every build of the same model in this
    #: process: a sweep sizes each run on the meta device (slow per step) and then builds it again.
    _measured: dict[tuple[str, str, int], int] = {}

    def __init__(self, config: PluginConfig):
        layer = build_layer(self.arch, type(self).factory, config)
        super().__init__(config, layer)
        self._key = (self.arch, json.dumps(config.to_dict(), sort_keys=True, default=repr))
        self.history_state_dim(CHECK_LENGTH)  # a declared formula is checked before any training
        if self.start.device.type != "meta":
            error = step_error(layer, self.start)
            if not error <= STEP_TOLERANCE:
                raise InvalidInput(f"architecture {self.arch!r}: step-by-step outputs differ from the parallel forward by "
                                   f"up to {error:.3g} (allowed {STEP_TOLERANCE:g}); its step and forward must compute "
                                   "the same function")

    def history_state_dim(self, length: int) -> int:
        """Floats the step carries after ``length`` tokens (measured; a declared formula must agree)."""
        key = (*self._key, check_int("length", length, 0))
        if key not in self._measured:
            measured = measure_state(self.backbone, length, self.start)
            if isinstance(self.backbone, DeclaresStateDim) and self.backbone.state_dim(length) != measured:
                raise InvalidInput(f"architecture {self.arch!r} declares a history state of {self.backbone.state_dim(length)} "
                                   f"floats after {length} tokens (state_dim), but the tensors its step carries hold "
                                   f"{measured}")
            self._measured[key] = measured
        return self._measured[key]

    def history_buffer_dim(self, length: int) -> int:
        """The position counter only: everything the layer carries is counted as history state."""
        check_int("length", length, 0)
        return 1 if self.config.positions == "sinusoidal" else 0


def build_layer(arch: str, factory, config: PluginConfig) -> nn.Module:
    """``factory(d_model, n_layers, **options)``, its options checked against its signature first."""
    try:
        inspect.signature(factory).bind(config.d_model, config.n_layers, **config.options)
    except TypeError as err:
        raise InvalidInput(f"architecture {arch!r}: options {config.options} do not fit its factory "
                           f"{getattr(factory, '__name__', factory)}{inspect.signature(factory)} ({err})") from None
    layer = factory(config.d_model, config.n_layers, **config.options)
    if not isinstance(layer, nn.Module) or not isinstance(layer, SequenceLayer):
        raise InvalidType(f"architecture {arch!r}: its factory must return an nn.Module with forward, init_state and "
                          f"step, got a {type(layer).__name__}")
    return layer


def plugin_model_class(name: str, factory) -> type:
    """A ``PluginModel`` subclass building ``factory``'s layer, registered as architecture ``name``."""
    return type(f"PluginModel[{name}]", (PluginModel,), {"arch": name, "factory": staticmethod(factory)})
