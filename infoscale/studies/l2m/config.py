"""The shape of an L²M sweep configuration, checked key by key before anything runs.

A configuration is a dict (a JSON object)::

    families   [{"name": str, "params": {...}}]          the families to sweep
    lengths    [int, ...]                                 increasing when warm_start is on
    models     [{"label": str, "arch": str, "config": {...},
                 "train": {...}, "train_by_length": {"L": {...}}}]
    train      TrainConfig fields, plus tokens_per_step (batch = tokens_per_step // L)
    train_by_length  {"L": {...}}: overrides of ``train`` at single lengths, for every model (default {})
    eval       {"n_samples": int, "batch_size": int, "seed": int}
    threads    torch CPU threads per process, or null (the cores this process may use)
    workers    processes that train model chains side by side (default 1)
    warm_start each model at length L starts from its own weights at the previous length (default false)
    positions  "none" or "sinusoidal": one position convention for every model (default "sinusoidal")
    analysis   {"thresholds": [τ, ...]}: KL thresholds of the state law (default [])

``validate`` returns the configuration with the defaults filled in, or raises ``InvalidInput``
naming the key and what it must be. ``comparable`` is what two runs must share for one to resume
the other: everything but ``threads`` and ``workers``, which say how it runs, not what.
"""

from __future__ import annotations

import copy
import json

from infoscale.errors import InvalidInput
from infoscale.io import to_builtin
from infoscale.nets.base import POSITIONS

REQUIRED = ("families", "lengths", "models", "train", "eval")
DEFAULTS = {"threads": None, "workers": 1, "warm_start": False, "positions": "sinusoidal", "analysis": {},
            "train_by_length": {}}
MODEL_KEYS = {"label": str, "arch": str, "config": dict, "train": dict, "train_by_length": dict}
EVAL_KEYS = ("n_samples", "batch_size", "seed")
#: Keys that say how a sweep runs, not what it computes: a resumed sweep may change them.
EXECUTION_KEYS = ("threads", "workers")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(config) -> dict:
    """``config`` with defaults filled in, after checking every key's type and range."""
    _require(isinstance(config, dict), f"an l2m configuration must be a JSON object, got {type(config).__name__}")
    unknown = sorted(set(config) - set(REQUIRED) - set(DEFAULTS))
    if unknown:
        raise InvalidInput(f"unknown config key {unknown[0]!r}; known keys: preset, {', '.join(REQUIRED + tuple(DEFAULTS))}")
    missing = [key for key in REQUIRED if key not in config]
    if missing:
        raise InvalidInput(f"config lacks {missing[0]!r} (give a preset or the key)")
    config = {**copy.deepcopy(DEFAULTS), **copy.deepcopy(config)}

    families = config["families"]
    _require(isinstance(families, list) and families, "families must be a non-empty list of {name, params}")
    for i, fam in enumerate(families):
        _require(isinstance(fam, dict) and isinstance(fam.get("name"), str),
                 f"families[{i}] must be an object with a string 'name', got {fam!r}")
        _require(set(fam) <= {"name", "params"}, f"families[{i}] has unknown keys {sorted(set(fam) - {'name', 'params'})}")
        _require(isinstance(fam.get("params", {}), dict), f"families[{i}].params must be an object")
    lengths = config["lengths"]
    _require(isinstance(lengths, list) and lengths and all(_is_int(n) and n >= 2 for n in lengths),
             f"lengths must be a non-empty list of integers >= 2, got {lengths!r}")
    _require(len(set(lengths)) == len(lengths), f"lengths must not repeat, got {lengths}")
    models = config["models"]
    _require(isinstance(models, list) and models, "models must be a non-empty list of {label, arch, config}")
    for i, spec in enumerate(models):
        _require(isinstance(spec, dict), f"models[{i}] must be an object, got {spec!r}")
        for key in ("label", "arch", "config"):
            _require(key in spec, f"each model needs {key!r}; models[{i}] is {spec}")
        for key, kind in MODEL_KEYS.items():
            _require(key not in spec or isinstance(spec[key], kind),
                     f"models[{i}].{key} must be a {kind.__name__}, got {spec.get(key)!r}")
        _require(set(spec) <= set(MODEL_KEYS), f"models[{i}] has unknown keys {sorted(set(spec) - set(MODEL_KEYS))}")
        _require("positions" not in spec["config"], f"models[{i}].config sets positions; the sweep's 'positions' "
                                                    "key sets one convention for every model")
    labels = [spec["label"] for spec in models]
    _require(len(set(labels)) == len(labels), f"model labels must be unique, got {labels}")
    _require(isinstance(config["train"], dict), "train must be an object of training settings")
    _require(isinstance(config["train_by_length"], dict) and all(isinstance(v, dict) for v in config["train_by_length"].values()),
             f"train_by_length must map lengths to objects of training settings, got {config['train_by_length']!r}")
    _require(isinstance(config["eval"], dict), f"eval must be an object, got {config['eval']!r}")
    unknown = sorted(set(config["eval"]) - set(EVAL_KEYS))
    if unknown:
        raise InvalidInput(f"unknown eval key {unknown[0]!r}; known keys: {', '.join(EVAL_KEYS)}")
    threads, workers = config["threads"], config["workers"]
    _require(threads is None or (_is_int(threads) and threads >= 1), f"threads must be an integer >= 1 or null, got {threads!r}")
    _require(_is_int(workers) and workers >= 1, f"workers must be an integer >= 1, got {workers!r}")
    _require(isinstance(config["warm_start"], bool), f"warm_start must be true or false, got {config['warm_start']!r}")
    if config["warm_start"]:
        _require(all(a < b for a, b in zip(lengths, lengths[1:])), f"warm_start needs increasing lengths, got {lengths}")
    _require(config["positions"] in POSITIONS, f"positions must be one of {POSITIONS}, got {config['positions']!r}")
    analysis = config["analysis"]
    _require(isinstance(analysis, dict) and set(analysis) <= {"thresholds"},
             f"analysis must be an object with the key 'thresholds', got {analysis!r}")
    thresholds = analysis.get("thresholds", [])
    _require(isinstance(thresholds, list) and all(isinstance(t, (int, float)) and not isinstance(t, bool) and t > 0
                                                  for t in thresholds),
             f"analysis.thresholds must be a list of KL values > 0, got {thresholds!r}")
    return config


def comparable(config: dict) -> str:
    """The configuration without its execution keys, as canonical JSON (key order and tuples do not matter)."""
    return json.dumps({k: v for k, v in config.items() if k not in EXECUTION_KEYS}, sort_keys=True, default=to_builtin)
