"""Walk the source folder once with os.scandir and return the files that pass the filter.

A symlink is followed only when its target stays inside the source folder; directory loops are
cut. Nothing is read here: deciding whether a file changed starts from its size and mtime.
oeleo-gui's own files are left out (`own_files`); a folder that cannot be listed and a name that
is not valid UTF-8 are reported as problems, and the rest is scanned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from oeleo_gui.engine.connectors.base import TEMP_SUFFIX
from oeleo_gui.engine.errors import visible
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.own_files import NO_OWN_FILES, OwnFiles, is_own_temp_file

log = logging.getLogger(__name__)


class LocalFile(NamedTuple):
    """A source file as the scan saw it (a NamedTuple: 20 000 of them are made per run)."""

    rel_path: str  # POSIX style, relative to the source folder
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.rel_path.rpartition("/")[2]

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


def _inside(root: str, target: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


class ScanResult(NamedTuple):
    files: list[LocalFile]
    """The filtered files, sorted by relative path, less those that matched `known`."""
    matched: int
    """How many files had exactly the (size, mtime_ns) given for them in `known`."""
    matched_paths: tuple[str, ...] = ()
    """Their relative paths (the planner checks new names against them for case clashes)."""
    problems: tuple[tuple[str, str], ...] = ()
    """(what, why) for what could not be scanned: a folder that cannot be listed, a name that
    is not valid UTF-8 (shown printable). Each is a failure of the run, never "all copied"."""


def scan(
    root: Path,
    flt: FileFilter,
    *,
    recursive: bool,
    cancel: CancelToken | None = None,
    exclude: OwnFiles = NO_OWN_FILES,
) -> list[LocalFile]:
    """The filtered files under `root`, sorted by relative path."""
    return walk(root, flt, recursive=recursive, cancel=cancel, exclude=exclude).files


def walk(
    root: Path,
    flt: FileFilter,
    *,
    recursive: bool,
    cancel: CancelToken | None = None,
    known: Mapping[str, tuple[int, int]] | None = None,
    exclude: OwnFiles = NO_OWN_FILES,
) -> ScanResult:
    """Scan `root`; files whose stat equals `known[rel_path]` are only counted, not listed.

    This loop is the cost of a run where nothing changed (one `stat` per file), so it does as
    little as it can per entry: the name test is a specialised callable, the date test is
    skipped when there is no date rule, links take a slower path of their own, and a file that
    matches `known` costs one dictionary lookup instead of an object, a sort and a decision.
    oeleo-gui's own files (`exclude`, see `own_files`) are looked up once per folder."""
    real_root = os.path.realpath(root)
    found: list[LocalFile] = []
    append = found.append
    known_stat = (known or {}).get
    matched: list[str] = []
    problems: list[tuple[str, str]] = []
    matches_name = flt.name_matcher()
    matches_mtime = flt.matches_mtime if flt.has_date_rule else None
    make = LocalFile._make
    visited = {real_root}
    stack: list[tuple[str, str, str]] = [(str(root), "", real_root)]
    while stack:
        folder, prefix, real_folder = stack.pop()
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            why = exc.strerror or str(exc)
            log.warning("cannot list %s: %s", folder, why)
            problems.append((prefix or folder, f"this folder cannot be listed ({why})"))
            continue
        own = exclude.rules_for(real_folder)
        for entry in entries:
            name = entry.name
            try:
                if entry.is_symlink():
                    st = _follow_link(entry, prefix, real_root, visited, stack, recursive)
                    if st is None or not matches_name(name):
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    if not recursive or (own is not None and name in own.folders):
                        continue
                    if not name.isascii() and not _is_text(name):
                        problems.append((visible(prefix + name) + "/", _NOT_UTF8_FOLDER))
                        continue
                    real = os.path.realpath(entry.path)
                    if real not in visited:  # a Windows junction can loop
                        visited.add(real)
                        stack.append((entry.path, prefix + name + "/", real))
                    continue
                elif matches_name(name):
                    if own is not None and own.skips_file(name):
                        continue
                    st = entry.stat(follow_symlinks=False)
                else:
                    continue
            except OSError as exc:
                log.debug("skipping %s%s: %s", prefix, name, exc)
                continue
            if name.endswith(TEMP_SUFFIX) and is_own_temp_file(name):  # (cheap test first)
                continue
            if not name.isascii() and not _is_text(name):
                problems.append((visible(prefix + name), _NOT_UTF8_FILE))
                continue
            if matches_mtime is None or matches_mtime(st.st_mtime):
                rel = prefix + name
                if known_stat(rel) == (st.st_size, st.st_mtime_ns):
                    matched.append(rel)
                else:
                    append(make((rel, st.st_size, st.st_mtime_ns)))
    found.sort()
    return ScanResult(found, len(matched), tuple(matched), tuple(problems))


_NOT_UTF8_FILE = (
    "its name is not valid UTF-8 (written by an older system), so it cannot be recorded; "
    "rename it and it is copied at the next run"
)
_NOT_UTF8_FOLDER = (
    "this folder's name is not valid UTF-8 (written by an older system), so its files cannot "
    "be recorded; rename it and they are copied at the next run"
)


def _is_text(name: str) -> bool:
    """False for a name that is not valid Unicode text: bytes that are not UTF-8 reach Python
    as lone surrogates, which SQLite, the log and most destinations cannot hold."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _follow_link(
    entry: os.DirEntry[str],
    prefix: str,
    real_root: str,
    visited: set[str],
    stack: list[tuple[str, str, str]],
    recursive: bool,
) -> os.stat_result | None:
    """A link's target stat when it is a file inside the source; folders join the walk once."""
    target = os.path.realpath(entry.path)
    if not _inside(real_root, target):
        log.debug("skipping %s%s: its link points outside the source folder", prefix, entry.name)
        return None
    if os.path.isdir(target):
        if recursive and target not in visited:
            visited.add(target)
            stack.append((entry.path, prefix + entry.name + "/", target))
        return None
    return entry.stat(follow_symlinks=True)
