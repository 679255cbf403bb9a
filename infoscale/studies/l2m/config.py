"""The L²M sweep's configuration: frozen, typed dataclasses, valid as soon as they exist.

The JSON shape (``SweepConfig.to_dict`` / ``from_dict``; defaults in brackets)::

    families         [FamilySpec {"name": str, "params": {...}}]         the families to sweep
    lengths          [int >= 2, ...]                                      increasing when warm_start is on
    models           [ModelSpec {"label": str, "arch": str, "config": {...sizes}, "train": TrainSettings,
                                 "train_by_length": {"L": TrainSettings}, "seeds": [int] (a run per seed;
                                 [] the sweep's), "families": [index] (the families it runs on; [] all)}]
    train            TrainSettings: ``TrainConfig`` fields, plus tokens_per_step (batch = tokens_per_step // L)
    train_by_length  {"L": TrainSettings}: overrides of ``train`` at single lengths, for every model [{}]
    eval             EvalSettings {"n_samples", "batch_size", "seed"}
    threads          torch CPU threads per process, or null (the cores this process may use) [null]
    workers          processes that train model chains side by side [1]
    warm_start       each model at length L starts from its own weights at the previous length [false]
    positions        "none" or "sinusoidal": one convention for every model [nets.base.DEFAULT_POSITIONS]
    analysis         AnalysisSettings {"epsilons": [ε, ...], "bootstrap": int}: the information fractions
                     of the state law D*_ε(L), bootstrap resamples [[], 1000]; "thresholds" (per-token KL
                     thresholds τ of an older, mis-specified law) is read from older tables and not used
    early_stopping   EarlyStopSettings {"every", "window", "min_improvement", "min_steps", "n_samples"}, or
                     null: train every run to its steps [null]; ``steps`` is then the cap
    plateau          [label, ...]: models trained once more at the longest length, on their first
                     family, for twice the cap, without early stopping (the plateau test) [[]]
    utilization_samples  exact samples of the utilization estimate of every run, 0: none [0]

Each dataclass checks its fields in ``__post_init__``, so constructing one (directly, by
``from_dict`` or by ``dataclasses.replace``) validates it, and a ``SweepConfig`` that exists is
valid: ``validate(dict)`` is ``SweepConfig.from_dict``. Parsing is strict (an unknown or missing
key is refused) and every error names its field by path, e.g. ``models[1].train.steps must be
>= 1``. Nested JSON objects are held as ``Frozen`` dicts, lists as tuples; ``to_dict`` gives the
JSON back and ``from_dict(to_dict(c)) == c``. A ``TrainSettings`` or ``EvalSettings`` field left
``None`` is not set at that level: a later level or the default of ``TrainConfig`` / ``evaluate``
applies, and ``to_dict`` leaves it out. What needs the families and models themselves (lengths a
family admits, model sizes, losses, memory) is checked by ``sweep.plan``.

To add a field: one line in its dataclass, with a default (older files still load), and its check
in ``__post_init__``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import ClassVar

from infoscale._checks import check_float, check_int
from infoscale.errors import InvalidInput
from infoscale.generators.registry import family_class
from infoscale.nets.base import DEFAULT_POSITIONS, POSITIONS
from infoscale.nets.models import config_class
from infoscale.nets.train import TrainConfig
from infoscale.studies.l2m.schema import (Frozen, Json, freeze, is_int, nonempty_list, parse, positive_floats, require,
                                          set_field)

#: Keys that say how a sweep runs or is analysed, not what its runs compute: a resumed sweep may change them.
EXECUTION_KEYS = ("threads", "workers", "analysis")


@dataclass(frozen=True)
class TrainSettings(Json):
    """Training settings at one level (the sweep, a length, a model, a model at a length): the fields
    of ``nets.train.TrainConfig``, plus ``tokens_per_step``; ``None``: not set at this level."""

    OMIT_NONE: ClassVar[bool] = True

    steps: int | None = None
    batch_size: int | None = None
    tokens_per_step: int | None = None  # batch = tokens_per_step // L, unless a model sets batch_size
    lr: float | None = None
    weight_decay: float | None = None
    warmup: int | None = None
    min_lr_ratio: float | None = None
    grad_clip: float | None = None
    seed: int | None = None
    loss: str | None = None
    device: str | None = None
    amp: bool | None = None
    log_every: int | None = None
    checkpoint_every: int | None = None

    def __post_init__(self):
        given = self.given()
        if "tokens_per_step" in given:
            set_field(self, "tokens_per_step", check_int("tokens_per_step", given.pop("tokens_per_step"), 1))
        checked = TrainConfig.from_dict(given)  # TrainConfig checks each field it is given
        for name in given:
            set_field(self, name, getattr(checked, name))

    def given(self) -> dict:
        """The fields set at this level."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class EvalSettings(Json):
    """The exact evaluation of every trained model (``nets.evaluate``); ``None``: its default."""

    OMIT_NONE: ClassVar[bool] = True

    n_samples: int | None = None
    batch_size: int | None = None
    seed: int | None = None

    def __post_init__(self):
        for name, low in (("n_samples", 2), ("batch_size", 1), ("seed", 0)):
            if getattr(self, name) is not None:
                set_field(self, name, check_int(name, getattr(self, name), low))

    def given(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class AnalysisSettings(Json):
    """The analysis of a finished sweep: information fractions ε of the state law D*_ε(L), bootstrap
    resamples of the intervals. ``thresholds`` (per-token τ, mis-specified) is kept so older tables load."""

    thresholds: tuple[float, ...] = ()
    epsilons: tuple[float, ...] = ()
    bootstrap: int = 1000

    def __post_init__(self):
        set_field(self, "thresholds", positive_floats("thresholds", self.thresholds, "KL values > 0"))
        set_field(self, "epsilons", positive_floats("epsilons", self.epsilons, "fractions in (0, 1)", 1.0))
        set_field(self, "bootstrap", check_int("bootstrap", self.bootstrap, 10))


@dataclass(frozen=True)
class EarlyStopSettings(Json):
    """``nets.early_stopping.EarlyStopping``'s settings: checks every ``every`` steps on a fixed batch of
    ``n_samples``; stop when the best KL improved by < ``min_improvement`` over the last ``window``."""

    every: int = 25
    window: float = 0.3
    min_improvement: float = 0.02
    min_steps: int = 100
    n_samples: int = 64

    def __post_init__(self):
        for name in ("every", "min_steps", "n_samples"):
            set_field(self, name, check_int(name, getattr(self, name), 1))
        set_field(self, "window", check_float("window", self.window, 0.0, 1.0, low_open=True, high_open=True))
        set_field(self, "min_improvement", check_float("min_improvement", self.min_improvement, 0.0, 1.0))


def _by_length(value, name: str) -> Frozen:
    """``{L: TrainSettings}`` from an object whose keys are lengths (as JSON's strings or as ints)."""
    require(isinstance(value, dict), f"{name} must map lengths to objects of training settings, got {value!r}")
    out = {}
    for key, settings in value.items():
        length = int(key) if isinstance(key, str) and key.isdigit() else key
        require(is_int(length), f"{name} keys must be lengths, got {key!r}")
        out[length] = parse(TrainSettings, settings, f"{name}.{key}")
    return Frozen(out)


@dataclass(frozen=True)
class FamilySpec(Json):
    """A family of the sweep: its registered name and parameters."""

    MISSING_TEXT: ClassVar[str] = "{path} must be an object with a string 'name', got {value!r}"

    name: str
    params: Frozen = field(default_factory=Frozen)

    def __post_init__(self):
        require(isinstance(self.name, str), f"name must be a string, got {self.name!r}")
        family_class(self.name)  # an unknown name lists the known ones
        require(isinstance(self.params, dict), f"params must be an object, got {self.params!r}")
        set_field(self, "params", freeze(self.params))


@dataclass(frozen=True)
class ModelSpec(Json):
    """A model of the sweep: a label, an architecture, its sizes (``config``; the token interface and
    the positions come from the family and the sweep) and its own training overrides."""

    MISSING_TEXT: ClassVar[str] = "each model needs {key!r}; {path} is {value!r}"

    label: str
    arch: str
    config: Frozen
    train: TrainSettings = field(default_factory=TrainSettings)
    train_by_length: Frozen = field(default_factory=Frozen)
    seeds: tuple[int, ...] = ()
    families: tuple[int, ...] = ()

    def __post_init__(self):
        for name in ("seeds", "families"):
            value = getattr(self, name)
            require(isinstance(value, (list, tuple)) and all(is_int(v) and v >= 0 for v in value)
                    and len(set(value)) == len(value), f"{name} must be a list of distinct integers >= 0, got {value!r}")
            set_field(self, name, tuple(value))
        require(isinstance(self.label, str) and self.label != "", f"label must be a non-empty string, got {self.label!r}")
        require(isinstance(self.arch, str), f"arch must be a string, got {self.arch!r}")
        config_class(self.arch)  # an unknown architecture lists the known ones
        require(isinstance(self.config, dict), f"config must be an object, got {self.config!r}")
        require("positions" not in self.config, "config sets positions; the sweep's 'positions' key sets one "
                                                 "convention for every model")
        set_field(self, "config", freeze(self.config))
        set_field(self, "train", parse(TrainSettings, self.train, "train"))
        set_field(self, "train_by_length", _by_length(self.train_by_length, "train_by_length"))


@dataclass(frozen=True)
class SweepConfig(Json):
    """A whole L²M sweep: family × length × model, how each is trained and evaluated, how it runs."""

    MISSING_TEXT: ClassVar[str] = "config lacks {key!r} (give a preset or the key)"

    families: tuple[FamilySpec, ...]
    lengths: tuple[int, ...]
    models: tuple[ModelSpec, ...]
    train: TrainSettings
    eval: EvalSettings
    train_by_length: Frozen = field(default_factory=Frozen)
    threads: int | None = None
    workers: int = 1
    warm_start: bool = False
    positions: str = DEFAULT_POSITIONS
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    early_stopping: EarlyStopSettings | None = None
    plateau: tuple[str, ...] = ()
    utilization_samples: int = 0

    def __post_init__(self):
        require(nonempty_list(self.families), "families must be a non-empty list of {name, params}")
        set_field(self, "families", tuple(parse(FamilySpec, f, f"families[{i}]") for i, f in enumerate(self.families)))
        lengths = self.lengths
        require(nonempty_list(lengths) and all(is_int(n) and n >= 2 for n in lengths),
                 f"lengths must be a non-empty list of integers >= 2, got {lengths!r}")
        require(len(set(lengths)) == len(lengths), f"lengths must not repeat, got {list(lengths)}")
        set_field(self, "lengths", tuple(lengths))
        require(nonempty_list(self.models), "models must be a non-empty list of {label, arch, config}")
        set_field(self, "models", tuple(parse(ModelSpec, m, f"models[{i}]") for i, m in enumerate(self.models)))
        labels = [m.label for m in self.models]
        require(len(set(labels)) == len(labels), f"model labels must be unique, got {labels}")
        set_field(self, "train", parse(TrainSettings, self.train, "train"))
        set_field(self, "eval", parse(EvalSettings, self.eval, "eval"))
        set_field(self, "train_by_length", _by_length(self.train_by_length, "train_by_length"))
        owners = [("train_by_length", self.train_by_length),
                  *((f"models[{i}].train_by_length", m.train_by_length) for i, m in enumerate(self.models))]
        for owner, by_length in owners:
            unknown = sorted(set(by_length) - set(self.lengths))
            if unknown:
                raise InvalidInput(f"{owner} names length {unknown[0]}, which is not in lengths {list(self.lengths)}")
        require(self.threads is None or (is_int(self.threads) and self.threads >= 1),
                 f"threads must be an integer >= 1 or null, got {self.threads!r}")
        require(is_int(self.workers) and self.workers >= 1, f"workers must be an integer >= 1, got {self.workers!r}")
        require(isinstance(self.warm_start, bool), f"warm_start must be true or false, got {self.warm_start!r}")
        require(not self.warm_start or all(a < b for a, b in zip(lengths, lengths[1:])),
                 f"warm_start needs increasing lengths, got {list(lengths)}")
        require(self.positions in POSITIONS, f"positions must be one of {POSITIONS}, got {self.positions!r}")
        set_field(self, "analysis", parse(AnalysisSettings, self.analysis, "analysis"))
        self._check_run_options(labels)

    def _check_run_options(self, labels: list[str]) -> None:
        """early_stopping, plateau, utilization_samples, and the models' family indices."""
        if self.early_stopping is not None:
            set_field(self, "early_stopping", parse(EarlyStopSettings, self.early_stopping, "early_stopping"))
        require(isinstance(self.plateau, (list, tuple)) and all(p in labels for p in self.plateau),
                f"plateau must list model labels among {labels}, got {self.plateau!r}")
        set_field(self, "plateau", tuple(self.plateau))
        set_field(self, "utilization_samples", check_int("utilization_samples", self.utilization_samples, 0))
        require(self.utilization_samples != 1, "utilization_samples must be 0 (off) or >= 2, got 1")
        for i, model in enumerate(self.models):
            bad = [f for f in model.families if f >= len(self.families)]
            require(not bad, f"models[{i}].families names family {bad[0] if bad else ''}, but there are "
                             f"{len(self.families)} families (indices 0..{len(self.families) - 1})")

    def train_config(self, model: ModelSpec, length: int) -> TrainConfig:
        """The ``TrainConfig`` of ``model`` at ``length``: the sweep's settings, then the sweep's at this
        length, the model's, the model's at this length. A model that sets ``batch_size`` drops the
        sweep's ``tokens_per_step``; otherwise tokens_per_step sets the batch to tokens_per_step // L."""
        empty = TrainSettings()
        common = {**self.train.given(), **self.train_by_length.get(length, empty).given()}
        override = {**model.train.given(), **model.train_by_length.get(length, empty).given()}
        if "batch_size" in override:
            common.pop("tokens_per_step", None)
        values = {**common, **override}
        tokens_per_step = values.pop("tokens_per_step", None)
        if tokens_per_step is not None:
            values["batch_size"] = max(1, tokens_per_step // length)
        return TrainConfig.from_dict(values)

    def comparable(self) -> str:
        """The configuration without its execution and analysis keys, as canonical JSON: what a resumed sweep
        must share."""
        return json.dumps({k: v for k, v in self.to_dict().items() if k not in EXECUTION_KEYS}, sort_keys=True)


def validate(config) -> SweepConfig:
    """The ``SweepConfig`` of a JSON object (a dict), or ``InvalidInput`` naming the field and what it must be."""
    if isinstance(config, SweepConfig):
        return config
    require(isinstance(config, dict), f"an l2m configuration must be a JSON object, got {type(config).__name__}")
    return SweepConfig.from_dict(config)
