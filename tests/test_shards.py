"""Shards (``infoscale.shards``): ``--shard I/N`` and SLURM arrays parsed or refused, the greedy
longest-processing-time split checked against hand-worked and brute-force optima."""

import itertools

import numpy as np
import pytest

from infoscale.errors import InvalidInput
from infoscale.shards import Shard, Unit, parse_shard, plan_lines, split


@pytest.mark.parametrize("text, expected", [("0/1", Shard(0, 1)), ("2/3", Shard(2, 3)), (" 1 / 2 ", Shard(1, 2))])
def test_shard_text_is_parsed(text, expected):
    assert parse_shard(text, environ={}) == expected


@pytest.mark.parametrize("text", ["0/0", "3/2", "2/2", "-1/2", "a/b", "1/", "1", "", "1/2/3", "1.5/2"])
def test_bad_shards_are_refused_with_one_line_naming_the_flag(text):
    with pytest.raises(InvalidInput, match=r"^--shard must be I/N with integers 0 <= I < N") as err:
        parse_shard(text, environ={})
    assert "\n" not in str(err.value)


def test_slurm_array_selects_the_shard_and_the_flag_wins():
    env = {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"}
    assert parse_shard(None, environ=env) == Shard(2, 4)
    assert parse_shard(None, environ={**env, "SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1"}) == Shard(3, 4)
    assert parse_shard("0/2", environ=env) == Shard(0, 2)
    assert parse_shard(None, environ={}) == Shard(0, 1)
    with pytest.raises(InvalidInput, match="SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT must be set together"):
        parse_shard(None, environ={"SLURM_ARRAY_TASK_ID": "1"})
    with pytest.raises(InvalidInput, match="--shard must be"):  # an array 1-4 without MIN: task 4 of 4
        parse_shard(None, environ={"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"})


def test_split_is_the_hand_worked_greedy_longest_first():
    # 7→0, 5→1, 4→1 (5 < 7), 3→0 (7 < 9), 2→1 (9 < 10), 1→0 (10 < 11): loads 11 and 11
    assert split([7, 5, 4, 3, 2, 1], 2) == [[0, 3, 5], [1, 2, 4]]
    assert split([1, 1, 1], 2) == [[0, 2], [1]]  # ties: lower index first, to the lower shard
    assert split([3.0], 3) == [[0], [], []]
    assert split([], 2) == [[], []]


def test_split_partitions_the_units_within_grahams_bound_of_the_optimum():
    """Every unit in exactly one shard; the largest load within (4/3 − 1/(3N)) of the brute-force optimum."""
    rng = np.random.default_rng(27)
    for _ in range(30):
        costs = rng.exponential(size=int(rng.integers(1, 9))).tolist()
        count = int(rng.integers(1, 4))
        parts = split(costs, count)
        assert sorted(i for part in parts for i in part) == list(range(len(costs)))
        greedy = max(sum(costs[i] for i in part) for part in parts)
        best = min(max(sum(c for c, s in zip(costs, owner) if s == shard) for shard in range(count))
                   for owner in itertools.product(range(count), repeat=len(costs)))
        assert greedy <= (4 / 3 - 1 / (3 * count)) * best + 1e-12
        assert split(costs, count) == parts  # deterministic
        assert all(Shard(i, count).select(costs) == parts[i] for i in range(count))


def test_plan_lines_total_the_units_per_shard():
    units = [Unit("a", 7, 10), Unit("b", 5, 2048), Unit("c", 4, 3 * 2**30)]
    lines = plan_lines(units, 2)
    assert lines[1].split()[:2] == ["a", "7"] and "3 GiB" in lines[3]
    assert lines[-2:] == ["shard 0/2: 1 units, 7 s, peak 10 B", "shard 1/2: 2 units, 9 s, peak 3 GiB"]


@pytest.mark.parametrize("command", [["l2m", "--out", "o"], ["validate", "--out", "o"], ["lm-mi", "text.txt", "--model", "m"]])
@pytest.mark.parametrize("shard", ["0/0", "3/2", "-1/2", "a/b"])
def test_every_sharded_command_refuses_bad_shards_with_one_line(command, shard, monkeypatch, tmp_path, cli):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*command, f"--shard={shard}", "--quiet")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "--shard must be I/N" in err, err


@pytest.mark.parametrize("argv, units, count", [(["l2m", "--preset", "collapse"], 299, 3),  # the preset's runs, none chained
                                                (["validate", "--preset", "full"], 55, 4)])
def test_plan_prints_every_unit_and_the_split(argv, units, count, cli):
    code, out, _ = cli(*argv, "--plan", str(count))
    lines = out.splitlines()
    assert code == 0 and lines[-count - 1].startswith(f"{units} units")
    assert [line.split()[1] for line in lines[-count:]] == [f"{i}/{count}:" for i in range(count)]
    assert sum(int(line.split()[2]) for line in lines[-count:]) == units == len(lines) - count - 2
