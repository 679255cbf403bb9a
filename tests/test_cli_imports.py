"""The command line a newcomer meets first: what `--version`, `--help`, `families` and `train --help`
import, the defaults `train --help` states, `families` in plain text, `mi --method renyi2` errors.

Import cost is measured by the modules a fresh interpreter holds afterwards, not by seconds (a timing depends on
the machine and its load; an import does not).
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "scipy.optimize", "matplotlib")

#: Runs `infoscale ARGS` in a fresh interpreter and prints the heavy modules it imported.
PROBE = """
import contextlib, io, json, sys
from infoscale.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in sys.modules if m in {heavy})))
"""


def imported_heavy(*argv) -> list[str]:
    code = PROBE.format(heavy=set(HEAVY))
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("argv", [("--version",), ("--help",), ("families",), ("train", "--help")])
def test_quick_commands_import_no_torch_scipy_optimize_or_matplotlib(argv):
    assert imported_heavy(*argv) == []


def test_the_probe_sees_a_heavy_import():
    """The probe can fail: `train` building its model does import torch (it stops at the missing --out)."""
    assert "torch" in imported_heavy("train", "hierarchical", "--arch", "gru", "--length", "16", "--out", "/dev/null/x")


def test_static_architecture_names_match_the_registry():
    from infoscale.cli.nets import BUILTIN_ARCHITECTURES
    from infoscale.nets.models import ARCHITECTURES

    assert sorted(BUILTIN_ARCHITECTURES) == sorted(ARCHITECTURES.names())


def test_train_help_states_the_defaults_of_train_config():
    from infoscale.cli import build_parser
    from infoscale.nets.train import TrainConfig

    parser = build_parser("train")
    train = parser._subparsers._group_actions[0].choices["train"]
    actions = {a.dest: a for a in train._actions}
    text = train.format_help()
    for dest, flag in (("steps", "--steps"), ("lr", "--lr"), ("batch_size", "--batch-size")):
        assert actions[dest].default == getattr(TrainConfig(), dest)
        assert f"(default {actions[dest].default:g})" in " ".join(actions[dest].help.split()), flag
        assert flag in text


def test_families_prints_no_rest_markup(cli):
    from infoscale.cli.families import plain

    assert plain("``k`` copies, :math:`\\beta`, `x`") == "k copies, \\beta, x"
    code, out, _ = cli("families")
    assert code == 0 and "`" not in out and "k copies" in out


def test_renyi2_on_a_non_mps_family_names_the_families_not_classes(cli):
    code, out, err = cli("mi", "markov", "--length", "8", "--method", "renyi2")
    assert code == 2 and out == ""
    assert "MPS family (ising, mps)" in err and "Canonical" not in err and "quimb" not in err and len(err.splitlines()) == 1
