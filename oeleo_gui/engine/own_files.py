"""oeleo-gui's own files, which the scan leaves out whatever the filters say (issue 13, case 4).

With `*` (or a matching extension) and the `.env`, the database or the log inside the source
folder, a run copied the `.env` with its password to the server, and the database's `-wal` at
every run ("changed while copied" for ever). Left out, always:

- the `.env` in use, its backup (`.env.bak`) and the temporary files `save_env` writes beside it;
- the database and every file named after it (`-wal`, `-shm`, `-journal`, `.lock`,
  `.corrupt-<time>`, `.before-vN.bak`);
- the log folder;
- oeleo's temporary files (`.name.<8 hex>.oeleo-part`), wherever they are;
- a `.oeleo/` folder at the top of the source (room for oeleo's own things).

The rules are keyed by the real path of the folder they apply to, so the scan looks them up once
per folder, and a folder without any (the usual case) costs nothing per file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from oeleo_gui.engine.connectors.base import TEMP_SUFFIX, is_temp_name
from oeleo_gui.engine.settings.config import Settings

TOP_FOLDER = ".oeleo"


class FolderRules(NamedTuple):
    names: frozenset[str] = frozenset()
    """Files left out by name."""
    prefixes: tuple[str, ...] = ()
    """Files left out when their name starts with one of these."""
    folders: frozenset[str] = frozenset()
    """Subfolders left out (with everything in them)."""

    def skips_file(self, name: str) -> bool:
        return name in self.names or (bool(self.prefixes) and name.startswith(self.prefixes))


class OwnFiles(NamedTuple):
    by_folder: dict[str, FolderRules]
    """Real folder path -> what to leave out in that folder."""

    def rules_for(self, real_folder: str) -> FolderRules | None:
        return self.by_folder.get(real_folder)


NO_OWN_FILES = OwnFiles({})


def is_own_temp_file(name: str) -> bool:
    """oeleo's temporary copy name (cheap test first: this runs for every file)."""
    return name.endswith(TEMP_SUFFIX) and is_temp_name(name)


def own_files(settings: Settings) -> OwnFiles:
    """The rules for the folders that hold the `.env`, the database and the log folder."""
    rules: dict[str, dict[str, set[str]]] = {}

    def add(path: Path, kind: str, value: str) -> None:
        folder = os.path.realpath(path)
        rules.setdefault(folder, {"names": set(), "prefixes": set(), "folders": set()})
        rules[folder][kind].add(value)

    env = settings.env_file
    if env is not None:
        add(env.parent, "names", env.name)
        add(env.parent, "names", env.name + ".bak")
        add(env.parent, "prefixes", f".{env.name}.")  # save_env's temporary file
    add(settings.db_path.parent, "prefixes", settings.db_path.name)
    log_dir = Path(os.path.realpath(settings.log_dir))
    add(log_dir.parent, "folders", log_dir.name)
    add(settings.source, "folders", TOP_FOLDER)
    return OwnFiles(
        {
            folder: FolderRules(
                names=frozenset(r["names"]),
                prefixes=tuple(sorted(r["prefixes"])),
                folders=frozenset(r["folders"]),
            )
            for folder, r in rules.items()
        }
    )
