"""A fixed command run on the SSH server over an exec channel, fed on its standard input.

Only fixed text is ever a command line here; whatever varies (file names, file contents)
travels on standard input, so the remote shell never interprets it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import paramiko

from oeleo_gui.engine.events import CancelToken

log = logging.getLogger(__name__)

POLL = 1.0  # seconds between looks at the cancel token while a command runs


class CommandEnded(Exception):
    """The command stopped reading its input while the connection itself is fine."""


@dataclass(frozen=True, slots=True)
class Finished:
    status: int  # the exit status; -1 when the server did not say
    output: bytes
    errors: str


class RemoteCommand:
    """A fixed command running on the server, fed on standard input as the caller goes."""

    def __init__(self, transport: paramiko.Transport, command: str, open_timeout: float) -> None:
        self.command = command
        self.channel = transport.open_session(timeout=open_timeout)
        try:
            self.channel.exec_command(command)
        except BaseException:
            self.channel.close()
            raise

    def feed(self, data: bytes | memoryview) -> None:
        """Send to the command's standard input; CommandEnded when it no longer reads (it
        exited, e.g. not found) while the connection is fine."""
        try:
            self.channel.sendall(data)
        except OSError as exc:
            transport = self.channel.get_transport()
            if self.channel.closed and transport is not None and transport.is_active():
                status = self.channel.exit_status if self.channel.exit_status_ready() else -1
                raise CommandEnded(f"{self.command.split()[0]} ended early ({status})") from exc
            raise

    def finish(self, cancel: CancelToken | None, *, deadline: float) -> Finished:
        """Close standard input and wait for the command to end.

        Raises TimeoutError when it runs longer than `deadline` seconds, Cancelled when
        cancelled (the channel is closed; the server ends the command)."""
        chan = self.channel
        try:
            chan.shutdown_write()
            chan.settimeout(POLL)
            out, waited = bytearray(), 0.0
            while True:
                try:
                    data = chan.recv(1024 * 1024)
                except TimeoutError:
                    waited += POLL
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    if waited > deadline:
                        raise
                    continue
                if not data:
                    break
                out += data
            status = chan.recv_exit_status()  # comes after all of the output
            errors = bytearray()
            while chan.recv_stderr_ready():
                errors += chan.recv_stderr(65536)
            text = errors.decode("utf-8", "replace").strip()
            if text:
                log.debug("%s: %s", self.command.split()[0], text)
            return Finished(status, bytes(out), text)
        finally:
            chan.close()

    def abandon(self, timeout: float) -> None:
        """End the command's input early and give it up to `timeout` seconds to exit, so
        that it writes nothing after the caller cleaned up behind it."""
        chan = self.channel
        try:
            chan.shutdown_write()
            deadline = time.monotonic() + timeout
            while not chan.exit_status_ready() and time.monotonic() < deadline:
                chan.status_event.wait(POLL)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            log.debug("%s: %s while giving it up", self.command.split()[0], exc)
        finally:
            chan.close()

    def close(self) -> None:
        self.channel.close()
