"""Documents as the corpus defines them: per file, per line, per separator; consecutive and spread
windows against hand-cut references; every token accounted for in the report; any extension and globs."""

import numpy as np
import pytest

from infoscale.errors import InvalidInput
from infoscale.studies.lm_mi.text import corpus_pieces, cut_documents, cut_text, text_files


@pytest.fixture
def corpus(tmp_path):
    """Two .cor files: a.cor has three lines (5, 12 and 2 words), b.cor one paragraph of 9 words
    and, after a blank line, one of 4 words."""
    (tmp_path / "a.cor").write_text("a0 a1 a2 a3 a4\n" + " ".join(f"b{i}" for i in range(12)) + "\n\nc0 c1\n")
    (tmp_path / "b.cor").write_text(" ".join(f"d{i}" for i in range(9)) + "\n\ne0 e1 e2 e3\n")
    return tmp_path


def _streams(pieces):
    """A whitespace 'tokenizer': each word is one token, its number the word's index in the corpus."""
    words = {}
    return [np.array([words.setdefault(w, len(words)) for w in text.split()]) for _, text in pieces]


def test_any_extension_and_globs_are_read(corpus):
    assert [p.name for p in text_files([corpus])] == ["a.cor", "b.cor"]
    assert [p.name for p in text_files([str(corpus / "b.*")])] == ["b.cor"]
    assert [p.name for p in text_files([corpus], pattern="a*")] == ["a.cor"]


def test_per_line_documents_and_their_report(corpus):
    pieces, skipped = corpus_pieces([corpus], "line")
    assert skipped == []
    assert [s.rsplit("/", 1)[1] for s, _ in pieces] == ["a.cor:1", "a.cor:2", "a.cor:4", "b.cor:1", "b.cor:3"]
    cut = cut_documents(_streams(pieces), 4, sources=[s for s, _ in pieces])
    # windows of 4: line 1 (5 words) → 1 window + 1 tail; line 2 (12) → 3; line 4 (2) too short;
    # b line 1 (9) → 2 + 1 tail; b line 3 (4) → 1
    assert [(m["source"].rsplit("/", 1)[1], m["offset"]) for m in cut.meta] == [
        ("a.cor:1", 0), ("a.cor:2", 0), ("a.cor:2", 4), ("a.cor:2", 8), ("b.cor:1", 0), ("b.cor:1", 4), ("b.cor:3", 0)]
    report = cut.report
    assert report["tokens"] == 32 and report["documents"] == 7 and report["tokens_used"] == 28
    assert report["dropped"] == {"short_pieces": 1, "short_tokens": 2, "tail_tokens": 2, "unchosen_tokens": 0}
    assert report["tokens_used"] + sum(v for k, v in report["dropped"].items() if k.endswith("tokens")) == 32
    assert "2 in 1 pieces shorter than 4" in cut_text(report)


def test_per_file_and_per_separator_documents(corpus):
    (corpus / "cache.pyc").write_bytes(b"\x00binary")
    files, skipped = corpus_pieces([corpus], "file")
    assert [p.rsplit("/", 1)[1] for p in skipped] == ["cache.pyc"]  # found in a folder: skipped, reported
    assert len(files) == 2
    cut = cut_documents(_streams(files), 8, sources=[s for s, _ in files])
    # a.cor: 19 words → 2 windows + 3 tail; b.cor: 13 words → 1 window + 5 tail
    assert [m["offset"] for m in cut.meta] == [0, 8, 0] and cut.report["dropped"]["tail_tokens"] == 8
    paragraphs = corpus_pieces([corpus], "\n\n", pattern="*.cor")[0]
    with pytest.raises(InvalidInput, match="NUL bytes"):
        corpus_pieces([corpus / "cache.pyc"])  # named: refused
    assert [len(t.split()) for _, t in paragraphs] == [17, 2, 9, 4]


def test_consecutive_windows_equal_a_hand_cut_reference_and_spread_ones_span_the_corpus():
    streams = [np.arange(100), np.arange(1000, 1050)]
    hand = [np.arange(10 * i, 10 * i + 10) for i in range(6)]
    np.testing.assert_array_equal(cut_documents(streams, 10, 6, "consecutive").docs, np.stack(hand))
    spread = cut_documents(streams, 10, 3, "spread")
    assert [m["offset"] for m in spread.meta] == [0, 70, 40] and spread.docs[-1, 0] == 1040
    assert spread.report["dropped"]["unchosen_tokens"] == 120


def test_many_short_articles_are_documents_per_file_and_the_refusal_says_why(tmp_path):
    streams = [np.arange(300)] * 300  # 300 articles of 300 tokens
    assert cut_documents(streams, 256, 100).docs.shape == (100, 256)
    with pytest.raises(InvalidInput, match="300 of them shorter than the largest length L = 512 .the longest holds 300"):
        cut_documents(streams, 512)
    with pytest.raises(InvalidInput, match="windows must be one of"):
        cut_documents(streams, 16, windows="random")
