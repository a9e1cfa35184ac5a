"""Operating-system details of the folder destination, as small functions tests can run on any
platform: Windows' error codes for a vanished share, making a folder, and writing and reading
back through a descriptor (no pathlib: these run once or more per copied file).
"""

from __future__ import annotations

import errno
import hashlib
import os

from oeleo_gui.engine.fileio.hashing import READ_CHUNK

CREATE_NEW = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
# Windows: network path/name gone, ERROR_NETNAME_DELETED, ERROR_UNEXP_NET_ERR, ERROR_BAD_NETPATH
NETWORK_GONE_CODES = (51, 53, 59, 64, 67)


def is_network_gone(exc: BaseException) -> bool:
    """True when a network share vanished under us (Windows network errors, ESTALE, EHOSTDOWN)."""
    if not isinstance(exc, OSError):
        return False
    return getattr(exc, "winerror", None) in NETWORK_GONE_CODES or exc.errno in (
        errno.ESTALE,
        errno.EHOSTDOWN,
        errno.EHOSTUNREACH,
        errno.ENOTCONN,
    )


def make_folder(folder: str) -> bool:
    """True when this call created `folder`, False when it was there already; a missing parent
    raises FileNotFoundError."""
    try:
        os.mkdir(folder)
    except FileNotFoundError:
        raise
    except OSError:
        if os.path.isdir(folder):  # FileExistsError, or a drive root Windows will not "make"
            return False
        raise
    return True


def read_back_from(fd: int) -> tuple[int, str]:
    """Size and MD5 of a file just written, read back through its (read-write) descriptor."""
    os.lseek(fd, 0, os.SEEK_SET)
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    while chunk := os.read(fd, READ_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def write_all(fd: int, data: bytes) -> None:
    """`os.write` may write less than asked (a full disk, a signal); write the rest."""
    written = os.write(fd, data)
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]
