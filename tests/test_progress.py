"""Progress in a log: plain lines (done/total, rate, time left) when stderr is not a terminal."""

import io
import os
import re
import subprocess
import sys

import pytest

from infoscale.errors import InvalidInput
from infoscale.progress import ProgressLines, bar, line_seconds, progress_bar

LINE = re.compile(r"^(?P<desc>[^:]+): (?P<done>\d+)/(?P<total>\d+) (?P<unit>\w+), ")


def test_lines_state_done_total_rate_and_time_left():
    out = io.StringIO()
    items = list(ProgressLines(range(4), desc="work", unit="case", interval=0.0, file=out))
    lines = out.getvalue().splitlines()
    assert items == [0, 1, 2, 3]
    assert [LINE.match(line)["done"] for line in lines] == ["0", "1", "2", "3", "4", "4"]  # start, each, close
    assert lines[0] == "work: 0/4 case, rate not known yet"
    assert re.search(r"case/s|s/case", lines[2]) and lines[2].endswith(" left")
    assert "finished in" in lines[-1]


def test_lines_are_spaced_by_the_interval():
    out = io.StringIO()
    with ProgressLines(total=1000, desc="fast", interval=3600.0, file=out) as line:
        for _ in range(1000):
            line.update()
    assert len(out.getvalue().splitlines()) == 2  # the start and the end, nothing between


def test_postfix_and_resumed_start():
    out = io.StringIO()
    line = ProgressLines(range(7, 10), total=10, initial=7, desc="train", unit="step", interval=0.0, file=out)
    for _ in line:
        line.set_postfix({"kl": "0.12"})
    assert out.getvalue().splitlines()[0].startswith("train: 7/10 step")
    assert out.getvalue().splitlines()[-1].endswith("kl=0.12")


def test_not_a_terminal_gives_lines_and_disabled_gives_nothing(capsys):
    # under pytest stderr is captured, not a terminal
    assert isinstance(progress_bar(range(3), desc="x"), ProgressLines)
    with bar("y", enabled=False) as progress:
        assert progress is None
    with bar("z", unit="L") as progress:
        progress(1, 2)
        progress(2, 2)
    assert "z: 2/2 L" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["-1", "soon", "inf"])
def test_bad_interval_names_the_variable(monkeypatch, text):
    monkeypatch.setenv("INFOSCALE_PROGRESS_SECONDS", text)
    with pytest.raises(InvalidInput, match="INFOSCALE_PROGRESS_SECONDS"):
        line_seconds()


def test_a_command_with_stderr_to_a_file_writes_progress_lines(tmp_path):
    """`infoscale validate` (8 cases, about 2 s) run as a batch job would be: stderr is a file."""
    log = tmp_path / "stderr.log"
    env = {**os.environ, "INFOSCALE_PROGRESS_SECONDS": "0"}
    command = [sys.executable, "-m", "infoscale.cli", "validate", "--families", "ar,markov", "--lengths", "4,8,16,32",
               "--estimators", "gaussian,plugin", "--seeds", "1", "--samples", "300", "--out", str(tmp_path / "v")]
    with open(log, "w") as stderr:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env, timeout=300)
    assert done.returncode == 0, log.read_text()
    lines = [m for m in map(LINE.match, log.read_text().splitlines()) if m and m["desc"] == "validate"]
    assert [int(m["done"]) for m in lines] == list(range(9)) + [8]
    assert {m["total"] for m in lines} == {"8"} and "left" in log.read_text() and "\r" not in log.read_text()
