"""`infoscale scaling <family> --max-length 1024` finishes for every registered family (slow: a budget,
not a timed assertion)."""

import pytest

from infoscale import family_names
from infoscale.cli import main


@pytest.mark.slow
@pytest.mark.parametrize("name", family_names())
def test_scaling_to_1024_finishes(name, capsys):
    assert main(["scaling", name, "--max-length", "1024", "--quiet", "--max-seconds", "120"]) == 0
    out = capsys.readouterr().out
    assert "fit over L >= 16" in out
