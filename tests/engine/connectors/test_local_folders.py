"""Making destination folders: what exists already, what Windows refuses to "make", and the
destination folder itself, which is never made again."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from oeleo_gui.engine.connectors import local
from oeleo_gui.engine.connectors.local import LocalConnector, _make_folder


def test_make_folder_says_whether_it_made_the_folder(tmp_path: Path) -> None:
    assert _make_folder(str(tmp_path / "new")) is True
    assert _make_folder(str(tmp_path / "new")) is False
    with pytest.raises(FileNotFoundError):
        _make_folder(str(tmp_path / "missing" / "child"))


def test_a_folder_windows_will_not_make_is_fine_when_it_exists(tmp_path: Path, monkeypatch) -> None:
    def refuse(path: str, *args: object) -> None:  # Windows: mkdir("C:\\") is access denied
        raise PermissionError(errno.EACCES, "Access is denied", path)

    monkeypatch.setattr(local.os, "mkdir", refuse)
    assert _make_folder(str(tmp_path)) is False
    with pytest.raises(PermissionError):
        _make_folder(str(tmp_path / "not there"))


def test_nested_folders_are_made_and_known_as_new(tmp_path: Path) -> None:
    connector = LocalConnector(tmp_path)
    connector.connect()
    connector._make_parent(connector._native("a/b/c/file.res"))
    assert (tmp_path / "a" / "b" / "c").is_dir()
    assert connector._new_folders == {
        os.path.join(str(tmp_path), *parts) for parts in (["a"], ["a", "b"], ["a", "b", "c"])
    }
    connector.connect()  # a new run forgets what the last one made
    assert not connector._new_folders


def test_the_destination_folder_itself_is_never_made(tmp_path: Path) -> None:
    root = tmp_path / "share"
    root.mkdir()
    connector = LocalConnector(root)
    connector.connect()
    root.rmdir()  # the share went away after the run started
    with pytest.raises(FileNotFoundError):
        connector._make_parent(connector._native("sub/file.res"))
    assert not root.exists()
