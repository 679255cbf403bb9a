"""The command line: outputs agree with the library, bad input exits 2 with one line on stderr."""

import json
import subprocess
import sys

import numpy as np
import pytest

from infoscale import make_family
from infoscale.cli import main


def test_families_lists_every_registered_family(cli):
    from infoscale import family_names

    code, out, _ = cli("families", "--json")
    assert code == 0
    listed = json.loads(out)
    assert sorted(listed) == family_names()
    assert listed["hierarchical"]["params"]["k"]["default"] == 3


def test_scaling_json_matches_library_and_writes_plot(cli, tmp_path):
    png = tmp_path / "fig" / "scaling.png"
    code, out, _ = cli("scaling", "hierarchical", "--k", "3", "--boundary", "false",
                       "--max-length", "1024", "--json", "--plot", str(png))
    assert code == 0
    result = json.loads(out)
    assert result["lengths"] == [4, 16, 64, 256, 1024]
    family = make_family("hierarchical", k=3, boundary=False)
    np.testing.assert_allclose(result["mi"], [family.bipartite_mi(L // 2, L) for L in result["lengths"]], rtol=1e-12)
    assert result["fit"]["law"] == "power"
    assert abs(result["fit"]["exponent"] - np.log(3) / np.log(4)) < 1e-6
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_spectrum_counts_canonical_correlations(cli):
    code, out, _ = cli("spectrum", "hierarchical", "--k", "2", "--boundary", "false",
                       "--length", "64", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["rank"] == 2 ** 2  # k^(l-1) without the boundary step
    assert result["mi"] == pytest.approx(make_family("hierarchical", k=2, boundary=False).bipartite_mi(32, 64), rel=1e-10)


def test_sample_writes_npz_reproducibly(cli, tmp_path):
    path = tmp_path / "s.npz"
    code, _, _ = cli("sample", "ar", "--coefficients", "0.5", "--length", "32", "-n", "7",
                     "--seed", "3", "-o", str(path))
    assert code == 0
    x = np.load(path)["x"]
    np.testing.assert_array_equal(x, make_family("ar", coefficients=(0.5,)).sample(7, 32, 3))


@pytest.mark.parametrize("argv, needle", [
    (["scaling", "nope", "--max-length", "64"], "unknown family"),
    (["scaling", "hierarchical", "--k", "7", "--max-length", "64"], "k must be"),
    (["scaling", "hierarchical", "--bogus", "1", "--max-length", "64"], "no parameter --bogus"),
    (["spectrum", "hierarchical", "--length", "100"], "power of 4"),
    (["scaling", "ar", "--coefficients", "1.2", "--max-length", "64"], "coefficients"),
    (["scaling", "fgn", "--hurst", "1.5", "--max-length", "64"], "hurst"),
    (["scaling", "noisy-copy", "--snr", "-1", "--max-length", "64"], "snr"),
    (["families", "--extra"], "unrecognized"),
    (["scaling", "hierarchical"], "required"),
])
def test_bad_input_exits_2_with_one_line(cli, argv, needle):
    code, out, err = cli(*argv)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_console_script_entry_point():
    proc = subprocess.run([sys.executable, "-m", "infoscale.cli", "scaling", "hierarchical", "--k", "0",
                           "--max-length", "7"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_a_library_bug_is_not_reported_as_a_user_error(monkeypatch):
    """A plain ValueError from inside the library is a bug: it propagates (traceback, exit 1), not exit 2."""
    import infoscale.generators as generators  # what `families` reads when it runs

    def broken():
        raise ValueError("an internal inconsistency")

    monkeypatch.setattr(generators, "family_names", broken)
    with pytest.raises(ValueError, match="internal inconsistency"):
        main(["families"])


def test_user_errors_are_the_dedicated_types():
    from infoscale.errors import InvalidInput, InvalidType, Unavailable
    from infoscale.generators import make_family

    with pytest.raises(InvalidInput, match="k must be between 0 and 4"):
        make_family("hierarchical", k=7)
    with pytest.raises(InvalidType, match="boundary must be True or False"):
        make_family("hierarchical", boundary="yes")
    with pytest.raises(Unavailable, match="sums over all V"):
        make_family("hmm").bipartite_mi(20, 40)
