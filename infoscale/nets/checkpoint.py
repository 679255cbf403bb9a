"""Checkpoints: one ``.pt`` file holding everything needed to rebuild, resume or evaluate a model.

A checkpoint is a dict of plain values and tensors (loadable with ``weights_only=True``):
``arch``, ``model_config``, ``model_state``, the ``family`` ({name, params}), ``length`` and
``step`` it was trained at (``save_model``), and to resume training ``optimizer_state``,
``scheduler_state``, ``train_config`` and ``history``. Files are written atomically.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch

from infoscale.errors import InvalidInput
from infoscale.io import atomic_path


def save_checkpoint(path, **content) -> Path:
    """Write ``content`` (plain values and tensors) to ``path`` atomically (serialised in memory first,
    so that a failed write is the file system's ``OSError``, reported by ``atomic_path``)."""
    buffer = io.BytesIO()
    torch.save(content, buffer)
    with atomic_path(path, suffix=".pt") as tmp:
        tmp.write_bytes(buffer.getbuffer())
    return Path(path)


def save_model(path, model, family, length: int, step: int, **extra) -> Path:
    """Write ``model`` (arch, config, weights), the family and length it was trained on, its step
    count and any ``extra`` entries (a trainer's optimizer state, …) as a checkpoint, atomically."""
    return save_checkpoint(path, arch=model.arch, model_config=model.config.to_dict(), model_state=model.state_dict(),
                           family=family_record(family), length=length, step=step, **extra)


def family_record(family) -> dict:
    """A family as plain values: {name, params}."""
    return {"name": family.name, "params": family.params}


def read_checkpoint(path, device: str | torch.device = "cpu") -> dict:
    """The raw checkpoint dict, tensors mapped to ``device``."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"checkpoint {str(path)!r} does not exist" + (" (it is a folder)" if path.is_dir() else ""))
    try:  # weights_only: plain values and tensors, never code from the file
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about foreign pickle protocols before refusing them
            content = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch raises many types for a corrupt or foreign file
        raise InvalidInput(f"{str(path)!r} is not a valid infoscale checkpoint: it does not load as plain values "
                           f"and tensors ({type(err).__name__}); no code in it was run") from None
    if not isinstance(content, dict) or not {"arch", "model_config", "model_state"} <= set(content):
        raise InvalidInput(f"{str(path)!r} is not an infoscale model checkpoint")
    return content


def load_model(path, device: str | torch.device = "cpu"):
    """Rebuild the model saved in ``path``, in eval mode on ``device``.

    The returned model carries ``model.checkpoint_info``: a dict with ``arch``, ``family``
    ({name, params} or ``None``), ``length`` and ``step`` (``None`` where not recorded).
    """
    from infoscale.nets.models import build_model

    content = read_checkpoint(path, device)
    try:
        model = build_model(content["arch"], dict(content["model_config"]))
        model.load_state_dict(content["model_state"])
    except (RuntimeError, TypeError, KeyError) as err:
        raise InvalidInput(f"{str(path)!r} is not a valid infoscale checkpoint: its weights do not fit its "
                           f"model config ({str(err).splitlines()[0][:200]})") from None
    model.checkpoint_info = {key: content.get(key) for key in ("arch", "family", "length", "step")}
    return model.to(device).eval()
