"""How a Worker's fields become the engine's `Settings`, file filter and destination naming.

The settings come only from the worker's fields and its connectors (which fall back to the
`OELEO_*` variables upstream read), never from the tray's `OA_*` schedule and filter variables:
a script gets what it wrote. They are validated by the engine's own loader, so a problem names
its variable. A destination that is the source folder, or inside it, is refused.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, ClassVar

from oeleo_gui.api.errors import ScriptConfigError, env_value
from oeleo_gui.engine.bookkeeping.store import IN_MEMORY, is_in_memory
from oeleo_gui.engine.errors import ConfigError, ConfigProblem
from oeleo_gui.engine.fileio.native_paths import source_path
from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.logsetup import register_secret
from oeleo_gui.engine.settings.config import DestinationKind, Settings, settings_from_values

NameGenerator = Callable[[Any, Path], Any]
"""Upstream's `external_name_generator(external_connector, local_file) -> external name`."""
FilePredicate = Callable[[Path], bool]


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def extensions_text(extension: str | Sequence[str] | None) -> str:
    """`.csv` or `[".csv", ".res"]` as the engine's `.csv;.res`; blank when none is given."""
    if extension is None:
        return ""
    parts = [extension] if isinstance(extension, str) else list(extension)
    return ";".join(str(p).strip() for p in parts if str(p).strip())


def build_settings(
    *,
    source: Path,
    include_subdirs: bool,
    mirror_subdirs: bool,
    extension: str | Sequence[str] | None,
    db_name: str | Path,
    destination: dict[str, str],
    settle_seconds: float,
) -> Settings:
    """Validated engine Settings for one worker; raises `ScriptConfigError` naming each problem."""
    extensions = extensions_text(extension)
    if not extensions:
        raise ScriptConfigError(
            [ConfigProblem("extension", None, "the files to copy: '.csv', ['.res', '.csv'] or '*'")]
        )
    values = {
        "OELEO_BASE_DIR_FROM": str(source.expanduser().absolute()),
        "OELEO_FILTER_EXTENSION": extensions,
        "OELEO_DB_NAME": str(db_name),
        "OA_INCLUDE_SUBDIRS": _yes_no(include_subdirs),
        "OA_EXTERNAL_SUBDIRS": _yes_no(mirror_subdirs),
        "OA_FROM_YEAR": "0",  # upstream's library has no date filter unless a script asks
        "OELEO_SETTLE_SECONDS": str(settle_seconds),
        **destination,
    }
    reconnect = env_value("OELEO_RECONNECT")
    if reconnect is not None:
        values["OELEO_RECONNECT"] = reconnect
    try:
        settings = settings_from_values(values, env_file=None)
    except ConfigError as exc:
        raise ScriptConfigError(exc.problems) from exc
    if is_in_memory(db_name):
        settings = dataclasses.replace(settings, db_path=Path(IN_MEMORY))
    refuse_destination_in_source(settings)
    for secret in settings.secrets():
        register_secret(secret)  # a script's log never shows them
    return settings


def is_inside(path: Path, folder: Path) -> bool:
    """True when `path` is `folder` or lies inside it (links followed, case as the OS compares)."""
    inner = os.path.normcase(os.path.realpath(path))
    outer = os.path.normcase(os.path.realpath(folder))
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def refuse_destination_in_source(settings: Settings) -> None:
    if settings.destination_kind is not DestinationKind.LOCAL:
        return
    destination = Path(settings.destination)
    if is_inside(destination, settings.source):
        raise ScriptConfigError(
            [
                ConfigProblem(
                    "OELEO_BASE_DIR_TO",
                    settings.destination,
                    f"a folder outside the source folder {settings.source} (files would be "
                    "copied onto themselves or into the folder being copied)",
                )
            ],
            hint="Choose a destination folder that is not the source folder or inside it.",
        )


# --- filter_local(additional_filters=...) ---------------------------------------------------------
_SETTINGS_FILTERS = {
    "startswith": "starts_with",
    "contains": "contains",
    "not_contains": "not_contains",
    "excluded": "excluded_names",
}


