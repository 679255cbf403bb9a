"""Neural variational lower bounds on I(A; B) from paired samples: InfoNCE, NWJ, MINE and SMILE.

A critic f(a, b) is trained on a batch of B pairs; its B × B score matrix S_ij = f(a_i, b_j) holds
the B joint pairs on the diagonal and B(B − 1) product-of-marginals pairs off it. The bounds
(Poole et al. 2019, "On variational bounds of mutual information"):

- ``infonce``: mean_i [S_ii − ln (1/B) Σ_j e^{S_ij}] ≤ ln B. It can never exceed ln B whatever I
  is; an estimate above 0.9 ln B is flagged ``saturated`` in ``extra`` (read it as "I ≳ ln B").
- ``nwj``: E_p[S] − E_q[e^{S − 1}] (Nguyen–Wainwright–Jordan); unbiased batches, but its
  variance grows like e^I.
- ``mine``: the Donsker–Varadhan bound E_p[S] − ln E_q[e^S]; trained with the moving-average
  denominator of Belghazi et al. 2018 (rate ``mine_rate``) that removes the minibatch gradient
  bias; the estimate, a log of a mean, has variance growing like e^I too.
- ``smile``: E_p[S] − ln E_q[clip(e^S, e^{−τ}, e^τ)] (Song & Ermon 2020), trained on the
  Jensen–Shannon objective. Clipping trades variance for bias; τ = 5 (their default) keeps the
  estimate's variance bounded at the price of underestimating when I ≫ τ.

Critics: ``separable`` f = g(a)·h(b) (two MLPs; one pass per batch) or ``concat`` f = m([a, b])
(one MLP on every pair). Discrete tokens are one-hot per position (a learned embedding is the
first linear layer on that); continuous blocks are standardised with the training statistics.
The samples are split into training (half), validation (a quarter, for early stopping: the best
validation bound of checks every ``eval_every`` steps, stopping after ``patience`` checks without
improvement) and test (a quarter); the estimate is the mean bound over test batches of size B,
its standard error their spread over √batches (NaN when the test quarter holds one batch). torch runs on ``threads`` threads (restored
afterwards), seeded by ``seed`` without touching the global generators; the result is float64 nats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from infoscale._checks import check_finite_array, check_int
from infoscale.errors import InvalidInput
from infoscale.estimators.result import Estimate, timer
from infoscale.nets.device import torch_threads

BOUNDS = ("infonce", "nwj", "mine", "smile")
CRITICS = ("separable", "concat")
#: InfoNCE estimates above this fraction of ln B are flagged as saturated.
SATURATION = 0.9


@dataclass(frozen=True)
class NeuralConfig:
    """Critic and training settings. The defaults are small and fast (about a second on one CPU
    thread, the validation table's budget); ``THOROUGH`` trains longer at a lower rate."""

    critic: str = "separable"
    hidden: int = 64
    embed: int = 32
    batch: int = 128
    steps: int = 400
    lr: float = 3e-3
    eval_every: int = 50
    patience: int = 3
    tau: float = 5.0
    mine_rate: float = 0.01
    threads: int = 1


#: Longer training at a lower rate: what the stated tolerances of tests/test_neural.py use.
THOROUGH = NeuralConfig(steps=1000, lr=1e-3, patience=5)


def _mlp(dim_in: int, hidden: int, dim_out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(dim_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, dim_out))


class Critic(nn.Module):
    """The score matrix S_ij = f(a_i, b_j) of a batch, separable or concatenated."""

    def __init__(self, dim_a: int, dim_b: int, config: NeuralConfig):
        super().__init__()
        self.separable = config.critic == "separable"
        if self.separable:
            self.g, self.h = _mlp(dim_a, config.hidden, config.embed), _mlp(dim_b, config.hidden, config.embed)
        else:
            self.m = _mlp(dim_a + dim_b, config.hidden, 1)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if self.separable:
            return self.g(a) @ self.h(b).T
        n = a.shape[0]
        pairs = torch.cat([a[:, None, :].expand(n, n, -1), b[None, :, :].expand(n, n, -1)], dim=-1)
        return self.m(pairs)[..., 0]


def _off_diagonal(scores: torch.Tensor) -> torch.Tensor:
    n = scores.shape[0]
    return scores.masked_select(~torch.eye(n, dtype=torch.bool))


def _log_mean_exp(values: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(values, dim=0) - math.log(values.numel())


def bound_value(scores: torch.Tensor, bound: str, tau: float = 5.0) -> torch.Tensor:
    """The bound's value on one batch's score matrix (diagonal = joint pairs)."""
    joint = scores.diagonal().mean()
    if bound == "infonce":
        return joint - (torch.logsumexp(scores, dim=1) - math.log(scores.shape[0])).mean()
    marginal = _off_diagonal(scores)
    if bound == "nwj":
        return joint - torch.exp(_log_mean_exp(marginal) - 1.0)
    if bound == "mine":
        return joint - _log_mean_exp(marginal)
    return joint - _log_mean_exp(torch.clamp(marginal, -tau, tau))  # smile: clip e^S to [e^-τ, e^τ]


def _training_loss(scores, bound, config, state) -> torch.Tensor:
    """The quantity whose gradient trains the critic (minus a bound, or its surrogate)."""
    if bound == "mine":  # moving-average denominator: unbiased gradient of the DV bound
        marginal = _off_diagonal(scores)
        batch_mean = torch.exp(_log_mean_exp(marginal))
        state["ema"] = batch_mean.detach() if state.get("ema") is None else \
            (1 - config.mine_rate) * state["ema"] + config.mine_rate * batch_mean.detach()
        return -(scores.diagonal().mean() - batch_mean / state["ema"])
    if bound == "smile":  # Jensen–Shannon f-GAN objective
        marginal = _off_diagonal(scores)
        return -(-nn.functional.softplus(-scores.diagonal()).mean() - nn.functional.softplus(marginal).mean())
    return -bound_value(scores, bound, config.tau)


def encode_blocks(a, b, vocab_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrices for the critic: one-hot per position for integer tokens, floats as they are."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise InvalidInput(f"a and b must be (n, p) and (n, q) arrays with the same n, got {a.shape} and {b.shape}")
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        vocab = max(int(a.max()), int(b.max())) + 1 if vocab_size is None else vocab_size
        if min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= vocab:
            raise InvalidInput(f"tokens must lie in [0, {vocab})")
        eye = np.eye(vocab, dtype=np.float32)
        return eye[a].reshape(len(a), -1), eye[b].reshape(len(b), -1)
    return check_finite_array("a", a, ndim=2), check_finite_array("b", b, ndim=2)


def neural_mi(a, b, bound: str = "infonce", seed: int = 0, config: NeuralConfig = NeuralConfig(),
              vocab_size: int | None = None) -> Estimate:
    """A variational lower bound on I(A; B) from pairs a (n, p), b (n, q) (floats or integer tokens)."""
    if bound not in BOUNDS:
        raise InvalidInput(f"bound must be one of {BOUNDS}, got {bound!r}")
    if config.critic not in CRITICS:
        raise InvalidInput(f"critic must be one of {CRITICS}, got {config.critic!r}")
    with timer() as elapsed, torch_threads(check_int("threads", config.threads, 1)):
        fa, fb = encode_blocks(a, b, vocab_size)
        n, batch = fa.shape[0], check_int("batch", config.batch, 2)
        if n < 4 * batch:
            raise InvalidInput(f"the neural bounds need n >= 4·batch = {4 * batch} samples (half to train, "
                               f"a quarter each to validate and test), got n = {n}")
        rng = np.random.default_rng(seed)
        order = rng.permutation(n)
        train, val, test = order[: n // 2], order[n // 2: 3 * n // 4], order[3 * n // 4:]
        joint = np.hstack([fa, fb])
        mean, std = joint[train].mean(axis=0), joint[train].std(axis=0)
        joint = (joint - mean) / np.where(std > 0, std, 1.0)
        data = torch.as_tensor(joint, dtype=torch.float32)
        p = fa.shape[1]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            critic = Critic(p, joint.shape[1] - p, config)
        optimiser = torch.optim.Adam(critic.parameters(), lr=config.lr)

        def evaluate(rows) -> np.ndarray:
            with torch.no_grad():
                chunks = [rows[i: i + batch] for i in range(0, len(rows) - batch + 1, batch)]
                return np.array([float(bound_value(critic(data[c, :p], data[c, p:]), bound, config.tau))
                                 for c in chunks])

        best, best_state, stale, state, step = -np.inf, None, 0, {}, 0
        for step in range(1, config.steps + 1):
            rows = train[rng.integers(0, len(train), batch)]
            loss = _training_loss(critic(data[rows, :p], data[rows, p:]), bound, config, state)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if step % config.eval_every == 0 or step == config.steps:
                score = evaluate(val).mean()
                if score > best:
                    best, stale = score, 0
                    best_state = {k: v.clone() for k, v in critic.state_dict().items()}
                else:
                    stale += 1
                    if stale >= config.patience:
                        break
        critic.load_state_dict(best_state)
        values = evaluate(test)
        value = float(values.mean())
        stderr = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    ceiling = math.log(batch)
    extra = {"bound": bound, "critic": config.critic, "batch": batch, "steps": step, "validation_bound": float(best)}
    if bound == "infonce":
        extra.update(ceiling=ceiling, saturated=bool(value > SATURATION * ceiling))
    if bound == "smile":
        extra["tau"] = config.tau
    return Estimate(value=value, stderr=stderr, method=f"neural-{bound}", n_samples=n, seconds=elapsed(), extra=extra)
