"""Streaming MD5 (upstream's checksum), read in large chunks with a cancel check between them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from oeleo_gui.engine.events import CancelToken

READ_CHUNK = 64 * 1024  # hashed while still in the CPU cache: faster than larger chunks


def md5_file(path: str | Path, cancel: CancelToken | None = None) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb", buffering=0) as fh:
        while chunk := fh.read(READ_CHUNK):
            digest.update(chunk)
            if cancel is not None:
                cancel.raise_if_cancelled()
    return digest.hexdigest()


def md5_prefix(path: str | Path, length: int, cancel: CancelToken | None = None) -> str | None:
    """MD5 of the first `length` bytes of a file; None when it is shorter than that now."""
    digest = hashlib.md5(usedforsecurity=False)
    left = length
    with open(path, "rb", buffering=0) as fh:
        while left > 0:
            chunk = fh.read(min(READ_CHUNK, left))
            if not chunk:
                return None
            digest.update(chunk)
            left -= len(chunk)
            if cancel is not None:
                cancel.raise_if_cancelled()
    return digest.hexdigest()
