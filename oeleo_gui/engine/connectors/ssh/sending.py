"""How a batch travels to its temporary names: the small files as one `tar` stream where the
account can run `tar` (`tar_stream`), the others (or all of them) over SFTP with many requests
in flight (`uploads`). A tar stream that fails is removed and sent again over SFTP, and `tar`
is not used again (`tar_failed` says why). Errors are the caller's to translate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import paramiko

from oeleo_gui.engine.connectors.ssh import bulk, tar_stream
from oeleo_gui.engine.connectors.ssh.errors import Phase
from oeleo_gui.engine.connectors.ssh.sftp_pipe import SftpPipe, encode
from oeleo_gui.engine.connectors.ssh.uploads import BatchSender, Outgoing
from oeleo_gui.engine.errors import Cancelled, FileError, OeleoError
from oeleo_gui.engine.events import CancelToken

TAR_MIN_FILES = 16  # fewer small files go over SFTP: a process on the server is not worth it
EXEC_DEADLINE = 3600.0


def source_sizes(files: Sequence[tuple[int, Outgoing]]) -> dict[int, int]:
    """{index: size} of the sources that can be looked at now."""
    sizes = {}
    for index, item in files:
        try:
            sizes[index] = os.stat(item.source).st_size
        except OSError:
            continue  # reported by whoever sends it
    return sizes


@dataclass
class Sending:
    """One batch's journey; callbacks get each file's index in the batch."""

    pipe: SftpPipe
    transport: paramiko.Transport
    translate: Callable[[BaseException, int, Phase], OeleoError]
    on_progress: Callable[[int, int], None]
    on_sent: Callable[[int, int, str], None]
    on_failed: Callable[[int, FileError], None]
    cancel: CancelToken
    open_timeout: float
    tar_failed: str = ""
    unfinished: set[str] = field(default_factory=set)
    """Temporary names that may be left at the server when the connection dropped."""

    def run(self, files: list[tuple[int, Outgoing]], sizes: dict[int, int], *, tar: bool) -> None:
        by_tar: list[tuple[int, Outgoing]] = []
        if tar and tar_stream.usable([item.remote for _, item in files]):
            by_tar = [
                (i, f)
                for i, f in files
                if 0 <= sizes.get(i, -1) <= tar_stream.SMALL_FILE and tar_stream.fits(f.mtime)
            ]
        if len(by_tar) < TAR_MIN_FILES:
            by_tar = []
        again = self._send_tar(by_tar) if by_tar else []
        chosen = {i for i, _ in by_tar}
        by_sftp = again + [(i, f) for i, f in files if i not in chosen]
        if by_sftp:
            self._send_sftp(sorted(by_sftp, key=lambda pair: pair[0]))

    def _send_tar(self, files: list[tuple[int, Outgoing]]) -> list[tuple[int, Outgoing]]:
        """Send as tar streams; returns the files to send over SFTP instead (tar failed)."""
        unreadable: set[int] = set()

        def failed(index: int, exc: FileError) -> None:
            unreadable.add(index)
            self.on_failed(index, exc)

        sender = tar_stream.TarSender(
            self.transport,
            on_progress=self.on_progress,
            on_sent=self.on_sent,
            on_failed=failed,
            cancel=self.cancel,
            open_timeout=self.open_timeout,
            deadline=EXEC_DEADLINE,
        )
        self.unfinished.update(item.remote for _, item in files)
        try:
            sender.run(files)
        except (tar_stream.TarFailed, Cancelled) as exc:
            left = [(i, f) for i, f in files if i not in sender.reported and i not in unreadable]
            self.unfinished.difference_update(f.remote for i, f in files if i in sender.reported)
            self._remove([item.remote for _, item in left])
            if isinstance(exc, Cancelled):
                raise
            self.tar_failed = str(exc)
            return left
        self.unfinished.difference_update(item.remote for _, item in files)
        return []

    def _remove(self, remote_paths: Sequence[str]) -> None:
        """Remove what a stopped stream may have unpacked (missing names are fine)."""
        failures = bulk.remove_many(self.pipe, [encode(p) for p in remote_paths])
        self.unfinished.difference_update(
            p for n, p in enumerate(remote_paths) if n not in failures
        )

    def _send_sftp(self, files: list[tuple[int, Outgoing]]) -> None:
        indexes = [i for i, _ in files]
        sender = BatchSender(
            self.pipe,
            translate=lambda exc, k, phase: self.translate(exc, indexes[k], phase),
            on_progress=lambda k, n: self.on_progress(indexes[k], n),
            on_sent=lambda k, size, md5: self.on_sent(indexes[k], size, md5),
            on_failed=lambda k, exc: self.on_failed(indexes[k], exc),
            cancel=self.cancel,
        )
        try:
            sender.run([item for _, item in files])
        finally:
            self.unfinished.update(sender.unfinished)
