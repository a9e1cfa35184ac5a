"""A local or network folder (a mounted SMB share or a UNC path) as the destination.

Writes go to a recognisable temporary name in the final folder, are verified by reading them
back (large files while they are being copied, see `readback`), flushed to disk (one `syncfs`
per batch on Linux, an fsync per file elsewhere), given the source's modification time and then
`os.replace`d over the final name, so a crash never leaves a half-written file under the final
name. OS errors are translated in `_translated` only.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path, PurePosixPath

from oeleo_gui.engine.checksum import READ_CHUNK, md5_file
from oeleo_gui.engine.connectors.base import (
    Capabilities,
    ProgressCallback,
    RemoteEntry,
    Upload,
    is_temp_name,
    temp_name_for,
)
from oeleo_gui.engine.connectors.readback import ReadBack, ReadBackWorker
from oeleo_gui.engine.errors import (
    DestinationError,
    DestinationFull,
    DestinationMissing,
    DestinationPermissionDenied,
    FileError,
    SourceBusy,
    Unreachable,
)
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.scanner import native, native_prefix

log = logging.getLogger(__name__)
READBACK_MIN_BYTES = 1024 * 1024  # files this large are read back while they are copied
READBACK_STEP_BYTES = 1024 * 1024  # the read-back follows the copy this closely
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
# Windows: ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
SHARING_VIOLATION_CODES = (32, 33)
# Windows: network path/name gone, ERROR_NETNAME_DELETED, ERROR_UNEXP_NET_ERR, ERROR_BAD_NETPATH
NETWORK_GONE_CODES = (51, 53, 59, 64, 67)


def is_sharing_violation(exc: BaseException) -> bool:
    """True when Windows reports the file open in another program (the instrument writing it)."""
    return isinstance(exc, OSError) and getattr(exc, "winerror", None) in SHARING_VIOLATION_CODES


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


def open_source(path: Path) -> int:
    """Open a source file for reading, as a raw descriptor; SourceBusy when it is locked."""
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if is_sharing_violation(exc):
            raise SourceBusy(
                f"{path.name} is in use by another program.", "It will be copied at a later run."
            ) from exc
        raise FileError(
            f"Cannot read {path}: {exc.strerror or exc}.", "Check its permissions."
        ) from exc


def to_user_path(path: str | Path) -> str:
    """Show a path the way the technician typed it (UNC paths keep their backslashes)."""
    return str(path)


class LocalConnector:
    """Destination folder on this computer or on a share it can reach by path."""

    capabilities = Capabilities(server_checksums=True, keeps_mtime=True)

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.description = to_user_path(self.root)
        self._renamed_since_flush = False
        self._prefix = native_prefix(self.root)
        self._made_folders: set[str] = set()
        self._readback = ReadBackWorker()
        self._pending: dict[str, Future[tuple[int, str]]] = {}  # temp name -> read-back result

    # --- connection (nothing to open, but the folder can vanish) --------------------------------
    def connect(self) -> None:
        self.ensure_exists()

    def close(self) -> None:
        for temp_rel_path in list(self._pending):
            self._forget_readback(temp_rel_path)
        self._readback.shutdown()
        if self._renamed_since_flush:
            self._flush_to_disk()  # the last batch's renames

    def reconnect(self) -> None:
        self.ensure_exists()

    def ensure_exists(self) -> None:
        try:
            is_dir = self.root.is_dir()
        except OSError as exc:
            raise Unreachable(
                f"Cannot reach the destination {self.description} ({exc.strerror or exc}).",
                "Check that the network share is connected and OELEO_BASE_DIR_TO is right.",
            ) from exc
        if not is_dir:
            raise DestinationMissing(
                f"The destination folder {self.description} does not exist or is not reachable.",
                "Create it, connect the network drive, or correct OELEO_BASE_DIR_TO.",
            )

    def ensure_ready(self) -> None:
        self.ensure_exists()
        probe = self.root / PurePosixPath(temp_name_for("write-probe")).name
        with self._translated(""):
            with open(probe, "wb") as fh:
                fh.write(b"oeleo")
            probe.unlink()

    # --- naming and listing ---------------------------------------------------------------------
    def _path(self, rel_path: str) -> Path:
        return self.root.joinpath(*PurePosixPath(rel_path).parts)

    def _native(self, rel_path: str) -> str:
        """`_path` as a string, without pathlib: this runs several times per copied file."""
        return self._prefix + native(rel_path)

    def _make_parent(self, native: str) -> None:
        folder = os.path.dirname(native)
        if folder not in self._made_folders:
            os.makedirs(folder, exist_ok=True)
            self._made_folders.add(folder)

    def external_name(self, rel_path: str) -> str:
        return self._native(rel_path)

    def list_files(
        self, *, recursive: bool, cancel: CancelToken | None = None
    ) -> dict[str, RemoteEntry]:
        self.ensure_exists()
        found: dict[str, RemoteEntry] = {}
        stack = [(str(self.root), "")]
        while stack:
            folder, prefix = stack.pop()
            if cancel is not None:
                cancel.raise_if_cancelled()
            with self._translated(prefix):
                entries = list(os.scandir(folder))
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if recursive:
                        stack.append((entry.path, prefix + entry.name + "/"))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    found[prefix + entry.name] = RemoteEntry(
                        prefix + entry.name, st.st_size, st.st_mtime
                    )
        return found

    def stat(self, rel_path: str) -> RemoteEntry | None:
        with self._translated(rel_path):
            try:
                st = os.stat(self._native(rel_path))
            except FileNotFoundError:
                return None
        return RemoteEntry(rel_path, st.st_size, st.st_mtime)

    def checksums(
        self, rel_paths: Sequence[str], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        result = {}
        for rel_path in rel_paths:
            with self._translated(rel_path):
                try:
                    result[rel_path] = md5_file(self._path(rel_path), cancel)
                except FileNotFoundError:
                    continue
        return result

    # --- writing --------------------------------------------------------------------------------
    def upload_temp(
        self,
        source: Path,
        rel_path: str,
        *,
        temp_rel_path: str,
        mtime: float,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Upload:
        temp = self._native(temp_rel_path)
        src_fd = open_source(source)
        readback: ReadBack | None = None
        try:
            digest = hashlib.md5(usedforsecurity=False)
            size = 0
            try:
                with self._translated(rel_path):
                    self._make_parent(temp)
                    out_fd = os.open(temp, _CREATE_NEW, 0o666)
                    try:
                        if os.fstat(src_fd).st_size >= READBACK_MIN_BYTES:
                            readback = self._readback.start(temp)
                        next_readback = READBACK_STEP_BYTES
                        while chunk := os.read(src_fd, READ_CHUNK):
                            digest.update(chunk)  # the bytes written are the bytes hashed
                            _write_all(out_fd, chunk)
                            size += len(chunk)
                            if readback is not None and size >= next_readback:
                                readback.advance(size)
                                next_readback = size + READBACK_STEP_BYTES
                            progress(size)
                            cancel.raise_if_cancelled()
                        if not _HAS_SYNCFS:
                            os.fsync(out_fd)  # else one syncfs per batch, in verify()
                    finally:
                        os.close(out_fd)
                if readback is not None:
                    self._pending[temp_rel_path] = readback.finish()
            except BaseException:
                if readback is not None and temp_rel_path not in self._pending:
                    readback.abandon()
                self.remove(temp_rel_path)
                raise
        finally:
            os.close(src_fd)
        return Upload(rel_path, temp_rel_path, size, digest.hexdigest(), mtime)

    def verify(
        self, uploads: Sequence[Upload], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """Size and MD5 of what arrived: large files were read back during the copy (see
        `readback`), small ones are read back here, after the batch is flushed to disk."""
        problems = {}
        if uploads:
            self._flush_to_disk()  # the data is durable before any rename makes it visible
        for upload in uploads:
            with self._translated(upload.rel_path):
                pending = self._pending.pop(upload.temp_rel_path, None)
                if pending is not None:
                    size, md5 = pending.result()
                else:
                    temp = self._native(upload.temp_rel_path)
                    size = os.stat(temp).st_size
                    md5 = md5_file(temp, cancel) if size == upload.size else ""
            if size != upload.size:
                problems[upload.temp_rel_path] = f"{size} bytes arrived, {upload.size} were sent"
            elif md5 != upload.md5:
                problems[upload.temp_rel_path] = "the content that arrived differs from the source"
        return problems

    def commit(self, upload: Upload) -> None:
        temp = self._native(upload.temp_rel_path)
        with self._translated(upload.rel_path):
            os.utime(temp, (upload.mtime, upload.mtime))
            os.replace(temp, self._native(upload.rel_path))
            if not _HAS_SYNCFS:
                _fsync_folder(Path(temp).parent)
        self._renamed_since_flush = True

    def _flush_to_disk(self) -> None:
        """One `syncfs` for a whole batch (Linux), instead of an fsync per file and folder."""
        if _HAS_SYNCFS:
            with self._translated(""):
                _syncfs(self.root)
        self._renamed_since_flush = False

    def rename(self, rel_from: str, rel_to: str) -> None:
        target = self._path(rel_to)
        with self._translated(rel_from):
            if target.exists():
                raise FileExistsError(errno.EEXIST, "exists", str(target))
            os.rename(self._path(rel_from), target)

    def remove(self, rel_path: str) -> None:
        self._forget_readback(rel_path)
        try:
            os.unlink(self._native(rel_path))
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove %s: %s", rel_path, exc)

    def _forget_readback(self, temp_rel_path: str) -> None:
        """Wait for a read-back nobody will verify, so its descriptor is closed."""
        pending = self._pending.pop(temp_rel_path, None)
        if pending is not None:
            with contextlib.suppress(Exception):
                pending.result()

    def sweep(self, rel_paths: Sequence[str]) -> None:
        for rel_path in rel_paths:
            if is_temp_name(rel_path):
                self.remove(rel_path)

    # --- one place for OS errors ----------------------------------------------------------------
    @contextlib.contextmanager
    def _translated(self, rel_path: str) -> Iterator[None]:
        try:
            yield
        except (DestinationError, FileError):
            raise
        except OSError as exc:
            raise self._error(exc, rel_path) from exc

    def _error(self, exc: OSError, rel_path: str) -> Exception:
        where = self.description
        if exc.errno in (errno.ENOSPC, errno.EDQUOT) or getattr(exc, "winerror", None) in (39, 112):
            return DestinationFull(
                f"The destination {where} is full.", "Free some space there; nothing was lost."
            )
        if isinstance(exc, PermissionError) and not is_sharing_violation(exc):
            return DestinationPermissionDenied(
                f"No permission to write in {where}.",
                "Ask for write access to that folder or choose another OELEO_BASE_DIR_TO.",
            )
        if is_network_gone(exc) or not self.root.exists():
            return Unreachable(
                f"The destination {where} is no longer reachable ({exc.strerror or exc}).",
                "Check the network share; the run will continue at the next attempt.",
            )
        if isinstance(exc, FileNotFoundError):
            return DestinationMissing(
                f"A folder of {where} vanished while writing {rel_path}.",
                "Check that nobody is moving folders at the destination.",
            )
        return FileError(f"Could not write {rel_path} to {where}: {exc.strerror or exc}.", "")


def _write_all(fd: int, data: bytes) -> None:
    """`os.write` may write less than asked (a full disk, a signal); write the rest."""
    written = os.write(fd, data)
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]


def _load_syncfs() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_SYNCFS = _load_syncfs()
_HAS_SYNCFS = _SYNCFS is not None


def _syncfs(folder: Path) -> None:
    """Flush every dirty page of the file system holding `folder` to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _SYNCFS is not None and _SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(folder))
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); Windows has no directory handles to fsync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
