"""Input checks, atomic writers and the family registry's argument parsing."""

import json
import os

import numpy as np
import pytest

from infoscale._checks import as_rng, check_block, check_finite_array, check_float, check_int
from infoscale.generators.registry import boolean, float_list, parse_family_args
from infoscale.io import atomic_path, write_json, write_npz


def _umask() -> int:
    """The process's umask (read in the test only; the library never touches it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_check_int_and_float_name_the_parameter():
    assert check_int("k", 3, 0, 4) == 3
    with pytest.raises(ValueError, match=r"k must be between 0 and 4, got 5"):
        check_int("k", 5, 0, 4)
    with pytest.raises(TypeError, match="k must be an integer"):
        check_int("k", 2.5)
    with pytest.raises(TypeError):
        check_int("k", True)
    assert check_float("hurst", 0.7, 0, 1, low_open=True, high_open=True) == 0.7
    with pytest.raises(ValueError, match=r"hurst must be a finite number in \(0, 1\)"):
        check_float("hurst", 1.0, 0, 1, low_open=True, high_open=True)
    with pytest.raises(ValueError, match="snr"):
        check_float("snr", float("nan"), 0)


def test_blocks_arrays_and_rngs():
    assert check_block(2, 5, 8) == (2, 5)
    with pytest.raises(ValueError, match="stop"):
        check_block(3, 3, 8)
    with pytest.raises(ValueError, match="NaN"):
        check_finite_array("x", [1.0, np.inf])
    with pytest.raises(ValueError, match="axes"):
        check_finite_array("x", np.zeros((2, 2)), ndim=1)
    a, b = as_rng(5).standard_normal(3), as_rng(np.random.default_rng(5)).standard_normal(3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="rng"):
        as_rng("seed")


def test_atomic_writers_leave_no_partial_file(tmp_path):
    target = tmp_path / "out" / "result.json"
    write_json(target, {"a": np.float64(1.5), "b": np.arange(3)})
    assert json.loads(target.read_text()) == {"a": 1.5, "b": [0, 1, 2]}
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()  # not mkstemp's private 0600
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "broken.json") as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")
    assert not (tmp_path / "broken.json").exists()
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == []  # temp file removed
    npz = write_npz(tmp_path / "x.npz", x=np.ones((2, 3)))
    np.testing.assert_array_equal(np.load(npz)["x"], np.ones((2, 3)))


def test_parsers():
    assert boolean("False") is False and boolean("on") is True
    with pytest.raises(ValueError):
        boolean("maybe")
    assert float_list("0.5,-0.25") == (0.5, -0.25)


def test_parse_family_args_types_and_errors():
    params = parse_family_args("hierarchical", ["--k", "2", "--boundary=false"])
    assert params == {"k": 2, "boundary": False}
    with pytest.raises(ValueError, match="no parameter --q"):
        parse_family_args("hierarchical", ["--q", "1"])
    with pytest.raises(ValueError, match="needs a value"):
        parse_family_args("hierarchical", ["--k"])
    with pytest.raises(ValueError, match="bad value for --k"):
        parse_family_args("hierarchical", ["--k", "three"])
    with pytest.raises(ValueError, match="unknown family"):
        parse_family_args("nope", [])
