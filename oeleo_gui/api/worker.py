"""Upstream's `Worker`: a dataclass that keeps what it was built with, driving the engine.

The usual flow is upstream's: `connect_to_db()`, `filter_local()` (or `add_local(files)`),
optionally `check()`, `run()`, `close()`. `run()` handles the files in `file_names` and returns
the engine's `RunSummary`; `check()` returns a `CheckReport`. The fields are read each time a
method runs, so a script may change them in between. Nothing is connected when the worker is
built (upstream connected at once); its settings are checked then, so mistakes show up early.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from oeleo_gui.api.bookkeeping import SimpleDbHandler
from oeleo_gui.api.connectors import ExternalConnector, LocalConnector
from oeleo_gui.api.engine_bridge import (
    ChosenNames,
    apply_filters,
    bare_file_name,
    build_settings,
    is_inside,
    naming,
)
from oeleo_gui.api.errors import ScriptConfigError
from oeleo_gui.api.reporting import engine_reporter
from oeleo_gui.engine.bookkeeping.store import IN_MEMORY, FileListStore
from oeleo_gui.engine.connectors import make_connector
from oeleo_gui.engine.connectors.base import Connector, is_temp_name
from oeleo_gui.engine.errors import ConfigProblem
from oeleo_gui.engine.events import CancelToken, CheckReport, NullReporter, RunKind, RunSummary
from oeleo_gui.engine.fileio.native_paths import source_path
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.worker import Engine

log = logging.getLogger(__name__)


@dataclass
class Worker:
    """Copies the chosen files of `local_connector`'s folder to `external_connector`.

    Upstream's fields, in upstream's order; `settle_seconds` (keyword-only, oeleo-gui's) makes
    a run wait for files modified less than that many seconds ago (0: none, as upstream).
    """

    checker: Any
    bookkeeper: SimpleDbHandler
    dry_run: bool = False
    local_connector: LocalConnector | None = None
    external_connector: ExternalConnector | None = None
    extension: str | Sequence[str] | None = None
    reporter: Any = field(default_factory=NullReporter)
    external_name_generator: Callable[[Any, Path], Any] | None = None
    reconnect: bool = False
    subdirs: bool = False
    external_subdirs: bool = False
    settle_seconds: float = field(default=0.0, kw_only=True)
    file_names: list[Path] = field(init=False, default_factory=list)
    number_of_local_files: int = field(init=False, default=0)
    number_of_external_duplicates: int = field(init=False, default=0)
    number_of_duplicates_out_of_sync: int = field(init=False, default=0)
    _external_name: PurePath | str = field(init=False, default="", repr=False)
    _status: dict[str, Any] = field(init=False, default_factory=dict, repr=False)
    _connector: Connector | None = field(init=False, default=None, repr=False, compare=False)
    _connector_for: tuple[Any, ...] = field(init=False, default=(), repr=False, compare=False)
    _cancel: CancelToken = field(init=False, default_factory=CancelToken, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.bookkeeper, SimpleDbHandler):
            raise ScriptConfigError(
                [ConfigProblem("bookkeeper", repr(self.bookkeeper), "a SimpleDbHandler(db_name)")]
            )
        _ = self.destination_connector  # upstream failed here too (it connected at once)
        if self.dry_run:
            log.info("dry run: nothing will be copied and the database stays as it is")
        if self.local_connector is not None:
            _ = self.settings  # every problem now, before any file is touched

    # --- settings and engine parts ----------------------------------------------------------------
    @property
    def source_directory(self) -> Path:
        if self.local_connector is None:
            raise ScriptConfigError(
                [
                    ConfigProblem(
                        "local_connector",
                        None,
                        "the folder to copy from: LocalConnector(directory=...)",
                    )
                ]
            )
        return self.local_connector.directory.expanduser().absolute()

    @property
    def destination_connector(self) -> ExternalConnector:
        if self.external_connector is None:
            raise ScriptConfigError(
                [
                    ConfigProblem(
                        "external_connector",
                        None,
                        "where the files go: LocalConnector(directory=...), SSHConnector(...) "
                        "or SharePointConnector(...)",
                    )
                ]
            )
        return self.external_connector

    @property
    def mirrors_subdirs(self) -> bool:
        """Upstream's naming: relative paths when `subdirs` and `external_subdirs`, else names."""
        return self.subdirs and self.external_subdirs

    @property
    def settings(self) -> Settings:
        """The engine's settings for the fields as they are now."""
        source = self.source_directory
        return build_settings(
            source=source,
            include_subdirs=bool(getattr(self.local_connector, "include_subdirs", False)),
            mirror_subdirs=self.mirrors_subdirs,
            extension=self.extension,
            db_name=self.bookkeeper.db_name if self.bookkeeper.in_memory else self.bookkeeper.path,
            destination=self.destination_connector.destination_values(),
            settle_seconds=self.settle_seconds,
        )

    def _destination(self, settings: Settings) -> Connector:
        """The engine's connector, kept between runs while the destination stays the same."""
        key = (settings.destination_kind, settings.destination, settings.ssh, settings.sharepoint)
        if self._connector is None or key != self._connector_for:
            self._close_connector()
            self._connector = make_connector(settings)
            self._connector_for = key
        return self._connector

    def _destination_name(self, settings: Settings) -> Callable[[str], str] | None:
        """The engine's naming hook for `external_name_generator` (None: the engine's own)."""
        generator = self.external_name_generator
        if generator is None or (generator is bare_file_name and not self.mirrors_subdirs):
            return None
        return naming(generator, self.external_connector, settings.source)

    def _engine(self, settings: Settings, store: FileListStore | None) -> Engine:
        engine = Engine(
            settings,
            connector=self._destination(settings),
            store=store,
            destination_name=self._destination_name(settings),
        )
        engine.filter = ChosenNames.narrowing(engine.filter, (f.name for f in self.file_names))
        return engine

    # --- upstream's steps -------------------------------------------------------------------------
    def connect_to_db(self) -> None:
        """Open the database (a dry run leaves it alone, as upstream's mock did)."""
        self.status = ("state", "connect-to-db")
        if not self.dry_run:
            self.bookkeeper.initialize_db()

    def add_local(self, local_files: Iterable[str | Path]) -> list[Path]:
        """Choose the files to handle yourself: paths inside the source folder, or relative to
        it (`add_local(["file1.csv", "file2.csv"])`). Returns them as absolute paths."""
        if not isinstance(local_files, list):
            log.warning("add_local takes a list; a generator would be used up after one run")
        source = self.source_directory
        chosen = []
        for item in local_files:
            path = Path(item).expanduser()
            if not is_inside(path.absolute(), source) and not path.is_absolute():
                path = source / path
            if not is_inside(path.absolute(), source):
                raise ValueError(
                    f"add_local: {item} is not in the source folder {source}; only files of "
                    "the source folder (local_connector.directory) are copied."
                )
            if not path.is_file():
                log.warning("add_local: %s is not a file (yet)", path)
            chosen.append(path.absolute())
        self.status = ("state", "filter-local")
        self.file_names = chosen
        return chosen

    def filter_local(self, **kwargs: Any) -> list[Path]:
        """Choose the files matching `extension` and `additional_filters` (upstream's list of
        `(name, value)`: startswith, contains, not_contains, excluded, not_before, not_after,
        callable). Returns them; `run()` handles these."""
        self.status = ("state", "filter-local")
        settings, predicates = apply_filters(self.settings, kwargs.get("additional_filters"))
        if not settings.source.is_dir():
            raise ScriptConfigError(
                [ConfigProblem("OELEO_BASE_DIR_FROM", str(settings.source), "an existing folder")],
                hint="Check local_connector.directory (the instrument's data folder).",
            )
        found = Engine(settings).scan()
        files = [source_path(settings.source, f.rel_path) for f in found]
        self.file_names = [f for f in files if all(p(f) for p in predicates)]
        return self.file_names

    def filter_external(self, **kwargs: Any) -> list[PurePath]:
        """The destination's files that match `extension` (connects when needed)."""
        self.status = ("state", "filter-external")
        settings = self.settings
        connector = self._destination(settings)
        connector.connect()
        recursive = self.mirrors_subdirs or self._destination_name(settings) is not None
        listing = connector.list_files(recursive=recursive)
        matches = Engine(settings).filter.name_matcher()
        return [
            self._external_path(rel)
            for rel in sorted(listing)
            if not is_temp_name(rel) and matches(rel.rpartition("/")[2])
        ]

    def check(self, update_db: bool = False, force: bool = True, **kwargs: Any) -> CheckReport:
        """Compare the chosen files (else `filter_local(**kwargs)`'s) with the destination;
        `update_db=True` also sets their codes (locks stay). `force` is accepted and ignored:
        a file missing at the destination is always marked to copy."""
        self.status = ("state", "check")
        if not self.file_names:
            self.filter_local(**kwargs)
        settings = self.settings
        store = FileListStore(IN_MEMORY) if self.dry_run else self.bookkeeper.store
        try:
            report = self._engine(settings, store).check(update_db=update_db and not self.dry_run)
        finally:
            if self.dry_run:
                store.close()
        self.number_of_local_files = report.local_files
        self.number_of_external_duplicates = len(report.present)
        self.number_of_duplicates_out_of_sync = len(report.out_of_sync) + len(report.missing)
        return report

    def run(self) -> RunSummary:
        """Copy those of `file_names` that are new or changed; a dry run only says which."""
        self.status = ("state", "run")
        self._cancel = CancelToken()
        kind = RunKind.PREVIEW if self.dry_run else RunKind.SYNC
        if not self.file_names:
            log.warning("No files to handle. Did you forget to run `worker.filter_local()`?")
            now = datetime.now()
            summary = RunSummary(kind=kind, started_at=now, finished_at=now)
        else:
            store = None if self.dry_run else self.bookkeeper.store
            engine = self._engine(self.settings, store)
            reporter = engine_reporter(self.reporter, self._cancel)
            if self.dry_run:
                summary = engine.preview(reporter)
            else:
                summary = engine.sync(reporter, self._cancel)
        self.status = ("state", "finished")
        return summary

    def stop(self) -> None:
        """Cancel the run in progress (from another thread); it ends after the current chunk."""
        self._cancel.cancel()

    def close(self) -> None:
        """Close the destination connection and a database file (an in-memory one is kept)."""
        self._close_connector()
        if not self.bookkeeper.in_memory:
            self.bookkeeper.close()
        close = getattr(self.reporter, "close", None)
        if callable(close):
            close()

    def _close_connector(self) -> None:
        if self._connector is not None:
            self._connector.close()
            self._connector = None

    # --- naming and status, as upstream -----------------------------------------------------------
    def _external_path(self, rel_path: str) -> PurePath:
        directory = getattr(self.external_connector, "directory", None)
        if isinstance(directory, PurePath):
            return directory / rel_path
        return PurePosixPath(rel_path)  # SharePoint: names inside the library

    def make_external_name(self, f: str | Path) -> PurePath | Any:
        """The destination name of the local file `f` (also kept in `external_name`)."""
        path = Path(f)
        if self.external_name_generator is not None:
            name = self.external_name_generator(self.external_connector, path)
        elif self.mirrors_subdirs and is_inside(path.absolute(), self.source_directory):
            rel = path.absolute().relative_to(self.source_directory).as_posix()
            name = self._external_path(rel)
        else:
            name = self._external_path(path.name)
        self.external_name = name
        self.status = ("name", path.name)
        self.status = ("external_name", str(name))
        return name

    @property
    def external_name(self) -> PurePath | str:
        return self._external_name

    @external_name.setter
    def external_name(self, name: PurePath | str) -> None:
        self._external_name = name

    @property
    def status(self) -> dict[str, Any]:
        return self._status

    @status.setter
    def status(self, pair: tuple[str, Any]) -> None:
        key, value = pair
        self._status[key] = value

    @status.deleter
    def status(self) -> None:
        for key in self._status:
            if key not in ("state", "local_exists"):
                self._status[key] = None
