"""A folder on an SSH server as the destination, over SFTP with paramiko.

One SSH connection and one SFTP session serve a whole run. Host keys are verified against the
user's and the app's known-hosts files (`hostkeys`); unknown or changed keys stop the run before
anything is sent. Uploads stream into a temporary name with SFTP pipelining while the MD5 of the
bytes read is computed; `verify` and `checksums` hash on the server with one batched `md5sum`
command when the account has a shell, and read the files back over SFTP when it has not (an
SFTP-only account). Every paramiko/socket/OS error is translated in `_errors`, and only there.

Signing in is in `session`, key files are read by `keys`, errors put in words by `errors`,
and batched requests and their parsing live in `batching` (all in this package). Imports
`connectors.base`, `fileio`, the settings, `errors`, `events` and paramiko; never the run flow.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shlex
import stat
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath

import paramiko

from oeleo_gui.engine.connectors.base import (
    CHUNK_SIZE,
    Capabilities,
    ProgressCallback,
    RemoteEntry,
    Upload,
    temp_name_for,
    too_large,
)
from oeleo_gui.engine.connectors.ssh import hostkeys
from oeleo_gui.engine.connectors.ssh.batching import (
    command_chunks,
    parse_md5sum,
    stat_pipelined,
    wait_for_write_acks,
)
from oeleo_gui.engine.connectors.ssh.errors import Phase, translate
from oeleo_gui.engine.connectors.ssh.keys import load_private_key
from oeleo_gui.engine.connectors.ssh.session import sign_in
from oeleo_gui.engine.errors import (
    AuthFailed,
    ConnectionLost,
    DestinationMissing,
    FileError,
    OeleoError,
)
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.fileio.source_files import open_source
from oeleo_gui.engine.settings.config import SshSettings

log = logging.getLogger(__name__)

EXEC_DEADLINE = 3600.0  # one batched md5sum; cancel is checked every second meanwhile
ARG_BUDGET = 64 * 1024  # bytes of paths per md5sum command: far under Linux's 128 KiB per arg
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


class SshConnector:
    """`remote_dir` on an SSH server, reached with `settings` (see `base.Connector`)."""

    def __init__(
        self, settings: SshSettings, remote_dir: str, *, connect_timeout: float = 15.0
    ) -> None:
        self.settings = settings
        self.connect_timeout = connect_timeout
        cleaned = remote_dir.strip().rstrip("/") or "/"
        if cleaned == "~" or cleaned.startswith("~/"):
            cleaned = cleaned[2:] or "."  # SFTP paths are relative to the home folder already
        self.remote_dir = PurePosixPath(cleaned)
        self.known_hosts_file = hostkeys.resolve_known_hosts_file(settings.known_hosts)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        shown = str(self.remote_dir) if self.remote_dir.is_absolute() else f"/~/{self.remote_dir}"
        self.description = f"sftp://{settings.username}@{host}:{settings.port}{shown}"
        self.capabilities = Capabilities(server_checksums=True, keeps_mtime=True)
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._pkey: paramiko.PKey | None = None
        self._can_exec = True
        self._posix_rename: bool | None = None  # None: not tried yet
        self._made_dirs: set[str] = set()
        self._lost: ConnectionLost | None = None  # set when the connection dropped mid-run
        self._orphans: set[str] = set()  # temporary files to remove once connected again

    # --- connection ------------------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        transport = self._client.get_transport() if self._client else None
        return self._sftp is not None and transport is not None and transport.is_active()

    def connect(self) -> None:
        if self.is_connected:
            return
        self.close()  # also forgets a lost connection: this is the explicit way back
        s = self.settings
        if s.key_filename is None and not s.password:
            raise AuthFailed(
                f"No SSH key or password is set for {s.username}@{s.host}.",
                "Set OELEO_KEY_FILENAME (a private key) or OELEO_PASSWORD.",
            )
        if s.key_filename is not None and self._pkey is None:
            self._pkey = load_private_key(s.key_filename, s.key_passphrase)
        client = paramiko.SSHClient()
        host_keys = hostkeys.load_known_hosts(self.known_hosts_file, into=client.get_host_keys())
        client.set_missing_host_key_policy(hostkeys.RejectUnknownHostKey(host_keys))
        sock = hostkeys.open_socket(s.host, s.port, self.connect_timeout)
        try:
            with self._errors(phase="connect"):
                self._sftp = sign_in(client, sock, s, self._pkey, self.connect_timeout)
                self._client = client
                self._probe_exec()
        except BaseException:
            self.close()
            client.close()
            sock.close()
            raise
        log.info("Connected to %s", self.description)
        for rel_path in sorted(self._orphans):
            self._orphans.discard(rel_path)
            self._remove_quietly(rel_path)

    def close(self) -> None:
        sftp, client = self._sftp, self._client
        self._sftp = self._client = None
        self._lost = None
        self._made_dirs.clear()
        for thing in (sftp, client):
            if thing is not None:
                try:
                    thing.close()
                except (OSError, EOFError, paramiko.SSHException) as exc:
                    log.debug("Closing %s: %s", type(thing).__name__, exc)

    def reconnect(self) -> None:
        log.info("Reconnecting to %s", self.description)
        self.close()
        self.connect()

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

    def _require_sftp(self) -> paramiko.SFTPClient:
        if self._lost is not None:  # stay down until the worker calls reconnect()
            raise ConnectionLost(self._lost.title, self._lost.hint)
        if self._sftp is None:
            self.connect()
        if self._sftp is None:  # connect() raises rather than leave this unset
            raise ConnectionLost(f"Not connected to {self.description}.", "")
        return self._sftp

    def _probe_exec(self) -> None:
        """Can we run `md5sum` on the server? Not on SFTP-only accounts (internal-sftp)."""
        try:
            out = self._exec(["md5sum", "/dev/null"], None, deadline=self.connect_timeout)
            ok = out.split(b" ", 1)[0].decode("ascii", "replace") == EMPTY_MD5
        except paramiko.ChannelException as exc:
            log.debug("exec refused: %s", exc)
            ok = False
        self._can_exec = ok
        self.capabilities = Capabilities(server_checksums=ok, keeps_mtime=True)
        if not ok:
            log.info(
                "%s has no usable shell: content is verified by reading it back", self.description
            )

    # --- naming and listing ----------------------------------------------------------------------
    def _remote(self, rel_path: str) -> str:
        return str(self.remote_dir / rel_path)

    def external_name(self, rel_path: str) -> str:
        return str(self.remote_dir / rel_path)

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

    def stat(self, rel_path: str) -> RemoteEntry | None:
        sftp = self._require_sftp()
        with self._errors(rel_path):
            try:
                st = sftp.stat(self._remote(rel_path))
            except FileNotFoundError:
                return None
        return RemoteEntry(rel_path, st.st_size or 0, st.st_mtime)

    def stat_many(self, rel_paths: Sequence[str]) -> dict[str, RemoteEntry]:
        """One round trip for the whole batch (see `batching.stat_pipelined`)."""
        wanted = {self._remote(rel): rel for rel in rel_paths}
        with self._errors():
            found = stat_pipelined(self._require_sftp(), list(wanted))
        return {
            wanted[path]: RemoteEntry(wanted[path], st.st_size or 0, st.st_mtime)
            for path, st in found.items()
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
                found: dict[str, str] = {}
                for chunk in command_chunks(list(wanted), ARG_BUDGET):
                    out = self._exec(["md5sum", "--", *chunk], cancel, deadline=EXEC_DEADLINE)
                    found.update(parse_md5sum(out))
                return {wanted[p]: md5 for p, md5 in found.items() if p in wanted}
            return {
                rel: md5 for p, rel in wanted.items() if (md5 := self._read_back_md5(p, cancel))
            }

    def _exec(self, argv: list[str], cancel: CancelToken | None, *, deadline: float) -> bytes:
        """Run one command on the server (stdin closed); its standard output."""
        client = self._client
        transport = client.get_transport() if client else None
        if transport is None:
            raise paramiko.SSHException("SSH session not active")
        chan = transport.open_session(timeout=self.connect_timeout)
        try:
            chan.settimeout(1.0)
            chan.exec_command(" ".join(shlex.quote(a) for a in argv))
            chan.shutdown_write()
            out, waited = bytearray(), 0.0
            while True:
                try:
                    data = chan.recv(1024 * 1024)
                except TimeoutError:
                    waited += 1.0
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    if waited > deadline:
                        raise
                    continue
                if not data:
                    break
                out += data
            while chan.recv_stderr_ready():
                log.debug(
                    "%s: %s", argv[0], chan.recv_stderr(65536).decode("utf-8", "replace").strip()
                )
            return bytes(out)
        finally:
            chan.close()

    def _read_back_md5(self, remote: str, cancel: CancelToken | None) -> str | None:
        sftp = self._require_sftp()
        digest = hashlib.md5(usedforsecurity=False)
        try:
            with sftp.open(remote, "rb") as f:
                f.prefetch()
                while chunk := f.read(CHUNK_SIZE):
                    digest.update(chunk)
                    if cancel is not None:
                        cancel.raise_if_cancelled()
        except FileNotFoundError:
            return None
        return digest.hexdigest()

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
        sftp = self._require_sftp()
        fd = open_source(source)  # SourceBusy when another program has it locked
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with self._errors(rel_path, phase="write"):
                self._makedirs(str(PurePosixPath(temp_rel_path).parent))
                with sftp.open(self._remote(temp_rel_path), "wb") as f:
                    f.set_pipelined(True)
                    while chunk := _read_source(fd, source):
                        digest.update(chunk)
                        f.write(chunk)
                        size += len(chunk)
                        progress(size)
                        cancel.raise_if_cancelled()
                    wait_for_write_acks(f)
        except BaseException:
            self._remove_quietly(temp_rel_path)
            raise
        finally:
            os.close(fd)
        return Upload(rel_path, temp_rel_path, size, digest.hexdigest(), mtime)

    def _makedirs(self, rel_dir: str) -> None:
        """`mkdir -p` below the destination folder, remembering folders known to exist."""
        if rel_dir in ("", ".") or rel_dir in self._made_dirs:
            return
        sftp = self._require_sftp()
        path = self._remote(rel_dir)
        try:
            st = sftp.stat(path)
        except FileNotFoundError:
            self._makedirs(str(PurePosixPath(rel_dir).parent))
            try:
                sftp.mkdir(path)
            except OSError:
                st = sftp.stat(path)  # made by someone else meanwhile? else raises again
                if not stat.S_ISDIR(st.st_mode or 0):
                    raise
        else:
            if not stat.S_ISDIR(st.st_mode or 0):
                raise FileError(f"{rel_dir} exists at the destination but is not a folder.", "")
        self._made_dirs.add(rel_dir)

    def verify(
        self, uploads: Sequence[Upload], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """One batched `md5sum` on the server; a file that arrived short or long has another
        digest too, so only the files that fail are looked at again, to say what is wrong.
        Without a shell (SFTP-only accounts) sizes are checked first, then read back."""
        if not self._can_exec:
            return self._verify_by_reading_back(uploads, cancel)
        digests = self.checksums([u.temp_rel_path for u in uploads], cancel)
        return {
            u.temp_rel_path: self._arrival_problem(u, digests.get(u.temp_rel_path))
            for u in uploads
            if digests.get(u.temp_rel_path) != u.md5
        }

    def _verify_by_reading_back(
        self, uploads: Sequence[Upload], cancel: CancelToken | None
    ) -> dict[str, str]:
        problems: dict[str, str] = {}
        arrived = []
        for upload in uploads:
            entry = self.stat(upload.temp_rel_path)
            if entry is None or entry.size != upload.size:
                problems[upload.temp_rel_path] = self._arrival_problem(upload, None)
            else:
                arrived.append(upload)
        digests = self.checksums([u.temp_rel_path for u in arrived], cancel)
        for upload in arrived:
            md5 = digests.get(upload.temp_rel_path)
            if md5 != upload.md5:
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

    def commit(self, upload: Upload) -> None:
        sftp = self._require_sftp()
        temp, final = self._remote(upload.temp_rel_path), self._remote(upload.rel_path)
        with self._errors(upload.rel_path):
            sftp.utime(temp, (upload.mtime, upload.mtime))
            if self._posix_rename is not False:
                try:
                    sftp.posix_rename(temp, final)
                    self._posix_rename = True
                    return
                except OSError as exc:
                    if self._posix_rename or "unsupported" not in str(exc).lower():
                        raise
                    log.info("%s has no posix-rename: replacing in two steps", self.description)
                    self._posix_rename = False
            with contextlib.suppress(FileNotFoundError):
                sftp.remove(final)
            sftp.rename(temp, final)

    def rename(self, rel_from: str, rel_to: str) -> None:
        sftp = self._require_sftp()
        with self._errors(rel_from):
            if self.stat(rel_to) is not None:
                raise FileError(f"Cannot move {rel_from} aside: {rel_to} already exists.", "")
            self._makedirs(str(PurePosixPath(rel_to).parent))
            sftp.rename(self._remote(rel_from), self._remote(rel_to))  # plain SFTP: no overwrite

    def remove(self, rel_path: str) -> None:
        sftp = self._require_sftp()
        with self._errors(rel_path), contextlib.suppress(FileNotFoundError):
            sftp.remove(self._remote(rel_path))

    def _remove_quietly(self, rel_path: str) -> None:
        try:
            self.remove(rel_path)
        except ConnectionLost:
            self._orphans.add(rel_path)
            log.debug("Could not remove %s now: retried after reconnecting", rel_path)
        except OeleoError as exc:
            log.debug("Could not remove %s (the next run sweeps it): %s", rel_path, exc.title)

    # --- the one place where library errors become ours ------------------------------------------
    @contextlib.contextmanager
    def _errors(self, rel_path: str = "", *, phase: Phase = "other") -> Iterator[None]:
        try:
            yield
        except OeleoError:
            raise
        except (paramiko.SSHException, paramiko.SFTPError, EOFError, OSError) as exc:
            error = translate(
                exc,
                rel_path,
                phase,
                settings=self.settings,
                description=self.description,
                connected=self.is_connected,
            )
            log.debug("%s -> %s", exc.__class__.__name__, error.__class__.__name__)
            if isinstance(error, ConnectionLost):
                self.close()  # what is left of the connection is of no use
                self._lost = error
            raise error from exc


def _read_source(fd: int, source: str) -> bytes:
    try:
        return os.read(fd, CHUNK_SIZE)
    except OSError as exc:
        raise FileError(f"Cannot read {source}: {exc.strerror or exc}.", "Check the file.") from exc
