"""What went wrong on the SSH destination, in words: paramiko's, the socket's and the SFTP
server's errors become engine errors naming the setting to check. Only `SshConnector._errors`
calls this."""

from __future__ import annotations

import errno
from typing import Literal

import paramiko

from oeleo_gui.engine.connectors.ssh import hostkeys
from oeleo_gui.engine.errors import (
    AuthFailed,
    ConnectionLost,
    DestinationFull,
    DestinationMissing,
    DestinationPermissionDenied,
    FileError,
    HostKeyChanged,
    OeleoError,
    Unreachable,
)
from oeleo_gui.engine.settings.config import SshSettings

LOST = (EOFError, ConnectionError, TimeoutError, paramiko.SSHException, paramiko.SFTPError)
"""Exceptions that mean the connection is gone (once it was up)."""
Phase = Literal["connect", "write", "other"]


def translate(
    exc: BaseException,
    rel_path: str,
    phase: Phase,
    *,
    settings: SshSettings,
    description: str,
    connected: bool,
) -> OeleoError:
    """The engine error for a paramiko, socket or OS error (`rel_path` may be empty)."""
    s = settings
    where = f"{s.host}:{s.port}"
    if isinstance(exc, paramiko.BadHostKeyException):
        name = hostkeys.host_key_name(s.host, s.port)
        got, known = exc.key, exc.expected_key
        return HostKeyChanged(
            name, got.get_name(), hostkeys.fingerprint(got), hostkeys.fingerprint(known)
        )
    if isinstance(exc, paramiko.BadAuthenticationType):
        allowed = ", ".join(exc.allowed_types) or "nothing we offer"
        return AuthFailed(
            f"{where} does not accept this way of logging in (it allows: {allowed}).",
            "Use what the server allows: a key (OELEO_KEY_FILENAME) or OELEO_PASSWORD.",
        )
    if isinstance(exc, paramiko.AuthenticationException):
        if s.key_filename is not None:
            hint = (
                f"Check OELEO_USERNAME and that the public half of {s.key_filename.name} is in "
                "the server's authorized_keys" + (", or OELEO_PASSWORD." if s.password else ".")
            )
        else:
            hint = "Check OELEO_USERNAME and OELEO_PASSWORD."
        return AuthFailed(f"The server {where} refused the login of {s.username}.", hint)
    if phase == "connect":
        return hostkeys.unreachable_error(exc, s.host, s.port) or Unreachable(
            f"{where} did not answer as an SSH server ({exc or type(exc).__name__}).",
            "Check the port in OELEO_EXTERNAL_HOST (SSH is usually 22).",
        )
    if isinstance(exc, LOST) or not connected or str(exc) == "Socket is closed":
        reason = str(exc) or type(exc).__name__
        return ConnectionLost(
            f"The connection to {where} was lost ({reason}).",
            "oeleo reconnects and carries on; if this keeps happening, check the network.",
        )
    if not isinstance(exc, OSError):
        return FileError(f"The server failed on {rel_path or description} ({exc}).", "")
    target = f"{rel_path} in {description}" if rel_path else description
    text = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or (phase == "write" and exc.errno is None):
        return DestinationFull(
            f"The server could not store {target} ({text}): its disk or quota is full.",
            "Free space on the server (or ask for a bigger quota); nothing was lost.",
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return DestinationPermissionDenied(
            f"{s.username} may not write {target}.",
            "Ask the server's administrator for write access, or change OELEO_BASE_DIR_TO.",
        )
    if exc.errno == errno.ENOENT:
        return DestinationMissing(
            f"{target} was not found on {s.host}.",
            "Check OELEO_BASE_DIR_TO and that nobody moves folders at the destination.",
        )
    return FileError(f"The server could not handle {target} ({text}).", "")
