"""A local or network folder (a mounted SMB share or a UNC path) as the destination.

Writes go to a recognisable temporary name in the final folder, are verified by reading them
back (large files while they are being copied, see `readback`), flushed to disk (one `syncfs`
per batch on Linux, an fsync per file elsewhere), given the source's modification time and then
`os.replace`d over the final name, so a crash never leaves a half-written file under the final
name. OS errors become engine errors in `errors` only (through `_translated`); the OS-level
pieces (Windows' error codes, making a folder) are in `os_details`; opening a source is
`fileio.source_files`'.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path, PurePosixPath

from oeleo_gui.engine.connectors.base import (
    Capabilities,
    ProgressCallback,
    RemoteEntry,
    Upload,
    is_temp_name,
    temp_name_for,
    too_large,
)
from oeleo_gui.engine.connectors.local.durability import FlushAhead
from oeleo_gui.engine.connectors.local.errors import Translated
from oeleo_gui.engine.connectors.local.os_details import (
    CREATE_NEW,
    is_network_gone,
    make_folder,
    read_back_from,
    write_all,
)
from oeleo_gui.engine.connectors.local.readback import ChunkHasher, ReadBack, ReadBackWorker
from oeleo_gui.engine.errors import (
    DestinationMissing,
    FileError,
    PathBlocked,
    Unreachable,
)
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.fileio.flush import HAS_SYNCFS, fsync_folder
from oeleo_gui.engine.fileio.hashing import READ_CHUNK, md5_file
from oeleo_gui.engine.fileio.native_paths import native, native_prefix
from oeleo_gui.engine.fileio.source_files import open_source

log = logging.getLogger(__name__)
READBACK_MIN_BYTES = 1024 * 1024  # files this large are read back while they are copied
READBACK_STEP_BYTES = 1024 * 1024  # the read-back follows the copy this closely
ReadBackResult = Future[tuple[int, str]] | tuple[int, str]  # in progress, or done


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
        # Folders known to exist, and those this run created (nothing else is in them but
        # what this run put there: no need to look for foreign files). Reset at each connect.
        self._made_folders: set[str] = set()
        self._new_folders: set[str] = set()
        self._readback = ReadBackWorker()
        self._read_back: dict[str, ReadBackResult] = {}  # temp name -> (size, md5) read back
        self._flusher = FlushAhead(self.root)

    # --- connection (nothing to open, but the folder can vanish) --------------------------------
    def connect(self) -> None:
        self._forget_folders()
        self.ensure_exists()

    def _forget_folders(self) -> None:
        """Folders may have been removed, or written by others, since the last run."""
        self._made_folders.clear()
        self._new_folders.clear()

    def close(self) -> None:
        for temp_rel_path in list(self._read_back):
            self._forget_readback(temp_rel_path)
        self._readback.shutdown()
        try:
            if self._renamed_since_flush:
                self._flush_to_disk()  # the last batch's renames
        finally:
            self._flusher.close()

    def reconnect(self) -> None:
        self._forget_folders()
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
        """Create the folders above `native` inside the destination, noting those this run
        made. The destination folder itself is never created: if it vanished (a share that
        went away), writing into it fails and is reported as unreachable."""
        folder = os.path.dirname(native)
        if folder in self._made_folders or len(folder) < len(self._prefix):
            return
        try:
            created = make_folder(folder)
        except FileNotFoundError:
            self._make_parent(folder)
            created = make_folder(folder)
        except (FileExistsError, NotADirectoryError) as exc:
            # A file stands where this folder must be (the source turned a file into a
            # folder): the transfer moves it aside and copies again (issue 13, case 13).
            raise PathBlocked(self._blocking_file(folder)) from exc
        if created:
            self._new_folders.add(folder)
        self._made_folders.add(folder)

    def _blocking_file(self, folder: str) -> str:
        """The relative path of the file in the way of `folder` (it or one above it)."""
        parts = folder[len(self._prefix) :].replace(os.sep, "/").strip("/").split("/")
        for end in range(1, len(parts) + 1):
            rel = "/".join(parts[:end])
            if os.path.lexists(self._native(rel)) and not os.path.isdir(self._native(rel)):
                return rel
        return "/".join(parts)

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

    def stat_many(self, rel_paths: Sequence[str]) -> dict[str, RemoteEntry]:
        """Like `stat` for each name this run has not written yet (the files it is about to
        commit): in a folder this run created they are known to be absent, so a first copy of
        thousands of files into new folders skips as many `stat` calls."""
        new, dirname, native_of = self._new_folders, os.path.dirname, self._native
        return {
            rel: entry
            for rel in rel_paths
            if dirname(native_of(rel)) not in new and (entry := self.stat(rel)) is not None
        }

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

    def read_small_file(self, rel_path: str, max_bytes: int) -> bytes | None:
        try:
            with open(self._native(rel_path), "rb") as fh:
                data = fh.read(max_bytes + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if is_network_gone(exc) or not self.root.exists():
                raise Unreachable(
                    f"The destination {self.description} is not reachable ({exc.strerror or exc}).",
                    "Check the network share.",
                ) from exc
            raise FileError(
                f"Cannot read {rel_path} in {self.description}: {exc.strerror or exc}.", ""
            ) from exc
        if len(data) > max_bytes:
            raise too_large(rel_path, self.description, max_bytes)
        return data

    # --- writing --------------------------------------------------------------------------------
    def upload_temp(
        self,
        source: str,
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
                    out_fd = os.open(temp, CREATE_NEW, 0o666)
                    try:
                        next_readback = READBACK_MIN_BYTES
                        hasher: ChunkHasher | None = None
                        while chunk := os.read(src_fd, READ_CHUNK):
                            # the bytes written are the bytes hashed
                            (hasher or digest).update(chunk)
                            write_all(out_fd, chunk)
                            size += len(chunk)
                            if size >= next_readback:  # large: hash and read back alongside
                                readback = readback or self._readback.start(temp)
                                hasher = hasher or self._readback.hasher(digest)
                                readback.advance(size)
                                next_readback = size + READBACK_STEP_BYTES
                            progress(size)
                            cancel.raise_if_cancelled()
                        md5 = hasher.hexdigest() if hasher else digest.hexdigest()
                        if readback is None:  # small: read back now, it is still cached
                            self._read_back[temp_rel_path] = read_back_from(out_fd)
                        if not HAS_SYNCFS:
                            os.fsync(out_fd)  # else the batch is flushed at once, in verify()
                    finally:
                        os.close(out_fd)
                if readback is not None:
                    self._read_back[temp_rel_path] = readback.finish()
                self._flusher.wrote(size)
            except BaseException:
                if readback is not None and temp_rel_path not in self._read_back:
                    readback.abandon()
                self.remove(temp_rel_path)
                raise
        finally:
            os.close(src_fd)
        return Upload(rel_path, temp_rel_path, size, md5, mtime)

    def verify(
        self, uploads: Sequence[Upload], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """Compare what was read back of each temporary file (during or right after its copy,
        through the file system, see `readback`) with what was sent, after a flush to disk."""
        problems = {}
        if uploads:
            self._flush_to_disk()  # the data is durable before any rename makes it visible
        for upload in uploads:
            with self._translated(upload.rel_path):
                result = self._read_back.pop(upload.temp_rel_path, None)
                if isinstance(result, Future):
                    size, md5 = result.result()
                elif result is not None:
                    size, md5 = result
                else:  # not written by this connector object: read it back here
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
            if not HAS_SYNCFS:
                fsync_folder(os.path.dirname(temp))
        self._renamed_since_flush = True

    def _flush_to_disk(self) -> None:
        with self._translated(""):
            self._flusher.flush()
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
        except (FileNotFoundError, NotADirectoryError):  # not there: nothing to remove
            pass
        except OSError as exc:
            log.warning("could not remove %s: %s", rel_path, exc)

    def _forget_readback(self, temp_rel_path: str) -> None:
        """Wait for a read-back nobody will verify, so its descriptor is closed."""
        pending = self._read_back.pop(temp_rel_path, None)
        if isinstance(pending, Future):
            with contextlib.suppress(Exception):
                pending.result()

    def sweep(self, rel_paths: Sequence[str]) -> None:
        for rel_path in rel_paths:
            if is_temp_name(rel_path):
                self.remove(rel_path)

    # --- one place for OS errors (`errors` puts them in words) ----------------------------------
    def _translated(self, rel_path: str) -> Translated:
        """`with self._translated(rel):` turns an OSError into the engine error that says why."""
        return Translated(self.description, self.root, rel_path)
