"""The L²M sweep planned: every run resolved and checked before the first training step.

``plan`` builds each family, checks every length against it, sizes each model for each family on
the meta device (its config, its token interface, its loss, its memory; no weights), and resolves
each run's ``TrainConfig``. The runs record what training needs and what ordering them needs
(parameters, whether the state grows with L), so a model is built only when its run trains.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Hashable

import torch

from infoscale.budget import check_memory
from infoscale.errors import InvalidInput, InvalidType
from infoscale.generators import make_family
from infoscale.nets.base import ModelConfig
from infoscale.nets.models import ARCHITECTURES, TRAINING_BYTES_PER_PARAMETER, make_config
from infoscale.nets.train import TrainConfig, prepare
from infoscale.studies.l2m.config import ModelSpec, SweepConfig
from infoscale.studies.l2m.schema import plain


@dataclass(frozen=True)
class Run:
    """One (family, length, model) of a sweep, resolved: what training needs, and the model's size."""

    index: int
    family_index: int
    family: Any
    length: int
    model: ModelSpec
    model_config: ModelConfig  # the sizes with the family's tokens and the sweep's positions
    train: TrainConfig
    chain: Hashable  # runs of one chain train one after the other (a warm start's lengths)
    n_parameters: int
    grows: bool  # the history state grows with L
    seed: int = 0  # the training seed (train.seed)
    state_dim: int = 0  # history_state_dim at the cut L/2
    plateau: bool = False  # the plateau test's run: twice the cap, no early stopping


def plan(config: SweepConfig) -> list[Run]:
    """Check every family, length, model, loss and model size of the sweep, and return its runs.

    Models are sized on the meta device (no weights), once per (family, model); each run builds
    its model once, when it trains (``_run_chain``).
    """
    if not isinstance(config, SweepConfig):
        raise InvalidType(f"plan takes a SweepConfig (validate a dict with studies.l2m.validate), "
                          f"got {type(config).__name__}")
    runs = []
    for family_index, spec in enumerate(config.families):
        family = make_family(spec.name, **plain(spec.params))
        models = [m for m in config.models if not m.families or family_index in m.families]
        shapes = [_shape(model, family, config.positions) for model in models]
        for length in config.lengths:
            length = family.check_length(length)
            for model, shape in zip(models, shapes):
                train_config = config.train_config(model, length)
                prepare(shape, family, length, train_config)  # the loss and the model's tokens
                for seed in model.seeds or (train_config.seed,):
                    runs.append(_run(runs, config, family_index, family, length, model, shape,
                                     replace(train_config, seed=seed)))
        for model, shape in zip(models, shapes):
            if model.label in config.plateau and family_index == (model.families or (0,))[0]:
                # on the model's first family, after its other runs: the plateau test
                length = config.lengths[-1]
                train_config = config.train_config(model, length)
                train_config = replace(train_config, steps=2 * train_config.steps,
                                       seed=(model.seeds or (train_config.seed,))[0])
                runs.append(_run(runs, config, family_index, family, length, model, shape, train_config, plateau=True))
    return runs


def _run(runs: list[Run], config: SweepConfig, family_index: int, family, length: int, model: ModelSpec, shape,
         train_config: TrainConfig, plateau: bool = False) -> Run:
    """The next ``Run`` of ``runs`` (warm-start chains by family and model, one seed each)."""
    return Run(index=len(runs), family_index=family_index, family=family, length=length, model=model,
               model_config=shape.config, train=train_config,
               chain=(family_index, model.label, train_config.seed, plateau) if config.warm_start else len(runs),
               n_parameters=sum(p.numel() for p in shape.parameters()),
               grows=shape.history_state_dim(1) != shape.history_state_dim(2), seed=train_config.seed, plateau=plateau,
               state_dim=shape.history_state_dim(length // 2))


def _shape(model: ModelSpec, family, positions: str):
    """``model`` for ``family`` on the meta device: its config checked, its size held against the
    memory budget, no weights allocated."""
    tokens = {"vocab_size": family.vocab_size} if family.discrete else {"token_dim": family.token_dim}
    model_config = make_config(model.arch, {**plain(model.config), **tokens, "positions": positions})
    try:
        with torch.device("meta"):
            shape = ARCHITECTURES.get(model.arch)[1](model_config)
    except RuntimeError as err:  # sizes whose storage size overflows
        raise InvalidInput(f"model {model.label!r} is too large to build ({str(err).splitlines()[0][:120]})") from None
    parameters = sum(p.numel() for p in shape.parameters())
    check_memory(f"model {model.label!r} of {parameters:,} parameters", TRAINING_BYTES_PER_PARAMETER * parameters)
    return shape


def chains(runs: list[Run]) -> list[list[int]]:
    """Run indices grouped by chain, each chain in length order (the order of ``plan``)."""
    grouped: dict = {}
    for run in runs:
        grouped.setdefault(run.chain, []).append(run.index)
    return list(grouped.values())
