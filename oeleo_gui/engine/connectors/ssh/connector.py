"""A folder on an SSH server as the destination, over SFTP with paramiko.

One SSH connection (`connection`) serves a whole run. A batch of files travels under
temporary names (`sending`: small files as `tar` streams where the account has a shell, the
others with many SFTP requests in flight on a session of our own, `sftp_pipe`), folders made
in one go (`bulk`); the server hashes each file as it is complete, and `verify` compares
(`verifying`); then the batch is renamed into place by one command (`remote_rename`) or over
SFTP. Every paramiko/socket/OS error is translated in `SshConnection._errors`, and only there.
Imports `connectors.base`, `fileio`, the settings, `errors`, `events` and paramiko; never the
run flow.
"""

from __future__ import annotations

import contextlib
import logging
import stat
from collections.abc import Callable, Sequence

from oeleo_gui.engine.connectors.base import (
    BatchProgress,
    ProgressCallback,
    RemoteEntry,
    Upload,
    UploadRequest,
    is_temp_name,
    temp_name_for,
    too_large,
)
from oeleo_gui.engine.connectors.ssh import bulk, remote_rename
from oeleo_gui.engine.connectors.ssh.sending import Sending, source_sizes
from oeleo_gui.engine.connectors.ssh.session import IO_TIMEOUT
from oeleo_gui.engine.connectors.ssh.sftp_pipe import encode
from oeleo_gui.engine.connectors.ssh.uploads import Outgoing
from oeleo_gui.engine.connectors.ssh.verifying import SshVerifying
from oeleo_gui.engine.errors import ConnectionLost, DestinationMissing, FileError, PathBlocked
from oeleo_gui.engine.events import CancelToken

log = logging.getLogger(__name__)


