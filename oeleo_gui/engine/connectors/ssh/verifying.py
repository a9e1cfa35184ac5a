"""How the SSH destination looks at what arrived: sizes and times in one round trip, MD5s
computed by the server (`remote_md5`: hashed as each file is sent, or in one command for a
list), or read back over SFTP where the account has no shell (an SFTP-only account). The
connection is `SshConnection`'s; writing and renaming are `SshConnector`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from oeleo_gui.engine.connectors.base import RemoteEntry, Upload
from oeleo_gui.engine.connectors.ssh import bulk, remote_md5
from oeleo_gui.engine.connectors.ssh.connection import SshConnection
from oeleo_gui.engine.connectors.ssh.readback import ReadBack
from oeleo_gui.engine.connectors.ssh.remote_md5 import HashAsSent
from oeleo_gui.engine.connectors.ssh.sftp_pipe import encode
from oeleo_gui.engine.events import CancelToken

EXEC_DEADLINE = 3600.0  # one batched md5sum; cancel is checked every second meanwhile
HASH_RUN_FILES = 500  # names per md5sum: one tar stream's (tar_stream.CHUNK_FILES) ...
HASH_RUN_BYTES = 32 * 1024 * 1024  # ... but big files hashed as soon as each is complete


class SshVerifying(SshConnection):
    """Looking at and hashing files at the destination (see the module docstring)."""

    # --- looking ---------------------------------------------------------------------------------
    def stat(self, rel_path: str) -> RemoteEntry | None:
        sftp = self._require_sftp()
        with self._errors(rel_path):
            try:
                st = sftp.stat(self._remote(rel_path))
            except FileNotFoundError:
                return None
        return RemoteEntry(rel_path, st.st_size or 0, st.st_mtime)

    def _stat_exactly(self, rel_paths: Sequence[str]) -> dict[str, RemoteEntry]:
        rels = list(rel_paths)
        with self._errors():
            found = bulk.stat_many(self._require_pipe(), [encode(self._remote(r)) for r in rels])
        return {
            rels[i]: RemoteEntry(rels[i], a.size or 0, None if a.mtime is None else float(a.mtime))
            for i, a in found.items()
        }

    # --- hashing ---------------------------------------------------------------------------------
    def checksums(
        self, rel_paths: Sequence[str], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        if not rel_paths:
            return {}
        self._require_sftp()  # connects when needed; refuses while the connection is lost
        wanted = {self._remote(rel): rel for rel in rel_paths}
        with self._errors():
            if self._can_exec:
                found = remote_md5.md5_many(
                    self._transport(),
                    list(wanted),
                    cancel,
                    deadline=EXEC_DEADLINE,
                    open_timeout=self.connect_timeout,
                    collected=self._collected_md5,
                )
                return {wanted[p]: md5 for p, md5 in found.items()}
        sizes = self._stat_exactly(rel_paths)
        return self._read_back({rel: entry.size for rel, entry in sizes.items()}, cancel)

    def _read_back(self, sizes: dict[str, int], cancel: CancelToken | None) -> dict[str, str]:
        """MD5s of files read back over SFTP (SFTP-only accounts), many reads in flight."""
        rels = list(sizes)
        with self._errors():
            found = ReadBack(self._require_pipe(), cancel).run(
                [(encode(self._remote(rel)), sizes[rel]) for rel in rels]
            )
        return {rels[i]: md5 for i, md5 in found.items()}

    def verify(
        self, uploads: Sequence[Upload], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """One batched `md5sum` on the server; a file that arrived short or long has another
        digest too, so only the files that fail are looked at again, to say what is wrong.
        Without a shell (SFTP-only accounts) sizes are checked first, then read back."""
        if not self._can_exec:
            return self._verify_by_reading_back(uploads, cancel)
        digests = self._hashed_as_sent(cancel)
        missing = [u.temp_rel_path for u in uploads if u.temp_rel_path not in digests]
        if missing:
            digests.update(self.checksums(missing, cancel))
        return {
            u.temp_rel_path: self._arrival_problem(u, digests.get(u.temp_rel_path))
            for u in uploads
            if digests.get(u.temp_rel_path) != u.md5
        }

    def _hashed_as_sent(self, cancel: CancelToken | None) -> dict[str, str]:
        """{temp_rel_path: md5} the server computed while the last batch was sent."""
        hashing, self._hashing = self._hashing, None
        if hashing is None:
            return {}
        with self._errors():
            found = hashing.digests(cancel, deadline=EXEC_DEADLINE)
        return {p.removeprefix(self._prefix): md5 for p, md5 in found.items()}

    def _verify_by_reading_back(
        self, uploads: Sequence[Upload], cancel: CancelToken | None
    ) -> dict[str, str]:
        problems: dict[str, str] = {}
        entries = self._stat_exactly([u.temp_rel_path for u in uploads])
        arrived = {}
        for upload in uploads:
            entry = entries.get(upload.temp_rel_path)
            if entry is None or entry.size != upload.size:
                problems[upload.temp_rel_path] = self._arrival_problem(upload, None)
            else:
                arrived[upload.temp_rel_path] = upload.size
        digests = self._read_back(arrived, cancel)
        for upload in uploads:
            md5 = digests.get(upload.temp_rel_path)
            if upload.temp_rel_path in arrived and md5 != upload.md5:
                problems[upload.temp_rel_path] = self._arrival_problem(upload, md5)
        return problems

    def _arrival_problem(self, upload: Upload, md5: str | None) -> str:
        """Why an upload did not verify, in words (asks the server again: failures are rare)."""
        entry = self.stat(upload.temp_rel_path)
        if entry is None:
            return "the uploaded file vanished at the destination"
        if entry.size != upload.size:
            return f"{entry.size} bytes arrived, {upload.size} were sent"
        if md5 is None:
            return "the uploaded file could not be read back"
        return "the content that arrived differs from the source"

    def _start_hashing(self, sizes: dict[int, int]) -> HashAsSent | None:
        """Have the server hash the batch's files as they arrive (see `verify`)."""
        if self._hashing is not None:  # the previous batch was never verified
            self._hashing.close()
            self._hashing = None
        if not self._can_exec or not sizes:
            return None
        average = sum(sizes.values()) // len(sizes)
        per_run = max(1, min(HASH_RUN_FILES, HASH_RUN_BYTES // max(1, average)))
        with self._errors():
            self._hashing = HashAsSent(
                self._transport(), per_run, self.connect_timeout, collected=self._collected_md5
            )
        return self._hashing
