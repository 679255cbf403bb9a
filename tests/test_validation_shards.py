"""The validation table in shards: per-case files; N = 1, 2, 3 shards merged give the one-process table
(timing aside); a shard cut short and rerun computes only its unfinished cases; SLURM's array variables
choose the shard; NaN and ±inf survive a case file."""

import json
import math

import pytest

from infoscale.shards import Shard
from infoscale.studies.validation import Case, run_validation
from infoscale.studies.validation.report import strict_json
from infoscale.studies.validation.runner import plan_cases
from infoscale.studies.validation.units import case_cost, read_case, write_case

CASES = [Case("markov", {"vocab_size": 2}, (4, 8)), Case("copy", {"vocab_size": 2}, (4, 8)),
         Case("ar", {}, (4,))]
SETTINGS = dict(estimators=["plugin", "grassberger", "gaussian"], samples=200, seeds=2, seed=5,
                two_point_lengths=(4, 16), progress=False)


def _table(result) -> dict:
    """The result as validation.json holds it, without the timing column."""
    table = strict_json(result.to_dict())
    table["rows"] = [{k: v for k, v in row.items() if k != "seconds"} for row in table["rows"]]
    return table


@pytest.fixture(scope="module")
def whole():
    return _table(run_validation(CASES, **SETTINGS))


def _mine(shard: Shard) -> list[int]:
    jobs, names, _, _ = plan_cases(CASES, SETTINGS["estimators"], SETTINGS["samples"], SETTINGS["seeds"], 0)
    return shard.select([case_cost(c.label, length, 200, 2, len(names)).seconds for c, _, length in jobs])


def test_shards_merged_equal_the_whole_table(tmp_path, whole):
    assert len(whole["rows"]) == 2 * 2 * 2 + 1  # (markov, copy) × 2 L × 2 discrete; ar: 1 L × 1 continuous
    for count in (1, 2, 3):
        folders = [tmp_path / f"n{count}-{i}" for i in range(count)]
        for index, folder in enumerate(folders):
            part = run_validation(CASES, **SETTINGS, out_dir=folder, shard=Shard(index, count))
            assert sorted(int(p.stem[-3:]) for p in (folder / "cases").glob("case-*.json")) == _mine(Shard(index, count))
            assert count == 1 or len(part.rows) < len(whole["rows"])
        assert _table(run_validation(CASES, **SETTINGS, merge=folders)) == whole


def test_a_merged_folder_holds_every_case_so_resume_there_computes_nothing(tmp_path, monkeypatch, whole):
    import infoscale.studies.validation.runner as runner

    folders = [tmp_path / f"s{i}" for i in range(2)]
    for index, folder in enumerate(folders):
        run_validation(CASES, **SETTINGS, out_dir=folder, shard=Shard(index, 2))
    run_validation(CASES, **SETTINGS, merge=folders, out_dir=tmp_path / "merged")
    assert len(list((tmp_path / "merged" / "cases").glob("case-*.json"))) == 5  # (markov, copy) × 2 L + ar × 1 L
    monkeypatch.setattr(runner, "_run_case", lambda *a: pytest.fail("a merged case was computed again"))
    assert _table(run_validation(CASES, **SETTINGS, out_dir=tmp_path / "merged", resume=True)) == whole


def test_a_shard_cut_short_and_rerun_computes_only_its_unfinished_cases(tmp_path, monkeypatch, whole):
    import infoscale.studies.validation.runner as runner

    real, computed = runner._run_case, []

    def killed_after_one(case, family, length, *args):
        if computed:
            raise KeyboardInterrupt
        computed.append((case.label, length))
        return real(case, family, length, *args)

    monkeypatch.setattr(runner, "_run_case", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_validation(CASES, **SETTINGS, out_dir=tmp_path, shard=Shard(0, 2))
    monkeypatch.setattr(runner, "_run_case", lambda case, family, length, *a:
                        computed.append((case.label, length)) or real(case, family, length, *a))
    run_validation(CASES, **SETTINGS, out_dir=tmp_path, shard=Shard(0, 2), resume=True)
    assert len(computed) == len(_mine(Shard(0, 2))) and len(set(computed)) == len(computed)  # none twice
    run_validation(CASES, **SETTINGS, out_dir=tmp_path, shard=Shard(1, 2))
    assert _table(run_validation(CASES, **SETTINGS, merge=[tmp_path])) == whole


def test_merge_refuses_missing_cases_and_other_settings(tmp_path):
    run_validation(CASES, **SETTINGS, out_dir=tmp_path, shard=Shard(0, 2))
    missing = ", ".join(map(str, _mine(Shard(1, 2))))
    with pytest.raises(ValueError, match=f"cases {missing} of 5 are in none of the --merge folders"):
        run_validation(CASES, **SETTINGS, merge=[tmp_path])
    run_validation(CASES, **SETTINGS, out_dir=tmp_path, shard=Shard(1, 2))
    with pytest.raises(ValueError, match="cases 0, 1, 2, 3, 4 of 5"):  # files of another seed are not used
        run_validation(CASES, **{**SETTINGS, "seed": 6}, merge=[tmp_path])


def test_case_files_keep_nan_and_infinities(tmp_path):
    row = {"true_mi": 1.0, "mean_estimate": math.inf, "stderr": -math.inf, "mean_log_ratio": math.nan, "note": "x"}
    write_case(tmp_path, 7, {"case": "k"}, {"rows": [row], "skipped": ["s"]})
    back = read_case(tmp_path, 7, {"case": "k"})
    assert back["skipped"] == ["s"] and math.isnan(back["rows"][0].pop("mean_log_ratio"))
    assert back["rows"][0] == {k: v for k, v in row.items() if k != "mean_log_ratio"}
    assert read_case(tmp_path, 7, {"case": "other"}) is None and read_case(tmp_path, 8, {"case": "k"}) is None


def test_cli_slurm_shards_then_merge_write_the_whole_table(tmp_path, monkeypatch, cli, whole):
    flags = ["--families", "markov", "--lengths", "4,8", "--estimators", "plugin,grassberger", "--samples", "200",
             "--seeds", "2", "--quiet"]
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "2")
    for task in ("0", "1"):
        monkeypatch.setenv("SLURM_ARRAY_TASK_ID", task)
        code, out, err = cli("validate", *flags, "--out", str(tmp_path / "shared"))
        assert code == 0 and out.startswith(f"shard {task}/2:"), err
    assert len(list((tmp_path / "shared" / "cases").glob("case-*.json"))) == 2
    code, _, err = cli("validate", *flags, "--merge", str(tmp_path / "shared"), "--out", str(tmp_path / "merged"))
    assert code == 0, err
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID")
    monkeypatch.delenv("SLURM_ARRAY_TASK_COUNT")
    assert cli("validate", *flags, "--out", str(tmp_path / "one"))[0] == 0
    merged, one = (json.loads((tmp_path / d / "validation.json").read_text()) for d in ("merged", "one"))
    for table in (merged, one):
        for row in table["rows"]:
            row.pop("seconds")
    assert merged == one
