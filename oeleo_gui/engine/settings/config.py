"""Settings: upstream's `OELEO_*` / `OA_*` variables, read from the environment and a `.env` file.

`variables.VARIABLES` declares every variable once; `values` parses each one's text. Variables
already set in the process environment win over the `.env` file, as upstream. Every problem is
collected and raised together as one `ConfigError`, before anything is copied. Secrets are masked
in messages and may come from the OS keyring instead of `.env` (see `secret_store`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from oeleo_gui.engine.errors import ConfigError, ConfigProblem
from oeleo_gui.engine.settings import secret_store
from oeleo_gui.engine.settings.envfile import read_env_values
from oeleo_gui.engine.settings.instrument import computer_name, instrument_file_stem
from oeleo_gui.engine.settings.path_rules import (
    nesting_problem,
    path_text_problem,
    preflight_problems,
)
from oeleo_gui.engine.settings.paths import DEFAULT_DB_NAME, user_data_dir, user_log_dir
from oeleo_gui.engine.settings.reader import ValueReader
from oeleo_gui.engine.settings.values import (
    BOOL_EXPECTED,
    normalise_extensions,
    parse_bool,
    parse_host,
    split_list,
)
from oeleo_gui.engine.settings.variables import ignored_variables


class DestinationKind(StrEnum):
    LOCAL = "local"
    SSH = "ssh"
    SHAREPOINT = "sharepoint"


@dataclass(frozen=True, slots=True, kw_only=True)
class SshSettings:
    host: str
    port: int
    username: str
    key_filename: Path | None
    key_passphrase: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    known_hosts: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SharePointSettings:
    url: str
    site_name: str
    doc_library: str
    username: str = ""
    password: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    cert_path: Path | None = None
    cert_thumbprint: str = ""
    tenant: str = ""

    @property
    def site_url(self) -> str:
        return f"{self.url.rstrip('/')}/sites/{self.site_name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the engine needs, validated. Built by `load_settings`, never from os.environ."""

    env_file: Path | None
    source: Path
    destination_kind: DestinationKind
    destination: str
    extensions: tuple[str, ...]
    db_path: Path
    log_dir: Path
    include_subdirs: bool = False
    external_subdirs: bool = False
    starts_with: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    excluded_names: tuple[str, ...] = ()
    not_before: datetime | None = None
    not_after: datetime | None = None
    settle_seconds: float = 30.0
    max_wait_seconds: float = 3600.0
    """A file changing for longer than this gets a live copy (0: never; wait until it settles)."""
    reconnect_attempts: int = 3
    hours_sleep: float = 0.5
    max_run_intervals: int = 200
    max_run_intervals_set: bool = False
    """OA_MAX_RUN_INTERVALS was given (the tray keeps a limit only when it was asked for)."""
    single_run: bool = False
    add_check: bool = False
    watch_folder: bool = False
    ssh: SshSettings | None = None
    sharepoint: SharePointSettings | None = None
    ignored: tuple[str, ...] = ()
    """Warnings for OELEO_*/OA_* names that are no setting (see `ignored_variables`)."""
    instrument_name: str = ""
    """OELEO_INSTRUMENT_NAME, else the computer's name: this PC's row in the lab overview."""

    @property
    def instrument_file_stem(self) -> str:
        """The instrument's name as a file name: its status record is `<stem>.json`."""
        return instrument_file_stem(self.instrument_name)

    @property
    def run_interval_seconds(self) -> float:
        return self.hours_sleep * 3600.0

    @property
    def destination_identity(self) -> str:
        """Which destination the database's rows refer to, as one comparable line: the kind,
        the server or site and the folder (a change means the rows say nothing of the new one)."""
        folder = self.destination.replace("\\", "/").rstrip("/")
        if self.ssh is not None:
            return f"ssh://{self.ssh.username}@{self.ssh.host}:{self.ssh.port}/{folder}"
        if self.sharepoint is not None:
            sp = self.sharepoint
            return f"sharepoint://{sp.site_url.rstrip('/')}/{sp.doc_library}/{folder}"
        return f"local://{folder}"

    def secrets(self) -> list[str]:
        """Every secret value in use, for the log filter that masks them."""
        values = []
        if self.ssh:
            values += [self.ssh.password, self.ssh.key_passphrase]
        if self.sharepoint:
            values += [self.sharepoint.password, self.sharepoint.client_secret]
        return [v for v in values if v]


