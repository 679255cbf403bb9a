"""A real ``train`` killed with SIGKILL at random points, resumed each time, ends where an
uninterrupted run ends (same weights, same logged losses) and leaves no temporary file."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

ARGS = ["train", "ar", "--arch", "gru", "--length", "16", "--model-config", '{"d_hidden": 8}',
        "--steps", "300", "--batch-size", "8", "--threads", "1", "--quiet"]
KILLS = 4


def _start(out: Path, resume: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    return subprocess.Popen([sys.executable, "-m", "infoscale.cli", *ARGS, "--out", str(out), *(["--resume"] if resume else [])],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_checkpoint(proc, checkpoint: Path, timeout: float = 120.0) -> bool:
    """Until a checkpoint exists (True) or the process ended (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if checkpoint.exists():
            return True
        time.sleep(0.02)
    raise AssertionError("no checkpoint appeared")


def _state(out: Path):
    content = torch.load(out / "checkpoint.pt", weights_only=True)
    return content["model_state"], content["history"], content["step"]


@pytest.mark.slow
def test_killed_and_resumed_training_equals_uninterrupted(tmp_path):
    rng = np.random.default_rng(16)
    reference = tmp_path / "reference"
    proc = _start(reference, resume=False)
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()[-2000:]

    run = tmp_path / "interrupted"
    kills = 0
    for round_ in range(KILLS):
        proc = _start(run, resume=round_ > 0)
        if not _wait_for_checkpoint(proc, run / "checkpoint.pt"):
            break
        time.sleep(rng.uniform(0.0, 1.0))  # a random point: during a step, a checkpoint write, or later
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    proc = _start(run, resume=True)
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()[-2000:]
    assert kills >= 2, "the runs were too short to be killed"

    weights, history, step = _state(run)
    expected_weights, expected_history, expected_step = _state(reference)
    assert step == expected_step == 300
    assert history == expected_history
    for name, tensor in expected_weights.items():
        assert torch.equal(weights[name], tensor), name
    left = [p.name for p in run.iterdir() if "infoscale-tmp" in p.name]
    assert left == [], left
