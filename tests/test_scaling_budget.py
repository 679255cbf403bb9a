"""`infoscale scaling <family> --max-length 1024` finishes for every registered family within the
issue's 2-minute budget (slow). The budget is the sweep's own pilot-timed estimate checked by
``--max-seconds 120`` before it samples, not a timed assertion."""

import pytest

from infoscale import family_names
from infoscale.cli import main

#: Families known to miss the budget, and why (strict: the mark must go once they meet it).
OVER_BUDGET = {"ising": "DMRG ground states at L = 512 and 1024 take minutes (the sweep: ~8 min on 2 cores)"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=OVER_BUDGET[name])) if name in OVER_BUDGET
    else name for name in family_names()])
def test_scaling_to_1024_finishes_within_budget(name, capsys):
    assert main(["scaling", name, "--max-length", "1024", "--quiet", "--max-seconds", "120"]) == 0
    out = capsys.readouterr().out
    assert "fit over L >= 16" in out