def _from_date(r: ValueReader) -> datetime | None:
    year = int(r.number("OA_FROM_YEAR", int, 2023, 0))
    month = int(r.number("OA_FROM_MONTH", int, 1, 1))
    day = int(r.number("OA_FROM_DAY", int, 1, 1))
    if year == 0:
        return None
    try:
        return datetime(year, month, day)
    except ValueError:
        r.problem("OA_FROM_DAY", f"a valid date with OA_FROM_YEAR={year} and OA_FROM_MONTH={month}")
        return None


def _reconnect_attempts(r: ValueReader) -> int:
    value = r.raw("OELEO_RECONNECT")
    if value is None:
        return 3
    if value.isdigit():
        return int(value)
    try:
        return 3 if parse_bool(value) else 0
    except ValueError:
        r.problem("OELEO_RECONNECT", "a number of attempts, or " + BOOL_EXPECTED)
        return 3


def destination_kind(values: Mapping[str, str]) -> DestinationKind:
    """OELEO_DESTINATION_TYPE, else guessed: SharePoint URL → sharepoint, host → ssh, else local."""
    chosen = (values.get("OELEO_DESTINATION_TYPE") or "").strip().lower()
    if chosen in {k.value for k in DestinationKind}:
        return DestinationKind(chosen)
    if (values.get("OELEO_SHAREPOINT_URL") or "").strip():
        return DestinationKind.SHAREPOINT
    if (values.get("OELEO_EXTERNAL_HOST") or "").strip():
        return DestinationKind.SSH
    return DestinationKind.LOCAL


def secret_account(variable: str, values: Mapping[str, str]) -> str:
    """The keyring account a secret is stored under: SSH `user@host:port`; SharePoint the client
    id, else the user name, else the URL. Shared by the loader and the settings dialog."""

    def get(key: str) -> str:
        return (values.get(key) or "").strip()

    if destination_kind(values) is DestinationKind.SHAREPOINT:
        username = get("OELEO_SHAREPOINT_USERNAME") or get("OELEO_USERNAME")
        return get("OELEO_SHAREPOINT_CLIENT_ID") or username or get("OELEO_SHAREPOINT_URL")
    host, port = get("OELEO_EXTERNAL_HOST"), 22
    with contextlib.suppress(ValueError):  # a bad host is reported by its own check
        host, port = parse_host(host)
    return f"{get('OELEO_USERNAME')}@{host}:{port}"


def _guess_kind(r: ValueReader) -> DestinationKind:
    value = r.raw("OELEO_DESTINATION_TYPE")
    if value is not None and value.lower() not in {k.value for k in DestinationKind}:
        r.problem("OELEO_DESTINATION_TYPE", "one of: local, ssh, sharepoint")
    return destination_kind(r.values)


def _secret(r: ValueReader, key: str, account: str) -> str:
    """A secret from the environment/.env, else from the OS keyring (when it is asked)."""
    if not r.secrets:
        return r.raw(key) or ""
    return r.raw(key) or secret_store.get_secret(key, account) or ""


