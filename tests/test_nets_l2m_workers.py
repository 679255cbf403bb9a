"""A killed sweep leaves no worker training on as an orphan."""

import os
import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
def test_workers_exit_when_the_sweep_process_is_killed(tmp_path):
    """SIGKILL the parent of a two-worker pool: its workers notice and exit within seconds."""
    script = (
        "import os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "import multiprocessing\n"
        "from infoscale.studies.l2m.sweep import _exit_with_parent\n"
        "if __name__ == '__main__':\n"
        "    ctx = multiprocessing.get_context('spawn')\n"
        "    with ProcessPoolExecutor(2, mp_context=ctx, initializer=_exit_with_parent, initargs=(os.getpid(),)) as pool:\n"
        "        pids = [pool.submit(os.getpid).result() for _ in range(4)]\n"
        "        print(' '.join(map(str, sorted(set(pids)))), flush=True)\n"
        "        pool.submit(time.sleep, 600)\n"
        "        time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert workers
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = [p for p in alive if _alive(p)]
    assert not alive, f"workers {alive} outlived the killed sweep"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
