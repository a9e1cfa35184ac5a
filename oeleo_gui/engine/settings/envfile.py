"""Writing the technician's `.env` file without disturbing it.

`save_env` changes only the keys it is given (and only keys with our prefixes), leaves every
comment, blank line, unknown key, `export` prefix, inline comment, line ending and the order of
the file as they were, and swaps the new file in atomically (temporary file in the same folder,
fsync, `os.replace`), keeping the previous file as `.env.bak`. A key whose value is already
what is asked for is not touched, so a file opened and saved without changes stays
byte-for-byte the same.

Lines are split with python-dotenv's own parser, and values are written so that
`dotenv_values` reads them back exactly (Windows paths with backslashes included): the rules
for reading stay python-dotenv's. `read_env_values` reads the settings: UTF-8 with or without a
BOM, or UTF-16 with its BOM (Notepad's "Unicode", written back as UTF-16); bytes that are not
UTF-8 are a configuration problem naming the file and the line. Imports only the stdlib,
python-dotenv and the engine's errors; never Qt.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from oeleo_gui.engine.errors import ConfigError, ConfigProblem
from oeleo_gui.engine.settings.variables import OWNED_PREFIXES

log = logging.getLogger(__name__)

BOM = "\ufeff"
BACKUP_SUFFIX = ".bak"
# Everything up to and including `=` and the blanks after it: kept as it is on rewrite.
_ASSIGNMENT = re.compile(r"^(?P<lead>\s*)(?P<head>(?:export[^\S\r\n]+)?\S+?[^\S\r\n]*=[^\S\r\n]*)")
_TRAILING_NEWLINE = re.compile(r"(\r\n|\n|\r)$")


@dataclass(frozen=True, slots=True)
class EnvLine:
    """One binding of a `.env` file: its exact text, and the key/value dotenv sees (if any)."""

    text: str
    key: str | None
    value: str | None


_UTF16_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _encoding_of(data: bytes) -> str:
    """UTF-16 when the file starts with its BOM (Notepad's "Unicode"), else UTF-8."""
    return next((enc for bom, enc in _UTF16_BOMS if data.startswith(bom)), "utf-8")


def _decode(data: bytes) -> tuple[str, str]:
    """(BOM or "", text). Undecodable UTF-8 bytes survive a round trip via surrogateescape."""
    encoding = _encoding_of(data)
    errors = "surrogateescape" if encoding == "utf-8" else "strict"
    text = data.decode(encoding, errors=errors)
    if text.startswith(BOM):
        return BOM, text[1:]
    return "", text


def _encode(bom: str, text: str, like: bytes | None) -> bytes:
    """The file's bytes in the encoding it had (UTF-16 stays UTF-16)."""
    encoding = _encoding_of(like or b"")
    errors = "surrogateescape" if encoding == "utf-8" else "strict"
    return (bom + text).encode(encoding, errors=errors)


def env_text(path: Path) -> str:
    """The text of a `.env` for reading settings: UTF-8 (with or without a BOM) or UTF-16
    with its BOM. Raises ConfigError, naming the file and the line, for bytes that are not
    UTF-8 (a file saved as "ANSI" by Notepad): guessing their meaning could turn a path into
    another one."""
    data = path.read_bytes()
    try:
        _bom, text = _decode(data)
    except UnicodeDecodeError:  # UTF-16's BOM with broken text after it
        raise _not_utf8(path, 1) from None
    for number, line in enumerate(text.splitlines(), 1):
        if any("\udc80" <= ch <= "\udcff" for ch in line):  # surrogateescape'd bytes
            raise _not_utf8(path, number)
    return text


def _not_utf8(path: Path, line: int) -> ConfigError:
    problem = ConfigProblem(
        ".env", str(path), f"saved as UTF-8 (line {line} has characters that are not UTF-8)"
    )
    error = ConfigError([problem], str(path))
    error.title = (
        f"{path} cannot be read: line {line} has characters that are not UTF-8 (the file was "
        'probably saved as "ANSI").'
    )
    error.hint = (
        "Open it in Notepad and save it as UTF-8 (File > Save as, Encoding: UTF-8), then start "
        "again."
    )
    return error


def read_env_values(
    env_file: Path | None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The merged raw values: `.env` first, then the process environment (which wins).

    Names are taken from the environment whatever their case (`oeleo_base_dir_from` is
    reported as a typo with the name it meant, see `variables.ignored_variables`)."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        stream = io.StringIO(env_text(env_file))
        for key, value in dotenv_values(stream=stream).items():
            if value is not None:
                values[key] = value
    env = os.environ if environ is None else environ
    for key, value in env.items():
        if key.upper().startswith(OWNED_PREFIXES):
            values[key] = value
    return values


def read_env_lines(path: Path) -> list[EnvLine]:
    """The file as python-dotenv's parser splits it; the texts joined give the file back.

    A binding's text includes the blank lines before it and its line ending; a value spread
    over several lines (quoted) is one binding. A missing file has no lines.
    """
    if not path.is_file():
        return []
    _bom, text = _decode(path.read_bytes())
    return _split(text)


def _split(text: str) -> list[EnvLine]:
    lines = [EnvLine(b.original.string, b.key, b.value) for b in parse_stream(io.StringIO(text))]
    if "".join(line.text for line in lines) != text:  # never expected; refuse to lose text
        raise ValueError("the .env file could not be split into lines without loss")
    return lines


def _newline_of(text: str) -> str:
    match = re.search(r"\r\n|\n|\r", text)
    return match.group(0) if match else os.linesep if os.name == "nt" else "\n"


def quote_value(value: str) -> str:
    """`value` as written after `KEY=`: bare when dotenv reads it back as is, else quoted.

    Bare values keep backslashes literally (`C:\\data` stays readable for technicians). Single
    quotes are used otherwise, escaping backslashes and single quotes, which dotenv decodes.
    """
    if "\n" in value or "\r" in value:
        raise ValueError("a setting cannot span several lines")
    needs_quotes = (
        value != value.strip()
        or value[:1] in ("'", '"', "#")
        or re.search(r"\s#", value) is not None
    )
    if not needs_quotes:
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _rewrite(line: EnvLine, value: str) -> str:
    """The binding's text with a new value; indentation, `export`, spacing, comment kept."""
    match = _ASSIGNMENT.match(line.text)
    newline_match = _TRAILING_NEWLINE.search(line.text)
    newline = newline_match.group(1) if newline_match else ""
    if match is None:  # `KEY` without `=`: write a plain assignment in its place
        lead = re.match(r"\s*", line.text).group(0)  # type: ignore[union-attr]
        return f"{lead}{line.key}={quote_value(value)}{newline}"
    rest = line.text[match.end() : len(line.text) - len(newline)]
    comment = _inline_comment(rest)
    return f"{match.group('lead')}{match.group('head')}{quote_value(value)}{comment}{newline}"


def _inline_comment(rest: str) -> str:
    """The ` # note` after a value (with the blanks before it), or ""."""
    if rest[:1] in ("'", '"'):
        quote = rest[0]
        i = 1
        while i < len(rest):
            if rest[i] == "\\":
                i += 2
                continue
            if rest[i] == quote:
                tail = rest[i + 1 :]
                return tail if tail.strip().startswith("#") else ""
            i += 1
        return ""
    if rest.startswith("#"):  # `KEY= # note`: empty value, comment only
        return " " + rest
    match = re.search(r"\s+#.*$", rest)
    return match.group(0) if match else ""


def _check_keys(updates: Mapping[str, str | None], owned_prefixes: tuple[str, ...]) -> None:
    for key in updates:
        if not key.startswith(owned_prefixes) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"{key!r} is not a setting this program may write")


def render_env(text: str, updates: Mapping[str, str | None]) -> str:
    """The new text of a `.env` (without BOM) after applying `updates` to `text`."""
    lines = _split(text)
    current = _current_values(text)
    last_index = {line.key: i for i, line in enumerate(lines) if line.key is not None}
    out = [line.text for line in lines]
    appended: list[str] = []
    for key, value in updates.items():
        if value is None:
            for i, line in enumerate(lines):
                if line.key == key:
                    out[i] = _remove_binding(line.text)
            continue
        quote_value(value)  # refuse multi-line values before anything changes
        if key in last_index:
            if current.get(key) == value:
                continue
            i = last_index[key]
            out[i] = _rewrite(lines[i], value)
        else:
            appended.append(f"{key}={quote_value(value)}")
    new_text = "".join(out)
    if appended:
        newline = _newline_of(text)
        if new_text and not new_text.endswith(("\n", "\r")):
            new_text += newline
        new_text += "".join(a + newline for a in appended)
    return new_text


def _remove_binding(text: str) -> str:
    """Drop a binding but keep the blank lines that came before it (they belong to the layout)."""
    lead = re.match(r"\s*", text).group(0)  # type: ignore[union-attr]
    # `lead` may also hold the indentation of the key itself: keep only whole lines.
    cut = max(lead.rfind("\n"), lead.rfind("\r"))
    return lead[: cut + 1] if cut >= 0 else ""


def _current_values(text: str) -> dict[str, str | None]:
    """What `dotenv_values` reads from `text` (interpolated, last binding wins)."""
    return dict(dotenv_values(stream=io.StringIO(text)))


def save_env(
    path: Path,
    updates: Mapping[str, str | None],
    *,
    owned_prefixes: tuple[str, ...] = OWNED_PREFIXES,
) -> None:
    """Write `updates` into the `.env` at `path` (None removes a key), atomically.

    Only keys starting with `owned_prefixes` may be given (ValueError otherwise). Keys already
    present are changed in place (the last binding, which is the one dotenv uses); new keys are
    appended in the order given. Nothing is written when nothing changes. The previous file is
    kept as `<name>.bak`. The file and its folder are created when missing.
    """
    path = Path(path)
    _check_keys(updates, owned_prefixes)
    old_data = path.read_bytes() if path.is_file() else None
    bom, text = _decode(old_data) if old_data is not None else ("", "")
    new_text = render_env(text, updates)
    if old_data is not None and new_text == text:
        log.debug("%s already holds these settings; not rewritten", path)
        return
    new_data = _encode(bom, new_text, old_data)
    path.parent.mkdir(parents=True, exist_ok=True)
    if old_data is not None:
        backup = path.with_name(path.name + BACKUP_SUFFIX)
        shutil.copy2(path, backup)
    _atomic_write(path, new_data)
    log.info("Saved %d setting(s) to %s", len(updates), path)


def _atomic_write(path: Path, data: bytes) -> None:
    """Temporary file beside `path`, fsync, then `os.replace`: never half a file."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    from oeleo_gui.engine.fileio.flush import fsync_folder  # writing only: not every command

    fsync_folder(path.parent)
