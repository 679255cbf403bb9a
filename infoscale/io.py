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

``folder_lock`` makes one process the only writer of a folder (or of one unit file in it): a
second writer is refused with one line naming the folder and the holder's pid.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import math
import os
import re
import secrets
import time
from pathlib import Path

import numpy as np

from infoscale.errors import InvalidInput

_TEMP = re.compile(r"^\..+\.infoscale-tmp-(\d+)-[0-9a-f]{8}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    A failed write (a full disk, a file-size limit, a name too long, a folder that cannot be made)
    is raised as one ``InvalidInput`` naming the path and the cause; the temporary file is removed.
    """
    path, tmp = Path(path), None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path.parent)
        while tmp is None:
            with contextlib.suppress(FileExistsError):
                candidate = path.parent / temp_name(path, suffix)
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
                tmp = candidate
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        raise InvalidInput(f"cannot write {str(path)!r}: {err.strerror or err}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def temp_name(path: Path, suffix: str = "") -> str:
    """The name of a temporary file for ``path``: ``.NAME.infoscale-tmp-PID-HEX`` and the suffix."""
    return f".{path.name}.infoscale-tmp-{os.getpid()}-{secrets.token_hex(4)}{suffix or path.suffix}"


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


def check_writable(path, name: str, folder: bool = False, suffixes: tuple[str, ...] = ()) -> Path:
    """Refuse (``InvalidInput`` naming ``name``) an output path that cannot be written.

    A file path must not be a folder and must end in one of ``suffixes`` (any case) where given; a
    folder path (``folder=True``) must not be a file. Dangling symlinks and symlink loops are
    refused, and names too long for the file system (a file's temporary name included). Missing
    folders are fine (the writers create them) where the nearest existing one accepts new files,
    which is tried by creating and removing a probe file there, so read-only file systems,
    ``/proc`` and permissions all count. Nothing is left behind.
    """
    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{name} must be a non-empty path, got {text!r}")
    target = Path(text)
    for part in (target, *target.parents):  # before any stat: a name too long makes stat itself fail
        _check_name_length(part, name, text, temp=not folder and part == target)
    if folder and target.exists() and not target.is_dir():
        raise InvalidInput(f"{name} {text!r} is a file, not a folder")
    if not folder and target.is_dir():
        raise InvalidInput(f"{name} {text!r} is a folder; give a file name")
    if not folder and suffixes and target.suffix.lower() not in suffixes:
        raise InvalidInput(f"{name} {text!r} must end in one of {', '.join(suffixes)} (the formats written)")
    existing = target if folder and target.is_dir() else target.parent
    missing = [] if folder and target.is_dir() else [target]
    while not existing.exists():
        missing.append(existing)
        existing = existing.parent
    for part in missing:
        _check_link(part, name, text)
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


def check_figure_path(path, name: str) -> Path:
    """``check_writable`` for a figure: the suffix must name a format matplotlib writes (.png, .pdf, .svg, ...)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return check_writable(path, name, suffixes=tuple(f".{k}" for k in FigureCanvasBase.get_supported_filetypes()))


def _check_link(part: Path, name: str, text: str) -> None:
    """A path component still to be created must not be a dangling symlink or a symlink loop."""
    if os.path.islink(part):
        try:
            os.stat(part)
        except OSError as err:
            cause = "a symlink loop" if err.errno == errno.ELOOP else f"a dangling symlink to {os.readlink(part)!r}"
            raise InvalidInput(f"{name} {text!r} cannot be written: {str(part)!r} is {cause}") from None


def _check_name_length(part: Path, name: str, text: str, temp: bool) -> None:
    """A name the file system takes (bytes), a file's temporary name (``temp_name``) included."""
    limit = _name_max(part.parent)
    size = len(part.name.encode())
    extra = len(temp_name(part).encode()) - size if temp else 0
    if size + extra > limit:
        added = f" (the temporary file's name adds {extra})" if temp else ""
        raise InvalidInput(f"{name} {text[:60]!r}... cannot be written: the name {part.name[:24]!r}... is too long, "
                           f"{size} bytes where at most {limit - extra} fit{added}")


def _name_max(folder: Path) -> int:
    """The longest file name (bytes) the file system of ``folder``'s nearest existing ancestor takes."""
    while folder != folder.parent and not os.path.isdir(folder):
        folder = folder.parent
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


@contextlib.contextmanager
def folder_lock(folder, unit: str | None = None, name: str = "--out"):
    """Hold an exclusive lock on ``folder`` (or, with ``unit``, on the file ``folder/unit``) in the block.

    The lock is ``fcntl.flock`` on a hidden lock file holding the holder's pid (``.infoscale.lock``,
    or ``.UNIT.infoscale-lock`` for a unit), created in the folder and removed on release (as are
    the folders created for it, where still empty). While another process holds it, taking it
    raises ``InvalidInput`` naming ``name``, the folder (and unit) and the holder's pid; it never
    waits. The lock dies with its process (no stale lock after kill -9). Locks are per open file:
    the same process taking the same lock twice is refused too. Yields the lock file's path.
    """
    folder = Path(folder)
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / (".infoscale.lock" if unit is None else f".{unit}.infoscale-lock")
    what = f"{name} {str(folder)!r}" + ("" if unit is None else f" (unit {unit!r})")
    fd = _acquire(lock, what)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield lock
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)  # while still held: a waiting opener then finds a fresh file
        os.close(fd)
        for made in created:  # folders made for the lock and still empty (a refused run leaves nothing)
            with contextlib.suppress(OSError):
                made.rmdir()


def _acquire(lock: Path, what: str) -> int:
    """An open descriptor of ``lock`` holding its exclusive flock (the file still at that path)."""
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as err:
            raise InvalidInput(f"{what} cannot be locked: {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InvalidInput(f"{what} is being written by another process (pid {_holder(lock)}); "
                               "wait for it to finish or choose another folder") from None
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                return fd
        os.close(fd)  # the previous holder removed the file between our open and flock: retry


def _holder(lock: Path) -> str:
    """The pid written in a held lock file ("unknown" while the holder has not written it yet)."""
    for _ in range(50):
        with contextlib.suppress(OSError, ValueError):
            return str(int(lock.read_text().strip()))
        time.sleep(0.01)
    return "unknown"


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
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=Path(path).suffix.lstrip(".").lower() or "png")
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
