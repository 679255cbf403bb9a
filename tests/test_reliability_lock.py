"""One writer per folder: ``io.folder_lock``, and ``train`` refusing a second writer into a locked --out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infoscale.errors import InvalidInput
from infoscale.io import folder_lock

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

HOLD = """
import sys
from infoscale.io import folder_lock
with folder_lock(sys.argv[1], unit=sys.argv[2] or None):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _holder(folder, unit: str = "") -> subprocess.Popen:
    """A child process holding the lock of ``folder`` (or of its ``unit``) until its stdin gets a line."""
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), unit], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=ENV)
    assert child.stdout.readline().strip() == "held"
    return child


def _release(child: subprocess.Popen) -> None:
    child.communicate("\n", timeout=30)
    assert child.returncode == 0


def test_a_second_writer_is_refused_naming_the_folder_and_the_holders_pid(tmp_path):
    child = _holder(tmp_path / "out")
    try:
        with pytest.raises(InvalidInput) as refused, folder_lock(tmp_path / "out"):
            pass
        message = str(refused.value)
        assert f"pid {child.pid}" in message and str(tmp_path / "out") in message and "\n" not in message
    finally:
        _release(child)
    with folder_lock(tmp_path / "out") as lock:  # released: the next writer gets it, with its own pid
        assert lock.read_text().strip() == str(os.getpid())
    assert not (tmp_path / "out").exists()  # the lock file goes with the lock, and the folder made for it


def test_unit_locks_are_independent_of_each_other(tmp_path):
    child = _holder(tmp_path, "shard-0.npz")
    try:
        with folder_lock(tmp_path, unit="shard-1.npz"):  # another unit of the same folder: free
            pass
        with pytest.raises(InvalidInput, match=f"shard-0.npz.*pid {child.pid}"), \
                folder_lock(tmp_path, unit="shard-0.npz"):
            pass
    finally:
        _release(child)


def test_a_lock_dies_with_its_process(tmp_path):
    child = _holder(tmp_path)
    child.kill()  # kill -9: no release code runs
    child.wait()
    with folder_lock(tmp_path):
        pass


def test_a_refused_lock_leaves_no_folder_it_created(tmp_path):
    with folder_lock(tmp_path / "a" / "b"):
        assert (tmp_path / "a" / "b").is_dir()
    assert not (tmp_path / "a").exists()


def _train(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "infoscale.cli", "train", "ar", "--arch", "gru", "--length", "8", "--steps", "4",
            "--batch-size", "4", "--model-config", '{"d_hidden": 4}', "--threads", "1", "--quiet", "--out", str(out),
            *extra]


def test_train_into_a_folder_another_train_writes_is_refused_and_the_first_finishes_intact(tmp_path, cli):
    out = tmp_path / "run"
    first = subprocess.Popen(_train(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.monotonic() + 120
    while not (out / ".infoscale.lock").exists():  # the first writer holds the folder
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGSTOP)  # keep it mid-run, deterministically
    try:  # a plain second run, one that would replace the first, one that would continue it: all refused
        results = [cli(*_train(out, *extra)[3:]) for extra in ((), ("--overwrite",), ("--resume",))]
    finally:
        os.kill(first.pid, signal.SIGCONT)
    for code, stdout, stderr in results:
        assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
        assert f"pid {first.pid}" in stderr and str(out) in stderr
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["history"][-1]["step"] == 4 and (out / "evaluation.json").exists()
    import torch

    assert torch.load(out / "checkpoint.pt", weights_only=False)["step"] == 4


@pytest.mark.parametrize("argv", [["l2m", "--out"], ["validate", "--families", "ar", "--lengths", "4", "--out"]])
def test_l2m_and_validate_into_a_locked_folder_are_refused_before_work(tmp_path, cli, argv):
    child = _holder(tmp_path / "out")
    try:
        code, stdout, stderr = cli(*argv, str(tmp_path / "out"), "--quiet")
    finally:
        _release(child)
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert f"pid {child.pid}" in stderr and str(tmp_path / "out") in stderr
    assert not (tmp_path / "out").exists()  # nothing written (the holder's folder went with its lock)
