"""Every subcommand driven with bad inputs: exit code 2, one stderr line naming the parameter.

The cases cover the kinds of bad input a user (or a fuzzer) gives: sizes beyond the machine,
bad output paths (missing or unwritable folders, a folder where a file goes, an empty path,
``/proc`` and ``/sys``), parameters that overflow, arguments that mean nothing, and untrusted
files. For each, the command must end with exit code 2, exactly one line on stderr naming the
parameter, nothing on stdout and no file left behind — and must refuse *before* allocating: all
cases run in one child process whose address space is capped at ``MEMORY_BOUND`` (so an attempted
multi-GB allocation fails as a traceback instead of an OOM kill), and the child's peak resident
memory must stay below ``RSS_BOUND``.

Running this file as a script (``python tests/test_cli_bad_inputs.py FIXTURES``) is the child:
it runs every case in-process through ``infoscale.cli.main`` and prints one JSON line of results.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest
from bad_input_fixtures import prepare_fixtures

MEMORY_BOUND = 6 * 2**30  # address-space cap of the child (torch alone maps ~2 GB of it)
RSS_BOUND = 1536 * 2**20  # peak resident memory of the child over all cases
CASE_SECONDS = 30  # a case that runs longer has started real work instead of refusing

F = "{fx}"  # replaced by the fixtures folder (prepared files and folders)
HUGE = "1000000000000"
SEED64 = str(2**64)

# (argv, text the single stderr line must contain)
CASES = [
    # --- families ---
    (["families", "--bogus"], "--bogus"),
    # --- sizes beyond the machine ---
    (["scaling", "ar", "--max-length", HUGE], "length"),
    (["scaling", "hmm", "--max-length", HUGE], "length"),
    (["scaling", "noisy-copy", "--max-length", HUGE], "length"),
    (["scaling", "mps", "--max-length", HUGE], "length"),
    (["scaling", "ising", "--max-length", HUGE], "length"),
    (["scaling", "mps", "--chi", "100000", "--max-length", "64"], "chi"),
    (["mi", "ar", "--length", HUGE], "length"),
    (["mi", "ar", "--length", "64", "--method", "mc", "--samples", HUGE], "samples"),
    (["mi", "markov", "--vocab-size", HUGE, "--length", "8"], "vocab"),
    (["spectrum", "ar", "--length", "1000000"], "length"),
    (["sample", "ar", "--length", "64", "-n", HUGE, "--seed", "0", "-o", "x.npz"], "-n"),
    (["sample", "copy", "--length", HUGE, "-n", "2", "--seed", "0", "-o", "x.npz"], "length"),
    (["validate", "--families", "ar", "--seeds", "100000000", "--out", "v"], "seeds"),
    (["validate", "--families", "ar", "--lengths", HUGE, "--out", "v"], "length"),
    (["train", "ar", "--arch", "gru", "--length", "16", "--model-config", '{"d_hidden": 1000000000}',
      "--out", "t"], "model"),
    # --- bad output paths ---
    (["scaling", "ar", "--max-length", "64", "--plot", F + "/afile/sub/x.png"], "--plot"),
    (["scaling", "ar", "--max-length", "64", "--plot", F + "/adir"], "--plot"),
    (["scaling", "ar", "--max-length", "64", "--plot", ""], "--plot"),
    (["scaling", "ar", "--max-length", "64", "--plot", "/proc/x.png"], "--plot"),
    (["scaling", "ar", "--max-length", "64", "--plot", "/sys/kernel/x.png"], "--plot"),
    (["sample", "ar", "--length", "8", "-n", "2", "--seed", "0", "-o", F + "/afile/x.npz"], "--out"),
    (["sample", "ar", "--length", "8", "-n", "2", "--seed", "0", "-o", F + "/adir"], "--out"),
    (["sample", "ar", "--length", "8", "-n", "2", "--seed", "0", "-o", ""], "--out"),
    (["sample", "ar", "--length", "8", "-n", "2", "--seed", "0", "-o", "/proc/x.npz"], "--out"),
    (["estimate", F + "/tokens.npz", "--plot", "/proc/x.png"], "--plot"),
    (["estimate", F + "/tokens.npz", "--plot", F + "/adir"], "--plot"),
    (["validate", "--families", "ar", "--out", F + "/afile"], "--out"),
    (["validate", "--families", "ar", "--out", "/proc/v"], "--out"),
    (["validate", "--families", "ar", "--out", ""], "--out"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--out", F + "/afile"], "--out"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--out", "/proc/t"], "--out"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--out", ""], "--out"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--out", F + "/trained"], "--overwrite"),
    (["l2m", "--out", F + "/afile"], "--out"),
    (["l2m", "--out", "/proc/l2m"], "--out"),
    # --- extreme parameters that overflow ---
    (["mi", "ar", "--noise-std", "1e200", "--length", "16"], "noise_std"),
    (["mi", "ar", "--noise-std", "1e-200", "--length", "16"], "noise_std"),
    (["mi", "ar", "--coefficients", "0.9999999999", "--length", "16"], "coefficients"),
    (["mi", "gaussian-mean", "--prior-std", "1e200", "--length", "16"], "prior_std"),
    (["mi", "gaussian-mean", "--noise-std", "1e-200", "--length", "16"], "noise_std"),
    (["mi", "fgn", "--hurst", "0.99999", "--length", "16"], "hurst"),
    (["mi", "fgn", "--hurst", "0.9999999", "--length", "16"], "hurst"),
    (["mi", "dirichlet", "--alpha", "1000", "--length", "16"], "alpha"),
    (["mi", "dirichlet", "--alpha", "1e300", "--length", "16"], "alpha"),
    (["spectrum", "noisy-copy", "--snr", "1e17", "--length", "16"], "snr"),
    (["mi", "noisy-copy", "--snr", "1e-300", "--length", "16"], "snr"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--lr", "1e300", "--out", "t"], "lr"),
    (["mi", "ar", "--length", "16", "--split", "1e300"], "split"),
    # --- arguments that mean nothing ---
    (["spectrum", "ar", "--length", "16", "--top", "-1"], "--top"),
    (["spectrum", "ar", "--length", "16", "--fraction", "1.5"], "fraction"),
    (["estimate", F + "/tokens.npz", "--max-length", "0", "--model", F + "/garbage.pt"], "--max-length"),
    (["estimate", F + "/tokens.npz", "--max-distance", "0"], "max_distance"),
    (["mi", "ar", "--length", "16", "--method", "mc", "--seed", SEED64], "--seed"),
    (["mi", "ar", "--length", "16", "--method", "mc", "--seed", "-1"], "--seed"),
    (["mi", "ar", "--length", "16", "--method", "mc", "--samples", "0"], "--samples"),
    (["sample", "ar", "--length", "8", "-n", "2", "--seed", SEED64, "-o", "x.npz"], "--seed"),
    (["sample", "ar", "--length", "8", "-n", "0", "--seed", "0", "-o", "x.npz"], "-n"),
    (["validate", "--families", "hierarchical", "--lengths", "5", "--out", "v"], "length"),
    (["validate", "--families", "ar", "--seeds", "0", "--out", "v"], "--seeds"),
    (["validate", "--families", "ar", "--seed", SEED64, "--out", "v"], "--seed"),
    (["scaling", "ar", "--max-length", "64", "--fit-from", "-5", "--samples", "-3", "--method", "mc"], "--samples"),
    (["scaling", "ar", "--max-length", "64", "--split", "0"], "split"),
    (["train", "hmm", "--arch", "gru", "--length", "8", "--loss", "mse", "--out", "t"], "--loss"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--amp", "--device", "cpu", "--out", "t"], "amp"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--device", "cuda", "--out", "t"], "device"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--device", "tpu", "--out", "t"], "device"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--seed", SEED64, "--out", "t"], "--seed"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--steps", "0", "--out", "t"], "steps"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--batch-size", "0", "--out", "t"], "batch_size"),
    (["train", "ar", "--arch", "nope", "--length", "8", "--out", "t"], "arch"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--model-config", "[1]", "--out", "t"], "--model-config"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--threads", "0", "--out", "t"], "--threads"),
    (["l2m", "--config", F + "/missing.json", "--out", "l"], "config"),
    (["l2m", "--config", F + "/bad_models.json", "--out", "l"], "models"),
    (["l2m", "--config", F + "/bad_threads.json", "--out", "l"], "threads"),
    (["l2m", "--threads", "-3", "--out", "l"], "--threads"),
    (["l2m", "--config", F + "/bad_eval.json", "--out", "l"], "n_samples"),
    (["l2m", "--config", F + "/no_name.json", "--out", "l"], "name"),
    (["mi", "ar", "--length", "16", "--method", "nope"], "--method"),
    (["scaling", "hierarchical", "--max-length", HUGE], "length"),
    (["sample", "noisy-copy", "--length", "7", "-n", "2", "-o", "x.npz"], "length"),
    (["spectrum", "hmm", "--length", "8"], "Gaussian"),
    (["--max-memory", "-1", "families"], "--max-memory"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--out", "t", "--resume", "--overwrite"], "--overwrite"),
    (["families", "--json", "stray"], "stray"),
    # --- lm-mi ---
    (["lm-mi", "nope.txt", "--model", "."], "text path"),
    (["lm-mi", "nope.txt", "--model", ".", "--ratios", "1,2"], "ratio"),
    (["lm-mi", "nope.txt", "--model", ".", "--estimators", "direct,knn"], "estimators"),
    (["lm-mi", "nope.txt", "--model", ".", "--json", F + "/afile/r.json"], "--json"),
    (["lm-mi", "nope.txt", "--model", ".", "--plot", F + "/r.txt"], "--plot"),
    (["lm-mi", "nope.txt", "--model", ".", "--plot", "/proc/r.png"], "--plot"),
    # --- untrusted or missing files ---
    (["estimate", F + "/missing.npz"], "missing.npz"),
    (["estimate", F + "/garbage.pt"], "garbage.pt"),
    (["estimate", F + "/tokens.npz", "--model", F + "/missing.pt"], "missing.pt"),
    (["estimate", F + "/tokens.npz", "--model", F + "/garbage.pt"], "garbage.pt"),
    (["estimate", F + "/tokens.npz", "--model", F + "/pickle.pt"], "pickle.pt"),
    (["estimate", F + "/tokens.npz", "--model", F + "/adir"], "adir"),
    (["estimate", F + "/bomb.npz"], "bomb.npz"),
    (["estimate", F + "/pickled.npz"], "pickled.npz"),
    (["estimate", F + "/structured.npz"], "structured.npz"),
    (["estimate", F + "/truncated.npz"], "truncated"),
    (["estimate", F + "/bad_header.npz"], "bad_header.npz"),
    (["estimate", F + "/negative_shape.npz"], "negative shape"),
    (["estimate", F + "/bad_crc.npz"], "bad_crc.npz"),
    (["estimate", F + "/strings.npz"], "strings"),
    (["estimate", F + "/complex.npz"], "complex"),
    (["estimate", F + "/constant.npz"], "repeated value"),
    (["estimate", F + "/big_token.npz"], "tokens must be <="),
    (["estimate", F + "/uint64.npz"], "2**63"),
    (["estimate", F + "/dates.npz"], "dates"),
    (["estimate", F + "/adir"], "is a folder"),
    (["estimate", F + "/huge.txt"], "MiB of text"),
    (["scaling", "copy", "--vocab-size", HUGE, "--max-length", "16"], "vocab"),
    # --- outputs that cannot be written, found before any work ---
    (["sample", "ar", "--length", "8", "-n", "2", "-o", F + "/" + "n" * 245 + ".npz"], "too long"),
    (["sample", "ar", "--length", "8", "-n", "2", "-o", F + "/" + "n" * 256 + ".npz"], "too long"),
    (["sample", "ar", "--length", "8", "-n", "2", "-o", F + "/dangling.npz"], "dangling symlink"),
    (["sample", "ar", "--length", "8", "-n", "2", "-o", F + "/loop/x.npz"], "symlink loop"),
    (["sample", "ar", "--length", "8", "-n", "2", "-o", F + "/x.txt"], ".npz"),
    (["validate", "--families", "ar", "--out", F + "/dangling"], "dangling symlink"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--out", F + "/loop"], "symlink loop"),
    (["scaling", "ar", "--max-length", "64", "--plot", F + "/out.txt"], "--plot"),
    (["estimate", F + "/tokens.npz", "--plot", F + "/afile/x.png"], "--plot"),
    # --- l2m configuration and cost ---
    (["l2m", "--config", F + "/latin1.json", "--out", "l"], "UTF-8"),
    (["l2m", "--config", F + "/many_threads.json", "--out", "l"], "threads"),
    (["l2m", "--config", F + "/many_steps.json", "--out", "l"], "steps"),
    (["l2m", "--max-seconds", "1", "--out", "l"], "--max-seconds"),
    (["train", "ar", "--arch", "gru", "--length", "8", "--steps", "100000000", "--max-seconds", "60", "--out", "t"],
     "--max-seconds"),
]


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _run_case(argv: list[str], workdir: Path) -> dict:
    from infoscale.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(workdir)
    signal.alarm(CASE_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            except BaseException:  # noqa: BLE001 - a traceback is the failure being looked for
                code = 1
                err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
        os.chdir(previous)
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def _child(fixtures: Path, indices: list[int]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))

    def timeout(signum, frame):
        raise TimeoutError(f"case ran over {CASE_SECONDS} s")

    signal.signal(signal.SIGALRM, timeout)
    results = []
    for index in indices:
        before = _snapshot(fixtures)
        argv = [a.replace(F, str(fixtures)) for a in CASES[index][0]]
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=fixtures.parent) as work:
            result = _run_case(argv, Path(work))
            result["left"] = sorted(_snapshot(Path(work)) | (_snapshot(fixtures) - before))
        result["seconds"] = time.perf_counter() - start
        result["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        results.append({**result, "index": index})
    print(json.dumps(results))


#: The default suite runs every FAST_EVERY-th case (all kinds are represented); ``-m slow`` runs the rest.
FAST_EVERY = 4
FAST = [i for i in range(len(CASES)) if i % FAST_EVERY == 0]
REST = [i for i in range(len(CASES)) if i % FAST_EVERY]


def _run_child(tmp_path_factory, indices: list[int]) -> dict[int, dict]:
    root = tmp_path_factory.mktemp("bad-inputs")
    fixtures = root / "fixtures"
    fixtures.mkdir()
    prepare_fixtures(fixtures)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, __file__, str(fixtures), ",".join(map(str, indices))],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {r["index"]: r for r in json.loads(proc.stdout.strip().splitlines()[-1])}


@pytest.fixture(scope="module")
def fast_results(tmp_path_factory):
    return _run_child(tmp_path_factory, FAST)


@pytest.fixture(scope="module")
def rest_results(tmp_path_factory):
    return _run_child(tmp_path_factory, REST)


def test_there_are_many_cases_over_every_subcommand():
    from infoscale.cli import COMMANDS

    assert len(CASES) >= 60
    names = {command.name for command in COMMANDS}
    assert {next(a for a in argv if a in names) for argv, _ in CASES} == names


def _ids(indices):
    return [" ".join(CASES[i][0])[:80] for i in indices]


@pytest.mark.parametrize("index", FAST, ids=_ids(FAST))
def test_bad_input_is_one_clear_line(fast_results, index):
    check_case(index, fast_results[index])


@pytest.mark.slow
@pytest.mark.parametrize("index", REST, ids=_ids(REST))
def test_bad_input_is_one_clear_line_all(rest_results, index):
    check_case(index, rest_results[index])


def check_case(index: int, result: dict) -> None:
    argv, needle = CASES[index]
    assert result["code"] == 2, result["stderr"][-2000:]
    lines = result["stderr"].splitlines()
    assert len(lines) == 1, result["stderr"][-2000:]
    assert lines[0].startswith("infoscale: error: ")
    assert needle in lines[0]
    assert "np.float64" not in lines[0] and "Traceback" not in lines[0]
    assert result["stdout"] == ""
    assert result["left"] == []


def test_peak_memory_stays_bounded(fast_results):
    peak = max(r["maxrss"] for r in fast_results.values())
    assert peak < RSS_BOUND, f"peak resident memory {peak / 2**20:.0f} MB"


@pytest.mark.slow
def test_peak_memory_stays_bounded_all(rest_results):
    peak = max(r["maxrss"] for r in rest_results.values())
    assert peak < RSS_BOUND, f"peak resident memory {peak / 2**20:.0f} MB"


if __name__ == "__main__":
    _child(Path(sys.argv[1]), [int(i) for i in sys.argv[2].split(",")])
