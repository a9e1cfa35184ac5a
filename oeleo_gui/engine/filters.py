"""Which files to copy: pure predicates on a file's name and modification time, ANDed together.

Name filters look at the bare file name (as upstream); extensions match the end of the name,
case-insensitively, so `.tar.gz` works and a list never matches a file twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from oeleo_gui.engine.settings.config import Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class FileFilter:
    extensions: tuple[str, ...]  # lower-case, with the dot; ("*",) for every file
    starts_with: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    excluded_names: tuple[str, ...] = ()
    not_before: float | None = None  # POSIX timestamps
    not_after: float | None = None

    selects_part: ClassVar[bool] = False
    """True for a filter narrowed to some of the files the settings select (a script's
    chosen files): a run with it has not seen the others, so their kept states stay."""

    @classmethod
    def from_settings(cls, settings: Settings) -> FileFilter:
        return cls(
            extensions=settings.extensions,
            starts_with=settings.starts_with,
            contains=settings.contains,
            not_contains=settings.not_contains,
            excluded_names=settings.excluded_names,
            not_before=_timestamp(settings.not_before),
            not_after=_timestamp(settings.not_after),
        )

    def matches_name(self, name: str) -> bool:
        """Every name rule; cheap, so it runs before any stat."""
        if self.extensions != ("*",) and not name.lower().endswith(self.extensions):
            return False
        if self.starts_with and not name.startswith(self.starts_with):
            return False
        if self.contains and not any(part in name for part in self.contains):
            return False
        if any(part in name for part in self.not_contains):
            return False
        return name not in self.excluded_names

    def name_matcher(self) -> Callable[[str], bool]:
        """`matches_name`, specialised: the scan calls it once per directory entry."""
        only_extensions = not (
            self.starts_with or self.contains or self.not_contains or self.excluded_names
        )
        if not only_extensions:
            return self.matches_name
        if self.extensions == ("*",):
            return lambda name: True
        extensions = self.extensions
        return lambda name: name.lower().endswith(extensions)

    def matches_mtime(self, mtime: float) -> bool:
        if self.not_before is not None and mtime < self.not_before:
            return False
        return not (self.not_after is not None and mtime > self.not_after)

    @property
    def has_date_rule(self) -> bool:
        return self.not_before is not None or self.not_after is not None

    def describe(self) -> str:
        """The rules in words, for `preview` and `doctor`."""
        parts = [
            "every file"
            if self.extensions == ("*",)
            else "names ending in " + ", ".join(self.extensions)
        ]
        if self.starts_with:
            parts.append("starting with " + " or ".join(self.starts_with))
        if self.contains:
            parts.append("containing " + " or ".join(self.contains))
        if self.not_contains:
            parts.append("not containing " + " or ".join(self.not_contains))
        if self.excluded_names:
            parts.append("except " + ", ".join(self.excluded_names))
        if self.not_before is not None:
            parts.append(f"modified on or after {datetime.fromtimestamp(self.not_before):%Y-%m-%d}")
        if self.not_after is not None:
            parts.append(f"modified on or before {datetime.fromtimestamp(self.not_after):%Y-%m-%d}")
        return "; ".join(parts)


def _timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None
