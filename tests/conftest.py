"""Test-session settings: a headless matplotlib backend and one thread per numerical library.

Threads are pinned before numpy or torch is imported: on a busy 2-core machine oversubscribed
torch threads made training tests 25–45× slower, and one thread also makes timings and floating-
point reductions repeatable. Subprocesses started by the tests inherit these settings.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


import pytest  # noqa: E402


@pytest.fixture
def one_torch_thread():
    """torch on one thread for the test (whatever the environment says), restored afterwards."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def cli(capsys):
    """Run ``infoscale`` in this process: ``cli("mi", "tree", …)`` → (exit code, stdout, stderr)."""
    from infoscale.cli import main

    def run(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _stepped_means(model, x):
    """A continuous-token model's predicted means at every position, step by step: ((n, L, D), last state)."""
    import torch

    state, means = model.init_state(x.shape[0]), []
    with torch.no_grad():
        for t in range(x.shape[1]):
            (mean, _), state = model.step(None if t == 0 else x[:, t - 1], state)
            means.append(mean)
    return torch.stack(means, 1), state


@pytest.fixture
def stepped_means():
    """``stepped_means(model, x)``: the means ``model.step`` predicts for x, and the state after x[:, :-1]."""
    return _stepped_means


def _dense_gaussian_mi(cov, ell):
    """I(ℓ; L) of a Gaussian covariance from numpy's LU log-determinants (not infoscale's Cholesky path)."""
    import numpy as np

    logdet = lambda m: np.linalg.slogdet(m)[1]  # noqa: E731
    return 0.5 * (logdet(cov[:ell, :ell]) + logdet(cov[ell:, ell:]) - logdet(cov))


@pytest.fixture
def dense_gaussian_mi():
    """The reference I(ℓ; L) = ½ (ln det Σ_AA + ln det Σ_BB − ln det Σ) of a covariance, by slogdet."""
    return _dense_gaussian_mi


#: The L²M smoke sweep: two lengths, a transformer and a GRU, a few steps (every code path, no conclusions).
_L2M_SMOKE = {
    "families": [{"name": "hierarchical", "params": {"k": 3, "token_dim": 1}}],
    "lengths": [16, 64],
    "models": [
        {"label": "tf", "arch": "transformer", "config": {"d_model": 8, "n_layers": 1, "n_heads": 2}},
        {"label": "gru-4", "arch": "gru", "config": {"d_model": 4, "n_layers": 1}},
    ],
    "train": {"steps": 3, "tokens_per_step": 128, "warmup": 1, "log_every": 1},
    "eval": {"n_samples": 8, "batch_size": 8},
    "threads": 1,
}


@pytest.fixture
def l2m_smoke():
    """``l2m_smoke(**changes)``: a fresh copy of the L²M smoke configuration (a JSON dict), top-level keys
    replaced by ``changes``; ``l2m_smoke.models`` are its model specs."""
    import copy

    def make(**changes):
        return {**copy.deepcopy(_L2M_SMOKE), **copy.deepcopy(changes)}

    make.models = copy.deepcopy(_L2M_SMOKE["models"])
    return make
