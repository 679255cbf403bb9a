"""Atomic, strict writers for results, and the check that an output path can be written.

A crash or an exception part-way never leaves a half-written ``.json``, ``.npz`` or ``.png`` at
the final path: each writer writes a temporary file beside the target and renames it. Temporary
names are recognisable (``.NAME.infoscale-tmp-PID-HEX``); one left by a killed process (its PID no
longer running) is removed the next time anything is written to that folder. The temporary file
is created with mode 0o666, which the operating system narrows by the process's umask as for
any new file (no process-wide umask is read or changed).

JSON is strict: NaN and ±inf are written as ``null`` (``json.dumps`` would write the invalid
literals ``NaN`` and ``Infinity``).

``check_writable`` lets a command refuse an output path it cannot write *before* its work starts.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
from pathlib import Path

import numpy as np

from infoscale.budget import check_memory
from infoscale.errors import InvalidInput

_TEMP = re.compile(r"^\..+\.infoscale-tmp-(\d+)-[0-9a-f]{8}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent)
    while True:
        tmp = path.parent / f".{path.name}.infoscale-tmp-{os.getpid()}-{secrets.token_hex(4)}{suffix or path.suffix}"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale_temps(folder) -> list[Path]:
    """Remove the temporary files of killed writers (their PID not running) in ``folder``."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _TEMP.match(entry.name)
            if match and entry.is_file(follow_symlinks=False) and not _running(int(match.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def check_writable(path, name: str, folder: bool = False) -> Path:
    """Refuse (``InvalidInput`` naming ``name``) an output path that cannot be written.

    A file path must not be a folder; a folder path (``folder=True``) must not be a file. Missing
    folders are fine (the writers create them) where the nearest existing one accepts new files,
    which is tried by creating and removing a probe file there, so read-only file systems,
    ``/proc`` and permissions all count. Nothing is left behind.
    """
    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{name} must be a non-empty path, got {text!r}")
    target = Path(text)
    if folder and target.exists() and not target.is_dir():
        raise InvalidInput(f"{name} {text!r} is a file, not a folder")
    if not folder and target.is_dir():
        raise InvalidInput(f"{name} {text!r} is a folder; give a file name")
    existing = target if folder and target.is_dir() else target.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InvalidInput(f"{name} {text!r} cannot be created: {str(existing)!r} is a file, not a folder")
    probe = existing / f".infoscale-probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        os.unlink(probe)
    except OSError as err:
        raise InvalidInput(f"{name} {text!r} cannot be written: {str(existing)!r} does not accept new files "
                           f"({err.strerror})") from None
    return target


def strict(obj):
    """``obj`` with every non-finite float replaced by ``None`` (lists, tuples and dicts walked)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: strict(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(value) for value in obj]
    if isinstance(obj, (np.ndarray, np.generic)) or hasattr(obj, "to_dict"):
        return strict(to_builtin(obj))
    return obj


def dumps(obj, **kwargs) -> str:
    """Strict JSON text of ``obj`` (numpy values converted, NaN/inf as null)."""
    return json.dumps(strict(obj), allow_nan=False, default=to_builtin, **kwargs)


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented strict JSON (numpy converted, NaN/inf as null) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(dumps(obj, indent=2) + "\n")
    return Path(path)


def write_npz(path, **arrays) -> Path:
    """Save arrays to a compressed ``.npz`` atomically."""
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)
    return Path(path)


def save_figure(fig, path, dpi: int = 130) -> Path:
    """Save a matplotlib figure atomically and close it."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=Path(path).suffix.lstrip(".") or "png")
    plt.close(fig)
    return Path(path)


def to_builtin(obj):
    """``json.dumps`` default: numpy arrays and scalars, and objects with ``to_dict``."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


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
