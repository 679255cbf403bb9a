"""Token files read with every check first: an ``.npz`` of integer tokens, or UTF-8 text as byte tokens.

Nothing is inflated or allocated before its size is known and held against the memory budget;
a file that is not what it claims (a truncated or corrupt ``.npz``, a header promising more data
than the file holds, non-token dtypes, binary or huge text) is refused with one ``InvalidInput``
naming the file and the cause.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from infoscale.budget import check_memory
from infoscale.errors import InvalidInput

#: The largest text file read as byte tokens (64 MB would count pairs at 1024 distances for minutes).
MAX_TEXT_BYTES = 16 * 2**20

#: Largest signed token (tokens are counted as int64 keys).
_INT64_MAX = 2**63 - 1


def load_tokens(path) -> np.ndarray:
    """Token arrays from a file: an ``.npz`` (key ``x``, or its only array) or UTF-8 text as byte tokens.

    An ``.npz`` (any case of the suffix) holds integer tokens (booleans become 0/1) or float
    samples; strings, complex numbers, dates, Python objects and structured records are refused,
    as is a header that promises more data than the file holds, a negative shape or a bad CRC.
    Text becomes the 1-D array of its UTF-8 bytes (V = 256); an empty file, a file that is not
    UTF-8, that holds NUL bytes (binary data) or is over ``MAX_TEXT_BYTES`` is refused. An array
    of one repeated value (nothing to estimate) is refused too. Errors are ``InvalidInput``.
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{str(path)!r} is a folder; give an .npz of tokens or a text file")
    if not path.is_file():
        raise InvalidInput(f"file {str(path)!r} does not exist")
    x = _load_npz(path) if path.suffix.lower() == ".npz" else _load_text(path)
    if x.size and np.all(x == x.flat[0]):
        raise InvalidInput(f"{path.name} holds one repeated value ({x.flat[0].item()!r}) in all {x.size} entries: "
                           "its MI is 0, there is nothing to estimate")
    return x


def _load_npz(path: Path) -> np.ndarray:
    headers = _npz_headers(path)
    keys = [key for key, (shape, _, _) in headers.items() if len(shape) > 0]
    if "x" not in headers and len(keys) != 1:
        raise InvalidInput(f"{path.name} must hold an array 'x' (or a single array); it has {', '.join(headers) or 'none'}")
    key = "x" if "x" in headers else keys[0]
    shape, dtype, stored = headers[key]
    what = f"{path.name}: array {key!r}"
    if dtype.names is not None or dtype.kind not in "biuf":
        raise InvalidInput(f"{what} holds {dtype} values ({_KINDS.get(dtype.kind, 'records')}); "
                           "give integer tokens or float samples")
    if any(n < 0 for n in shape):
        raise InvalidInput(f"{what} has a negative shape {shape}: the file is corrupt")
    promised = dtype.itemsize * float(np.prod(shape, dtype=np.float64))
    check_memory(f"{what} (shape {shape}, {dtype})", 3.0 * max(dtype.itemsize, 8) * promised / dtype.itemsize)
    if stored < promised:
        raise InvalidInput(f"{what}: its header promises {promised:.0f} bytes of data, the file holds {stored}: "
                           "the file is truncated or corrupt")
    x = _read_member(path, key)
    if x.dtype.kind == "b":
        return x.astype(np.int64)
    if x.dtype.kind == "u" and x.size and x.max() > _INT64_MAX:
        raise InvalidInput(f"{what} holds tokens above 2**63 - 1 (up to {x.max().item()}); give smaller token codes")
    return x


_KINDS = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects", "M": "dates",
          "m": "time spans", "V": "raw records"}


def _read_member(path: Path, key: str) -> np.ndarray:
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as data:
            return np.asarray(data[key])
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise InvalidInput(f"{path.name} is not a valid .npz file ({str(err).splitlines()[0][:100]})") from None


def _load_text(path: Path) -> np.ndarray:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise InvalidInput(f"{path.name} is {size / 2**20:.3g} MiB of text; byte tokens are read from at most "
                           f"{MAX_TEXT_BYTES // 2**20} MiB (take a part of it, or give an .npz of tokens)")
    raw = path.read_bytes()
    if not raw:
        raise InvalidInput(f"{path.name} is empty")
    if b"\x00" in raw:
        raise InvalidInput(f"{path.name} holds NUL bytes: binary data, not text (give an .npz of tokens instead)")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path.name} is not UTF-8 text (byte {err.start}): give an .npz of tokens instead") from None
    return np.frombuffer(raw, dtype=np.uint8).astype(np.int64)


def _npz_headers(path) -> dict:
    """{name: (shape, dtype, bytes of data stored)} of the arrays in an ``.npz``, from their headers (nothing inflated)."""
    import tokenize
    import zipfile

    headers = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as member:
                    version = np.lib.format.read_magic(member)
                    read = np.lib.format.read_array_header_2_0 if version >= (2, 0) else np.lib.format.read_array_header_1_0
                    shape, _, dtype = read(member)
                    stored = info.file_size - member.tell()
                headers[info.filename[:-4]] = (tuple(shape), np.dtype(dtype), stored)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, TypeError, SyntaxError, tokenize.TokenError) as err:
        raise InvalidInput(f"{path.name} is not a valid .npz file ({str(err).splitlines()[0][:100]})") from None
    return headers
