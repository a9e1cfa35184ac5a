"""Walk the source folder once with os.scandir and return the files that pass the filter.

A symlink is followed only when its target stays inside the source folder; directory loops are
cut. Nothing is read here: deciding whether a file changed starts from its size and mtime.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import NamedTuple

from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.filters import FileFilter

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


def scan(
    root: Path, flt: FileFilter, *, recursive: bool, cancel: CancelToken | None = None
) -> list[LocalFile]:
    """The filtered files under `root`, sorted by relative path."""
    real_root = os.path.realpath(root)
    found: list[LocalFile] = []
    visited = {real_root}
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            log.warning("cannot list %s: %s", folder, exc.strerror or exc)
            continue
        for entry in entries:
            rel = prefix + entry.name
            try:
                is_link = entry.is_symlink()
                if is_link:
                    target = os.path.realpath(entry.path)
                    if not _inside(real_root, target):
                        log.debug("skipping %s: its link points outside the source folder", rel)
                        continue
                    is_dir = os.path.isdir(target)
                else:
                    is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir:
                    if recursive:
                        real = os.path.realpath(entry.path)
                        if real not in visited:
                            visited.add(real)
                            stack.append((entry.path, rel + "/"))
                    continue
                if not flt.matches_name(entry.name):
                    continue
                st = entry.stat(follow_symlinks=is_link)
            except OSError as exc:
                log.debug("skipping %s: %s", rel, exc)
                continue
            if not flt.matches_mtime(st.st_mtime):
                continue
            found.append(LocalFile(rel, st.st_size, st.st_mtime_ns))
    found.sort(key=lambda f: f.rel_path)
    return found


def source_path(root: Path, rel_path: str) -> Path:
    return root.joinpath(*rel_path.split("/"))
