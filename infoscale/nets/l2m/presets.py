"""The L²M sweep's presets, and ``load_config``: a preset overridden key by key from a JSON file."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from infoscale.errors import InvalidInput

_QUICK_FAMILY = [{"name": "hierarchical", "params": {"k": 3, "token_dim": 1}}]

PRESETS = {
    # ≤ 15 minutes on 2 CPU cores (one thread): a transformer against a small GRU and a small diagonal SSM.
    # The GRU's cost per step grows with L, not with the batch: it takes fewer, larger steps.
    # Every model warm-starts from its own weights at the previous length (a length curriculum).
    "quick": {
        "families": _QUICK_FAMILY,
        "lengths": [64, 256, 1024],
        "models": [
            # No ALiBi: the fused causal kernel is 2.2× faster forward + backward at L = 1024, which buys a
            # third layer and more steps where the L² attention needs them most.
            {"label": "transformer", "arch": "transformer",
             "config": {"d_model": 64, "n_layers": 3, "n_heads": 4, "alibi": False},
             "train": {"steps": 600, "lr": 1e-2, "warmup": 50},
             "train_by_length": {"256": {"steps": 1000}, "1024": {"steps": 2400}}},
            {"label": "gru-8", "arch": "gru", "config": {"d_model": 8, "n_layers": 1},
             "train": {"steps": 100, "tokens_per_step": 8192, "warmup": 10}},
            {"label": "ssm-8x2", "arch": "ssm", "config": {"d_model": 8, "n_layers": 1, "state_size": 2}},
        ],
        "train": {"steps": 300, "tokens_per_step": 4096, "lr": 1e-2, "warmup": 30, "log_every": 25},
        "eval": {"n_samples": 128, "batch_size": 32},
        "threads": 1,
        "warm_start": True,
    },
    # One GPU: the paper's token dimension 64, L up to 4096, every architecture at two sizes.
    "full": {
        "families": [{"name": "hierarchical", "params": {"k": 3, "token_dim": 64}}],
        "lengths": [64, 256, 1024, 4096],
        "models": [
            {"label": "transformer", "arch": "transformer", "config": {"d_model": 128, "n_layers": 4, "n_heads": 4}},
            {"label": "sliding-64", "arch": "sliding_window", "config": {"d_model": 128, "n_layers": 4, "n_heads": 4, "window": 64}},
            {"label": "gru-64", "arch": "gru", "config": {"d_model": 64, "n_layers": 2}},
            {"label": "gru-256", "arch": "gru", "config": {"d_model": 256, "n_layers": 2}},
            {"label": "lstm-128", "arch": "lstm", "config": {"d_model": 128, "n_layers": 2}},
            {"label": "ssm-128x8", "arch": "ssm", "config": {"d_model": 128, "n_layers": 4, "state_size": 8}},
            {"label": "mamba-128x16", "arch": "selective_ssm", "config": {"d_model": 128, "n_layers": 4, "state_size": 16}},
            {"label": "linear-attn-128", "arch": "linear_attention", "config": {"d_model": 128, "n_layers": 4, "n_heads": 4}},
        ],
        "train": {"steps": 3000, "tokens_per_step": 65536, "lr": 1e-3, "warmup": 200, "log_every": 50, "amp": True},
        "eval": {"n_samples": 512, "batch_size": 16},
        "threads": None,
    },
}

_KEYS = ("families", "lengths", "models", "train", "eval", "threads")
_OPTIONAL = ("warm_start",)  # default false


def load_config(preset: str | None = "quick", path=None) -> dict:
    """A preset, overridden key by key by the JSON file at ``path`` (which may name its own preset)."""
    override = {}
    if path is not None:
        try:
            override = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise InvalidInput(f"cannot read config {str(path)!r}: {err}") from None
        if not isinstance(override, dict):
            raise InvalidInput(f"config {str(path)!r} must hold a JSON object")
        preset = override.pop("preset", preset)
    if preset is not None and preset not in PRESETS:
        raise InvalidInput(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    config = copy.deepcopy(PRESETS[preset]) if preset is not None else {}
    unknown = sorted(set(override) - set(_KEYS + _OPTIONAL))
    if unknown:
        raise InvalidInput(f"unknown config key {unknown[0]!r}; known keys: preset, {', '.join(_KEYS + _OPTIONAL)}")
    config.update(override)
    missing = [key for key in _KEYS if key not in config]
    if missing:
        raise InvalidInput(f"config lacks {missing[0]!r} (give a preset or the key)")
    return config
