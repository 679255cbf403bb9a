"""Pretrained causal language models (Hugging Face ``transformers``) as ``AutoregressiveModel``s.

``load_pretrained(path, gguf_file=None)`` loads a causal LM and its tokenizer from a local folder
(``config.json`` and weights) or a GGUF file, never from the hub: the offline switches
(``HF_HUB_OFFLINE``, ``TRANSFORMERS_OFFLINE``) are set and every load passes
``local_files_only=True``. A missing folder or file is an ``InvalidInput``; ``transformers``
missing is ``Unavailable`` (the optional extra ``infoscale[lm]`` installs it). The model goes to
CUDA when present, else the CPU; ``device_map="auto"`` instead lets transformers (through
accelerate) spread a model larger than one GPU over the GPUs and CPU memory, and the model then
stays where it was put (input ids go to the device of its input embeddings).

``PretrainedLM.token_log_probs(x)`` prepends the start token (BOS: the tokenizer's, else its
end-of-text token, which GPT-2-style models use as a document separator) so that position 0 is
scored like every other, runs batches of equal-length rows (no padding, no attention mask),
and returns log q(x_t | BOS, x_<t) as float64; the log-softmax is taken in the network's dtype.
``bos=False`` scores positions 1.. only and gives position 0 as NaN.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from infoscale._checks import check_block, check_int, check_token_array
from infoscale.budget import check_memory
from infoscale.errors import InvalidInput, Unavailable
from infoscale.nets.device import pick_device

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
    """(folder, GGUF file name or None); ``path`` may itself be a .gguf file. Refused before any load:
    a missing path, a folder without config.json or whose config names no known ``model_type``,
    a GGUF file that is not GGUF or is truncated."""
    path = Path(path)
    if gguf_file is None and path.suffix == ".gguf":
        path, gguf_file = path.parent, path.name
    if gguf_file is not None:
        gguf = Path(gguf_file) if Path(gguf_file).is_absolute() else path / gguf_file
        if not gguf.is_file():
            raise InvalidInput(f"GGUF file {str(gguf)!r} does not exist")
        check_gguf(gguf)
        return gguf.parent, gguf.name
    if not path.is_dir():
        raise InvalidInput(f"model path {str(path)!r} is not a folder (give a model folder with config.json, or --gguf FILE)")
    if not (path / "config.json").is_file():
        raise InvalidInput(f"model folder {str(path)!r} has no config.json")
    check_config(path / "config.json")
    return path, None


def check_config(path: Path) -> None:
    """Refuse a config.json that is not a JSON object naming a model_type transformers knows."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InvalidInput(f"{str(path)!r} is not valid JSON ({err})") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if not model_type:
        raise InvalidInput(f"{str(path)!r} names no model_type (a transformers config.json names e.g. \"llama\")")
    known = _transformers().models.auto.configuration_auto.CONFIG_MAPPING_NAMES
    if model_type not in known:
        raise InvalidInput(f"{str(path)!r} names model_type {model_type!r}, which this transformers does not know")


def check_gguf(path: Path) -> None:
    """Refuse a file without the GGUF magic, or whose tensors run past its end (truncated)."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"GGUF":
        raise InvalidInput(f"{str(path)!r} is not a GGUF file (it does not start with the GGUF magic)")
    if importlib.util.find_spec("gguf") is None:
        raise Unavailable("reading GGUF files needs `gguf` (pip install 'infoscale[lm]')") from None
    stat = path.stat()
    problem = _gguf_problem(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if problem:
        raise InvalidInput(f"GGUF file {str(path)!r} is truncated or corrupt ({problem})")


@functools.lru_cache(maxsize=8)
def _gguf_problem(path: str, size: int, mtime_ns: int) -> str | None:
    """Why gguf's reader refuses the file (None when it reads it); parsed once per file version."""
    import gguf

    try:
        gguf.GGUFReader(path)
    except (ValueError, IndexError, KeyError, OSError) as err:
        return f"{type(err).__name__}: {err}"
    return None


def load_tokenizer(path, gguf_file=None):
    """The tokenizer of a local model folder or GGUF file (None when the folder has none); fast
    compared with the model, so that text is cut and checked before the model loads."""
    return _tokenizer(*resolve_model_path(path, gguf_file))


def _tokenizer(folder: Path, gguf: str | None):
    if not gguf and not any((folder / name).is_file() for name in TOKENIZER_FILES):
        return None
    options = {"local_files_only": True, **({"gguf_file": gguf} if gguf else {})}
    return _transformers().AutoTokenizer.from_pretrained(str(folder), **options)