def _ssh(r: ValueReader) -> SshSettings:
    host, port = "", 22
    host_value = r.required("OELEO_EXTERNAL_HOST", "the SSH server as host or host:port")
    if host_value:
        try:
            host, port = parse_host(host_value)
        except ValueError as exc:
            detail = (
                str(exc) if "OELEO_USERNAME" in str(exc) else "host or host:port with port 1-65535"
            )
            r.problem("OELEO_EXTERNAL_HOST", detail)
    username = r.required("OELEO_USERNAME", "the user name on the SSH server")
    account = secret_account("OELEO_PASSWORD", r.values)
    key_file = r.path("OELEO_KEY_FILENAME")
    password = _secret(r, "OELEO_PASSWORD", account)
    if key_file is None and not password and r.secrets:
        r.problem(
            "OELEO_KEY_FILENAME",
            "a private key file, or a password (OELEO_PASSWORD or the keyring)",
        )
    return SshSettings(
        host=host,
        port=port,
        username=username,
        key_filename=key_file,
        key_passphrase=_secret(r, "OELEO_KEY_PASSPHRASE", account),
        password=password,
        known_hosts=r.path("OELEO_KNOWN_HOSTS"),
    )


def _sharepoint(r: ValueReader) -> SharePointSettings:
    url = r.required("OELEO_SHAREPOINT_URL", "the tenant URL, https://example.sharepoint.com")
    if url and not url.lower().startswith(("https://", "http://")):
        r.problem("OELEO_SHAREPOINT_URL", "a URL starting with https://")
    site = r.required("OELEO_SHAREPOINT_SITENAME", "the site name (the part after /sites/)")
    library = r.required("OELEO_SHAREPOINT_DOC_LIBRARY", "the document library's name")
    username = r.text("OELEO_SHAREPOINT_USERNAME") or r.text("OELEO_USERNAME")
    client_id = r.text("OELEO_SHAREPOINT_CLIENT_ID")
    account = secret_account("OELEO_SHAREPOINT_CLIENT_SECRET", r.values)
    settings = SharePointSettings(
        url=url,
        site_name=site,
        doc_library=library,
        username=username,
        password=_secret(r, "OELEO_PASSWORD", account) if username else "",
        client_id=client_id,
        client_secret=_secret(r, "OELEO_SHAREPOINT_CLIENT_SECRET", account) if client_id else "",
        cert_path=r.path("OELEO_SHAREPOINT_CERT_PATH"),
        cert_thumbprint=r.text("OELEO_SHAREPOINT_CERT_THUMBPRINT"),
        tenant=r.text("OELEO_SHAREPOINT_TENANT"),
    )
    has_app = client_id and (settings.client_secret or settings.cert_path)
    if not has_app and not (username and settings.password) and r.secrets:
        r.problem(
            "OELEO_SHAREPOINT_CLIENT_ID",
            "app-only credentials (client id with a client secret or a certificate), "
            "or a user name with a password",
        )
    if client_id and settings.cert_path and not (settings.tenant and settings.cert_thumbprint):
        r.problem(
            "OELEO_SHAREPOINT_TENANT",
            "the tenant and OELEO_SHAREPOINT_CERT_THUMBPRINT for certificate auth",
        )
    return settings


