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
