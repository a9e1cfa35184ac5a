"""The destination contract every connector fulfils (local folder, SSH/SFTP, SharePoint).

The worker drives the same steps for every destination, so the safety rules live in one place:

1. `upload_temp` streams the source into a *temporary* name next to the final one, computing the
   MD5 of the bytes read (the source is read once) and checking the cancel token between chunks;
2. `verify` checks what arrived at the temporary names (size always; content as the destination
   allows), for a batch of uploads at once so remote checks cost one round trip;
3. `rename` moves a foreign destination file aside when needed, then `commit` renames the
   temporary file over the final name (keeping the source's modification time where possible);
4. on any failure `remove` discards the temporary file, and nothing is recorded.

A connector that can send a whole batch with many requests in flight (SSH) also offers
`BatchUploads`; the worker then uses `upload_batch` and `commit_batch` in place of `upload_temp`
and `commit`, with the same guarantees. Other connectors need not know it exists.

Paths given to a connector are POSIX-style and relative to the destination folder. Connectors
translate their library's exceptions into `oeleo_gui.engine.errors` classes in one place each;
a lost connection raises `ConnectionLost` so the worker can reconnect and retry.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from oeleo_gui.engine.errors import FileError
from oeleo_gui.engine.events import CancelToken

ProgressCallback = Callable[[int], None]
"""Called with the number of bytes of the current file sent so far."""
BatchProgress = Callable[[int, int], None]
"""Called with a file's index in the batch and the number of its bytes sent so far."""

OELEO_FOLDER = ".oeleo"
"""The destination's folder for oeleo-gui's own files, never data: not scanned, not compared."""
STATUS_FOLDER = f"{OELEO_FOLDER}/status"
"""Where each instrument's status record (`<instrument>.json`) lives, for the lab overview."""

TEMP_SUFFIX = ".oeleo-part"
_TEMP_RE = re.compile(r"^\..+\.[0-9a-f]{8}" + re.escape(TEMP_SUFFIX) + r"$")
CHUNK_SIZE = 1024 * 1024


def temp_name_for(rel_path: str) -> str:
    """A recognisable temporary name in the same folder: `dir/.name.<8 hex>.oeleo-part`."""
    folder, slash, name = rel_path.rpartition("/")
    return f"{folder}{slash}.{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"


def is_temp_name(name: str) -> bool:
    """True for names made by `temp_name_for` (left behind by a crash, swept by the next run)."""
    return bool(_TEMP_RE.match(name.rstrip("/").rpartition("/")[2]))


@dataclass(frozen=True, slots=True)
class RemoteEntry:
    """A file at the destination."""

    rel_path: str
    size: int
    mtime: float | None = None


@dataclass(frozen=True, slots=True)
class Capabilities:
    server_checksums: bool
    """The destination can produce an MD5 without the content travelling back (or it is local)."""
    keeps_mtime: bool
    """`commit` sets the destination file's modification time to the source's."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent under a temporary name, not yet under its final name."""

    rel_path: str
    temp_rel_path: str
    size: int
    md5: str
    mtime: float


@runtime_checkable
class Connector(Protocol):
    description: str
    """Where the files go, for people: `/mnt/share/data`, `sftp://lab@server:22/srv/data`."""
    capabilities: Capabilities

    def connect(self) -> None:
        """Open the connection (no-op for a folder). Raises a DestinationError."""

    def close(self) -> None:
        """Release the connection; safe to call twice or before connect."""

    def reconnect(self) -> None:
        """Drop whatever is left of the connection and open a new one."""

    def ensure_ready(self) -> None:
        """The destination folder exists and is writable, else a DestinationError saying why."""

    def external_name(self, rel_path: str) -> str:
        """The full destination name recorded in `filelist.external_name`."""

    def list_files(
        self, *, recursive: bool, cancel: CancelToken | None = None
    ) -> dict[str, RemoteEntry]:
        """Every file under the destination folder, in one listing, keyed by relative path."""

    def stat(self, rel_path: str) -> RemoteEntry | None:
        """The destination file, or None when it does not exist."""

    def stat_many(self, rel_paths: Sequence[str]) -> dict[str, RemoteEntry]:
        """Those of these destination files that exist, in as few round trips as possible."""

    def checksums(
        self, rel_paths: Sequence[str], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """MD5 hex digests of destination files, in as few round trips as possible.

        Files that vanished are left out of the result."""

    def read_small_file(self, rel_path: str, max_bytes: int) -> bytes | None:
        """The content of a small destination file (a status record), or None when it does
        not exist. Reads at most `max_bytes + 1` bytes: a larger file raises a FileError."""

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
        """Stream `source` (the local file's path, a plain string: this runs once per file)
        to `temp_rel_path`, creating folders as needed.

        Raises SourceBusy when the OS reports the source locked; removes the temporary file
        itself on any failure (including Cancelled) before raising."""

    def verify(
        self, uploads: Sequence[Upload], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """Check what arrived; returns {temp_rel_path: problem} for the uploads that are wrong."""

    def commit(self, upload: Upload) -> None:
        """Rename the temporary file over the final name (atomically where the server can)."""

    def rename(self, rel_from: str, rel_to: str) -> None:
        """Rename a destination file (used to move a foreign file aside); never overwrites."""

    def remove(self, rel_path: str) -> None:
        """Delete a destination file; a missing file is not an error."""


def is_oeleo_path(rel_path: str) -> bool:
    """True for paths inside the destination's `.oeleo/` folder (status records)."""
    return rel_path == OELEO_FOLDER or rel_path.startswith(OELEO_FOLDER + "/")


def too_large(rel_path: str, description: str, max_bytes: int) -> FileError:
    """The error `read_small_file` raises for a file over its limit (the same words everywhere)."""
    return FileError(f"{rel_path} in {description} is larger than {max_bytes} bytes.", "")


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """One file of a batch for `BatchUploads.upload_batch`."""

    source: str
    rel_path: str
    temp_rel_path: str
    mtime: float


@runtime_checkable
class BatchUploads(Protocol):
    """Optional: sending and renaming a batch of files at once (many requests in flight)."""

    batch_files: int
    """How many files a batch may hold (the worker's default is smaller)."""

    def upload_batch(
        self,
        requests: Sequence[UploadRequest],
        *,
        progress: BatchProgress,
        done: Callable[[int, Upload | FileError], None],
        cancel: CancelToken,
    ) -> None:
        """`upload_temp` for every request; `done(index, outcome)` reports each file once it
        is finished: its `Upload`, or the `FileError` (`SourceBusy` included) that concerns
        that file alone. A cancel or a `DestinationError` stops the batch and is raised, once
        the temporary files not reported done are removed (after a lost connection: once
        connected again)."""

    def commit_batch(
        self, uploads: Sequence[Upload], *, committed: Callable[[Upload], None]
    ) -> None:
        """`commit` for every upload; `committed(upload)` for each one under its final name.
        Raises the first failure once every rename was answered."""


def flattened_or_mirrored(rel_path: str, *, mirror_subdirs: bool) -> str:
    """Upstream's naming: the relative path when subfolders are mirrored, else the bare name."""
    return rel_path if mirror_subdirs else rel_path.rpartition("/")[2]
