"""Real sync and check runs through `Engine` against the test sshd (settings as from a .env)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.null
import pytest

from oeleo_gui.engine.connectors.base import is_oeleo_path
from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.worker import Engine

pytestmark = pytest.mark.sshd

OLD = time.time() - 3 * 24 * 3600  # past any settle time


def write(root: Path, rel: str, content: bytes, *, mtime: float = OLD) -> Path:
    path = root.joinpath(*rel.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def files_in(folder: Path) -> dict[str, bytes]:
    """The data files at a destination (its `.oeleo/` status record is no data)."""
    return {
        rel: p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not is_oeleo_path(rel := p.relative_to(folder).as_posix())
    }


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "instrument data"
    path.mkdir()
    return path


@pytest.fixture
def make_engine(
    sshd: Any, ssh_home: Path, src: Path, remote_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., Engine]]:
    engines: list[Engine] = []

    def make(**overrides: str) -> Engine:
        values = {
            "OELEO_BASE_DIR_FROM": str(src),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_DESTINATION_TYPE": "ssh",
            "OELEO_BASE_DIR_TO": str(remote_dir),
            "OELEO_EXTERNAL_HOST": f"{sshd.host}:{sshd.port}",
            "OELEO_USERNAME": sshd.user,
            "OELEO_KEY_FILENAME": str(sshd.key_path),
            "OELEO_KNOWN_HOSTS": str(sshd.known_hosts),
            "OELEO_DB_NAME": str(tmp_path / "oeleo.db"),
            "OELEO_LOG_DIR": str(tmp_path / "logs"),
            "OELEO_SETTLE_SECONDS": "30",
            "OA_FROM_YEAR": "2000",
        }
        values.update(overrides)
        engine = Engine(settings_from_values(values, env_file=None))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def test_new_changed_and_locked_files(make_engine: Any, src: Path, remote_dir: Path) -> None:
    write(src, "a.res", b"alpha")
    write(src, "måling 1 µ.res", b"beta")
    write(src, "c.res", b"gamma")
    write(src, "ignored.txt", b"not copied")
    engine = make_engine()
    assert isinstance(engine.connector, SshConnector)
    first = engine.sync()
    assert first.ok, first.error
    assert sorted(r.rel_path for r in first.copied) == ["a.res", "c.res", "måling 1 µ.res"]
    assert files_in(remote_dir) == {"a.res": b"alpha", "måling 1 µ.res": b"beta", "c.res": b"gamma"}
    assert (remote_dir / "a.res").stat().st_mtime == int(OLD)  # SFTP keeps whole seconds
    row = engine.store.get("a.res")
    assert row is not None
    assert row.code is FileCode.COPY_IF_CHANGED
    assert row.checksum == hashlib.md5(b"alpha", usedforsecurity=False).hexdigest()
    assert row.external_name == f"{remote_dir}/a.res"

    write(src, "a.res", b"alpha, version 2", mtime=OLD + 60)
    engine.store.set_code(["c.res"], FileCode.LOCKED)
    write(src, "c.res", b"gamma, changed but locked", mtime=OLD + 60)
    second = engine.sync()
    assert second.ok, second.error
    assert [r.rel_path for r in second.copied] == ["a.res"]
    assert (second.unchanged, second.locked) == (1, 1)
    assert (remote_dir / "a.res").read_bytes() == b"alpha, version 2"
    assert (remote_dir / "c.res").read_bytes() == b"gamma"

    third = engine.sync()
    assert third.ok
    assert not third.copied


def test_subfolders_are_mirrored(make_engine: Any, src: Path, remote_dir: Path) -> None:
    write(src, "run 1/cell A/a.res", b"a")
    write(src, "run 1/b.res", b"b")
    write(src, "top.res", b"t")
    engine = make_engine(OA_INCLUDE_SUBDIRS="true", OA_EXTERNAL_SUBDIRS="true")
    summary = engine.sync()
    assert summary.ok, summary.error
    assert files_in(remote_dir) == {
        "run 1/cell A/a.res": b"a",
        "run 1/b.res": b"b",
        "top.res": b"t",
    }


def test_subfolders_flattened_without_external_subdirs(
    make_engine: Any, src: Path, remote_dir: Path
) -> None:
    write(src, "run 1/cell A/a.res", b"a")
    write(src, "top.res", b"t")
    summary = make_engine(OA_INCLUDE_SUBDIRS="true").sync()
    assert summary.ok, summary.error
    assert files_in(remote_dir) == {"a.res": b"a", "top.res": b"t"}


def test_check_against_a_destination_with_extra_missing_and_different_files(
    make_engine: Any, src: Path, remote_dir: Path
) -> None:
    for name in ("same.res", "gone.res", "edited.res", "resized.res"):
        write(src, name, name.encode() * 3)
    engine = make_engine()
    assert engine.sync().ok
    (remote_dir / "gone.res").unlink()
    (remote_dir / "edited.res").write_bytes(b"E" * len(b"edited.res" * 3))  # same size
    (remote_dir / "resized.res").write_bytes(b"short")
    (remote_dir / "extra.res").write_bytes(b"only at the destination")
    report = engine.check()
    assert report.local_files == 4
    assert report.missing == ("gone.res",)
    assert report.out_of_sync == ("edited.res", "resized.res")
    assert report.in_sync == ("same.res",)
    assert "extra.res" not in report.present

    updated = engine.check(update_db=True)
    assert updated.db_updated
    row = engine.store.get("edited.res")
    assert row is not None
    assert row.code is FileCode.COPY
    summary = engine.sync()
    assert summary.ok, summary.error
    assert {r.rel_path for r in summary.copied} == {"gone.res", "edited.res", "resized.res"}
    assert engine.check().out_of_sync == ()


def test_sftp_only_destination(make_engine: Any, sshd: Any, src: Path, remote_dir: Path) -> None:
    write(src, "a.res", b"a" * 5000)
    engine = make_engine(OELEO_EXTERNAL_HOST=f"{sshd.host}:{sshd.sftp_only_port}")
    summary = engine.sync()
    assert summary.ok, summary.error
    assert not engine.connector.capabilities.server_checksums
    assert files_in(remote_dir) == {"a.res": b"a" * 5000}


@pytest.mark.parametrize("reconnects", ["0", "3"])
def test_dropped_connection_mid_run(
    make_engine: Any, ssh_proxy: Any, src: Path, remote_dir: Path, reconnects: str
) -> None:
    data = {f"f{i}.res": os.urandom(3 * 1024 * 1024) for i in range(6)}
    for name, content in data.items():
        write(src, name, content)
    engine = make_engine(
        OELEO_EXTERNAL_HOST=f"127.0.0.1:{ssh_proxy.port}",
        OELEO_KNOWN_HOSTS=str(ssh_proxy.known_hosts),
        OELEO_RECONNECT=reconnects,
    )
    ssh_proxy.arm(after_bytes=8 * 1024 * 1024)
    first = engine.sync()
    assert ssh_proxy.cut.is_set()
    if reconnects == "0":
        assert "lost" in first.error
        assert len(first.copied) < len(data)
    else:
        assert first.ok, first.error  # reconnected by itself and finished the run
    copied_first = {r.rel_path for r in first.copied}
    for name in copied_first:
        assert (remote_dir / name).read_bytes() == data[name]

    second = engine.sync()
    assert second.ok, second.error
    assert {r.rel_path for r in second.copied} == set(data) - copied_first
    assert files_in(remote_dir) == data  # no temporary files left either
