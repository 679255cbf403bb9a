"""``infoscale lm-mi``: bad input, and engines that cannot go together, end with exit code 2 and one line on
stderr (no model needed)."""

import pytest

from infoscale.cli import main


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "play.txt"
    path.write_text("To be, or not to be, that is the question. " * 20)
    return path


@pytest.mark.parametrize("extra, message", [
    (["--ratios", "1,2"], "ratio must be"),
    (["--ratios", "2,x"], "--ratios must be comma-separated integers"),
    (["--estimators", "direct,knn"], "estimators must be among"),
    (["--seed", "-1"], "--seed must be"),
    (["--bootstrap", "-1"], "--bootstrap must be"),
    (["--first-tokens", "-2"], "--first-tokens must be"),
    (["--contexts", "1"], "--contexts must be"),
    (["--max-seconds", "0"], "--max-seconds must be"),
    (["--docs", "1"], "--docs must be"),
])
def test_bad_options_exit_2(capsys, text, tmp_path, extra, message):
    code = main(["lm-mi", str(text), "--model", str(tmp_path), *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_bad_text_and_model_paths_exit_2(capsys, text, tmp_path):
    (tmp_path / "empty").mkdir()
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Ôthello".encode("latin-1"))
    cases = [
        ([str(tmp_path / "empty"), "--model", str(tmp_path)], "holds no text files"),
        ([str(latin), "--model", str(tmp_path)], "is not UTF-8 text"),
        ([str(tmp_path / "nope.txt"), "--model", str(tmp_path)], "does not exist"),
        ([str(text), "--model", str(tmp_path / "missing")], "is not a folder"),
        ([str(text), "--model", str(tmp_path), "--gguf", "missing.gguf"], "GGUF file"),
    ]
    for argv, message in cases:
        code = main(["lm-mi", *argv])
        err = capsys.readouterr().err
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_missing_model_and_bad_model_files_exit_2_before_loading(capsys, text, tmp_path):
    (tmp_path / "empty_config").mkdir()
    (tmp_path / "empty_config" / "config.json").write_text("{}")
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_text("not a model")
    cases = [
        ([str(text)], "give TEXT and --model"),
        ([str(text), "--model", str(tmp_path / "empty_config")], "names no model_type"),
        ([str(text), "--model", str(tmp_path), "--gguf", str(not_gguf)], "is not a GGUF file"),
        (["--merge", str(tmp_path / "a.jsonl")], "--merge needs at least two records files"),
    ]
    for argv, message in cases:
        code = main(["lm-mi", *argv])
        captured = capsys.readouterr()
        assert code == 2 and message in captured.err and len(captured.err.strip().splitlines()) == 1, (argv, captured.err)
        assert captured.out == ""


@pytest.mark.parametrize("extra, env, message", [
    (["--executor", "ray", "--shard", "0/2"], {}, "--executor ray deals the documents over its own tasks"),
    (["--executor", "ray"], {"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"}, "without --shard, a SLURM"),
    (["--executor", "ray"], {"WORLD_SIZE": "2", "RANK": "0"}, "give it without --shard, a SLURM array or torchrun"),
    (["--executor", "ray", "--tasks", "0"], {}, "--tasks must be"),
    (["--tasks", "2"], {}, "--tasks is the number of Ray tasks; add --executor ray"),
    (["--cpus-per-run", "2"], {}, "add --executor ray"),
    (["--device-map", "auto"], {"WORLD_SIZE": "2", "RANK": "0"}, "torchrun needs a model copy per rank"),
    (["--device-map", "auto", "--device", "cpu"], {}, "--device-map auto places the model itself"),
])
def test_engines_that_cannot_go_together_exit_2(capsys, monkeypatch, text, tmp_path, extra, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["lm-mi", str(text), "--model", str(tmp_path), *extra])
    captured = capsys.readouterr()
    assert code == 2 and message in captured.err and len(captured.err.strip().splitlines()) == 1, captured.err
    assert captured.out == ""


def test_device_map_without_accelerate_names_the_extra(capsys, monkeypatch, text, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "accelerate" else real(name, *a))
    code = main(["lm-mi", str(text), "--model", str(tmp_path), "--device-map", "auto"])
    err = capsys.readouterr().err
    assert code == 2 and "needs accelerate: pip install -e '.[lm]'" in err and len(err.strip().splitlines()) == 1
