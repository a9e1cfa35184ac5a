"""Signing in to an SSH server and opening the SFTP session an `SshConnector` works through.

The transport gets a large window (fast read-back of large files on SFTP-only accounts) and
prefers AES-GCM. Host keys are checked by the client's policy, set up by the caller
(`hostkeys`); errors are left to the caller to translate.
"""

from __future__ import annotations

import socket

import paramiko

from oeleo_gui.engine.settings.config import SshSettings

WINDOW_SIZE = 16 * 1024 * 1024  # our receive window: fast read-back of SFTP-only verifies
MAX_PACKET_SIZE = 256 * 1024
KEEPALIVE_SECONDS = 30
IO_TIMEOUT = 120.0  # no answer at all for this long on an open SFTP session: connection lost
# AEAD ciphers: one pass for encryption and integrity, about a third faster here than
# paramiko's first choice (aes128-ctr with a separate HMAC); servers without them fall back.
PREFERRED_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")


def fast_transport(sock: socket.socket, **kwargs: object) -> paramiko.Transport:
    """A transport with a large window, preferring AES-GCM where both sides offer it."""
    transport = paramiko.Transport(
        sock, default_window_size=WINDOW_SIZE, default_max_packet_size=MAX_PACKET_SIZE, **kwargs
    )
    options = transport.get_security_options()
    offered = tuple(options.ciphers)
    first = tuple(c for c in PREFERRED_CIPHERS if c in offered)
    options.ciphers = first + tuple(c for c in offered if c not in first)
    return transport


def sign_in(
    client: paramiko.SSHClient,
    sock: socket.socket,
    settings: SshSettings,
    pkey: paramiko.PKey | None,
    timeout: float,
) -> paramiko.SFTPClient:
    """Log in over `sock` with the key or password only (no agent, no key search: what the
    settings say is what is used), then open the SFTP session."""
    client.connect(
        settings.host,
        port=settings.port,
        username=settings.username,
        pkey=pkey,
        password=settings.password or None,
        sock=sock,
        timeout=timeout,
        banner_timeout=timeout,
        auth_timeout=timeout,
        channel_timeout=timeout,
        allow_agent=False,
        look_for_keys=False,
        transport_factory=fast_transport,
    )
    transport = client.get_transport()
    if transport is not None:
        transport.set_keepalive(KEEPALIVE_SECONDS)
    sftp = client.open_sftp()
    sftp.get_channel().settimeout(IO_TIMEOUT)
    return sftp
