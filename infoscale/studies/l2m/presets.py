"""The L²M sweep's presets (JSON objects), and ``load_config``: a preset overridden key by key from a
JSON file, validated once into a ``SweepConfig``."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from infoscale.errors import InvalidInput
from infoscale.studies.l2m.config import SweepConfig, validate


def state_ladder(arch: str, prefix: str, states, d_model: int, n_layers: int = 2, widest: int | None = None) -> list[dict]:
    """Model specs of one architecture at several history-state sizes, the width d_model held fixed.

    Each layer holds D / n_layers floats: the SSMs as d_inner channels of state_size 1 (d_inner up
    to ``widest``, beyond it more states per channel), the GRU/LSTM as d_hidden. Everything
    outside the state (embedding, MLPs, head) is the same for every size.
    """
    specs = []
    for state in states:
        per_layer = state // n_layers
        if arch in ("ssm", "selective_ssm"):
            channels = per_layer if widest is None else min(per_layer, widest)
            sizes = {"d_inner": channels, "state_size": per_layer // channels}
        else:
            sizes = {"d_hidden": per_layer // (2 if arch == "lstm" else 1)}
        specs.append({"label": f"{prefix}-{state}", "arch": arch,
                      "config": {"d_model": d_model, "n_layers": n_layers, **sizes}})
    return specs


_HIERARCHIES = lambda token_dim: [{"name": "hierarchical", "params": {"k": k, "token_dim": token_dim}} for k in (3, 2)]  # noqa: E731
#: History-state sizes of the collapse sweep: 64× from the smallest to the largest.
COLLAPSE_STATES = (2, 4, 8, 16, 32, 64, 128)

PRESETS = {
    # ≤ 15 minutes on 2 CPU cores (one thread): a transformer against a small GRU and a small diagonal SSM.
    # The GRU's cost per step grows with L, not with the batch: it takes fewer, larger steps.
    # Every model warm-starts from its own weights at the previous length (a length curriculum).
    "quick": {
        "families": [{"name": "hierarchical", "params": {"k": 3, "token_dim": 1}}],
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
    # ≤ 60 minutes on 2 CPU cores (two worker processes of one thread): the collapse and the state law.
    # Two families of different β, two fixed-state architectures at seven state sizes each (the width
    # held fixed), the transformer as the growing-state reference. One budget rule for every model and
    # every length: 1500 steps of 4096 tokens, warm-started from the model's own previous length.
    "collapse": {
        "families": _HIERARCHIES(1),
        "lengths": [64, 256, 1024],
        "models": [
            {"label": "transformer", "arch": "transformer",
             "config": {"d_model": 64, "n_layers": 3, "n_heads": 4, "alibi": False}},
            *state_ladder("selective_ssm", "mamba", COLLAPSE_STATES, d_model=32),
            *state_ladder("ssm", "ssm", COLLAPSE_STATES, d_model=32),
        ],
        "train": {"steps": 1500, "tokens_per_step": 4096, "lr": 1e-2, "warmup": 50, "log_every": 10},
        "eval": {"n_samples": 128, "batch_size": 32},
        "threads": 1,
        "workers": 2,
        "warm_start": True,
        "positions": "sinusoidal",
        "analysis": {"thresholds": [0.02, 0.03, 0.05, 0.08]},
    },
    # One GPU (not run yet): the same design at the paper's token dimension 64 and L up to 4096. The MI
    # is 64 times larger, so are the states: 64 × the collapse sweep's sizes, on wider models.
    "full": {
        "families": _HIERARCHIES(64),
        "lengths": [64, 256, 1024, 4096],
        "models": [
            {"label": "transformer", "arch": "transformer", "config": {"d_model": 256, "n_layers": 4, "n_heads": 8}},
            *state_ladder("selective_ssm", "mamba", [64 * s for s in COLLAPSE_STATES], d_model=256, widest=1024),
            *state_ladder("ssm", "ssm", [64 * s for s in COLLAPSE_STATES], d_model=256, widest=1024),
        ],
        "train": {"steps": 3000, "tokens_per_step": 65536, "lr": 2e-3, "warmup": 200, "log_every": 25, "amp": True},
        "eval": {"n_samples": 512, "batch_size": 16},
        "threads": None,
        "warm_start": True,
        "positions": "sinusoidal",
        "analysis": {"thresholds": [0.02, 0.03, 0.05, 0.08]},
    },
}


def load_config(preset: str | None = "quick", path=None) -> SweepConfig:
    """A preset, overridden key by key by the JSON file at ``path`` (which may name its own preset), validated."""
    override = {}
    if path is not None:
        try:
            override = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise InvalidInput(f"cannot read config {str(path)!r}: {err}") from None
        except UnicodeDecodeError as err:
            raise InvalidInput(f"config {str(path)!r} is not UTF-8 text (byte {err.start})") from None
        if not isinstance(override, dict):
            raise InvalidInput(f"config {str(path)!r} must hold a JSON object")
        preset = override.pop("preset", preset)
    if preset is not None and preset not in PRESETS:
        raise InvalidInput(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    config = copy.deepcopy(PRESETS[preset]) if preset is not None else {}
    config.update(override)
    return validate(config)
