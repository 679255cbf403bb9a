"""The files and folders that ``tests/test_cli_bad_inputs.py`` refers to as ``{fx}``: untrusted or
broken inputs (a real .npz bomb, corrupt and non-token .npz files, symlinks that lead nowhere, bad
configurations), each built in its own way."""

from __future__ import annotations

import io
import json
import os
import pickle
from pathlib import Path


def prepare_fixtures(root: Path) -> None:
    """The files and folders the cases refer to through ``{fx}``."""
    import numpy as np

    (root / "afile").write_text("a file, not a folder\n")
    (root / "adir").mkdir()
    (root / "garbage.pt").write_bytes(os.urandom(256))
    (root / "pickle.pt").write_bytes(pickle.dumps({"arch": "gru"}))
    np.savez(root / "tokens.npz", x=np.random.default_rng(0).integers(0, 3, size=(8, 32)))
    np.savez(root / "pickled.npz", x=np.array([{"a": 1}], dtype=object))
    _write_bomb(root / "bomb.npz")
    (root / "bad_models.json").write_text(json.dumps({"models": [1]}))
    (root / "bad_threads.json").write_text(json.dumps({"threads": -3}))
    (root / "bad_eval.json").write_text(json.dumps({"eval": {"n_samples": 0, "batch_size": 8}}))
    (root / "no_name.json").write_text(json.dumps({"families": [{"params": {}}]}))
    _write_bad_token_files(root)
    (root / "huge.txt").write_bytes(b"")
    os.truncate(root / "huge.txt", 64 * 2**20)  # 64 MB (sparse: nothing is written)
    os.symlink(root / "nowhere", root / "dangling")
    os.symlink(root / "nowhere.npz", root / "dangling.npz")
    os.symlink(root / "loop2", root / "loop")
    os.symlink(root / "loop", root / "loop2")
    (root / "latin1.json").write_bytes('{"name": "caf\xe9"}'.encode("latin-1"))
    (root / "many_threads.json").write_text(json.dumps({"threads": 100000}))
    (root / "many_steps.json").write_text(json.dumps({"train": {"steps": 1e15}}))
    trained = root / "trained"
    trained.mkdir()
    (trained / "metrics.json").write_text("{}\n")


def _write_bomb(path: Path) -> None:
    """A real bomb: a valid .npz whose header promises 2^40 int64 values (8 TiB) over 1 MB of zeros
    that deflate to about 1 kB."""
    _write_npy_member(path, {"descr": "<i8", "fortran_order": False, "shape": (2**20, 2**20)}, bytes(2**20))


def _write_npy_member(path: Path, header: dict, data: bytes, name: str = "x.npy") -> None:
    """An .npz of one member: the .npy magic and ``header`` (written once), then ``data`` as is."""
    import zipfile

    import numpy as np

    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, header)  # writes the magic string itself
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, head.getvalue() + data)


def _write_bad_token_files(root: Path) -> None:
    """The .npz files that are not token arrays, each in its own way."""
    import numpy as np

    np.savez(root / "structured.npz", x=np.zeros(8, dtype=[("a", "<i4"), ("b", "<f8")]))
    _write_npy_member(root / "truncated.npz", {"descr": "<i8", "fortran_order": False, "shape": (1000,)}, bytes(64))
    with __import__("zipfile").ZipFile(root / "bad_header.npz", "w") as archive:
        archive.writestr("x.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': nonsense" + bytes(64))
    _write_npy_member(root / "negative_shape.npz", {"descr": "<i8", "fortran_order": False, "shape": (-4,)}, bytes(64))
    np.savez(root / "bad_crc.npz", x=np.arange(64))
    raw = bytearray((root / "bad_crc.npz").read_bytes())
    offset = raw.index(b"NUMPY") + 200  # inside the stored (uncompressed) data: the CRC no longer matches
    raw[offset] ^= 0xFF
    (root / "bad_crc.npz").write_bytes(bytes(raw))
    np.savez(root / "strings.npz", x=np.array(["a", "b", "c"]))
    np.savez(root / "complex.npz", x=np.array([1 + 1j, 2, 3]))
    np.savez(root / "constant.npz", x=np.full((4, 16), 3))
    np.savez(root / "big_token.npz", x=np.array([0, 1, 2**40, 3]))
    np.savez(root / "uint64.npz", x=np.array([0, 1, 2**63 + 5], dtype=np.uint64))
    np.savez(root / "dates.npz", x=np.array(["2020-01-01", "2021-06-01"], dtype="datetime64[D]"))
