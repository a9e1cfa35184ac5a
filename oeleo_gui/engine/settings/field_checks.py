"""Checks of single settings as they are typed, for the settings dialog (and `doctor`).

`check_field` says in plain words what is wrong with one value (folder missing, not a
host[:port], key file unreadable or not a private key, not a date, not a number, not yes/no), or
None when it is fine. `check_values` runs those checks on the fields that matter for the chosen
destination and adds the cross-field problems found by `config.settings_from_values`, so the
rules live in `config` and here only, never in the GUI. Imports config, paramiko; never Qt.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.errors import ConfigError
from oeleo_gui.engine.settings.config import DestinationKind, destination_kind, settings_from_values
from oeleo_gui.engine.settings.values import (
    BOOL_EXPECTED,
    normalise_extensions,
    parse_bool,
    parse_host,
)
from oeleo_gui.engine.settings.variables import VARIABLES, VARIABLES_BY_NAME, VarKind

# Settings that hold a folder or file which may not exist yet (made when first used).
_MAY_NOT_EXIST = frozenset({"OELEO_LOG_DIR", "OELEO_DB_NAME", "OELEO_KNOWN_HOSTS"})
_DESTINATION_GROUPS = {
    DestinationKind.LOCAL: frozenset({"Source", "Destination", "Schedule", "Advanced"}),
    DestinationKind.SSH: frozenset({"Source", "Destination", "SSH", "Schedule", "Advanced"}),
    DestinationKind.SHAREPOINT: frozenset(
        {"Source", "Destination", "SharePoint", "Schedule", "Advanced"}
    ),
}
_NUMBER_RANGES: dict[str, tuple[float, float | None]] = {
    "OA_FROM_YEAR": (0, 9999),
    "OA_FROM_MONTH": (1, 12),
    "OA_FROM_DAY": (1, 31),
    "OA_HOURS_SLEEP": (0, None),
    "OA_MAX_RUN_INTERVALS": (0, None),
    "OELEO_SETTLE_SECONDS": (0, None),
}


def resolve_path(value: str, base_dir: Path) -> Path:
    """A path as the engine reads it: `~` and `%VAR%`/`$VAR` expanded, relative to the .env."""
    p = Path(os.path.expandvars(value.strip())).expanduser()
    return p if p.is_absolute() else base_dir / p


def relevant_names(kind: DestinationKind) -> list[str]:
    """The variables that matter for a destination type, in declaration order."""
    groups = _DESTINATION_GROUPS[kind]
    return [v.name for v in VARIABLES if v.group in groups]


def check_field(
    name: str,
    value: str,
    *,
    base_dir: Path,
    destination: DestinationKind | None = None,
) -> str | None:
    """What is wrong with `value` for the variable `name`, in plain words; None when fine.

    Empty values are fine here (whether a setting is required depends on the others; see
    `check_values`). `destination` lets the destination folder be checked on disk when the
    destination is a local or network folder.
    """
    value = value.strip()
    variable = VARIABLES_BY_NAME.get(name)
    if variable is None or not value:
        return None
    special = _SPECIAL_CHECKS.get(name)
    if special is not None:
        return special(value, base_dir, destination)
    kind = variable.kind
    if kind is VarKind.BOOL:
        return _check_bool(value)
    if kind in (VarKind.INT, VarKind.FLOAT):
        return _check_number(name, value, whole=kind is VarKind.INT)
    if kind is VarKind.FOLDER:
        return _check_folder(resolve_path(value, base_dir), may_not_exist=name in _MAY_NOT_EXIST)
    if kind is VarKind.FILE:
        return _check_file(resolve_path(value, base_dir), may_not_exist=name in _MAY_NOT_EXIST)
    if kind is VarKind.CHOICE and value.lower() not in variable.choices:
        return "Not one of: " + ", ".join(variable.choices) + "."
    return None


def _check_bool(value: str) -> str | None:
    try:
        parse_bool(value)
    except ValueError:
        return f"Not a yes/no value; use {BOOL_EXPECTED}."
    return None


def _check_number(name: str, value: str, *, whole: bool) -> str | None:
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        return "Not a whole number." if whole else "Not a number (use a dot: 0.5)."
    low, high = _NUMBER_RANGES.get(name, (0, None))
    if number < low or (high is not None and number > high):
        upper = f" and at most {high:g}" if high is not None else ""
        return f"Must be at least {low:g}{upper}."
    return None


def _check_folder(path: Path, *, may_not_exist: bool) -> str | None:
    if path.is_dir():
        return None if os.access(path, os.R_OK) else f"The folder {path} cannot be read."
    if path.exists():
        return f"{path} is a file, not a folder."
    if may_not_exist and _creatable(path):
        return None
    return f"The folder {path} does not exist."


def _check_file(path: Path, *, may_not_exist: bool) -> str | None:
    if path.is_dir():
        return f"{path} is a folder, not a file."
    if path.is_file():
        return None if os.access(path, os.R_OK) else f"The file {path} cannot be read."
    if may_not_exist and _creatable(path.parent):
        return None
    return f"The file {path} does not exist."


def _creatable(path: Path) -> bool:
    """True when `path` is, or could be made inside, an existing writable folder."""
    for parent in (path, *path.parents):
        if parent.exists():
            return parent.is_dir() and os.access(parent, os.W_OK)
    return False


def _check_extensions(value: str, _base: Path, _dest: DestinationKind | None) -> str | None:
    if not normalise_extensions(value):
        return "List extensions such as .res;.csv, or * for every file."
    return None


def _check_host(value: str, _base: Path, _dest: DestinationKind | None) -> str | None:
    try:
        parse_host(value)
    except ValueError as exc:
        if "OELEO_USERNAME" in str(exc):
            return "Put the user name in the User name field, not in the host."
        return "Not a host or host:port (for example server.lab.local or 10.0.0.5:2222)."
    return None


def _check_not_after(value: str, _base: Path, _dest: DestinationKind | None) -> str | None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "Not a date; write it as YYYY-MM-DD (for example 2024-12-31)."
    return None


def _check_reconnect(value: str, _base: Path, _dest: DestinationKind | None) -> str | None:
    if value.isdigit():
        return None
    try:
        parse_bool(value)
    except ValueError:
        return "Not a number of attempts (0, 3...) or yes/no."
    return None


def _check_url(value: str, _base: Path, _dest: DestinationKind | None) -> str | None:
    if not value.lower().startswith(("https://", "http://")):
        return "Not a web address; it starts with https://"
    return None


def _check_destination(value: str, base: Path, dest: DestinationKind | None) -> str | None:
    if dest is DestinationKind.LOCAL:
        return _check_folder(resolve_path(value, base), may_not_exist=False)
    return None


def _check_key_file(value: str, base: Path, _dest: DestinationKind | None) -> str | None:
    path = resolve_path(value, base)
    problem = _check_file(path, may_not_exist=False)
    return problem or private_key_problem(path)


def private_key_problem(path: Path) -> str | None:
    """Why `path` is not a usable SSH private key (None when paramiko can load it).

    A key protected by a passphrase counts as a private key: the passphrase is checked when
    connecting.
    """
    import paramiko

    try:
        data = path.read_bytes()[:200_000]
    except OSError as exc:
        return f"The key file cannot be read ({exc.strerror or exc})."
    text = data.decode("ascii", errors="replace").lstrip()
    if text.startswith(("ssh-", "ecdsa-", "sk-")):
        return "This is a public key (.pub); choose the private key file beside it."
    if "PUTTY-USER-KEY-FILE" in text:
        return "This is a PuTTY key (.ppk); export it in OpenSSH format with PuTTYgen."
    try:
        paramiko.PKey.from_path(path)
    except paramiko.PasswordRequiredException:
        return None
    except TypeError as exc:  # cryptography's way of saying "encrypted, no passphrase given"
        return None if "password" in str(exc).lower() else f"Not a private key ({exc})."
    except (paramiko.SSHException, ValueError, UnicodeError) as exc:
        return f"Not a private key: expected an OpenSSH or PEM key file ({type(exc).__name__})."
    except OSError as exc:
        return f"The key file cannot be read ({exc.strerror or exc})."
    return None


_SPECIAL_CHECKS = {
    "OELEO_FILTER_EXTENSION": _check_extensions,
    "OELEO_EXTERNAL_HOST": _check_host,
    "OELEO_NOT_AFTER": _check_not_after,
    "OELEO_RECONNECT": _check_reconnect,
    "OELEO_SHAREPOINT_URL": _check_url,
    "OELEO_BASE_DIR_TO": _check_destination,
    "OELEO_KEY_FILENAME": _check_key_file,
}


def check_values(values: Mapping[str, str], *, env_file: Path) -> dict[str, str]:
    """Every problem of a whole form, keyed by variable: field checks first, then config's.

    Only the variables that matter for the chosen destination are checked. Secrets are never
    part of a reason. The cross-field rules (required settings, a key file or a password...) are
    `config.settings_from_values`'s, so the dialog and the engine always agree.
    """
    base_dir = env_file.parent
    kind = destination_kind(values)
    names = relevant_names(kind)
    reasons: dict[str, str] = {}
    for name in names:
        reason = check_field(name, values.get(name, ""), base_dir=base_dir, destination=kind)
        if reason:
            reasons[name] = reason
    try:
        settings_from_values({k: v for k, v in values.items() if v.strip()}, env_file)
    except ConfigError as exc:
        for problem in exc.problems:
            key = problem.key if problem.key in VARIABLES_BY_NAME else "OELEO_BASE_DIR_FROM"
            reasons.setdefault(key, _sentence(problem.expected))
    return reasons


def _sentence(expected: str) -> str:
    text = expected[:1].upper() + expected[1:]
    return text if text.endswith(".") else text + "."
