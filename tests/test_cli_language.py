"""``infoscale lm-mi``: bad input ends with exit code 2 and one line on stderr (no model needed)."""

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
