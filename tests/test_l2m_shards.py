"""The L²M sweep in shards: N = 1, 2, 3 shards merged give the one-process table (timing fields aside),
a shard cut short and rerun trains only what it had not finished, SLURM's array variables choose the
shard, merges refuse missing runs and other sweeps (bad --shard and --plan: test_shards.py)."""

import json

import pytest

from infoscale.shards import Shard
from infoscale.studies.l2m import plan, run_sweep, validate
from infoscale.studies.l2m.merge import TIMING_FIELDS, merge_sweeps
from infoscale.studies.l2m.sweep import shard_chains


#: Four runs in two warm-started chains (L = 4, then 16), so three shards leave one empty.
CONFIG = {
    "families": [{"name": "hierarchical", "params": {"k": 3, "token_dim": 1}}],
    "lengths": [4, 16],
    "models": [{"label": "tf", "arch": "transformer", "config": {"d_model": 8, "n_layers": 1, "n_heads": 2}},
               {"label": "gru-4", "arch": "gru", "config": {"d_model": 4, "n_layers": 1}}],
    "train": {"steps": 2, "tokens_per_step": 64, "warmup": 1, "log_every": 1},
    "eval": {"n_samples": 4, "batch_size": 4},
    "threads": 1, "warm_start": True,
}


@pytest.fixture(autouse=True)
def no_figures(monkeypatch):
    """The figures are another test's subject (test_nets_l2m.py); here they only cost time."""
    import infoscale.studies.l2m.sweep as sweep

    monkeypatch.setattr(sweep, "plot_l2m", lambda *args: None)


def _results(table: dict) -> list[dict]:
    """The rows of a table (as l2m.json holds them), timing fields removed."""
    rows = json.loads(json.dumps(table["rows"]))
    return [{k: v for k, v in row.items() if k not in TIMING_FIELDS} for row in rows]


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The sweep in one process (figures off, as in every test here)."""
    import infoscale.studies.l2m.sweep as sweep

    config = validate(CONFIG)
    out = tmp_path_factory.mktemp("whole")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sweep, "plot_l2m", lambda *args: None)
        return config, run_sweep(config, out, progress=False), out


def test_shards_merged_equal_the_whole_sweep(tmp_path, whole):
    config, table, _ = whole
    for count in (1, 2, 3):
        folders = [tmp_path / f"n{count}-{i}" for i in range(count)]
        for index, folder in enumerate(folders):
            part = run_sweep(config, folder, progress=False, shard=Shard(index, count))
            assert not (folder / "l2m.json").exists() or count == 1
            assert {r["run"] for r in part["rows"]} == {i for c in shard_chains(plan(config), Shard(index, count), config) for i in c}
        merged = merge_sweeps(folders, tmp_path / f"merged-{count}")
        assert _results(merged) == _results(table)
        assert merged["summary"] == json.loads(json.dumps(table["summary"]))
        saved = json.loads((tmp_path / f"merged-{count}" / "l2m.json").read_text())
        assert _results(saved) == _results(table)


def test_shards_share_one_folder_and_merge_into_it(tmp_path, whole):
    config, table, _ = whole
    for index in range(3):
        run_sweep(config, tmp_path, progress=False, shard=Shard(index, 3))
    assert len(list((tmp_path / "runs").glob("run-*.json"))) == 4  # no shard removed another's runs
    assert _results(merge_sweeps([tmp_path], tmp_path)) == _results(table)


def test_merge_refuses_missing_runs_and_other_sweeps(tmp_path, whole):
    config, _, whole_dir = whole
    run_sweep(config, tmp_path / "a", progress=False, shard=Shard(0, 2))
    missing = sorted({0, 1, 2, 3} - {i for c in shard_chains(plan(config), Shard(0, 2), config) for i in c})
    with pytest.raises(ValueError, match=f"runs {', '.join(map(str, missing))} of 4 are in none"):
        merge_sweeps([tmp_path / "a"], tmp_path / "m")
    other = validate({**CONFIG, "lengths": [4]})
    run_sweep(other, tmp_path / "b", progress=False)
    with pytest.raises(ValueError, match="hold different sweeps"):
        merge_sweeps([whole_dir, tmp_path / "b"], tmp_path / "m")


def test_a_shard_cut_short_and_rerun_trains_only_its_unfinished_runs(tmp_path, monkeypatch, whole):
    import infoscale.studies.l2m.sweep as sweep

    config, table, whole_dir = whole
    shard = Shard(0, 2)
    mine = [i for c in shard_chains(plan(config), shard, config) for i in c]
    assert len(mine) >= 2
    real, trained = sweep._run_one, []

    def killed_after_one(run, model, cfg, progress):
        if trained:
            raise KeyboardInterrupt  # the job's time limit: the process ends mid-shard
        trained.append(run.index)
        return real(run, model, cfg, progress)

    monkeypatch.setattr(sweep, "_run_one", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, tmp_path, progress=False, shard=shard)
    first = trained[0]
    monkeypatch.setattr(sweep, "_run_one", lambda run, *a: trained.append(run.index) or real(run, *a))
    run_sweep(config, tmp_path, progress=False, shard=shard, resume=True)
    assert sorted(trained[1:]) == sorted(set(mine) - {first})  # the finished run was not trained again
    run_sweep(config, tmp_path, progress=False, shard=Shard(1, 2))
    assert _results(merge_sweeps([tmp_path], tmp_path / "m")) == _results(table)


def test_slurm_array_variables_choose_the_shard(tmp_path, monkeypatch, cli, whole):
    config, _, _ = whole
    (tmp_path / "c.json").write_text(json.dumps(config.to_dict()))
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "1")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "2")
    code, out, err = cli("l2m", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "o"), "--quiet")
    assert code == 0, err
    assert out.startswith("shard 1/2:")
    written = sorted(int(p.stem.split("-")[1]) for p in (tmp_path / "o" / "runs").glob("run-*.json"))
    assert written == sorted(i for c in shard_chains(plan(config), Shard(1, 2), config) for i in c)
