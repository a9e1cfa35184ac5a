"""SSH host-key trust: which server keys we accept, and how a technician adds one.

Keys come from the user's `~/.ssh/known_hosts` and from the app's own known-hosts file
(`paths.app_known_hosts_file()` unless another file is configured), looked up as OpenSSH does:
`host` on port 22, `[host]:port` otherwise. An unknown key is never accepted on its own:
`RejectUnknownHostKey` raises `HostKeyUnknown` with the SHA256 fingerprint, so a person can
compare it with the server's and then call `trust_host_key` (CLI `trust-host`, Settings > Test
connection). A known host presenting another key raises `HostKeyChanged`.

Imports errors, paths and paramiko only; never gui or cli.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from pathlib import Path

import paramiko

from oeleo_gui.engine.errors import HostKeyChanged, HostKeyUnknown, Unreachable
from oeleo_gui.engine.settings import paths

log = logging.getLogger(__name__)

SSH_PORT = 22


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's fingerprint of a key: `SHA256:` + base64 of its SHA-256, without padding."""
    return str(key.fingerprint)


def host_key_name(host: str, port: int) -> str:
    """The known_hosts name of a server: `host` on port 22, `[host]:port` otherwise."""
    return host if port == SSH_PORT else f"[{host}]:{port}"


def user_known_hosts_file() -> Path:
    """The user's OpenSSH known-hosts file (it may not exist)."""
    return Path.home() / ".ssh" / "known_hosts"


def resolve_known_hosts_file(known_hosts_file: Path | None) -> Path:
    """The app's known-hosts file: the configured one, else the default in the config folder."""
    return known_hosts_file if known_hosts_file is not None else paths.app_known_hosts_file()


def load_known_hosts(
    known_hosts_file: Path | None = None,
    *,
    include_user_file: bool = True,
    into: paramiko.HostKeys | None = None,
) -> paramiko.HostKeys:
    """Every trusted key: the user's `~/.ssh/known_hosts` plus the app's file.

    Loads into `into` when given (e.g. an `SSHClient`'s own host keys). Missing or unreadable
    files count as empty (logged); lines paramiko cannot parse are skipped.
    """
    host_keys = paramiko.HostKeys() if into is None else into
    files = [user_known_hosts_file()] if include_user_file else []
    files.append(resolve_known_hosts_file(known_hosts_file))
    for path in files:
        if not path.is_file():
            continue
        try:
            host_keys.load(str(path))
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("Cannot read the known-hosts file %s: %s", path, exc)
    return host_keys


def known_keys_for(host_keys: paramiko.HostKeys, name: str) -> dict[str, paramiko.PKey]:
    """{key type: key} trusted for a known_hosts name (`host` or `[host]:port`)."""
    found = host_keys.lookup(name)
    if found is None:
        return {}
    return {key_type: found[key_type] for key_type in found}


class RejectUnknownHostKey(paramiko.MissingHostKeyPolicy):
    """Refuses every host key that is not already trusted; never adds one.

    paramiko calls this only when it has no key *of the presented type* for the server. If
    keys of another type are trusted for it, the server no longer has the key we know (paramiko
    asks for the known type first), so this is reported as a changed key, not an unknown one.
    """

    def __init__(self, host_keys: paramiko.HostKeys) -> None:
        self.host_keys = host_keys

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        known = known_keys_for(self.host_keys, hostname)
        if known:
            known_type, known_key = next(iter(known.items()))
            log.error(
                "Host %s presented a %s key but only %s is trusted",
                hostname,
                key.get_name(),
                known_type,
            )
            raise HostKeyChanged(hostname, key.get_name(), fingerprint(key), fingerprint(known_key))
        log.warning("Unknown host key for %s: %s %s", hostname, key.get_name(), fingerprint(key))
        raise HostKeyUnknown(hostname, key.get_name(), fingerprint(key))


