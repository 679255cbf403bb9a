"""Ray as the cluster engine (``infoscale.cluster``, the ``[cluster]`` extra): a local Ray of 2 CPUs runs
each chain of an L²M sweep, and each validation case, as a task and gives the local table; LM-MI's
documents in K tasks give the records and summary of one process (an exact oracle; a tiny Llama
through ``infoscale lm-mi --executor ray``); resources and the slots they leave are checked."""

import functools
import importlib.util

import numpy as np
import pytest

from infoscale.errors import InvalidInput

ray = pytest.importorskip("ray")

from infoscale.cluster import RayExecutor  # noqa: E402
from infoscale.studies.l2m import run_sweep, validate  # noqa: E402
from test_l2m_shards import CONFIG, _results  # noqa: E402 - the tiny warm-started sweep

if importlib.util.find_spec("transformers"):  # the [lm] extra: the CLI test's tiny Llama, else that test skips
    from test_pretrained import tiny_llama, tiny_llama_with_tokenizer  # noqa: E402,F401 - the fixtures


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_tasks_give_the_local_pools_table(tmp_path, local_ray, monkeypatch):
    import infoscale.studies.l2m.sweep as sweep

    monkeypatch.setattr(sweep, "plot_l2m", lambda *args: None)  # figures: test_nets_l2m.py
    config = validate(CONFIG)
    local = run_sweep(config, tmp_path / "local", progress=False)
    remote = run_sweep(config, tmp_path / "ray", progress=False, executor=RayExecutor(cpus=1))
    assert _results(remote) == _results(local)
    assert len(list((tmp_path / "ray" / "runs").glob("run-*.json"))) == 4  # the same unit files: resume, merge


def test_ray_tasks_give_the_validation_table_of_one_process(tmp_path, local_ray):
    from test_validation_shards import CASES, SETTINGS, _table

    from infoscale.studies.validation import run_validation

    remote = run_validation(CASES, **SETTINGS, out_dir=tmp_path, executor=RayExecutor(cpus=1))
    assert _table(remote) == _table(run_validation(CASES, **SETTINGS))
    assert len(list((tmp_path / "cases").glob("case-*.json"))) == 5


@pytest.mark.parametrize("cpus, gpus, flag", [(0, 0, "--cpus-per-run"), (1, -0.5, "--gpus-per-run"),
                                              (float("nan"), 0, "--cpus-per-run")])
def test_bad_resources_are_refused_naming_the_flag(cpus, gpus, flag):
    with pytest.raises(InvalidInput, match=flag):
        RayExecutor(cpus, gpus)


def test_fractional_gpus_and_whole_threads():
    assert RayExecutor(2.5, 0.25).threads == 2 and RayExecutor(0.5).threads == 1


def test_slots_are_the_tasks_the_cluster_runs_at_once(local_ray):
    assert [RayExecutor(1).slots(), RayExecutor(0.5).slots(), RayExecutor(1.5).slots(), RayExecutor(4).slots()] == [2, 4, 1, 1]


def test_lm_mi_ray_tasks_give_the_records_of_one_process(tmp_path, local_ray):
    from test_lm_records import FAMILY, _docs, _curves, assert_same_records

    from infoscale.estimators.model_based import OracleModel
    from infoscale.studies.lm_mi.curve import curve_result
    from infoscale.studies.lm_mi.parallel import score_on_ray, score_shared
    from infoscale.studies.lm_mi.records import read_records

    docs, setup, seen = _docs(13, seed=4), {"n_boot": 50, "seed": 2, "chunk": 3}, []
    settings, local = score_shared(OracleModel(FAMILY), docs, [8, 16], (2, 4), **setup)
    path = tmp_path / "r.jsonl"
    joined, remote = score_on_ray(RayExecutor(cpus=1), functools.partial(OracleModel, FAMILY), docs, [8, 16], (2, 4),
                                  tasks=3, threads=1, records=path, progress=lambda *done: seen.append(done), **setup)
    assert_same_records(remote, local)  # to 1e-12: the tasks' batches differ in shape
    assert_same_records(read_records(path)[1], local)
    for part in range(3):  # rank I of K's documents, in its own part file
        assert [r["index"] for r in read_records(f"{path}.part-{part}-of-3")[1]] == list(range(part, 13, 3))
    steps = np.diff([0] + [done for done, _ in seen])  # documents counted as the tasks (5, 4, 4 documents) finish
    assert sorted(steps) == [4, 4, 5] and {total for _, total in seen} == {13}
    np.testing.assert_allclose(_curves(curve_result(joined, remote, docs, two_point=False)),
                               _curves(curve_result(settings, local, docs, two_point=False)), rtol=1e-10, atol=1e-12)


def test_lm_mi_executor_ray_equals_the_local_run(tmp_path, local_ray, cli, request):
    pytest.importorskip("transformers")
    import json

    from test_lm_shards import _flags, _points, _values

    from infoscale.studies.lm_mi.records import read_records

    flags = _flags(request.getfixturevalue("tiny_llama_with_tokenizer"), tmp_path)
    code, _, err = cli("lm-mi", *flags, "--json", str(tmp_path / "one.json"), "--records", str(tmp_path / "one.jsonl"))
    assert code == 0, err
    code, out, err = cli("lm-mi", *flags, "--executor", "ray", "--json", str(tmp_path / "ray.json"),
                         "--records", str(tmp_path / "ray.jsonl"))
    assert code == 0 and "in 2 Ray task(s)" in out, err  # the default: the 2 tasks 2 CPUs run at once
    one, ray_run = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("one", "ray"))
    np.testing.assert_allclose(_points(ray_run), _points(one), rtol=1e-6, atol=1e-6)  # float32, batches of other shapes
    assert ray_run["two_point"]["mi"] == one["two_point"]["mi"] and ray_run["cut"] == one["cut"]
    records = [read_records(tmp_path / f"{n}.jsonl")[1] for n in ("one", "ray")]
    assert [r["index"] for r in records[1]] == list(range(12))
    np.testing.assert_allclose(_values(records[1]), _values(records[0]), rtol=1e-6, atol=1e-6)
    assert [r["index"] for r in read_records(tmp_path / "ray.jsonl.part-1-of-2")[1]] == list(range(1, 12, 2))
