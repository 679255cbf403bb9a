"""A real ``train`` (and ``l2m``) killed with SIGKILL at random points, resumed each time, ends where
an uninterrupted run ends (same weights and logged losses; the same table) and leaves no temporary file."""

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


def _l2m(config: Path, out: Path, resume: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    return subprocess.Popen([sys.executable, "-m", "infoscale.cli", "l2m", "--config", str(config), "--out", str(out),
                             "--quiet", "--json", *(["--resume"] if resume else [])],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _rows(out: Path) -> list:
    import json

    rows = json.loads((out / "l2m.json").read_text())["rows"]
    return [(r["label"], r["length"], r["mean_kl"], r["position_kl"]) for r in rows]


@pytest.mark.slow
def test_killed_and_resumed_l2m_equals_uninterrupted(tmp_path, l2m_smoke):
    import json

    config = tmp_path / "config.json"
    config.write_text(json.dumps(l2m_smoke(train={"steps": 60, "tokens_per_step": 256, "warmup": 1, "log_every": 1})))
    proc = _l2m(config, tmp_path / "whole", resume=False)
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()[-2000:]

    rng = np.random.default_rng(2)
    run, kills = tmp_path / "cut", 0
    for round_ in range(3):
        proc = _l2m(config, run, resume=round_ > 0)
        deadline = time.monotonic() + 300
        while proc.poll() is None and not list((run / "runs").glob("run-*.json")) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.5))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and any worker it started
            kills += 1
        proc.wait(timeout=60)
    proc = _l2m(config, run, resume=True)
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()[-2000:]
    assert kills >= 1
    assert _rows(run) == _rows(tmp_path / "whole")
    left = [str(p) for p in run.rglob("*infoscale-tmp*")]
    assert left == [], left
