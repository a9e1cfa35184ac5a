"""Upstream oeleo's scripting names, as thin wrappers over the engine.

A script written for oeleo runs by changing its imports to `from oeleo_gui.api import ...`.
Unset arguments fall back to the same environment variables as upstream (scripts usually call
`dotenv.load_dotenv()` first); bad or missing ones raise one `ConfigError` listing them all.
`Worker.run()` returns the run's `RunSummary` (upstream returned nothing).
"""

from __future__ import annotations

import dataclasses
import getpass
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from oeleo_gui.engine.events import CancelToken, CheckReport, RunSummary
from oeleo_gui.engine.fileio.native_paths import source_path
from oeleo_gui.engine.logsetup import configure_logging
from oeleo_gui.engine.settings.config import Settings, read_env_values, settings_from_values
from oeleo_gui.engine.worker import Engine

CODES = {0: "should-be-copied", 1: "should-be-copied-if-changed", 2: "should-not-be-copied"}


class LocalConnector:
    """A folder, as source or as destination (upstream's `LocalConnector`)."""

    def __init__(self, directory: str | Path | None = None, include_subdirs: bool = False) -> None:
        self.directory = Path(directory or os.environ.get("OELEO_BASE_DIR_FROM", ""))
        self.include_subdirs = include_subdirs
        self.is_local = True


class SSHConnector:
    """An SSH destination (upstream's `SSHConnector`); settings come from the environment."""

    def __init__(
        self,
        username: str | None = None,
        host: str | None = None,
        directory: str | None = None,
        use_password: bool = False,
        include_subdirs: bool = False,
    ) -> None:
        self.username = username
        self.host = host
        self.directory = directory or os.environ.get("OELEO_BASE_DIR_TO", "")
        self.use_password = use_password
        self.include_subdirs = include_subdirs
        self.is_local = False


class ChecksumChecker:
    """MD5 checksums; the engine computes them while copying, so this only marks the choice."""


class SimpleDbHandler:
    """The bookkeeping database file (upstream's `SimpleDbHandler`)."""

    def __init__(self, db_name: str | Path | None = None) -> None:
        self.db_name = str(db_name or os.environ.get("OELEO_DB_NAME", ""))


class Worker:
    """Upstream's Worker: `connect_to_db()`, `filter_local()`, `check()`, `run()`, `close()`."""

    def __init__(
        self,
        checker: ChecksumChecker | None = None,
        bookkeeper: SimpleDbHandler | None = None,
        dry_run: bool = False,
        local_connector: LocalConnector | None = None,
        external_connector: LocalConnector | SSHConnector | None = None,
        extension: str | Sequence[str] | None = None,
        reporter: Any = None,
        reconnect: bool | None = None,
        subdirs: bool = False,
        external_subdirs: bool = False,
    ) -> None:
        values = read_env_values(None)
        local = local_connector or LocalConnector()
        values["OELEO_BASE_DIR_FROM"] = str(local.directory.resolve())
        if isinstance(external_connector, SSHConnector):
            values["OELEO_DESTINATION_TYPE"] = "ssh"
            values["OELEO_BASE_DIR_TO"] = external_connector.directory
            for key, value in (
                ("OELEO_USERNAME", external_connector.username),
                ("OELEO_EXTERNAL_HOST", external_connector.host),
            ):
                if value:
                    values[key] = value
        elif external_connector is not None:
            values["OELEO_DESTINATION_TYPE"] = "local"
            values["OELEO_BASE_DIR_TO"] = str(external_connector.directory.resolve())
        if extension:
            values["OELEO_FILTER_EXTENSION"] = ";".join(
                [extension] if isinstance(extension, str) else extension
            )
        if bookkeeper is not None and bookkeeper.db_name:
            values["OELEO_DB_NAME"] = str(Path(bookkeeper.db_name).resolve())
        if reconnect is not None:
            values["OELEO_RECONNECT"] = "yes" if reconnect else "no"
        values["OA_INCLUDE_SUBDIRS"] = "yes" if (subdirs or local.include_subdirs) else "no"
        values["OA_EXTERNAL_SUBDIRS"] = "yes" if external_subdirs else "no"
        values.setdefault("OA_FROM_YEAR", "0")  # upstream's library has no date filter by default
        values.setdefault("OELEO_SETTLE_SECONDS", "0")  # nor a settle time
        self.settings: Settings = settings_from_values(values)
        self.dry_run = dry_run
        self.reporter = reporter
        self.file_names: list[Path] = []
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(self.settings)
        return self._engine

    def connect_to_db(self) -> None:
        self.engine.store  # noqa: B018 - opens (creates or migrates) the database now

    def filter_local(
        self, additional_filters: Iterable[tuple[str, Any]] | None = None
    ) -> list[Path]:
        """Select the files to handle; `additional_filters` are upstream's (name, value) pairs."""
        if additional_filters:
            self.settings = _with_filters(self.settings, additional_filters)
            self._engine = Engine(self.settings, store=self._engine.store if self._engine else None)
        files = self.engine.scan()
        self.file_names = [source_path(self.settings.source, f.rel_path) for f in files]
        return self.file_names

    def check(self, update_db: bool = False, force: bool = True, **kw: Any) -> CheckReport:
        if kw.get("additional_filters"):
            self.filter_local(kw["additional_filters"])
        return self.engine.check(update_db=update_db and not self.dry_run)

    def run(self, cancel: CancelToken | None = None) -> RunSummary:
        if self.dry_run:
            return self.engine.preview(self.reporter)
        return self.engine.sync(self.reporter, cancel)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _with_filters(settings: Settings, filters: Iterable[tuple[str, Any]]) -> Settings:
    def as_tuple(value: Any) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else tuple(value)

    changes: dict[str, Any] = {}
    for name, value in filters:
        if name == "startswith":
            changes["starts_with"] = as_tuple(value)
        elif name == "contains":
            changes["contains"] = as_tuple(value)
        elif name == "not_contains":
            changes["not_contains"] = as_tuple(value)
        elif name == "excluded":
            changes["excluded_names"] = as_tuple(value)  # a string is one name, not its letters
        elif name in ("not_before", "not_after"):
            changes[name] = value
        else:
            raise ValueError(f"unknown filter {name!r}")
    return dataclasses.replace(settings, **changes)


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
    return Worker(
        bookkeeper=SimpleDbHandler(db_name),
        local_connector=LocalConnector(base_directory_from, include_subdirs),
        external_connector=LocalConnector(
            base_directory_to or os.environ.get("OELEO_BASE_DIR_TO", "")
        ),
        extension=extension,
        reporter=reporter,
        dry_run=dry_run,
        reconnect=reconnect,
        subdirs=include_subdirs,
        external_subdirs=external_subdirs,
    )