class SshConnector(SshVerifying):
    """`remote_dir` on an SSH server, reached with `settings` (see `base.Connector` and
    `base.BatchUploads`); the connection itself is `SshConnection`'s."""

    # Each batch costs a few round trips, processes at the server and a wait at its end (the
    # last files hashed, then renamed); 5000 small files (a few MB) are resent whole at most
    # when the connection drops, and the database is written at each batch's end.
    batch_files = 5000

    def ensure_ready(self) -> None:
        self.connect()
        sftp = self._require_sftp()
        with self._errors():
            try:
                st = sftp.stat(str(self.remote_dir))
            except FileNotFoundError:
                st = None
            if st is None or not stat.S_ISDIR(st.st_mode or 0):
                raise DestinationMissing(
                    f"The folder {self.remote_dir} does not exist on {self.settings.host}.",
                    "Create it on the server, or correct OELEO_BASE_DIR_TO.",
                )
            probe = self._remote(temp_name_for("write-probe"))
            with sftp.open(probe, "wb") as f:
                f.write(b"oeleo")
            sftp.remove(probe)

    # --- naming and listing ----------------------------------------------------------------------
    def external_name(self, rel_path: str) -> str:
        return self._remote(rel_path)

    def list_files(
        self, *, recursive: bool, cancel: CancelToken | None = None
    ) -> dict[str, RemoteEntry]:
        sftp = self._require_sftp()
        found: dict[str, RemoteEntry] = {}
        stack = [(str(self.remote_dir), "")]
        with self._errors():
            while stack:
                folder, prefix = stack.pop()
                if cancel is not None:
                    cancel.raise_if_cancelled()
                try:
                    entries = sftp.listdir_attr(folder)
                except FileNotFoundError:
                    if not prefix:
                        raise
                    continue  # a subfolder vanished meanwhile
                for a in entries:
                    mode = a.st_mode or 0
                    rel = prefix + a.filename
                    if stat.S_ISDIR(mode):
                        if recursive:
                            stack.append((f"{folder}/{a.filename}", rel + "/"))
                    elif stat.S_ISREG(mode):
                        found[rel] = RemoteEntry(rel, a.st_size or 0, a.st_mtime)
        return found

    def stat_many(self, rel_paths: Sequence[str]) -> dict[str, RemoteEntry]:
        """One round trip for the whole batch (`bulk.stat_many`). The worker asks before it
        renames, to find files it did not write: in a folder this connection made, only the
        names it put there can exist (temporary names, and those renamed into place), so the
        server is not asked about the others and a first copy into new folders costs no stat."""
        return self._stat_exactly([r for r in rel_paths if self._may_exist(r)])

    def _may_exist(self, rel_path: str) -> bool:
        if rel_path.rpartition("/")[0] not in self._new_dirs:
            return True
        return rel_path in self._placed or is_temp_name(rel_path)

    # --- reading ----------------------------------------------------------------------------------
    def read_small_file(self, rel_path: str, max_bytes: int) -> bytes | None:
        sftp = self._require_sftp()
        with self._errors(rel_path):
            try:
                with sftp.open(self._remote(rel_path), "rb") as f:
                    data = f.read(max_bytes + 1)
            except FileNotFoundError:
                return None
        if len(data) > max_bytes:
            raise too_large(rel_path, self.description, max_bytes)
        return data

    # --- writing ---------------------------------------------------------------------------------
    def upload_batch(
        self,
        requests: Sequence[UploadRequest],
        *,
        progress: BatchProgress,
        done: Callable[[int, Upload | FileError], None],
        cancel: CancelToken,
    ) -> None:
        """Many files at once: their folders first, then the files (see `sending`), the
        server hashing each as soon as it is complete (see `verify`)."""
        pipe = self._require_pipe()
        refused = self._make_folders({_parent(r.temp_rel_path) for r in requests})
        files: list[tuple[int, Outgoing]] = []
        for i, r in enumerate(requests):
            problem = refused.get(_parent(r.temp_rel_path))
            if problem is not None:
                done(i, problem)
            else:
                files.append((i, Outgoing(r.source, self._remote(r.temp_rel_path), r.mtime)))
        sizes = source_sizes(files)
        hashing = self._start_hashing(sizes)

        def sent(i: int, size: int, md5: str) -> None:
            r = requests[i]
            if hashing is not None:
                hashing.add(self._remote(r.temp_rel_path))
            self._sent_times[r.temp_rel_path] = int(r.mtime)
            done(i, Upload(r.rel_path, r.temp_rel_path, size, md5, r.mtime))

        sending = Sending(
            pipe,
            self._transport(),
            lambda exc, i, phase: self._translate(exc, requests[i].rel_path, phase),
            progress,
            sent,
            done,
            cancel,
            self.connect_timeout,
        )
        try:
            with self._errors(phase="write"):
                sending.run(files, sizes, tar=self._can_exec and self._can_tar)
        except ConnectionLost:
            self._orphans.update(p.removeprefix(self._prefix) for p in sending.unfinished)
            raise
        finally:
            if sending.tar_failed:
                self._can_tar = False
                log.info("%s: sending over SFTP only (%s)", self.description, sending.tar_failed)

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
        """One file through `upload_batch`."""
        outcome: list[Upload | FileError] = []
        self.upload_batch(
            [UploadRequest(source, rel_path, temp_rel_path, mtime)],
            progress=lambda _i, n: progress(n),
            done=lambda _i, result: outcome.append(result),
            cancel=cancel,
        )
        if isinstance(outcome[0], Upload):
            return outcome[0]
        raise outcome[0]

    def _make_folders(self, rel_dirs: set[str]) -> dict[str, FileError]:
        """`mkdir -p` of the folders not known to exist yet; {folder: FileError} for those
        that cannot be made (`PathBlocked`: a file in the way). A destination problem is
        raised."""
        needed = sorted(d for d in rel_dirs if d not in ("", ".") and d not in self._made_dirs)
        if not needed:
            return {}
        with self._errors():
            problems = bulk.make_folders(
                self._require_pipe(), self.remote_dir, needed, self._new_dirs
            )
        refused: dict[str, FileError] = {}
        for folder, exc in problems.items():
            if isinstance(exc, NotADirectoryError):
                refused[folder] = PathBlocked(exc.filename)  # the worker moves it aside
                continue
            error = self._translate(exc, folder, "other")
            if not isinstance(error, FileError):
                raise error from exc
            refused[folder] = error
        self._made_dirs.update(d for d in needed if d not in refused)
        return refused

    def commit_batch(
        self, uploads: Sequence[Upload], *, committed: Callable[[Upload], None]
    ) -> None:
        """Every rename in one round trip (posix-rename: atomic over an existing file)."""
        pairs = [
            (encode(self._remote(u.temp_rel_path)), encode(self._remote(u.rel_path)))
            for u in uploads
        ]

        def renamed(i: int) -> None:
            self._placed.add(uploads[i].rel_path)
            committed(uploads[i])

        # The time was set as each file was sent; an upload may have been given another since
        # (a live copy takes the time of the state it copied).
        times = {
            i: u.mtime
            for i, u in enumerate(uploads)
            if self._sent_times.pop(u.temp_rel_path, None) != int(u.mtime)
        }
        with self._errors():
            failures = self._rename_many(pairs, renamed, times)
        if failures:
            i, exc = min(failures.items())
            raise self._translate(exc, uploads[i].rel_path, "other") from exc

    def _rename_many(
        self,
        pairs: list[tuple[bytes, bytes]],
        renamed: Callable[[int], None],
        times: dict[int, float],
    ) -> dict[int, BaseException]:
        """One command at the server where it can (see `remote_rename`), else over SFTP; a
        batch that needs new times set (live copies) goes over SFTP."""
        if self._can_exec and self._can_rename and not times and len(pairs) > 1:
            try:
                return remote_rename.rename_many(
                    self._transport(),
                    pairs,
                    renamed,
                    open_timeout=self.connect_timeout,
                    # as long as SFTP would wait for an answer, and a little per file
                    deadline=IO_TIMEOUT + len(pairs) / 100,
                )
            except remote_rename.NoRenameCommand as exc:
                self._can_rename = False
                log.info("%s: renaming over SFTP (%s)", self.description, exc)
        return bulk.rename_many(self._require_pipe(), pairs, renamed, times)

    def commit(self, upload: Upload) -> None:
        self.commit_batch([upload], committed=lambda _u: None)

    def rename(self, rel_from: str, rel_to: str) -> None:
        sftp = self._require_sftp()
        with self._errors(rel_from):
            if self.stat(rel_to) is not None:
                raise FileError(f"Cannot move {rel_from} aside: {rel_to} already exists.", "")
            refused = self._make_folders({_parent(rel_to)})
            if refused:
                raise next(iter(refused.values()))
            sftp.rename(self._remote(rel_from), self._remote(rel_to))  # plain SFTP: no overwrite
            self._placed.add(rel_to)

    def remove(self, rel_path: str) -> None:
        sftp = self._require_sftp()
        with self._errors(rel_path), contextlib.suppress(FileNotFoundError):
            sftp.remove(self._remote(rel_path))


def _parent(rel_path: str) -> str:
    return rel_path.rpartition("/")[0]
