"""Where things live: which `.env` is used, and the default data, log and config folders.

Order for the `.env` file: `--env FILE`, else `.env` in the current folder, else `.env` beside
the executable (a portable copy on an instrument PC), else the user's config folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

APP_NAME = "oeleo-gui"
ENV_FILE_NAME = ".env"
DEFAULT_DB_NAME = "oeleo-file-list.db"
LOG_FILE_NAME = "oeleo.log"


def executable_dir() -> Path | None:
    """The folder of the frozen executable, or None when running from source."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return None


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def env_file_candidates(cwd: Path | None = None) -> list[Path]:
    """The places searched for `.env`, in order (without `--env`)."""
    candidates = [(cwd or Path.cwd()) / ENV_FILE_NAME]
    exe_dir = executable_dir()
    if exe_dir is not None:
        candidates.append(exe_dir / ENV_FILE_NAME)
    candidates.append(user_config_dir() / ENV_FILE_NAME)
    return candidates


def find_env_file(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The `.env` to use: `explicit` if given (even if missing), else the first one that exists."""
    if explicit is not None:
        return Path(explicit).expanduser().resolve()
    for candidate in env_file_candidates(cwd):
        if candidate.is_file():
            return candidate.resolve()
    return None


def default_env_file() -> Path:
    """Where a new configuration is written when none exists yet."""
    exe_dir = executable_dir()
    if exe_dir is not None and (exe_dir / ENV_FILE_NAME).is_file():
        return exe_dir / ENV_FILE_NAME
    return user_config_dir() / ENV_FILE_NAME


def app_known_hosts_file() -> Path:
    """The app's own known-hosts file, beside the user's `~/.ssh/known_hosts`."""
    return user_config_dir() / "known_hosts"
