""" "Test connection" for the settings dialog and the CLI: can we reach and write the destination?

`test_connection` connects with the same connector a run uses, checks that the destination
folder exists and is writable, and answers in plain words (`ConnectionResult`). It never
raises for a destination problem. For SSH, an unknown or changed host key comes back as
`HostKeyInfo`, so the frontend can show the SHA256 fingerprint; only an unknown key may then be
trusted, with `trust_host`, which asks the server again and refuses if the key it shows now is
not the one the technician saw. Imports config, connectors, hostkeys, errors; never Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from oeleo_gui.engine.connectors import make_connector
from oeleo_gui.engine.connectors.ssh import hostkeys
from oeleo_gui.engine.errors import (
    DestinationError,
    HostKeyChanged,
    HostKeyUnknown,
    OeleoError,
)
from oeleo_gui.engine.settings.config import DestinationKind, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class HostKeyInfo:
    """An SSH server's host key that is not trusted (unknown) or differs from the trusted one."""

    host: str
    port: int
    key_type: str
    fingerprint: str
    known_hosts_file: Path
    changed: bool = False
    known_fingerprint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionResult:
    """What "Test connection" found; `message` is for the technician as it is."""

    ok: bool
    message: str
    host_key: HostKeyInfo | None = None


def test_connection(settings: Settings) -> ConnectionResult:
    """Connect, check the destination folder exists and is writable, disconnect."""
    connector = None
    try:
        connector = make_connector(settings)
        connector.connect()
        connector.ensure_ready()
    except HostKeyUnknown as exc:
        return _unknown_key(settings, exc)
    except HostKeyChanged as exc:
        return _changed_key(settings, exc)
    except OeleoError as exc:
        log.info("Test connection failed: %s", exc.title)
        return ConnectionResult(ok=False, message=_sentence(exc))
    except Exception as exc:  # a connector bug must not take the dialog down
        log.exception("Test connection failed unexpectedly")
        return ConnectionResult(
            ok=False,
            message=f"Unexpected error ({type(exc).__name__}: {exc}). See the log for details.",
        )
    finally:
        if connector is not None:
            connector.close()
    where = connector.description if connector is not None else settings.destination
    log.info("Test connection: %s reached and writable", where)
    return ConnectionResult(ok=True, message=f"Reached {where}: the folder exists and is writable.")


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _sentence(exc: OeleoError) -> str:
    title = exc.title.rstrip()
    if not title.endswith((".", "!", "?")):
        title += "."
    return f"{title} {exc.hint}".strip()


def _known_hosts_file(settings: Settings) -> Path:
    known = settings.ssh.known_hosts if settings.ssh is not None else None
    return hostkeys.resolve_known_hosts_file(known)


def _host_port(settings: Settings, exc_host: str) -> tuple[str, int]:
    if settings.destination_kind is DestinationKind.SSH and settings.ssh is not None:
        return settings.ssh.host, settings.ssh.port
    return exc_host, hostkeys.SSH_PORT


def _unknown_key(settings: Settings, exc: HostKeyUnknown) -> ConnectionResult:
    host, port = _host_port(settings, exc.host)
    info = HostKeyInfo(
        host=host,
        port=port,
        key_type=exc.key_type,
        fingerprint=exc.fingerprint,
        known_hosts_file=_known_hosts_file(settings),
    )
    return ConnectionResult(
        ok=False,
        message=(
            f"The server {hostkeys.host_key_name(host, port)} is not known yet. Its "
            f"{exc.key_type} host key has the fingerprint {exc.fingerprint}. Compare it with "
            "the fingerprint the server's administrator gives you before trusting it."
        ),
        host_key=info,
    )


def _changed_key(settings: Settings, exc: HostKeyChanged) -> ConnectionResult:
    host, port = _host_port(settings, exc.host)
    info = HostKeyInfo(
        host=host,
        port=port,
        key_type=exc.key_type,
        fingerprint=exc.fingerprint,
        known_hosts_file=_known_hosts_file(settings),
        changed=True,
        known_fingerprint=exc.known_fingerprint,
    )
    return ConnectionResult(ok=False, message=_sentence(exc), host_key=info)


def trust_host(info: HostKeyInfo, *, timeout: float = 10.0) -> Path:
    """Trust the unknown key the technician saw; returns the known-hosts file written.

    The server is asked again for its key: if it now shows another one, nothing is stored and
    `HostKeyChanged` is raised. A changed key (`info.changed`) is never trusted from here.
    """
    if info.changed:
        raise HostKeyChanged(
            hostkeys.host_key_name(info.host, info.port),
            info.key_type,
            info.fingerprint,
            info.known_fingerprint,
        )
    key_type, fingerprint, key = hostkeys.scan_host_key(info.host, info.port, timeout)
    if fingerprint != info.fingerprint or key_type != info.key_type:
        raise HostKeyChanged(
            hostkeys.host_key_name(info.host, info.port), key_type, fingerprint, info.fingerprint
        )
    try:
        return hostkeys.trust_host_key(info.host, info.port, key, info.known_hosts_file)
    except OSError as exc:
        raise DestinationError(
            f"Cannot write the known-hosts file {info.known_hosts_file} ({exc.strerror or exc}).",
            "Check that the folder exists and can be written, or set OELEO_KNOWN_HOSTS.",
        ) from exc
