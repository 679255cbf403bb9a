"""Pretrained causal language models (Hugging Face ``transformers``) as ``AutoregressiveModel``s.

``load_pretrained(path, gguf_file=None)`` loads a causal LM and its tokenizer from a local folder
(``config.json`` and weights) or a GGUF file, never from the hub: the offline switches
(``HF_HUB_OFFLINE``, ``TRANSFORMERS_OFFLINE``) are set and every load passes
``local_files_only=True``. A missing folder or file is an ``InvalidInput``; ``transformers``
missing is ``Unavailable`` (the optional extra ``infoscale[lm]`` installs it). The model goes to
CUDA when present, else the CPU.

``PretrainedLM.token_log_probs(x)`` prepends the start token (BOS: the tokenizer's, else its
end-of-text token, which GPT-2-style models use as a document separator) so that position 0 is
scored like every other, runs batches of equal-length rows (no padding, no attention mask),
and returns log q(x_t | BOS, x_<t) as float64; the log-softmax is taken in the network's dtype.
``bos=False`` scores positions 1.. only and gives position 0 as NaN.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import torch

from infoscale._checks import check_block, check_int, check_token_array
from infoscale.budget import check_memory
from infoscale.errors import InvalidInput, Unavailable
from infoscale.nets.device import pick_device
from infoscale.studies.lm_mi.text import cut_documents

OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model")


def _transformers():
    os.environ.update(OFFLINE)
    try:
        import transformers
    except ImportError:
        raise Unavailable("pretrained language models need `transformers` (pip install 'infoscale[lm]')") from None
    transformers.logging.set_verbosity_error()
    return transformers


def resolve_model_path(path, gguf_file=None) -> tuple[Path, str | None]:
    """(folder, GGUF file name or None); ``path`` may itself be a .gguf file. Missing paths are refused."""
    path = Path(path)
    if gguf_file is None and path.suffix == ".gguf":
        path, gguf_file = path.parent, path.name
    if gguf_file is not None:
        gguf = Path(gguf_file) if Path(gguf_file).is_absolute() else path / gguf_file
        if not gguf.is_file():
            raise InvalidInput(f"GGUF file {str(gguf)!r} does not exist")
        return gguf.parent, gguf.name
    if not path.is_dir():
        raise InvalidInput(f"model path {str(path)!r} is not a folder (give a model folder with config.json, or --gguf FILE)")
    if not (path / "config.json").is_file():
        raise InvalidInput(f"model folder {str(path)!r} has no config.json")
    return path, None


def load_pretrained(path, gguf_file=None, device: str = "auto", dtype=None, bos_token_id: int | None = None,
                    bos: bool = True, tokens_per_batch: int = 4096) -> "PretrainedLM":
    """A local causal LM (folder or GGUF) and its tokenizer (when the folder has one) as a ``PretrainedLM``."""
    folder, gguf = resolve_model_path(path, gguf_file)
    transformers = _transformers()
    options = {"local_files_only": True, **({"gguf_file": gguf} if gguf else {})}
    model = transformers.AutoModelForCausalLM.from_pretrained(str(folder), **options, **({"dtype": dtype} if dtype else {}))
    tokenizer = None
    if gguf or any((folder / name).is_file() for name in TOKENIZER_FILES):
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), **options)
    name = gguf or folder.name
    return PretrainedLM(model, tokenizer, bos_token_id=bos_token_id, device=device, tokens_per_batch=tokens_per_batch,
                        bos=bos, name=name)


class PretrainedLM:
    """A causal LM as an ``infoscale.protocols.AutoregressiveModel`` (discrete tokens, nats, float64)."""

    discrete = True

    def __init__(self, model, tokenizer=None, bos_token_id: int | None = None, device: str = "auto",
                 tokens_per_batch: int = 4096, bos: bool = True, name: str = "model"):
        self.device = pick_device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.name = name
        config = model.config
        self.vocab_size = int(model.get_output_embeddings().weight.shape[0])
        self.max_length = getattr(config, "max_position_embeddings", None)
        self.bos = bool(bos)
        self.bos_token_id = self._start_token(bos_token_id, tokenizer, config) if self.bos else None
        self.tokens_per_batch = check_int("tokens_per_batch", tokens_per_batch, 1)
        self.tokens_scored, self.seconds = 0, 0.0

    def _start_token(self, given, tokenizer, config) -> int:
        for source in (given, getattr(tokenizer, "bos_token_id", None), getattr(config, "bos_token_id", None),
                       getattr(tokenizer, "eos_token_id", None), getattr(config, "eos_token_id", None)):
            if isinstance(source, (list, tuple)):
                source = source[0] if source else None
            if source is not None:
                return check_int("bos_token_id", source, 0, self.vocab_size - 1)
        raise InvalidInput("the model names no BOS or end-of-text token: give bos_token_id")

    @property
    def tokens_per_second(self) -> float:
        return self.tokens_scored / self.seconds if self.seconds > 0 else float("nan")

    def encode(self, text: str) -> np.ndarray:
        """The text's token ids (no special tokens), int64."""
        if self.tokenizer is None:
            raise Unavailable(f"{self.name} was loaded without a tokenizer: give token ids, not text")
        return np.asarray(self.tokenizer(text, add_special_tokens=False)["input_ids"], dtype=np.int64)

    def check_tokens(self, x) -> np.ndarray:
        x = check_token_array(x, ndim=(2,))[0]
        if x.max() >= self.vocab_size:
            raise InvalidInput(f"token id {int(x.max())} is outside the model's vocabulary of {self.vocab_size}")
        if self.max_length is not None and x.shape[1] + self.bos > self.max_length:
            raise InvalidInput(f"length {x.shape[1]} exceeds the model's context of {self.max_length} tokens")
        return x

    def token_log_probs(self, x) -> np.ndarray:
        """log q(x_t | BOS, x_<t), (n, L) float64 (position 0 NaN without BOS)."""
        x = self.check_tokens(x)
        n, length = x.shape
        rows = max(1, self.tokens_per_batch // (length + self.bos))
        itemsize = next(self.model.parameters()).element_size()
        check_memory("language-model logits", 3 * min(rows, n) * (length + self.bos) * self.vocab_size * itemsize)
        out = np.full((n, length), np.nan)
        start_time = time.perf_counter()
        with torch.inference_mode():
            for start in range(0, n, rows):
                batch = torch.as_tensor(x[start: start + rows], device=self.device)
                if self.bos:
                    batch = torch.cat([torch.full_like(batch[:, :1], self.bos_token_id), batch], dim=1)
                logits = self.model(input_ids=batch[:, :-1]).logits
                picked = logits.gather(-1, batch[:, 1:, None])[..., 0] - torch.logsumexp(logits, dim=-1)
                out[start: start + rows, length - picked.shape[1]:] = picked.double().cpu().numpy()
        self.seconds += time.perf_counter() - start_time
        self.tokens_scored += n * length
        return out

    def block_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        """log q of x[:, start:stop] with the model run on the block alone, from BOS, (n,)."""
        start, stop = check_block(start, stop, np.shape(x)[1])
        return self.token_log_probs(np.asarray(x)[:, start:stop]).sum(axis=1)


def text_documents(lm: PretrainedLM, texts, length: int, n_docs: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Tokenize each text with the model's tokenizer: (n, length) documents (``studies.lm_mi.text``) and
    all the tokens, 1-D (for the two-point MI)."""
    streams = [lm.encode(text) for text in texts]
    return cut_documents(streams, length, n_docs), np.concatenate(streams)
