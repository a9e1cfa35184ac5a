"""Making destination folders: what exists already, what Windows refuses to "make", and the
destination folder itself, which is never made again."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from oeleo_gui.engine.connectors.local import os_details as local_os
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.connectors.local.os_details import make_folder
from oeleo_gui.engine.errors import FileError, SourceBusy
from oeleo_gui.engine.fileio import source_files


def test_make_folder_says_whether_it_made_the_folder(tmp_path: Path) -> None:
    assert make_folder(str(tmp_path / "new")) is True
    assert make_folder(str(tmp_path / "new")) is False
    with pytest.raises(FileNotFoundError):
        make_folder(str(tmp_path / "missing" / "child"))


def test_a_folder_windows_will_not_make_is_fine_when_it_exists(tmp_path: Path, monkeypatch) -> None:
    def refuse(path: str, *args: object) -> None:  # Windows: mkdir("C:\\") is access denied
        raise PermissionError(errno.EACCES, "Access is denied", path)

    monkeypatch.setattr(local_os.os, "mkdir", refuse)
    assert make_folder(str(tmp_path)) is False
    with pytest.raises(PermissionError):
        make_folder(str(tmp_path / "not there"))


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


class WindowsError_(PermissionError):  # noqa: N801 (stands in for Windows' own OSError)
    """An OSError as Windows raises it for a file another program holds open."""

    def __init__(self, winerror: int, path: str) -> None:
        super().__init__(errno.EACCES, "The process cannot access the file", path)
        self.winerror = winerror


def test_windows_error_codes_are_told_apart() -> None:
    assert source_files.is_sharing_violation(WindowsError_(32, "x"))  # ERROR_SHARING_VIOLATION
    assert source_files.is_sharing_violation(WindowsError_(33, "x"))  # ERROR_LOCK_VIOLATION
    assert not source_files.is_sharing_violation(PermissionError(errno.EACCES, "denied"))
    assert local_os.is_network_gone(WindowsError_(64, "x"))  # ERROR_NETNAME_DELETED
    assert local_os.is_network_gone(OSError(errno.ESTALE, "stale file handle"))
    assert not local_os.is_network_gone(FileNotFoundError(errno.ENOENT, "gone"))


def test_a_locked_source_is_busy_and_an_unreadable_one_says_so(tmp_path: Path, monkeypatch) -> None:
    locked, unreadable = tmp_path / "locked.res", tmp_path / "secret.res"
    locked.write_text("x")
    unreadable.write_text("y")
    real_open = os.open

    def instrument_holds(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path) == str(locked):
            raise WindowsError_(32, str(path))
        if str(path) == str(unreadable):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(local_os.os, "open", instrument_holds)
    with pytest.raises(SourceBusy, match=r"locked\.res is in use by another program"):
        source_files.open_source(str(locked))
    with pytest.raises(FileError, match=r"Cannot read .*secret\.res: Permission denied"):
        source_files.open_source(str(unreadable))
