"""Every `OELEO_*` / `OA_*` variable, declared once: name, group, kind, default and meaning.

The loader (`config`), the field checks, the `.env` writer, the settings dialog and the README
table all read this catalogue, so a variable is added or explained in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from oeleo_gui.engine.settings.paths import DEFAULT_DB_NAME


class VarKind(StrEnum):
    TEXT = "text"
    FOLDER = "folder"
    FILE = "file"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    SECRET = "secret"  # noqa: S105 - a kind of variable, not a password
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class Variable:
    """One configuration variable, declared once for loader, docs and settings dialog."""

    name: str
    group: str  # Source, Destination, SSH, SharePoint, Schedule, Advanced
    kind: VarKind
    default: str = ""
    description: str = ""
    choices: tuple[str, ...] = ()

    @property
    def is_secret(self) -> bool:
        return self.kind is VarKind.SECRET


_V = Variable
VARIABLES: tuple[Variable, ...] = (
    _V(
        "OELEO_BASE_DIR_FROM",
        "Source",
        VarKind.FOLDER,
        "",
        "Folder with the instrument's data files.",
    ),
    _V(
        "OELEO_FILTER_EXTENSION",
        "Source",
        VarKind.TEXT,
        "",
        "Extensions to copy, `;`-separated (`.res;.csv`); `*` for every file.",
    ),
    _V(
        "OA_STARTS_WITH",
        "Source",
        VarKind.TEXT,
        "",
        "Only names starting with one of these (`;`-separated).",
    ),
    _V(
        "OELEO_NAME_CONTAINS",
        "Source",
        VarKind.TEXT,
        "",
        "Only names containing one of these (`;`-separated).",
    ),
    _V(
        "OELEO_NAME_NOT_CONTAINS",
        "Source",
        VarKind.TEXT,
        "",
        "Skip names containing any of these (`;`-separated).",
    ),
    _V(
        "OELEO_EXCLUDE_NAMES",
        "Source",
        VarKind.TEXT,
        "",
        "Exact file names never to copy (`;`-separated).",
    ),
    _V(
        "OA_INCLUDE_SUBDIRS",
        "Source",
        VarKind.BOOL,
        "false",
        "Also copy files in subfolders of the source.",
    ),
    _V(
        "OA_FROM_YEAR",
        "Source",
        VarKind.INT,
        "2023",
        "Skip files modified before this date (year).",
    ),
    _V(
        "OA_FROM_MONTH", "Source", VarKind.INT, "1", "Skip files modified before this date (month)."
    ),
    _V("OA_FROM_DAY", "Source", VarKind.INT, "1", "Skip files modified before this date (day)."),
    _V(
        "OELEO_NOT_AFTER",
        "Source",
        VarKind.TEXT,
        "",
        "Skip files modified after this date (YYYY-MM-DD).",
    ),
    _V(
        "OELEO_DESTINATION_TYPE",
        "Destination",
        VarKind.CHOICE,
        "",
        "local, ssh or sharepoint; guessed from the other settings when empty.",
        ("local", "ssh", "sharepoint"),
    ),
    _V(
        "OELEO_BASE_DIR_TO",
        "Destination",
        VarKind.TEXT,
        "",
        "Destination folder: a local/network folder, the remote folder over SSH, or a folder "
        "inside the SharePoint library.",
    ),
    _V(
        "OA_EXTERNAL_SUBDIRS",
        "Destination",
        VarKind.BOOL,
        "false",
        "Recreate the source's subfolders at the destination (else all files land in one folder).",
    ),
    _V(
        "OELEO_EXTERNAL_HOST",
        "SSH",
        VarKind.TEXT,
        "",
        "SSH server as `host` or `host:port` (port 22).",
    ),
    _V("OELEO_USERNAME", "SSH", VarKind.TEXT, "", "User name on the SSH server."),
    _V("OELEO_KEY_FILENAME", "SSH", VarKind.FILE, "", "Private key file (ed25519, ECDSA or RSA)."),
    _V("OELEO_KEY_PASSPHRASE", "SSH", VarKind.SECRET, "", "Passphrase of the key, if it has one."),
    _V("OELEO_PASSWORD", "SSH", VarKind.SECRET, "", "SSH password (better: in the OS keyring)."),
    _V(
        "OELEO_KNOWN_HOSTS",
        "SSH",
        VarKind.FILE,
        "",
        "The app's known-hosts file (default: known_hosts in the user's config folder).",
    ),
    _V(
        "OELEO_RECONNECT",
        "SSH",
        VarKind.TEXT,
        "3",
        "Reconnect attempts after a dropped connection: a number, or yes (3) / no (0).",
    ),
    _V(
        "OELEO_SHAREPOINT_URL",
        "SharePoint",
        VarKind.TEXT,
        "",
        "Tenant URL, https://example.sharepoint.com.",
    ),
    _V(
        "OELEO_SHAREPOINT_SITENAME",
        "SharePoint",
        VarKind.TEXT,
        "",
        "Site name (the part after /sites/).",
    ),
    _V(
        "OELEO_SHAREPOINT_DOC_LIBRARY",
        "SharePoint",
        VarKind.TEXT,
        "",
        "Document library, e.g. Shared Documents.",
    ),
    _V(
        "OELEO_SHAREPOINT_USERNAME",
        "SharePoint",
        VarKind.TEXT,
        "",
        "User name (falls back to OELEO_USERNAME).",
    ),
    _V(
        "OELEO_SHAREPOINT_CLIENT_ID",
        "SharePoint",
        VarKind.TEXT,
        "",
        "App registration's client id (app-only).",
    ),
    _V("OELEO_SHAREPOINT_CLIENT_SECRET", "SharePoint", VarKind.SECRET, "", "App's client secret."),
    _V(
        "OELEO_SHAREPOINT_CERT_PATH",
        "SharePoint",
        VarKind.FILE,
        "",
        "App's certificate (PEM) instead of a secret.",
    ),
    _V(
        "OELEO_SHAREPOINT_CERT_THUMBPRINT",
        "SharePoint",
        VarKind.TEXT,
        "",
        "Thumbprint of that certificate.",
    ),
    _V(
        "OELEO_SHAREPOINT_TENANT",
        "SharePoint",
        VarKind.TEXT,
        "",
        "Tenant name or id, for app-only auth.",
    ),
    _V("OA_HOURS_SLEEP", "Schedule", VarKind.FLOAT, "0.5", "Hours between runs."),
    _V(
        "OA_MAX_RUN_INTERVALS",
        "Schedule",
        VarKind.INT,
        "200",
        "Stop after this many scheduled runs (0: never). The tray keeps a limit only when it "
        "is set.",
    ),
    _V("OA_SINGLE_RUN", "Schedule", VarKind.BOOL, "false", "Run once and exit."),
    _V(
        "OA_ADD_CHECK",
        "Schedule",
        VarKind.BOOL,
        "false",
        "Compare with the destination before the first run.",
    ),
    _V(
        "OELEO_WATCH_FOLDER",
        "Schedule",
        VarKind.BOOL,
        "false",
        "Start a run when new files appear (after they settle).",
    ),
    _V(
        "OELEO_DB_NAME", "Advanced", VarKind.FILE, DEFAULT_DB_NAME, "Bookkeeping database (SQLite)."
    ),
    _V(
        "OELEO_LOG_DIR",
        "Advanced",
        VarKind.FOLDER,
        "",
        "Folder for oeleo.log (default: the user's log folder).",
    ),
    _V(
        "OELEO_INSTRUMENT_NAME",
        "Advanced",
        VarKind.TEXT,
        "",
        "This instrument's name in the lab overview on the data server (default: the "
        "computer's name).",
    ),
    _V(
        "OELEO_SETTLE_SECONDS",
        "Advanced",
        VarKind.FLOAT,
        "30",
        "A file modified less than this many seconds ago is still being written: wait.",
    ),
    _V(
        "OELEO_MAX_WAIT_SECONDS",
        "Advanced",
        VarKind.FLOAT,
        "3600",
        "A file that keeps changing for longer than this gets a verified live copy anyway "
        "(0: wait until it settles, however long).",
    ),
)
VARIABLES_BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}
SECRET_KEYS = frozenset(v.name for v in VARIABLES if v.is_secret)
OWNED_PREFIXES = ("OELEO_", "OA_")


def ignored_variables(values: Mapping[str, str]) -> tuple[str, ...]:
    """A warning per OELEO_*/OA_* name that is no setting: a misspelt name would otherwise do
    nothing, silently (`OA_MAX_RUNS` for `OA_MAX_RUN_INTERVALS`)."""
    # Any case: `oeleo_base_dir_from=` is as much a typo as a misspelt name (names are read
    # exactly as written, so it would do nothing).
    unknown = sorted(
        n for n in values if n.upper().startswith(OWNED_PREFIXES) and n not in VARIABLES_BY_NAME
    )
    if not unknown:
        return ()
    import difflib  # only when there is something to suggest

    warnings = []
    for name in unknown:
        close = difflib.get_close_matches(name.upper(), list(VARIABLES_BY_NAME), n=1, cutoff=0.7)
        hint = f" Did you mean {close[0]}?" if close else ""
        if close and close[0] == name.upper():
            hint = f" Did you mean {close[0]}? (names are written in capitals)"
        warnings.append(f"{name} is not a setting of oeleo-gui and is ignored.{hint}")
    return tuple(warnings)
