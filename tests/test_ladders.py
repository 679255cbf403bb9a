"""Default length ladders: geometric, admissible, bounded in size, whatever the family."""

import numpy as np
import pytest

from infoscale import family_names, make_family
from infoscale.errors import InvalidInput
from infoscale.generators.base import MAX_LADDER_POINTS, geometric_lengths


def test_default_ladder_is_the_powers_of_two():
    assert geometric_lengths(1024) == [2**p for p in range(2, 11)]
    assert geometric_lengths(1000) == [2**p for p in range(2, 10)]
    assert geometric_lengths(4) == [4]


def test_ladder_respects_multiples_density_and_the_point_cap():
    even = geometric_lengths(1024, 4, 3, multiple=2)
    assert all(n % 2 == 0 for n in even) and even[0] == 4 and even[-1] == 1024
    ratios = np.diff(np.log(even)) / np.log(4)
    assert np.all(ratios > 0) and len(even) == 13  # 3 per factor of 4 over 4^4
    wide = geometric_lengths(10**9, 4, 4)
    assert len(wide) == MAX_LADDER_POINTS and wide[-1] <= 10**9 and wide[-1] > 10**8
    blocks = geometric_lengths(10**5, 16, 3, multiple=16)
    assert all(n % 16 == 0 for n in blocks)


@pytest.mark.parametrize("name", family_names())
def test_every_family_ladder_is_geometric_and_short(name):
    family = make_family(name)
    lengths = family.lengths_up_to(1024)
    assert 1 <= len(lengths) <= MAX_LADDER_POINTS and lengths == sorted(set(lengths))
    for length in lengths:
        assert family.check_length(length) == length
    if len(lengths) > 2:  # at most ~4 points per factor of 4 in L
        assert len(lengths) - 1 <= 4 * np.log(lengths[-1] / lengths[0]) / np.log(4) + 1


def test_bad_ladder_arguments_name_the_parameter():
    with pytest.raises(InvalidInput, match="max_length"):
        geometric_lengths(3)
    with pytest.raises(InvalidInput, match="start"):
        geometric_lengths(100, start=3, multiple=4)
