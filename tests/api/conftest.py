"""Fixtures for the scripting-API tests: a working folder like a script's, with a source folder of
data files and an empty destination, and the shared test `sshd` (host keys verified against the
fixture's known_hosts, never accepted on their own).

The tests that play upstream scripts import nothing of the product but `oeleo_gui.api`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.engine.connectors.conftest import sshd  # noqa: F401 - the shared real OpenSSH server

OLD = time.time() - 3 * 24 * 3600


def put(folder: Path, rel: str, content: str | bytes, mtime: float | None = OLD) -> Path:
    """Write a data file, old enough that no settle time holds it back unless `mtime` says so."""
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def files_in(folder: Path) -> dict[str, bytes]:
    """Every data file under `folder` by relative path (the destination as a person would see
    it; its `.oeleo/` status record for the lab overview is no data)."""
    return {
        rel: p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not (rel := p.relative_to(folder).as_posix()).startswith(".oeleo/")
    }


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The script's current folder (relative names such as `db_name` resolve here)."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """An instrument's data folder: two `.res` files and a `.txt` that is never copied."""
    folder = tmp_path / "instrument"
    put(folder, "cell_01.res", "first cell")
    put(folder, "cell_02.res", "second cell")
    put(folder, "notes.txt", "not data")
    return folder


@pytest.fixture
def dst(tmp_path: Path) -> Path:
    folder = tmp_path / "server share"
    folder.mkdir()
    return folder


@pytest.fixture
def set_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set OELEO_* variables as a script's `dotenv.load_dotenv()` would (undone afterwards)."""

    def set_all(**values: object) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, str(value))

    return set_all
