"""The engine's errors: each says what happened (`title`) and what to change (`hint`).

Frontends show `title` and `hint` as they are; they never need a traceback. Connectors translate
their library's exceptions into these classes at one boundary each. Imports nothing but the stdlib.
"""

from __future__ import annotations

from dataclasses import dataclass


class OeleoError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, title: str, hint: str = "") -> None:
        super().__init__(title)
        self.title = title
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.title} {self.hint}".strip() if self.hint else self.title


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One bad or missing setting: the variable, its (masked) value and what was expected."""

    key: str
    value: str | None
    expected: str

    def __str__(self) -> str:
        """`KEY = 'value' — expected …`, or `KEY is not set: …`: what was found, then what it
        must be (a bare "KEY = value: an existing folder" read as a statement of fact)."""
        if self.value is None:
            return f"{self.key} is not set: {self.expected.removeprefix('required: ')}"
        return f"{self.key} = '{visible(self.value)}' — expected {self.expected}"


_CONTROL_NAMES = {"\n": "[line break]", "\r": "[carriage return]", "\t": "[tab]"}


def visible(text: str) -> str:
    """`text` as typed (backslashes single), its control characters named: a value or a file
    name must never print as a second line (a name could forge a log line), `C:\\data\\new`
    read in double quotes shows its line break, and a byte that is not UTF-8 (a lone surrogate
    from the file system) shows as `\\xfc`."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _named(ch) for ch in text)


def _named(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return _CONTROL_NAMES.get(ch, f"[U+{code:04X}]")


class ConfigError(OeleoError):
    """The configuration cannot work; holds every problem at once."""

    def __init__(self, problems: list[ConfigProblem], source: str = "") -> None:
        self.problems = list(problems)
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"The configuration{where} has {len(self.problems)} problem(s):\n{lines}",
            "Fix these settings in the .env file (or in Settings) and start again.",
        )


# --- destination: stops the run ------------------------------------------------------------------
class DestinationError(OeleoError):
    """The destination cannot be used; the run stops with this one error."""


class Unreachable(DestinationError):
    """The destination cannot be reached (host down, share not mounted, refused port...)."""


class ConnectionLost(Unreachable):
    """An established connection dropped mid-run; the worker reconnects and retries the file."""


class AuthFailed(DestinationError):
    """Wrong user name, password, key or passphrase."""


class HostKeyUnknown(DestinationError):
    """The SSH server's host key is not trusted yet; the technician must decide."""

    def __init__(self, host: str, key_type: str, fingerprint: str, hint: str = "") -> None:
        self.host = host
        self.key_type = key_type
        self.fingerprint = fingerprint
        super().__init__(
            f"The SSH server {host} is not known yet: its {key_type} host key has the fingerprint "
            f"{fingerprint}.",
            hint
            or "If this fingerprint is the server's, trust it with `oeleo-gui trust-host` "
            "(or Settings > Test connection). Never trust a key you cannot confirm.",
        )


class HostKeyChanged(DestinationError):
    """The SSH server shows a different host key than the one trusted before."""

    def __init__(self, host: str, key_type: str, fingerprint: str, known_fingerprint: str) -> None:
        self.host = host
        self.key_type = key_type
        self.fingerprint = fingerprint
        self.known_fingerprint = known_fingerprint
        super().__init__(
            f"WARNING: the host key of {host} has CHANGED (now {key_type} {fingerprint}, "
            f"trusted was {known_fingerprint}). Someone could be intercepting the connection.",
            "Nothing was sent. Ask the server's administrator whether the key was changed on "
            "purpose; only then remove the old key from the known-hosts file and trust the new "
            "one.",
        )


class DestinationFull(DestinationError):
    """No space left at the destination."""


class DestinationPermissionDenied(DestinationError):
    """The destination exists but cannot be written."""


class DestinationMissing(DestinationError):
    """The destination folder does not exist."""


# --- one file: recorded, the run goes on --------------------------------------------------------
class FileError(OeleoError):
    """One file could not be copied; the others go on."""


class SourceBusy(FileError):
    """The file is locked by another program (Windows sharing violation) or still being written."""


class ChangedDuringCopy(FileError):
    """The source changed while it was copied; the copy was discarded and will be retried."""


class VerifyFailed(FileError):
    """What arrived at the destination is not what was sent."""


class SourceGone(FileError):
    """The source file was deleted after the scan: there is nothing to copy, and no failure."""


class PathBlocked(FileError):
    """A file at the destination stands where a folder must be made (the source has a folder
    now where it had a file); the run moves it aside and copies again."""

    def __init__(self, rel_path: str) -> None:
        self.rel_path = rel_path
        super().__init__(f"{rel_path} at the destination is a file where a folder must be.", "")


class NameClash(FileError):
    """Two source files would land on the same destination name."""


class BookkeepingError(OeleoError):
    """The bookkeeping database cannot be used."""


class RunInProgress(OeleoError):
    """Another process is running a sync or check on the same database; this run was skipped.

    Not a fault: frontends show it as "syncing elsewhere", not as an error."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        who = f"pid {pid}" if pid else "its pid is not known yet"
        super().__init__(
            f"Another oeleo-gui run is copying ({who}); this run was skipped.",
            "Nothing is lost: that run copies the files, and the next run starts after it.",
        )


class Cancelled(OeleoError):
    """The run was cancelled (Pause, Quit, Ctrl+C); nothing half-done was recorded."""

    def __init__(self) -> None:
        super().__init__("The run was cancelled.", "")
