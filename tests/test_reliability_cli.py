"""Round two of the command line's reliability: Ctrl-C, stdout that cannot be written, odd environments,
write failures after the work, and resume checks. Each runs ``python -m infoscale.cli`` as a user would."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
CLI = [sys.executable, "-m", "infoscale.cli"]
TRAIN = ["train", "ar", "--arch", "gru", "--length", "8", "--batch-size", "4", "--model-config", '{"d_hidden": 4}',
         "--threads", "1", "--quiet"]


def _run(argv, **kwargs) -> subprocess.CompletedProcess:
    env = {**ENV, **kwargs.pop("env", {})}
    return subprocess.run(CLI + list(argv), capture_output=True, text=True, env=env, timeout=300, **kwargs)


def _refused(proc, needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1 and needle in proc.stderr, proc.stderr


def test_stdout_on_a_full_device_is_one_line_and_exit_2():
    with open("/dev/full", "w") as full:
        proc = subprocess.run(CLI + ["families"], stdout=full, stderr=subprocess.PIPE, text=True, env=ENV, timeout=120)
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        "infoscale: error: cannot write to stdout: No space left on device"]


def test_ascii_stdout_and_a_bogus_matplotlib_backend(tmp_path):
    proc = _run(["scaling", "ar", "--max-length", "64", "--quiet", "--plot", str(tmp_path / "f.png")],
                env={"PYTHONIOENCODING": "ascii", "MPLBACKEND": "bogus"})
    assert proc.returncode == 0, proc.stderr
    assert "\\xb1" in proc.stdout and (tmp_path / "f.png").stat().st_size > 0  # "±" escaped, the figure written


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


def test_a_write_that_fails_after_the_work_is_one_line_and_leaves_nothing(tmp_path):
    proc = subprocess.run(CLI + ["sample", "ar", "--length", "64", "-n", "200", "-o", str(tmp_path / "x.npz")],
                          capture_output=True, text=True, env=ENV, timeout=120, preexec_fn=_limit_file_size)
    _refused(proc, f"cannot write {str(tmp_path / 'x.npz')!r}: File too large")
    assert os.listdir(tmp_path) == []


FULL_DISK = [
    (["sample", "ar", "--length", "256", "-n", "200", "-o"], "x.npz"),
    pytest.param(["scaling", "ar", "--max-length", "64", "--quiet", "--plot"], "f.png", marks=pytest.mark.slow),
    pytest.param(["validate", "--families", "ar", "--lengths", "4,8", "--quiet", "--out"], "v", marks=pytest.mark.slow),
    pytest.param([*TRAIN, "--steps", "2", "--model-config", '{"d_hidden": 64}', "--out"], "t", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("argv, name", FULL_DISK)
def test_a_full_disk_is_one_line_naming_the_path(tmp_path, argv, name):
    if subprocess.run(["unshare", "-Urm", "true"], capture_output=True).returncode:
        pytest.skip("no user namespaces here to mount a small file system")
    small = tmp_path / "small"
    small.mkdir()
    script = 'mount -t tmpfs -o size=16k tmpfs "$1" && shift && exec "$@"'  # a 16 kB disk, for this command only
    proc = subprocess.run(["unshare", "-Urm", "sh", "-c", script, "sh", str(small), *CLI, *argv, str(small / name)],
                          capture_output=True, text=True, env=ENV, timeout=300)
    _refused(proc, "No space left on device")
    assert str(small / name) in proc.stderr


def _as_from_a_terminal() -> None:
    """In the child before exec: SIGINT delivered and at its default, as a shell starts a command. A child
    inherits its parent's signal mask and ignored signals, and in the whole suite this test process was
    seen with SIGINT blocked (the child then never saw the Ctrl-C and finished with code 0)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_training_is_one_line_exit_130_and_resume_continues(tmp_path, cli, one_torch_thread):
    """Ctrl-C (SIGINT to the process, as a terminal sends it) once the first checkpoint (every 200 of
    the 2000 steps) is written: one line, exit 130, the lock released; the resume then continues."""
    import torch

    out = tmp_path / "run"
    proc = subprocess.Popen(CLI + TRAIN + ["--steps", "2000", "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, preexec_fn=_as_from_a_terminal)
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.pt").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and stderr.splitlines() == ["infoscale: interrupted; --resume continues"], stderr
    assert stdout == ""
    assert not (out / ".infoscale.lock").exists()  # released: a resume may start at once
    step = torch.load(out / "checkpoint.pt", weights_only=False)["step"]
    assert 0 < step < 2000
    code, _, stderr = cli(*TRAIN, "--steps", str(step + 2), "--out", str(out), "--resume")
    assert code == 0, stderr
    assert torch.load(out / "checkpoint.pt", weights_only=False)["step"] == step + 2


def _refused_in_process(result, needle: str) -> None:
    code, stdout, stderr = result
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1 and needle in stderr, stderr


def test_resume_with_fewer_steps_and_a_checkpoint_without_training_state_are_refused(tmp_path, cli, one_torch_thread):
    import torch

    out = str(tmp_path / "run")
    assert cli(*TRAIN, "--steps", "6", "--out", out)[0] == 0
    before = (tmp_path / "run" / "checkpoint.pt").read_bytes()
    _refused_in_process(cli(*TRAIN, "--steps", "3", "--out", out, "--resume"), "steps 3 is fewer than the 6 steps")
    assert (tmp_path / "run" / "checkpoint.pt").read_bytes() == before  # untouched
    content = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    for key in ("optimizer_state", "scheduler_state", "train_config"):
        del content[key]
    torch.save(content, tmp_path / "run" / "checkpoint.pt")
    _refused_in_process(cli(*TRAIN, "--steps", "8", "--out", out, "--resume"), "cannot be resumed")


def test_train_and_l2m_time_estimates_are_refused_past_max_seconds_before_work(tmp_path, cli, one_torch_thread):
    _refused_in_process(cli(*TRAIN, "--steps", "100000000", "--max-seconds", "10", "--out", str(tmp_path / "t")),
                        "--max-seconds")
    _refused_in_process(cli("l2m", "--max-seconds", "1", "--out", str(tmp_path / "l")), "--max-seconds")
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_ctrl_c_during_a_two_worker_sweep_is_one_line_and_exit_130(tmp_path, l2m_smoke):
    import json

    config = l2m_smoke(workers=2, train={"steps": 100000, "tokens_per_step": 128, "warmup": 1, "log_every": 1000})
    (tmp_path / "c.json").write_text(json.dumps(config))
    out = tmp_path / "sweep"
    sweep = subprocess.Popen(CLI + ["l2m", "--config", str(tmp_path / "c.json"), "--out", str(out), "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                             start_new_session=True)  # its own process group, as a terminal's foreground job
    deadline = time.monotonic() + 240
    while not (out / "config.json").exists():
        assert sweep.poll() is None and time.monotonic() < deadline, sweep.communicate()
        time.sleep(0.1)
    time.sleep(15)  # the workers are started and training
    os.killpg(sweep.pid, signal.SIGINT)  # Ctrl-C reaches the whole group, workers included
    _, stderr = sweep.communicate(timeout=120)
    lines = [line for line in stderr.splitlines() if not line.startswith("infoscale: note: ")]  # the time estimate
    assert sweep.returncode == 130 and lines == ["infoscale: interrupted; --resume continues"], stderr
    assert not (out / ".infoscale.lock").exists()


@pytest.mark.slow
def test_ctrl_c_during_validate_is_one_line_and_exit_130(tmp_path):
    out = tmp_path / "v"
    run = subprocess.Popen(CLI + ["validate", "--families", "ar,hmm", "--seeds", "500", "--out", str(out), "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, start_new_session=True)
    deadline = time.monotonic() + 240
    while not (out / ".infoscale.lock").exists():  # the harness is running
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    time.sleep(1.0)
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130 and stderr.splitlines() == ["infoscale: interrupted"], stderr  # validate: no --resume
    assert not out.exists() or os.listdir(out) == []  # nothing half-written, no lock left
