"""Early stopping on the exact KL of a fixed evaluation batch.

Every ``every`` steps the model's mean KL per token is measured exactly (float64, against the
family's conditionals) on one batch drawn once with its own seed, so two checks differ only by
what the model learned in between. Training stops at step s when the best KL reached so far
improved by less than ``min_improvement`` (relative) over the last ``window`` fraction of the
steps: with K(u) the best KL measured at or before step u,

    K(s) > (1 − min_improvement) · K((1 − window) · s)     and   s ≥ min_steps,

so a run stops only after it has had (1 − window)·s steps to reach a level it then failed to
improve on by 2 % (the defaults) over the next window·s. The cap is the run's ``steps``; a run
that reaches it without the rule firing is reported as capped (its KL is an upper bound on what
more training would give). At the end the weights of the best check are restored.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from infoscale._checks import check_float, check_int
from infoscale.nets.kl import Objective, position_metrics


def should_stop(steps, values, window: float = 0.3, min_improvement: float = 0.02, min_steps: int = 1) -> bool:
    """The stopping rule on a curve of checks (step, value), the last one the current step."""
    steps, values = np.asarray(steps, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if steps.size < 2 or steps[-1] < min_steps:
        return False
    earlier = steps <= (1.0 - window) * steps[-1]
    if not earlier.any():
        return False
    before, now = np.min(values[earlier]), np.min(values)
    return bool(now > (1.0 - min_improvement) * before)


@dataclass
class EarlyStopping:
    """The rule with the exact-KL checks of one run; call it with (step, model) after each step.

    ``every``: steps between checks; ``n_samples``: sequences of the fixed evaluation batch,
    drawn once from ``seed``; ``min_steps``: no stop before this step.
    """

    family: object
    length: int
    every: int = 25
    window: float = 0.3
    min_improvement: float = 0.02
    min_steps: int = 100
    n_samples: int = 64
    seed: int = 2**31 - 2

    def __post_init__(self):
        self.every = check_int("every", self.every, 1)
        self.window = check_float("window", self.window, 0.0, 1.0, low_open=True, high_open=True)
        self.min_improvement = check_float("min_improvement", self.min_improvement, 0.0, 1.0)
        self.min_steps = check_int("min_steps", self.min_steps, 1)
        self.n_samples = check_int("n_samples", self.n_samples, 1)
        self.objective = Objective(self.family, "kl")
        self.history: list[tuple[int, float]] = []
        self.stopped_at: int | None = None
        self._batch, self._best = None, None

    def kl(self, model) -> float:
        """Mean exact KL per token of ``model`` on the fixed evaluation batch."""
        device = next(model.parameters()).device
        if self._batch is None:
            self._batch = self.objective.batch(self.n_samples, self.length, np.random.default_rng(self.seed), device,
                                               with_target=True)
        was_training = model.training
        model.eval()
        with torch.no_grad():
            value = float(position_metrics(model(self._batch.inputs()), self._batch, torch.float64)["kl"].mean())
        model.train(was_training)
        return value

    def __call__(self, step: int, model) -> bool:
        """Check at every ``every``-th step; True when training should stop now."""
        if step % self.every:
            return False
        value = self.kl(model)
        if not self.history or value < min(v for _, v in self.history):
            self._best = copy.deepcopy(model.state_dict())
        self.history.append((step, value))
        steps, values = zip(*self.history)
        if should_stop(steps, values, self.window, self.min_improvement, self.min_steps):
            self.stopped_at = step
        return self.stopped_at is not None

    def restore_best(self, model) -> None:
        """Load the weights of the best check into ``model`` (nothing if no check ran)."""
        if self._best is not None:
            model.load_state_dict(self._best)
