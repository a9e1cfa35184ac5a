"""Logging for every frontend: a rotating `oeleo.log` (upstream's name and sizes) that never holds
a secret. Only `configure_logging` adds handlers; engine modules just call `logging.getLogger`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from oeleo_gui.engine.errors import visible
from oeleo_gui.engine.settings.paths import LOG_FILE_NAME, user_log_dir

MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MASK = "********"
_PREFIX_ALLOWANCE = 200
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(password|passphrase|client_secret|secret|token)(\s*[=:]\s*)(\S+)"
)
_SECRET_WORDS = ("password", "passphrase", "secret", "token")  # client_secret contains secret
_secrets: set[str] = set()
NAMES_ESCAPED = {"names_escaped": True}
"""`log.info(..., extra=NAMES_ESCAPED)`: a record built of names already shown with `visible`,
whose own line breaks (one line per file) are kept."""


def register_secret(value: str) -> None:
    """Mask `value` in every log record from now on (values shorter than 4 chars are ignored)."""
    if value and len(value) >= 4:
        _secrets.add(value)


def mask_secrets(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    lowered = text.lower()  # the regular expression only where one of its words occurs
    if any(word in lowered for word in _SECRET_WORDS):
        text = _SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    return text


def _escaped(arg: object) -> object:
    """A log argument that cannot start a new line: control characters in file names (and in
    messages that carry them) are named, so a name cannot forge a log line."""
    if isinstance(arg, str):
        return visible(arg)
    if isinstance(arg, BaseException):  # their own line breaks become spaces, names escaped
        return visible(" ".join(str(arg).splitlines()))
    return arg


class SecretFilter(logging.Filter):
    """Rewrites each record's final message with secrets masked (including tracebacks), and
    with control characters in its arguments named (a record built from escaped names says so
    with `extra={"names_escaped": True}` and keeps its own line breaks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and not getattr(record, "names_escaped", False):
            record.args = tuple(_escaped(a) for a in record.args)
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


class _OeleoHandlerMixin:
    """Marks handlers added here, so a second call replaces instead of duplicating them."""

    oeleo_handler = True


class _FileHandler(_OeleoHandlerMixin, RotatingFileHandler):
    """RotatingFileHandler without two `stat` calls and a second full formatting per record; it
    rolls over when the message, its traceback and a 200-character prefix might not fit."""

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802 (stdlib name)
        if self.stream is None:
            self.stream = self._open()
        self.stream.seek(0, 2)  # another process (tray, command line) may have written
        # (the secret filter has run: a traceback is already in exc_text)
        expected = len(record.getMessage()) + len(record.exc_text or "") + _PREFIX_ALLOWANCE
        return self.stream.tell() + expected >= self.maxBytes


class _StreamHandler(_OeleoHandlerMixin, logging.StreamHandler):  # type: ignore[type-arg]
    pass


def configure_logging(
    log_dir: Path | None,
    *,
    secrets: Iterable[str] = (),
    level: int = logging.INFO,
    console: bool = False,
) -> Path:
    """Log to `<log_dir>/oeleo.log` (default: the user's log folder); returns the file's path."""
    for secret in secrets:
        register_secret(secret)
    folder = Path(log_dir) if log_dir else user_log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = user_log_dir()
        folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "oeleo_handler", False)]:
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = [
        _FileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    ]
    if console:
        handlers.append(_StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(SecretFilter())
        root.addHandler(handler)
    root.setLevel(level)
    # paramiko logs every packet at DEBUG; its INFO lines are enough to debug a connection.
    logging.getLogger("paramiko").setLevel(max(level, logging.INFO))
    return path
