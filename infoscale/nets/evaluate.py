"""Exact evaluation of a trained model: position-wise KL and NLL with standard errors.

The model's predictions are compared in float64 with the family's exact conditionals on fresh
samples (a seed separate from training). The per-position mean over n samples estimates
E_x[KL_t]; its standard error is the sample standard deviation / √n. The average KL per token is
the mean over positions (and its standard error comes from the per-sequence averages).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from infoscale._checks import check_int
from infoscale.nets.kl import Objective, position_metrics
from infoscale.progress import progress_bar


@dataclass
class Evaluation:
    """Exact per-position metrics of a model on one family and length, in nats per token."""

    arch: str
    length: int
    n_samples: int
    position_kl: np.ndarray | None  # (L,) mean KL at each position, None without exact conditionals
    position_kl_stderr: np.ndarray | None
    position_nll: np.ndarray  # (L,)
    mean_kl: float | None  # average over positions
    mean_kl_stderr: float | None
    mean_nll: float
    mean_nll_stderr: float
    history_state_dim: int  # at the cut L/2

    def to_dict(self) -> dict:
        return {key: (value.tolist() if isinstance(value, np.ndarray) else value) for key, value in self.__dict__.items()}


def evaluate(model, family, length: int, n_samples: int = 256, batch_size: int = 64, seed: int = 2**31 - 1,
             progress: bool = False) -> Evaluation:
    """Exact position-wise KL (where the family gives its conditionals) and NLL of ``model``."""
    length = family.check_length(length)
    n_samples = check_int("n_samples", n_samples, 2)
    batch_size = check_int("batch_size", batch_size, 1)
    objective = Objective(family, "nll")
    objective.check_model(model)
    device = next(model.parameters()).device
    rng = np.random.default_rng(check_int("seed", seed, 0))
    sums: dict[str, list[np.ndarray]] = {}
    model.eval()
    with torch.no_grad():
        for start in progress_bar(range(0, n_samples, batch_size), enabled=progress, desc=f"evaluate {model.arch}", unit="batch"):
            n = min(batch_size, n_samples - start)
            batch = objective.batch(n, length, rng, device, with_target=objective.has_exact)
            metrics = position_metrics(model(batch.inputs()), batch, torch.float64)
            for key, value in metrics.items():
                sums.setdefault(key, []).append(value.cpu().numpy())
    per_seq = {key: np.concatenate(value) for key, value in sums.items()}  # (n_samples, L)
    kl = per_seq.get("kl")
    nll = per_seq["nll"]
    return Evaluation(
        arch=model.arch, length=length, n_samples=n_samples,
        position_kl=None if kl is None else kl.mean(0),
        position_kl_stderr=None if kl is None else kl.std(0, ddof=1) / np.sqrt(n_samples),
        position_nll=nll.mean(0),
        mean_kl=None if kl is None else float(kl.mean()),
        mean_kl_stderr=None if kl is None else _stderr(kl.mean(1)),
        mean_nll=float(nll.mean()), mean_nll_stderr=_stderr(nll.mean(1)),
        history_state_dim=model.history_state_dim(length // 2),
    )


def _stderr(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(len(values)))
