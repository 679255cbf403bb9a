"""Rows of the training data do not depend on how many rows are drawn with them, also under a
restricted MKL instruction set and torch's default CPU capability (a child process each)."""

import os
import subprocess
import sys

import pytest

CHILD = """
import torch
from infoscale.generators import make_family
from infoscale.nets.data import TrainingData
from infoscale.nets.kl import Objective
torch.set_num_threads(1)
data = TrainingData(Objective(make_family("hierarchical", k=3, token_dim=8), "kl"), 256, torch.device("cpu"), True)
whole = data.draw(seed=5, step=2, rows=range(7))
for cuts in ((0, 3, 7), (0, 1, 2, 3, 4, 5, 6, 7)):
    parts = [data.draw(seed=5, step=2, rows=range(a, b)) for a, b in zip(cuts[:-1], cuts[1:])]
    assert torch.equal(whole.x, torch.cat([p.x for p in parts]))
    assert all(torch.equal(whole.target[i], torch.cat([p.target[i] for p in parts])) for i in range(2))
print(torch.backends.cpu.get_cpu_capability())
"""


@pytest.mark.slow
@pytest.mark.parametrize("env", [{}, {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ATEN_CPU_CAPABILITY": "default"}])
def test_rows_are_batch_independent_under_other_cpu_kernels(env):
    result = subprocess.run([sys.executable, "-c", CHILD], env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    if env:
        assert result.stdout.strip() == "DEFAULT"
