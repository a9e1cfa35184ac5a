"""The SSH connection an `SshConnector` works through: signing in, the SFTP sessions, what the
account can run, and the one place where library errors become engine errors (`_errors`).

Host keys are verified against the user's and the app's known-hosts files (`hostkeys`);
unknown or changed keys stop before anything is sent. Two SFTP sessions share the connection:
paramiko's, for single requests, and an `SftpPipe` for batches, opened when first needed.
After a dropped connection every call raises `ConnectionLost` until `reconnect()`, which also
removes the temporary files the drop left behind. Knows nothing of batches or the run flow.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import PurePosixPath

import paramiko

from oeleo_gui.engine.connectors.base import Capabilities
from oeleo_gui.engine.connectors.ssh import hostkeys, remote_md5
from oeleo_gui.engine.connectors.ssh.errors import Phase, translate
from oeleo_gui.engine.connectors.ssh.keys import load_private_key
from oeleo_gui.engine.connectors.ssh.remote_md5 import HashAsSent
from oeleo_gui.engine.connectors.ssh.session import IO_TIMEOUT, sign_in
from oeleo_gui.engine.connectors.ssh.sftp_pipe import SftpPipe
from oeleo_gui.engine.errors import AuthFailed, ConnectionLost, OeleoError
from oeleo_gui.engine.settings.config import SshSettings

log = logging.getLogger(__name__)


class SshConnection:
    """The connection to `remote_dir` on an SSH server, reached with `settings`."""

    def __init__(
        self, settings: SshSettings, remote_dir: str, *, connect_timeout: float = 15.0
    ) -> None:
        self.settings = settings
        self.connect_timeout = connect_timeout
        cleaned = remote_dir.strip().rstrip("/") or "/"
        if cleaned == "~" or cleaned.startswith("~/"):
            cleaned = cleaned[2:] or "."  # SFTP paths are relative to the home folder already
        self.remote_dir = PurePosixPath(cleaned)
        root = str(self.remote_dir)
        self._prefix = "" if root == "." else root.rstrip("/") + "/"  # cheaper than a Path join
        self.known_hosts_file = hostkeys.resolve_known_hosts_file(settings.known_hosts)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        shown = str(self.remote_dir) if self.remote_dir.is_absolute() else f"/~/{self.remote_dir}"
        self.description = f"sftp://{settings.username}@{host}:{settings.port}{shown}"
        self.capabilities = Capabilities(server_checksums=True, keeps_mtime=True)
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._pipe: SftpPipe | None = None  # opened when a batch first needs it
        self._hashing: HashAsSent | None = None  # the server hashing the last batch sent
        self._pkey: paramiko.PKey | None = None
        self._can_exec = True
        self._collected_md5 = True  # md5sum's lines collected into blocks (`remote_md5`)
        self._can_tar = True  # until a tar stream fails (see `sending`)
        self._can_rename = True  # by one command, until the server has no perl (`remote_rename`)
        self._made_dirs: set[str] = set()  # folders known to exist
        self._new_dirs: set[str] = set()  # folders this connection made (see stat_many)
        self._placed: set[str] = set()  # names it renamed into place there, and elsewhere
        self._sent_times: dict[str, int] = {}  # temporary name -> the mtime it was sent with
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
        self._remove_orphans()

    def close(self) -> None:
        pipe, sftp, client, hashing = self._pipe, self._sftp, self._client, self._hashing
        self._pipe = self._sftp = self._client = self._hashing = None
        self._lost = None
        self._made_dirs.clear()
        self._new_dirs.clear()
        self._placed.clear()
        self._sent_times.clear()
        for thing in (hashing, pipe, sftp, client):
            if thing is not None:
                try:
                    thing.close()
                except (OSError, EOFError, paramiko.SSHException) as exc:
                    log.debug("Closing %s: %s", type(thing).__name__, exc)

    def reconnect(self) -> None:
        log.info("Reconnecting to %s", self.description)
        self.close()
        self.connect()

    def _require_sftp(self) -> paramiko.SFTPClient:
        if self._lost is not None:  # stay down until the worker calls reconnect()
            raise ConnectionLost(self._lost.title, self._lost.hint)
        if self._sftp is None:
            self.connect()
        if self._sftp is None:  # connect() raises rather than leave this unset
            raise ConnectionLost(f"Not connected to {self.description}.", "")
        return self._sftp

    def _require_pipe(self) -> SftpPipe:
        """The session for many requests in flight, opened on first use."""
        self._require_sftp()  # connects when needed; refuses while the connection is lost
        if self._pipe is None:
            with self._errors():
                self._pipe = SftpPipe.open(self._transport(), self.connect_timeout)
                self._pipe.channel.settimeout(IO_TIMEOUT)
        return self._pipe

    def _probe_exec(self) -> None:
        """Can we hash on the server? Not on SFTP-only accounts (internal-sftp)."""
        found = remote_md5.probe(self._transport(), self.connect_timeout)
        ok = found is not None
        self._can_exec = ok
        self._collected_md5 = bool(found)
        self.capabilities = Capabilities(server_checksums=ok, keeps_mtime=True)
        if not ok:
            log.info(
                "%s has no usable shell: content is verified by reading it back", self.description
            )

    def _transport(self) -> paramiko.Transport:
        transport = self._client.get_transport() if self._client else None
        if transport is None:
            raise paramiko.SSHException("SSH session not active")
        return transport

    def _remote(self, rel_path: str) -> str:
        return self._prefix + rel_path

    def _remove_orphans(self) -> None:
        """Remove the temporary files a dropped connection left (the journal keeps them too)."""
        sftp = self._sftp
        for rel_path in sorted(self._orphans):
            self._orphans.discard(rel_path)
            try:
                with self._errors(rel_path), contextlib.suppress(FileNotFoundError):
                    sftp.remove(self._remote(rel_path))  # type: ignore[union-attr]
            except ConnectionLost:
                self._orphans.add(rel_path)
                return
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
            raise self._translate(exc, rel_path, phase) from exc

    def _translate(self, exc: BaseException, rel_path: str, phase: Phase) -> OeleoError:
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
        return error
