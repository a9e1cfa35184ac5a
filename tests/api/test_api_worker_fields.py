"""Typical scripts that look at their worker after building it: the fields keep what was given."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from oeleo_gui.api import (
    ChecksumChecker,
    LocalConnector,
    SimpleDbHandler,
    SSHConnector,
    Worker,
    simple_worker,
    ssh_worker,
)


def test_a_worker_built_by_hand_keeps_its_arguments(workdir: Path, src: Path, dst: Path) -> None:
    checker, bookkeeper = ChecksumChecker(), SimpleDbHandler("local2pub.db")
    local, external = LocalConnector(directory=src), LocalConnector(directory=dst)
    worker = Worker(
        checker=checker,
        local_connector=local,
        external_connector=external,
        bookkeeper=bookkeeper,
        extension=".res",
    )
    assert worker.checker is checker and worker.bookkeeper is bookkeeper
    assert worker.local_connector is local and worker.external_connector is external
    assert worker.local_connector.directory == src
    assert worker.external_connector.directory == dst
    assert worker.bookkeeper.db_name == "local2pub.db"
    assert worker.extension == ".res"
    assert (worker.dry_run, worker.reconnect, worker.subdirs, worker.external_subdirs) == (
        False,
        False,
        False,
        False,
    )
    assert worker.file_names == []
    assert os.listdir(workdir) == []  # building a worker opens no database and copies nothing


def test_simple_worker_from_the_environment_is_inspectable(
    workdir: Path, src: Path, dst: Path, set_env
) -> None:
    set_env(
        OELEO_BASE_DIR_FROM=src,
        OELEO_BASE_DIR_TO=dst,
        OELEO_DB_NAME="local2pub.db",
        OELEO_FILTER_EXTENSION=".res",
    )
    worker = simple_worker(include_subdirs=True, external_subdirs=True)
    assert isinstance(worker.local_connector, LocalConnector)
    assert worker.local_connector.directory == src and worker.local_connector.include_subdirs
    assert isinstance(worker.external_connector, LocalConnector)
    assert worker.external_connector.directory == dst
    assert worker.external_connector.include_subdirs  # upstream: external_subdirs
    assert isinstance(worker.bookkeeper, SimpleDbHandler)
    assert worker.bookkeeper.db_name == "local2pub.db"
    assert isinstance(worker.checker, ChecksumChecker)
    assert worker.extension == ".res" and worker.subdirs and worker.external_subdirs
    assert worker.make_external_name(src / "sub" / "x.res") == dst / "sub" / "x.res"
    assert worker.external_name == dst / "sub" / "x.res"
    assert worker.status["external_name"] == str(dst / "sub" / "x.res")


def test_ssh_worker_keeps_upstreams_connector_fields(workdir: Path, src: Path, set_env) -> None:
    set_env(
        OELEO_BASE_DIR_FROM=src,
        OELEO_BASE_DIR_TO="/srv/data",
        OELEO_DB_NAME="ssh_to_server.db",
        OELEO_FILTER_EXTENSION=".res",
        OELEO_EXTERNAL_HOST="data.lab.example:2222",
        OELEO_USERNAME="oeleo",
        OELEO_KEY_FILENAME=workdir / "id_ed25519",
    )
    worker = ssh_worker(external_subdirs=True)  # builds without connecting, unlike upstream
    external = worker.external_connector
    assert isinstance(external, SSHConnector)
    assert (external.username, external.host) == ("oeleo", "data.lab.example:2222")
    assert external.directory == PurePosixPath("/srv/data")
    assert external.is_posix and not external.use_password and external.include_subdirs
    assert not external.is_local
    assert worker.make_external_name(src / "cell_01.res") == PurePosixPath("/srv/data/cell_01.res")
    assert worker.settings.ssh is not None and worker.settings.ssh.port == 2222


def test_a_windows_server_folder_is_kept_as_upstream_and_sent_in_sftp_form() -> None:
    connector = SSHConnector("oeleo", "pc-42", r"C:\data\raw", False)
    assert connector.directory == PureWindowsPath(r"C:\data\raw") and not connector.is_posix
    assert connector.destination_values()["OELEO_BASE_DIR_TO"] == "/C:/data/raw"


def test_fields_changed_after_building_are_used_by_the_next_step(
    workdir: Path, src: Path, dst: Path
) -> None:
    worker = Worker(
        ChecksumChecker(),
        SimpleDbHandler(":memory:"),
        local_connector=LocalConnector(src),
        external_connector=LocalConnector(dst),
        extension=".res",
    )
    worker.extension = ".txt"
    assert [f.name for f in worker.filter_local()] == ["notes.txt"]
    worker.extension = [".res", ".txt"]
    assert sorted(f.name for f in worker.filter_local()) == [
        "cell_01.res",
        "cell_02.res",
        "notes.txt",
    ]