def ssh_worker(
    base_directory_from: str | Path | None = None,
    base_directory_to: str | None = None,
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
    return Worker(
        bookkeeper=SimpleDbHandler(db_name),
        local_connector=LocalConnector(base_directory_from, include_subdirs),
        external_connector=SSHConnector(directory=base_directory_to, use_password=use_password),
        extension=extension,
        reporter=reporter,
        dry_run=dry_run,
        reconnect=reconnect,
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
    for key, value in (
        ("OELEO_SHAREPOINT_URL", url),
        ("OELEO_SHAREPOINT_SITENAME", sitename),
        ("OELEO_SHAREPOINT_DOC_LIBRARY", doc_library_to),
    ):
        if value:
            os.environ[key] = value
    os.environ["OELEO_DESTINATION_TYPE"] = "sharepoint"
    return Worker(
        bookkeeper=SimpleDbHandler(db_name),
        local_connector=LocalConnector(base_directory_from),
        extension=extension,
        reporter=reporter,
        dry_run=dry_run,
        reconnect=reconnect,
    )


class SimpleScheduler:
    """Upstream's interval scheduler: `start()` runs `max_run_intervals` runs, then returns."""

    def __init__(
        self,
        worker: Worker,
        run_interval_time: float = 43200,
        max_run_intervals: int = 1000,
        update_db: bool = True,
        force: bool = False,
        add_check: bool = False,
        additional_filters: Iterable[tuple[str, Any]] | None = None,
    ) -> None:
        self.worker = worker
        self.run_interval_time = run_interval_time
        self.max_run_intervals = max_run_intervals
        self.add_check = add_check
        self.additional_filters = list(additional_filters or [])
        self.cancel = CancelToken()

    def start(self) -> list[RunSummary]:
        from oeleo_gui.engine.runner import run_loop

        if self.additional_filters:
            self.worker.filter_local(self.additional_filters)
        settings = dataclasses.replace(
            self.worker.settings,
            hours_sleep=self.run_interval_time / 3600.0,
            max_run_intervals=self.max_run_intervals,
            add_check=self.add_check,
            single_run=False,
        )
        self.worker.close()
        engine = Engine(settings)
        try:
            return run_loop(engine, cancel=self.cancel, reporter=self.worker.reporter)
        finally:
            engine.close()


def start_logger(
    logdir: str | Path | None = None, only_oeleo: bool = False, screen_level: int = logging.CRITICAL
) -> logging.Logger:
    """Log to `<logdir or OELEO_LOG_DIR or cwd>/oeleo.log` (upstream's defaults)."""
    folder = Path(logdir or os.environ.get("OELEO_LOG_DIR") or Path.cwd())
    configure_logging(folder, level=logging.DEBUG, console=screen_level < logging.CRITICAL)
    return logging.getLogger("oeleo_gui")


def register_password(pwd: str | None = None) -> None:
    """Set OELEO_PASSWORD for this process (prompting when `pwd` is None), as upstream."""
    os.environ["OELEO_PASSWORD"] = pwd if pwd is not None else getpass.getpass("Password: ")