def unreachable_error(exc: BaseException, host: str, port: int) -> Unreachable | None:
    """An `Unreachable` for a failure to open a TCP connection, or None if `exc` is not one."""
    where = f"{host}:{port}"
    check = "Check OELEO_EXTERNAL_HOST (host or host:port) and that the server is on."
    if isinstance(exc, socket.gaierror):
        return Unreachable(
            f"Cannot find the SSH server {host} (the name is not known).",
            "Check the host name in OELEO_EXTERNAL_HOST and the network connection.",
        )
    if isinstance(exc, ConnectionRefusedError):
        return Unreachable(f"Cannot reach {where} (connection refused).", check)
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return Unreachable(
            f"Cannot reach {where} (no answer in time).",
            check + " A firewall may be dropping the connection.",
        )
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return Unreachable(f"Cannot reach {where} (no route to the host).", check)
    if isinstance(exc, OSError) and not isinstance(exc, paramiko.SSHException):
        return Unreachable(f"Cannot reach {where} ({exc.strerror or exc}).", check)
    return None


def open_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to the server, or `Unreachable` saying why not."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        error = unreachable_error(exc, host, port)
        raise (error or Unreachable(f"Cannot reach {host}:{port} ({exc}).")) from exc
    # SFTP is request/answer: without this, Nagle + delayed ACKs add ~40 ms per small request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def scan_host_key(
    host: str, port: int = SSH_PORT, timeout: float = 10.0
) -> tuple[str, str, paramiko.PKey]:
    """Ask the server for its host key, without logging in: (key type, fingerprint, key).

    The result is for a person to compare with the fingerprint the server's administrator
    gives; only then pass the key to `trust_host_key`.
    """
    sock = open_socket(host, port, timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
    except (paramiko.SSHException, EOFError, OSError) as exc:
        error = unreachable_error(exc, host, port)
        raise (
            error
            or Unreachable(
                f"{host}:{port} did not answer as an SSH server ({exc}).",
                "Check the port in OELEO_EXTERNAL_HOST (SSH is usually 22).",
            )
        ) from exc
    finally:
        transport.close()
    log.info("Host %s presented %s %s", host_key_name(host, port), key.get_name(), fingerprint(key))
    return key.get_name(), fingerprint(key), key


def trust_host_key(
    host: str,
    port: int,
    key: paramiko.PKey,
    known_hosts_file: Path | None = None,
    *,
    replace: bool = False,
) -> Path:
    """Add `key` for the server to the app's known-hosts file (OpenSSH format); returns the file.

    Does nothing if the key is already there. If the file trusts another key of the same type
    for this server, raises `HostKeyChanged` unless `replace` is true, in which case the old
    entries of that type for this server are dropped (the file is swapped in atomically).
    """
    path = resolve_known_hosts_file(known_hosts_file)
    name = host_key_name(host, port)
    existing = paramiko.HostKeys()
    if path.is_file():
        existing.load(str(path))
    known = known_keys_for(existing, name)
    old = known.get(key.get_name())
    if old == key:
        log.info("Host key for %s is already trusted in %s", name, path)
        return path
    line = f"{name} {key.get_name()} {key.get_base64()}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if old is not None:
        if not replace:
            raise HostKeyChanged(name, key.get_name(), fingerprint(key), fingerprint(old))
        _rewrite_without(path, name, key.get_name(), line)
    else:
        prefix = ""
        if path.is_file() and path.stat().st_size > 0:
            with path.open("rb") as f:
                f.seek(-1, os.SEEK_END)
                prefix = "" if f.read(1) == b"\n" else "\n"
        with path.open("a", encoding="utf-8") as f:
            f.write(prefix + line)
    log.info("Trusted %s key %s for %s in %s", key.get_name(), fingerprint(key), name, path)
    return path


def _name_matches(name: str, pattern: str) -> bool:
    """A known_hosts host field equals `name`, in plain or hashed (`|1|salt|hash`) form."""
    if pattern.startswith("|1|"):
        salt = pattern.split("|")[2]
        return bool(paramiko.HostKeys.hash_host(name, salt) == pattern)
    return pattern == name


def _rewrite_without(path: Path, name: str, key_type: str, new_line: str) -> None:
    """Rewrite `path` without `name`'s keys of `key_type`, adding `new_line`, via os.replace."""
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        entry = None
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
            except paramiko.SSHException:
                entry = None
        if entry is not None and entry.key is not None and entry.key.get_name() == key_type:
            others = [h for h in entry.hostnames if not _name_matches(name, h)]
            if len(others) != len(entry.hostnames):
                if others:  # the line also names other hosts: keep it for them
                    entry.hostnames = others
                    kept.append(entry.to_line())
                continue
        kept.append(line if line.endswith("\n") else line + "\n")
    kept.append(new_line)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    os.replace(tmp, path)
