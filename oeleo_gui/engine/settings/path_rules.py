"""Rules about the paths a configuration names, beyond "is it set" (issue 13, cases 3, 14, 15).

- `path_text_problem(text)`: a control character in a path (python-dotenv turns `\\n` inside a
  double-quoted `"C:\\data\\new"` into a line break), or a Windows path on another system;
- `nesting_problem(source, destination)`: the destination must not be the source folder or a
  folder inside it, compared resolved (links, `..`, trailing slashes; without case on Windows);
- `folder_kind_problem(path)`: whether an existing path is a folder, in words.

Each returns what is expected, in the technician's words, or None; `preflight_problems` lists
what only the disk can tell about a whole configuration. Imports the stdlib and the errors.
"""

from __future__ import annotations

import ntpath
import os
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from oeleo_gui.engine.errors import ConfigProblem

if TYPE_CHECKING:
    from oeleo_gui.engine.settings.config import Settings

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\[^\\])")

QUOTING_HINT = "write Windows paths without quotes, or in single quotes ('C:\\data\\new')"


def path_text_problem(text: str, *, on_windows: bool = os.name == "nt") -> str | None:
    """What is wrong with the text of a path before it is looked up, or None."""
    if _CONTROL.search(text):
        return (
            "a path without line breaks or tabs: in double quotes, \\n, \\t and the like "
            f"become control characters; {QUOTING_HINT}"
        )
    if not on_windows and _WINDOWS_PATH.match(text):
        return (
            "a folder as this computer sees it: this is a Windows path, and this computer does "
            "not run Windows (a share is reached where it is mounted, such as /mnt/data)"
        )
    return None


def is_same_or_inside(inner: str, outer: str, *, flavour: ModuleType = os.path) -> bool:
    """Whether the resolved path `inner` is `outer` or inside it, by `flavour`'s rules
    (`ntpath` ignores case and takes either slash, as Windows does)."""
    sep = flavour.sep
    a, b = flavour.normcase(inner).rstrip(sep), flavour.normcase(outer).rstrip(sep)
    return a == b or a.startswith(b + sep)


def nesting_problem(source: Path, destination: Path) -> str | None:
    """The destination folder must be outside the source folder; None when it is."""
    flavour = ntpath if os.name == "nt" else os.path
    inner, outer = str(_resolved(destination)), str(_resolved(source))
    if not is_same_or_inside(inner, outer, flavour=flavour):
        return None
    if flavour.normcase(inner) == flavour.normcase(outer):
        return (
            f"a folder outside the source folder {source} (OELEO_BASE_DIR_FROM); this is that "
            "folder, and copying a folder onto itself replaces every file with a copy of itself"
        )
    return (
        f"a folder outside the source folder {source} (OELEO_BASE_DIR_FROM); inside it, each "
        "run would copy the copies again, one level deeper every time"
    )


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:  # a link loop, or an unreachable share: compare it as written
        return Path(os.path.abspath(path))


def folder_kind_problem(path: Path) -> str | None:
    """None for an existing folder; else what is wrong, in words."""
    if path.is_dir():
        return None
    if path.exists():
        return "is a file, not a folder: give the folder that holds the data files"
    return "an existing folder (it was not found)"


def preflight_problems(settings: Settings) -> list[ConfigProblem]:
    """Problems only the file system can show: missing source folder, unreadable key file."""
    problems = []
    source_problem = folder_kind_problem(settings.source)
    if source_problem:
        problems.append(ConfigProblem("OELEO_BASE_DIR_FROM", str(settings.source), source_problem))
    if settings.ssh and settings.ssh.key_filename and not settings.ssh.key_filename.is_file():
        problems.append(
            ConfigProblem(
                "OELEO_KEY_FILENAME", str(settings.ssh.key_filename), "an existing private key file"
            )
        )
    if settings.db_path.is_dir():
        problems.append(
            ConfigProblem("OELEO_DB_NAME", str(settings.db_path), "a file name, not a folder")
        )
    return problems