def start_token_id(tokenizer, spec) -> int | None:
    """``--bos``: a token of the tokenizer (e.g. "<|endoftext|>") or a token id; None when not given."""
    if spec is None:
        return None
    text = str(spec).strip()
    if text.lstrip("-").isdigit():
        return check_int("--bos", int(text), 0)
    ids = None if tokenizer is None else tokenizer.convert_tokens_to_ids(text)
    if ids is None or ids == getattr(tokenizer, "unk_token_id", None):
        raise InvalidInput(f"--bos {text!r} is not a token of the model's tokenizer (give a token such as "
                           f"{getattr(tokenizer, 'eos_token', '<|endoftext|>')!r} or a token id)")
    return int(ids)


def tokenize(tokenizer, texts) -> list[np.ndarray]:
    """Each text's token ids (no special tokens), int64."""
    if tokenizer is None:
        raise Unavailable("the model was loaded without a tokenizer: give token ids, not text")
    return [np.asarray(ids, dtype=np.int64) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def check_device_map(device_map: str | None, device: str = "auto") -> str | None:
    """``--device-map``: ``None`` (the model on one device) or ``"auto"`` (accelerate places it, so
    ``device`` must stay ``"auto"``); ``"auto"`` without accelerate is ``Unavailable``."""
    if device_map is None:
        return None
    if device_map != "auto":
        raise InvalidInput(f"--device-map must be auto (or left out), got {device_map!r}")
    if device != "auto":
        raise InvalidInput(f"--device-map auto places the model itself: give it without --device (got {device!r})")
    if importlib.util.find_spec("accelerate") is None:
        raise Unavailable("--device-map auto needs accelerate: pip install -e '.[lm]'")
    return device_map


def load_pretrained(path, gguf_file=None, device: str = "auto", dtype=None, bos_token_id: int | None = None,
                    bos: bool = True, tokens_per_batch: int = 4096, tokenizer=None,
                    device_map: str | None = None) -> "PretrainedLM":
    """A local causal LM (folder or GGUF) and its tokenizer (``tokenizer``, or loaded when the folder
    has one) as a ``PretrainedLM``. ``device_map="auto"``: placed by ``from_pretrained(device_map="auto")``
    (over the GPUs, then CPU memory; ``check_device_map``) and never moved."""
    device_map = check_device_map(device_map, device)
    folder, gguf = resolve_model_path(path, gguf_file)
    transformers = _transformers()
    options = {"local_files_only": True, **({"gguf_file": gguf} if gguf else {}), **({"dtype": dtype} if dtype else {}),
               **({"device_map": device_map} if device_map else {})}
    model = transformers.AutoModelForCausalLM.from_pretrained(str(folder), **options)
    tokenizer = _tokenizer(folder, gguf) if tokenizer is None else tokenizer
    name = gguf or folder.name
    return PretrainedLM(model, tokenizer, bos_token_id=bos_token_id, device=None if device_map else device,
                        tokens_per_batch=tokens_per_batch, bos=bos, name=name)


class PretrainedLM:
    """A causal LM as an ``infoscale.protocols.AutoregressiveModel`` (discrete tokens, nats, float64).

    ``device``: where the model is moved (``nets.device.pick_device``); ``None`` leaves a model that is
    already placed (``device_map``, possibly over several devices) where it is, and ``self.device`` is
    then that of its input embeddings, where the input ids go."""

    discrete = True

    def __init__(self, model, tokenizer=None, bos_token_id: int | None = None, device: str | None = "auto",
                 tokens_per_batch: int = 4096, bos: bool = True, name: str = "model"):
        if device is None:
            self.device, self.model = model.get_input_embeddings().weight.device, model.eval()
        else:
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
        return tokenize(self.tokenizer, [text])[0]

    def settings(self) -> dict:
        """What fixes this model's numbers: name, dtype, start token."""
        start = self.bos_token_id
        text = None if start is None or self.tokenizer is None else self.tokenizer.convert_ids_to_tokens(start)
        return {"name": self.name, "dtype": str(next(self.model.parameters()).dtype).removeprefix("torch."),
                "start_token": start, "start_token_text": text}

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
                logits = self.model(input_ids=batch[:, :-1]).logits  # on the last layer's device
                targets = batch[:, 1:, None].to(logits.device)
                picked = logits.gather(-1, targets)[..., 0] - torch.logsumexp(logits, dim=-1)
                out[start: start + rows, length - picked.shape[1]:] = picked.double().cpu().numpy()
        self.seconds += time.perf_counter() - start_time
        self.tokens_scored += n * length
        return out

    def block_log_prob(self, x, start: int, stop: int) -> np.ndarray:
        """log q of x[:, start:stop] with the model run on the block alone, from BOS, (n,)."""
        start, stop = check_block(start, stop, np.shape(x)[1])
        return self.token_log_probs(np.asarray(x)[:, start:stop]).sum(axis=1)
