"""SSH scripts against the real test `sshd`: workers built from the environment, from keyword and
from positional `SSHConnector` arguments. Host keys stay verified: trusted through the fixture's
known_hosts file, and an unknown server stops the run before anything is sent."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from oeleo_gui.api import (
    ChecksumChecker,
    LocalConnector,
    SimpleDbHandler,
    SSHConnector,
    Worker,
    register_password,
    ssh_worker,
    start_logger,
)
from tests.api.conftest import files_in
from tests.sshd_server import fingerprint_of

pytestmark = pytest.mark.sshd


@pytest.fixture
def server_env(sshd: Any, set_env) -> None:
    """What a lab's .env holds for key login (host as host:port, as upstream allowed)."""
    set_env(
        OELEO_EXTERNAL_HOST=f"{sshd.host}:{sshd.port}",
        OELEO_USERNAME=sshd.user,
        OELEO_KEY_FILENAME=sshd.key_path,
        OELEO_KNOWN_HOSTS=sshd.known_hosts,
    )


@pytest.fixture
def remote(sshd: Any) -> Path:
    return sshd.remote_dir()


def copy_all(worker: Worker) -> list[str]:
    worker.connect_to_db()
    worker.filter_local()
    summary = worker.run()
    assert summary.ok, summary.error
    return sorted(r.rel_path for r in summary.copied)


def test_readme_ssh_example(
    server_env: None, workdir: Path, src: Path, remote: Path, set_env
) -> None:
    set_env(OELEO_PASSWORD="not-used-with-a-key")
    # upstream's README "Copy files from a Windows PC to a Linux server through ssh"
    log = start_logger()
    try:
        register_password(os.environ["OELEO_PASSWORD"])
        worker = ssh_worker(
            db_name="ssh_to_server.db",
            base_directory_from=src,
            base_directory_to=str(remote),
            extension=".res",
        )
        worker.connect_to_db()
        try:
            report = worker.check(update_db=True)
            worker.filter_local()
            summary = worker.run()
        finally:
            worker.close()
    finally:
        for handler in [h for h in log.root.handlers if getattr(h, "oeleo_handler", False)]:
            log.root.removeHandler(handler)
            handler.close()
    assert sorted(report.missing) == ["cell_01.res", "cell_02.res"]
    assert sorted(r.rel_path for r in summary.copied) == ["cell_01.res", "cell_02.res"]
    assert files_in(remote) == {"cell_01.res": b"first cell", "cell_02.res": b"second cell"}
    assert "not-used-with-a-key" not in (workdir / "oeleo.log").read_text()


def test_ssh_connector_from_keyword_arguments(
    sshd: Any, workdir: Path, src: Path, remote: Path, set_env
) -> None:
    set_env(OELEO_KEY_FILENAME=sshd.key_path, OELEO_KNOWN_HOSTS=sshd.known_hosts)
    external = SSHConnector(
        username=sshd.user,
        host=f"{sshd.host}:{sshd.port}",
        directory=str(remote),
        is_posix=True,
    )
    worker = Worker(
        checker=ChecksumChecker(),
        bookkeeper=SimpleDbHandler(":memory:"),
        local_connector=LocalConnector(directory=src),
        external_connector=external,
        extension=".res",
    )
    assert copy_all(worker) == ["cell_01.res", "cell_02.res"]
    assert [str(p) for p in worker.filter_external()] == [
        f"{remote}/cell_01.res",
        f"{remote}/cell_02.res",
    ]
    worker.close()
    assert files_in(remote) == {"cell_01.res": b"first cell", "cell_02.res": b"second cell"}


def test_ssh_connector_from_positional_arguments_and_our_extras(
    sshd: Any, workdir: Path, src: Path, remote: Path
) -> None:
    external = SSHConnector(
        sshd.user,
        f"{sshd.host}:{sshd.port}",
        str(remote),
        True,  # is_posix
        False,  # use_password
        False,  # include_subdirs
        key_filename=sshd.key_path,
        known_hosts=sshd.known_hosts,
    )
    worker = Worker(
        ChecksumChecker(),
        SimpleDbHandler("ssh.db"),
        False,
        LocalConnector(src),
        external,
        ".res",
    )
    assert copy_all(worker) == ["cell_01.res", "cell_02.res"]
    assert worker.run().copied == ()  # a second run: nothing new
    worker.close()
    assert sorted(files_in(remote)) == ["cell_01.res", "cell_02.res"]


def test_an_unknown_host_key_stops_the_run_and_sends_nothing(
    sshd: Any, workdir: Path, src: Path, remote: Path, set_env
) -> None:
    set_env(
        OELEO_EXTERNAL_HOST=f"{sshd.host}:{sshd.port}",
        OELEO_USERNAME=sshd.user,
        OELEO_KEY_FILENAME=sshd.key_path,  # no known_hosts: the server's key is not trusted
    )
    worker = ssh_worker(src, str(remote), db_name=":memory:", extension=".res")
    worker.filter_local()
    summary = worker.run()
    worker.close()
    assert summary.copied == () and "is not known yet" in summary.error
    assert any(fingerprint_of(b64) in summary.error for _, b64 in sshd.host_keys)
    assert files_in(remote) == {}
