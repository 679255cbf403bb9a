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


def load_tokens(path) -> np.ndarray:
    """Token arrays from a file: an ``.npz`` (key ``x``, or its only array) or UTF-8 text as byte tokens.

    Text becomes the 1-D array of its UTF-8 bytes (V = 256). An empty file, a file that is not
    UTF-8 or that holds NUL bytes (binary data) is refused with a ``ValueError``.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"file {str(path)!r} does not exist")
    if path.suffix == ".npz":
        headers = _npz_headers(path)
        keys = [key for key, (shape, _) in headers.items() if len(shape) > 0]
        if "x" not in headers and len(keys) != 1:
            raise InvalidInput(f"{path.name} must hold an array 'x' (or a single array); it has {', '.join(headers) or 'none'}")
        key = "x" if "x" in headers else keys[0]
        shape, dtype = headers[key]
        if dtype.hasobject:
            raise InvalidInput(f"{path.name}: array {key!r} holds Python objects ({dtype}); give numeric tokens")
        check_memory(f"the array {key!r} of {path.name} (shape {shape}, {dtype})",
                     3.0 * max(dtype.itemsize, 8) * float(np.prod(shape, dtype=np.float64)))
        with np.load(path, allow_pickle=False) as data:
            return np.asarray(data[key])
    check_memory(f"the text file {path.name} as byte tokens", 10.0 * path.stat().st_size)
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
    """{name: (shape, dtype)} of the arrays in an ``.npz``, read from their headers (nothing inflated)."""
    import zipfile

    headers = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not name.endswith(".npy"):
                    continue
                with archive.open(name) as member:
                    version = np.lib.format.read_magic(member)
                    read = np.lib.format.read_array_header_2_0 if version >= (2, 0) else np.lib.format.read_array_header_1_0
                    shape, _, dtype = read(member)
                headers[name[:-4]] = (tuple(shape), np.dtype(dtype))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise InvalidInput(f"{path.name} is not a valid .npz file ({err})") from None
    return headers