def apply_filters(
    settings: Settings, filters: Iterable[tuple[str, Any]] | None
) -> tuple[Settings, list[FilePredicate]]:
    """Upstream's `(name, value)` filters, ANDed: the name and date ones become settings, a
    `callable` one a predicate on each file's path."""
    changes: dict[str, Any] = {}
    predicates: list[FilePredicate] = []
    for name, value in filters or ():
        if name in _SETTINGS_FILTERS:
            # a string is one value (upstream's `excluded` took each of its letters)
            values = (value,) if isinstance(value, str) else tuple(value)
            field = _SETTINGS_FILTERS[name]
            if field in changes and name in ("startswith", "contains"):
                raise ValueError(f"give one {name!r} filter, with a list of the values it allows")
            changes[field] = tuple(changes.get(field, ())) + values  # excluded: all of them
        elif name in ("not_before", "not_after"):
            if not isinstance(value, datetime):
                raise ValueError(f"the {name!r} filter takes a datetime, not {value!r}")
            changes[name] = value
        elif name == "callable":
            if not callable(value):
                raise ValueError(f"the 'callable' filter takes a function, not {value!r}")
            predicates.append(value)
        else:
            known = ", ".join([*_SETTINGS_FILTERS, "not_before", "not_after", "callable"])
            raise ValueError(f"unknown filter {name!r}; the filters are: {known}")
    return dataclasses.replace(settings, **changes), predicates


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ChosenNames(FileFilter):
    """The worker's filter, narrowed to the names in its `file_names` (what `filter_local` or
    `add_local` chose): `run()` and `check()` handle those files and no others."""

    names: frozenset[str] = frozenset()
    selects_part: ClassVar[bool] = True

    @classmethod
    def narrowing(cls, flt: FileFilter, names: Iterable[str]) -> ChosenNames:
        kept = {f.name: getattr(flt, f.name) for f in dataclasses.fields(FileFilter)}
        return cls(**kept, names=frozenset(names))

    def matches_name(self, name: str) -> bool:
        return name in self.names and FileFilter.matches_name(self, name)

    def name_matcher(self) -> Callable[[str], bool]:
        inner = FileFilter.name_matcher(self)
        names = self.names
        return lambda name: name in names and inner(name)


# --- external_name_generator ----------------------------------------------------------------------
def bare_file_name(connector: Any, f: Path) -> Path:
    """Upstream's SharePoint naming: the file's name, at the library's root (which is also the
    engine's own naming without mirrored subfolders, so the engine needs no hook for it)."""
    return Path(f.name)


def relative_destination(produced: object, directory: object) -> str:
    """The generator's external name as a POSIX path relative to the destination folder.

    A name under the folder (`directory / f.name`, as upstream's default) or a relative name is
    accepted; anything outside the folder is refused. SharePoint names are library-relative."""
    text = str(produced)
    bases: list[PurePath] = []
    if isinstance(directory, PurePath):
        path: PurePath = type(directory)(text)
        bases.append(directory)
        if isinstance(directory, Path):
            bases.append(directory.expanduser().absolute())
    else:
        path = PurePosixPath(text.replace("\\", "/"))
    rel = next((path.relative_to(b) for b in bases if path.is_relative_to(b)), None)
    if rel is None and not path.is_absolute() and not path.drive:
        rel = path
    if rel is None or not rel.parts or ".." in rel.parts:
        raise ScriptConfigError(
            [
                ConfigProblem(
                    "external_name_generator",
                    text,
                    f"a file name inside the destination folder {directory}",
                )
            ],
            hint="Make external_name_generator return external_connector.directory / <name>.",
        )
    return rel.as_posix()


def naming(generator: NameGenerator, connector: Any, source: Path) -> Callable[[str], str]:
    """The engine's `destination_name` for a script's `external_name_generator`."""

    def destination_name(rel_path: str) -> str:
        produced = generator(connector, source_path(source, rel_path))
        return relative_destination(produced, connector.directory)

    return destination_name