def settings_from_values(
    values: Mapping[str, str],
    env_file: Path | None = None,
    *,
    check_folders: bool = False,
    with_secrets: bool = True,
) -> Settings:
    """Validate raw values into Settings, raising one ConfigError that lists every problem.

    With `check_folders`, what only the disk can tell (`preflight_problems`: the source folder
    missing or a file, the database named as a folder...) is in the same list, so a command
    reports every problem at once before it opens anything."""
    base_dir = env_file.parent if env_file is not None else Path.cwd()
    r = ValueReader(values, base_dir)
    r.secrets = with_secrets
    source = r.path("OELEO_BASE_DIR_FROM")
    if source is None:
        r.problem("OELEO_BASE_DIR_FROM", "required: the folder with the instrument's data files")
    extensions = normalise_extensions(
        r.required("OELEO_FILTER_EXTENSION", "extensions such as .res;.csv, or *")
    )
    kind = _guess_kind(r)
    destination = r.text("OELEO_BASE_DIR_TO")
    if kind is not DestinationKind.SHAREPOINT and not destination:
        r.problem("OELEO_BASE_DIR_TO", "required: the destination folder")
    if kind is DestinationKind.LOCAL and destination:
        destination_path = r.path("OELEO_BASE_DIR_TO")
        destination = str(destination_path)
        nested = nesting_problem(source, destination_path) if source and destination_path else None
        if nested:
            r.problem("OELEO_BASE_DIR_TO", nested)
    elif destination and (problem := path_text_problem(destination, on_windows=True)):
        r.problem("OELEO_BASE_DIR_TO", problem)  # a remote folder: only its characters
    # Without a .env, relative names resolve against the current folder (as upstream).
    default_db_dir = base_dir if env_file is not None else user_data_dir()
    db_path = r.path("OELEO_DB_NAME") or default_db_dir / DEFAULT_DB_NAME
    not_after = r.date("OELEO_NOT_AFTER")
    if not_after is not None and not_after.time() == datetime.min.time():
        not_after = not_after.replace(hour=23, minute=59, second=59, microsecond=999999)
    settings = Settings(
        env_file=env_file,
        source=source or Path(),
        destination_kind=kind,
        destination=destination,
        extensions=extensions,
        db_path=db_path,
        log_dir=r.path("OELEO_LOG_DIR") or user_log_dir(),
        include_subdirs=r.boolean("OA_INCLUDE_SUBDIRS"),
        external_subdirs=r.boolean("OA_EXTERNAL_SUBDIRS"),
        starts_with=split_list(r.text("OA_STARTS_WITH")),
        contains=split_list(r.text("OELEO_NAME_CONTAINS")),
        not_contains=split_list(r.text("OELEO_NAME_NOT_CONTAINS")),
        excluded_names=split_list(r.text("OELEO_EXCLUDE_NAMES")),
        not_before=_from_date(r),
        not_after=not_after,
        settle_seconds=float(r.number("OELEO_SETTLE_SECONDS", float, 30.0, 0)),
        max_wait_seconds=float(r.number("OELEO_MAX_WAIT_SECONDS", float, 3600.0, 0)),
        reconnect_attempts=_reconnect_attempts(r),
        hours_sleep=float(r.number("OA_HOURS_SLEEP", float, 0.5, 0)),
        max_run_intervals=int(r.number("OA_MAX_RUN_INTERVALS", int, 200, 0)),
        max_run_intervals_set=r.raw("OA_MAX_RUN_INTERVALS") is not None,
        single_run=r.boolean("OA_SINGLE_RUN"),
        add_check=r.boolean("OA_ADD_CHECK"),
        watch_folder=r.boolean("OELEO_WATCH_FOLDER"),
        ssh=_ssh(r) if kind is DestinationKind.SSH else None,
        sharepoint=_sharepoint(r) if kind is DestinationKind.SHAREPOINT else None,
        ignored=ignored_variables(values),
        instrument_name=r.text("OELEO_INSTRUMENT_NAME") or computer_name(),
    )
    if check_folders:
        reported = {p.key for p in r.problems}
        r.problems += [p for p in preflight_problems(settings) if p.key not in reported]
    if r.problems:
        error = ConfigError(r.problems, str(env_file) if env_file else "the environment")
        if settings.ignored:  # `oeleo_base_dir_from=` is often why a setting is "not set"
            error.hint = " ".join(settings.ignored) + " " + error.hint
        raise error
    return settings


def load_settings(
    env_file: Path | None,
    environ: Mapping[str, str] | None = None,
    *,
    check_folders: bool = False,
    with_secrets: bool = True,
) -> Settings:
    """Settings from `env_file` (may be None) and the process environment. Without
    `with_secrets` the OS keyring is not asked (nor loaded): for commands that connect to
    nothing, such as `status`, which monitoring tools may call every minute."""
    if env_file is not None and not env_file.is_file():
        raise ConfigError(
            [ConfigProblem("--env", str(env_file), "an existing .env file")], str(env_file)
        )
    values = read_env_values(env_file, environ)
    return settings_from_values(
        values, env_file, check_folders=check_folders, with_secrets=with_secrets
    )
