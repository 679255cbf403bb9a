"""Ray as the cluster engine (``infoscale.cluster``, the ``[cluster]`` extra): a local Ray of 2 CPUs runs
each chain of an L²M sweep, and each validation case, as a task and gives the local table; resources
are checked."""

import pytest

from infoscale.errors import InvalidInput

ray = pytest.importorskip("ray")

from infoscale.cluster import RayExecutor  # noqa: E402
from infoscale.studies.l2m import run_sweep, validate  # noqa: E402
from test_l2m_shards import CONFIG, _results  # noqa: E402 - the tiny warm-started sweep


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
