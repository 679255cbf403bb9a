"""LM-MI in shards and data-parallel ranks: on an exact oracle, N = 1, 2, 3 shards merged give the
records and summary of one process; a shard cut short and rerun scores only its missing documents;
on a tiny Llama through the CLI, SLURM's array variables choose the shard, shards merge with --merge,
and ``torchrun`` with 2 gloo processes equals one process."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from infoscale.estimators.model_based import OracleModel
from infoscale.generators import make_family
from infoscale.shards import Shard
from infoscale.studies.lm_mi.curve import curve_result
from infoscale.studies.lm_mi.parallel import score_shared
from infoscale.studies.lm_mi.records import merge_records, read_records

pytest.importorskip("transformers")
from test_pretrained import tiny_llama, tiny_llama_with_tokenizer  # noqa: E402,F401 - the fixtures

FAMILY = make_family("markov", vocab_size=3, concentration=0.3, chain_seed=1)
DOCS = FAMILY.sample(13, 16, np.random.default_rng(4))
SETUP = {"n_boot": 50, "seed": 2, "chunk": 3}


def _values(records) -> np.ndarray:
    return np.array([[*r["values"]["direct"], *r["values"]["vclub"]] for r in records])


def _points(result) -> np.ndarray:
    return np.array([[p["mean"], *p["ci"]] for c in result["curves"] for p in c["points"]])


@pytest.fixture(scope="module")
def whole():
    settings, records = score_shared(OracleModel(FAMILY), DOCS, [8, 16], (2, 4), **SETUP)
    return records, curve_result(settings, records, DOCS, two_point=False)


def test_shards_merged_equal_one_process(tmp_path, whole):
    records, result = whole
    assert [r["index"] for r in records] == list(range(13))
    for count in (1, 2, 3):
        paths = [tmp_path / f"n{count}-{i}.jsonl" for i in range(count)]
        for index, path in enumerate(paths):
            _, part = score_shared(OracleModel(FAMILY), DOCS, [8, 16], (2, 4), shard=Shard(index, count),
                                   records=path, **SETUP)
            assert [r["index"] for r in part] == list(range(index, 13, count))  # equal costs: dealt in turn
        settings, merged = merge_records(paths) if count > 1 else read_records(paths[0])
        assert [r["index"] for r in merged] == list(range(13))
        np.testing.assert_allclose(_values(merged), _values(records), rtol=1e-12, atol=1e-12)  # batches differ in shape
        np.testing.assert_allclose(_points(curve_result(settings, merged, DOCS, two_point=False)), _points(result),
                                   rtol=1e-10, atol=1e-12)


def test_a_shard_cut_short_and_rerun_scores_only_its_missing_documents(tmp_path, monkeypatch, whole):
    import infoscale.studies.lm_mi.records as records_module

    real, scored = records_module.score_documents, []

    def killed_after_one_chunk(model, docs, splits, estimators, correction, indices, progress):
        if scored:
            raise KeyboardInterrupt
        scored.append(list(indices))
        return real(model, docs, splits, estimators, correction, indices=indices, progress=progress)

    monkeypatch.setattr(records_module, "score_documents", killed_after_one_chunk)
    path = tmp_path / "shard1.jsonl"
    with pytest.raises(KeyboardInterrupt):
        score_shared(OracleModel(FAMILY), DOCS, [8, 16], (2, 4), shard=Shard(1, 2), records=path, **SETUP)
    assert [r["index"] for r in read_records(path)[1]] == [1, 3, 5]  # one chunk of 3 kept
    monkeypatch.setattr(records_module, "score_documents", lambda *a, indices, progress: scored.append(list(indices))
                        or real(*a, indices=indices, progress=progress))
    _, part = score_shared(OracleModel(FAMILY), DOCS, [8, 16], (2, 4), shard=Shard(1, 2), records=path, **SETUP)
    assert scored == [[1, 3, 5], [7, 9, 11]]  # the rerun scored only the missing documents
    np.testing.assert_allclose(_values(part), _values(whole[0])[1::2], rtol=1e-12, atol=1e-12)


def _text(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text(" ".join(f"w{i}" for i in np.random.default_rng(3).integers(0, 40, size=900)))
    return text


def _flags(model, tmp_path):
    return [str(_text(tmp_path)), "--model", str(model), "--lengths", "8,16", "--ratios", "2", "--docs", "12",
            "--bootstrap", "40", "--threads", "1", "--device", "cpu", "--quiet"]


def test_cli_slurm_shards_merge_into_the_whole_run(tmp_path, monkeypatch, cli, tiny_llama_with_tokenizer):
    flags = _flags(tiny_llama_with_tokenizer, tmp_path)
    assert cli("lm-mi", *flags, "--json", str(tmp_path / "whole.json"))[0] == 0
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "2")
    for task in ("0", "1"):
        monkeypatch.setenv("SLURM_ARRAY_TASK_ID", task)
        code, out, err = cli("lm-mi", *flags, "--records", str(tmp_path / f"r{task}.jsonl"))
        assert code == 0 and f"shard {task}/2: 6 documents" in out, err
        assert [r["index"] for r in read_records(tmp_path / f"r{task}.jsonl")[1]] == list(range(int(task), 12, 2))
    code, _, err = cli("lm-mi", "--merge", str(tmp_path / "r0.jsonl"), str(tmp_path / "r1.jsonl"),
                       "--json", str(tmp_path / "merged.json"), "--quiet")
    assert code == 0, err
    whole, merged = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("whole", "merged"))
    np.testing.assert_allclose(_points(merged), _points(whole), rtol=1e-6, atol=1e-6)
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "0")
    code, out, err = cli("lm-mi", *flags)
    assert (code, out) == (2, "") and "give --records FILE" in err


@pytest.mark.slow
def test_torchrun_with_two_gloo_processes_equals_one_process(tmp_path, tiny_llama_with_tokenizer, cli):
    flags = _flags(tiny_llama_with_tokenizer, tmp_path)
    assert cli("lm-mi", *flags, "--json", str(tmp_path / "one.json"), "--records", str(tmp_path / "one.jsonl"))[0] == 0
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          "-m", "infoscale.cli", "lm-mi", *flags, "--json", str(tmp_path / "two.json"),
                          "--records", str(tmp_path / "two.jsonl")], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    one, two = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("one", "two"))
    np.testing.assert_allclose(_points(two), _points(one), rtol=1e-6, atol=1e-6)
    records = [read_records(tmp_path / f"{n}.jsonl")[1] for n in ("one", "two")]
    assert [r["index"] for r in records[1]] == list(range(12))
    np.testing.assert_allclose(_values(records[1]), _values(records[0]), rtol=1e-6, atol=1e-6)
    assert [r["index"] for r in read_records(tmp_path / "two.jsonl.part-1-of-2")[1]] == list(range(1, 12, 2))
