"""Upstream's factory functions, with upstream's signatures and defaults.

An argument left out falls back to its `OELEO_*` variable, as upstream. A setting that is in
neither place is an error naming every such variable at once, before anything is opened or
copied: never a default folder (upstream raised KeyError; `MissingSettingError` is one too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oeleo_gui.api.bookkeeping import ChecksumChecker, SimpleDbHandler
from oeleo_gui.api.connectors import LocalConnector, SharePointConnector, SSHConnector
from oeleo_gui.api.engine_bridge import bare_file_name
from oeleo_gui.api.errors import MissingSettingError, env_value, given_or_env, raise_missing
from oeleo_gui.api.worker import Worker
from oeleo_gui.engine.errors import ConfigProblem
from oeleo_gui.engine.events import NullReporter
from oeleo_gui.engine.settings.values import BOOL_EXPECTED, parse_bool

SOURCE = "the folder with the data files"
DESTINATION = "the folder to copy to"
DATABASE = "the database file name (or ':memory:')"
EXTENSION = "the files to copy, for example .csv"


def resolve_reconnect(reconnect: bool | None = None) -> bool:
    """The argument, else OELEO_RECONNECT (yes/no, or a number of attempts), else False."""
    if reconnect is not None:
        return reconnect
    value = env_value("OELEO_RECONNECT")
    if value is None:
        return False
    if value.strip().isdigit():
        return int(value) > 0
    try:
        return parse_bool(value)
    except ValueError:
        raise ValueError(
            f"OELEO_RECONNECT={value!r}: expected {BOOL_EXPECTED}, or a number of attempts"
        ) from None


def _shared(
    problems: list[ConfigProblem],
    base_directory_from: str | Path | None,
    db_name: str | None,
    extension: str | None,
) -> tuple[str | None, str | None, str | None]:
    return (
        given_or_env(base_directory_from, "OELEO_BASE_DIR_FROM", SOURCE, problems),
        given_or_env(db_name, "OELEO_DB_NAME", DATABASE, problems),
        given_or_env(extension, "OELEO_FILTER_EXTENSION", EXTENSION, problems),
    )


def simple_worker(
    base_directory_from: str | Path | None = None,
    base_directory_to: str | Path | None = None,
    db_name: str | None = None,
    dry_run: bool = False,
    extension: str | None = None,
    reporter: Any = None,
    include_subdirs: bool = False,
    external_subdirs: bool = False,
    reconnect: bool | None = None,
) -> Worker:
    """A worker copying between two folders of this computer (or mounted shares).

    Usage:
        >>> my_oeleo = simple_worker()  # reads the settings from the environment
        >>> my_oeleo.filter_local()  # or my_oeleo.add_local(["file1.csv", "file2.csv"])
        >>> my_oeleo.run()
    """
    problems: list[ConfigProblem] = []
    source, db, ext = _shared(problems, base_directory_from, db_name, extension)
    destination = given_or_env(base_directory_to, "OELEO_BASE_DIR_TO", DESTINATION, problems)
    raise_missing(problems)
    return Worker(
        checker=ChecksumChecker(),
        bookkeeper=SimpleDbHandler(str(db)),
        local_connector=LocalConnector(directory=source, include_subdirs=include_subdirs),
        external_connector=LocalConnector(directory=destination, include_subdirs=external_subdirs),
        extension=ext,
        dry_run=dry_run,
        reporter=reporter or NullReporter(),
        reconnect=resolve_reconnect(reconnect),
        subdirs=include_subdirs,
        external_subdirs=external_subdirs,
    )


def ssh_worker(
    base_directory_from: str | Path | None = None,
    base_directory_to: str | Path | None = None,
    db_name: str | None = None,
    extension: str | None = None,
    use_password: bool = False,
    dry_run: bool = False,
    reporter: Any = None,
    is_posix: bool = True,
    include_subdirs: bool = False,
    external_subdirs: bool = False,
    reconnect: bool | None = None,
) -> Worker:
    """A worker copying to a folder on an SSH server (OELEO_EXTERNAL_HOST, OELEO_USERNAME, and
    OELEO_KEY_FILENAME, or OELEO_PASSWORD with `use_password=True`)."""
    problems: list[ConfigProblem] = []
    source, db, ext = _shared(problems, base_directory_from, db_name, extension)
    try:
        external = SSHConnector(
            directory=base_directory_to,
            use_password=use_password,
            is_posix=is_posix,
            include_subdirs=external_subdirs,
        )
    except MissingSettingError as exc:
        problems += exc.problems
    raise_missing(problems)
    return Worker(
        checker=ChecksumChecker(),
        bookkeeper=SimpleDbHandler(str(db)),
        local_connector=LocalConnector(directory=source, include_subdirs=include_subdirs),
        external_connector=external,
        extension=ext,
        dry_run=dry_run,
        reporter=reporter or NullReporter(),
        reconnect=resolve_reconnect(reconnect),
        subdirs=include_subdirs,
        external_subdirs=external_subdirs,
    )


def sharepoint_worker(
    base_directory_from: str | Path | None = None,
    url: str | None = None,
    sitename: str | None = None,
    doc_library_to: str | None = None,
    db_name: str | None = None,
    extension: str | None = None,
    reporter: Any = None,
    dry_run: bool = False,
    reconnect: bool | None = None,
) -> Worker:
    """A worker copying to the root of a SharePoint document library (user name from
    OELEO_SHAREPOINT_USERNAME, else OELEO_USERNAME)."""
    problems: list[ConfigProblem] = []
    source, db, ext = _shared(problems, base_directory_from, db_name, extension)
    try:
        external = SharePointConnector(
            username=env_value("OELEO_SHAREPOINT_USERNAME"),
            host=sitename,
            url=url,
            directory=doc_library_to,
        )
    except MissingSettingError as exc:
        problems += exc.problems
    raise_missing(problems)
    return Worker(
        checker=ChecksumChecker(),
        bookkeeper=SimpleDbHandler(str(db)),
        local_connector=LocalConnector(directory=source),
        external_connector=external,
        extension=ext,
        dry_run=dry_run,
        reporter=reporter or NullReporter(),
        reconnect=resolve_reconnect(reconnect),
        external_name_generator=bare_file_name,
    )
