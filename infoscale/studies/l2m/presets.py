"""The L²M sweep's presets (JSON objects), and ``load_config``: a preset overridden key by key from a
JSON file, validated once into a ``SweepConfig``."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from infoscale.errors import InvalidInput
from infoscale.studies.l2m.config import SweepConfig, validate


def state_ladder(arch: str, prefix: str, states, d_model: int, n_layers: int = 2, widest: int | None = None,
                 seeded=(), seeds=(0, 1), **extra) -> list[dict]:
    """Model specs of one architecture at several history-state sizes, the width d_model held fixed.

    Each layer holds D / n_layers floats: the SSMs as d_inner channels of state_size 1 (d_inner up
    to ``widest``, beyond it more states per channel), the GRU/LSTM as d_hidden. Everything
    outside the state (embedding, MLPs, head) is the same for every size. The sizes in ``seeded``
    run once per seed of ``seeds`` (the seed spread); ``extra``: further config keys of every size.
    """
    specs = []
    for state in states:
        per_layer = state // n_layers
        if arch in ("ssm", "selective_ssm"):
            channels = per_layer if widest is None else min(per_layer, widest)
            sizes = {"d_inner": channels, "state_size": per_layer // channels}
        else:
            sizes = {"d_hidden": per_layer // (2 if arch == "lstm" else 1)}
        spec = {"label": f"{prefix}-{state}", "arch": arch,
                "config": {"d_model": d_model, "n_layers": n_layers, **sizes, **extra}}
        specs.append({**spec, "seeds": list(seeds)} if state in seeded else spec)
    return specs


def _families(token_dims) -> list[dict]:
    """Hierarchical families with the boundary step that differ in I(L/2; L) at equal L: k = 3, 2, 4 at
    the first token_dim, then k = 3 at each further token_dim (stacked copies: I × token_dim)."""
    first, *more = token_dims
    return [{"name": "hierarchical", "params": {"k": k, "token_dim": first, "boundary": True}} for k in (3, 2, 4)] + \
           [{"name": "hierarchical", "params": {"k": 3, "token_dim": d, "boundary": True}} for d in more]


#: History-state sizes of the collapse sweep: six, 128× from the smallest to the largest (about ×2.6 apart),
#: so that D*_ε(L) stays inside the range up to L = 1024 for k = 4 and token_dim 4 (the linear reference
#: needs 170–320 floats there).
COLLAPSE_STATES = (2, 5, 14, 37, 97, 256)
#: The sizes trained with two seeds.
SEEDED_STATES = (2, 14, 97)
#: The information-proportional state law's fractions ε (summed excess KL over the second half ≤ ε·I); at
#: ε = 0.5 the linear reference's D* at L = 16 is below one float for k = 2, outside any model's range.
EPSILONS = (0.05, 0.1, 0.2, 0.3)


def _fixed_state(scale: int, d_model: int, gru_train_by_length=None) -> list[dict]:
    """The GRU and the selective SSM (kernel 1: no convolution taps, so D is the whole history) at the
    collapse sizes × ``scale``, one layer each, the rest of the model d_model wide; ``gru_train_by_length``:
    the GRU's training overrides at single lengths."""
    states = [scale * s for s in COLLAPSE_STATES]
    seeded = [scale * s for s in SEEDED_STATES]
    grus = state_ladder("gru", "gru", states, d_model=d_model, n_layers=1, seeded=seeded)
    if gru_train_by_length:
        grus = [{**spec, "train_by_length": gru_train_by_length} for spec in grus]
    return [*grus,
            *state_ladder("selective_ssm", "mamba", states, d_model=d_model, n_layers=1, seeded=seeded, conv_kernel=1)]


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
    # ≤ 90 minutes on 2 CPU cores (two worker processes of one thread): an identifying design. Four
    # families that differ in I(L/2; L) at equal L, four lengths, a GRU and a selective SSM at six state
    # sizes (128×), two seeds at three of them, every run from a fresh initialisation and stopped by the
    # early-stopping rule (not before a third of the cap: runs stall on an early plateau near the
    # memoryless KL) under a cap of 600 steps of 2048 tokens; the transformer on the first family, and the
    # plateau test (twice the cap at L = 1024) for it and the two smallest fixed-state models. The GRU's
    # step costs the same at L = 1024 for 2 or 8 sequences (its time loop dominates): it takes 8 there.
    "collapse": {
        "families": _families((1, 4)),
        "lengths": [16, 64, 256, 1024],
        "models": [
            {"label": "transformer", "arch": "transformer", "families": [0], "seeds": [0, 1],
             "config": {"d_model": 32, "n_layers": 2, "n_heads": 4, "alibi": False}},
            *_fixed_state(1, d_model=32, gru_train_by_length={"1024": {"tokens_per_step": 8192}}),
        ],
        "train": {"steps": 600, "tokens_per_step": 2048, "lr": 1e-2, "warmup": 30, "log_every": 10},
        "early_stopping": {"every": 20, "window": 0.3, "min_improvement": 0.02, "min_steps": 200, "n_samples": 64},
        "eval": {"n_samples": 128, "batch_size": 32},
        "threads": 1,
        "workers": 2,
        "warm_start": False,
        "positions": "sinusoidal",
        "plateau": ["transformer", "gru-2", "mamba-2"],
        "utilization_samples": 128,
        "analysis": {"epsilons": list(EPSILONS), "bootstrap": 300},
    },
    # One GPU (not run yet): the same design at token_dim 16 (k = 3, 2, 4) and 64 (k = 3), L up to 4096.
    # The MI is 16 and 64 times larger; so are the states: 16 × the collapse sweep's sizes, on wider models.
    # No stop before a third of the cap: the collapse run shows runs that stall early (an initial plateau
    # near the memoryless KL) and are stopped there by the rule when its minimum is short.
    "full": {
        "families": _families((16, 64)),
        "lengths": [64, 256, 1024, 4096],
        "models": [
            {"label": "transformer", "arch": "transformer", "families": [0], "seeds": [0, 1],
             "config": {"d_model": 256, "n_layers": 4, "n_heads": 8}},
            *_fixed_state(16, d_model=256),
        ],
        "train": {"steps": 3000, "tokens_per_step": 65536, "lr": 2e-3, "warmup": 200, "log_every": 25, "amp": True},
        "early_stopping": {"every": 100, "window": 0.3, "min_improvement": 0.02, "min_steps": 1000, "n_samples": 128},
        "eval": {"n_samples": 512, "batch_size": 16},
        "threads": None,
        "warm_start": False,
        "positions": "sinusoidal",
        "plateau": ["transformer", "gru-32", "mamba-32"],
        "utilization_samples": 256,
        "analysis": {"epsilons": list(EPSILONS), "bootstrap": 300},
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
