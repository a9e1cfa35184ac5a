"""A small case-insensitive, case-preserving file system (FUSE), like an NTFS or SMB share.

`python tests/casefold_fs.py BACKING MOUNTPOINT` mounts BACKING at MOUNTPOINT until it is
unmounted: a name is found whatever its case (`a.csv` opens `A.csv`), a new name keeps the case
it was given, and two names that differ only by case cannot both exist. Started by the
`casefold_folder` fixture (tests/engine/conftest.py); needs libfuse and `mfusepy`.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

from mfusepy import FUSE, FuseOSError, Operations


class CaseInsensitive(Operations):  # type: ignore[misc]
    use_ns = True  # times in nanoseconds, as os.stat gives them

    def __init__(self, backing: str) -> None:
        self.backing = os.path.realpath(backing)

    def _real(self, path: str) -> str:
        """The backing path: each part matched without case (the name as created is kept)."""
        real = self.backing
        for part in [p for p in path.split("/") if p]:
            candidate = os.path.join(real, part)
            if not os.path.lexists(candidate) and os.path.isdir(real):
                folded = part.casefold()
                match = next((n for n in os.listdir(real) if n.casefold() == folded), None)
                if match is not None:
                    candidate = os.path.join(real, match)
            real = candidate
        return real

    def _call(self, function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except OSError as exc:
            raise FuseOSError(exc.errno or errno.EIO) from exc

    # --- reading ---
    def getattr(self, path: str, fh: int | None = None) -> dict[str, Any]:
        st = self._call(os.lstat, self._real(path))
        keys = ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime", "st_mtime")
        attrs = {k: getattr(st, k) for k in keys}
        attrs.update(st_atime=st.st_atime_ns, st_mtime=st.st_mtime_ns, st_ctime=st.st_ctime_ns)
        return attrs

    def readdir(self, path: str, fh: int) -> list[str]:
        return [".", "..", *self._call(os.listdir, self._real(path))]

    def access(self, path: str, amode: int) -> int:
        if not os.access(self._real(path), amode):
            raise FuseOSError(errno.EACCES)
        return 0

    def statfs(self, path: str) -> dict[str, int]:
        st = os.statvfs(self._real(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files")
        return {k: getattr(st, k) for k in (*keys, "f_flag", "f_frsize", "f_namemax")}

    def open(self, path: str, flags: int) -> int:
        return int(self._call(os.open, self._real(path), flags))

    def read(self, path: str, size: int, offset: int, fh: int) -> bytes:
        return bytes(self._call(os.pread, fh, size, offset))

    # --- writing ---
    def create(self, path: str, mode: int, fi: Any = None) -> int:
        # (without raw_fi the open flags are not passed on: read-write serves every caller)
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC
        return int(self._call(os.open, self._real(path), flags, mode))

    def write(self, path: str, data: bytes, offset: int, fh: int) -> int:
        return int(self._call(os.pwrite, fh, data, offset))

    def truncate(self, path: str, length: int, fh: int | None = None) -> int:
        self._call(os.truncate, self._real(path), length)
        return 0

    def flush(self, path: str, fh: int) -> int:
        return 0

    def fsync(self, path: str, datasync: int, fh: int) -> int:
        self._call(os.fsync, fh)
        return 0

    def release(self, path: str, fh: int) -> int:
        os.close(fh)
        return 0

    def mkdir(self, path: str, mode: int) -> int:
        self._call(os.mkdir, self._real(path), mode)
        return 0

    def rmdir(self, path: str) -> int:
        self._call(os.rmdir, self._real(path))
        return 0

    def unlink(self, path: str) -> int:
        self._call(os.unlink, self._real(path))
        return 0

    def rename(self, old: str, new: str) -> int:
        self._call(os.replace, self._real(old), self._real(new))
        return 0

    def chmod(self, path: str, mode: int) -> int:
        self._call(os.chmod, self._real(path), mode)
        return 0

    def utimens(self, path: str, times: tuple[int, int] | None = None) -> int:
        real = self._real(path)
        self._call(lambda: os.utime(real, ns=times) if times else os.utime(real))
        return 0


def main() -> None:
    backing, mountpoint = sys.argv[1], sys.argv[2]
    # No caching in the kernel: a name looked up in one case must not outlive a rename.
    FUSE(
        CaseInsensitive(backing),
        mountpoint,
        foreground=True,
        nothreads=True,
        entry_timeout=0,
        attr_timeout=0,
        negative_timeout=0,
    )


if __name__ == "__main__":
    main()
