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

from oeleo_gui.engine.connectors.base import is_oeleo_path, is_temp_name
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


def test_a_batch_cut_mid_stream_leaves_no_final_name_and_records_nothing(
    make_engine: Any, ssh_proxy: Any, src: Path, remote_dir: Path
) -> None:
    data = {f"run {i % 3}/f{i:03d}.res": os.urandom(16 * 1024) for i in range(200)}
    for name, content in data.items():
        write(src, name, content)
    engine = make_engine(
        OELEO_EXTERNAL_HOST=f"127.0.0.1:{ssh_proxy.port}",
        OELEO_KNOWN_HOSTS=str(ssh_proxy.known_hosts),
        OELEO_RECONNECT="0",
        OA_INCLUDE_SUBDIRS="true",
        OA_EXTERNAL_SUBDIRS="true",
    )
    ssh_proxy.arm(after_bytes=1024 * 1024)  # a third of the one batch's data
    first = engine.sync()
    assert ssh_proxy.cut.is_set()
    assert "lost" in first.error
    assert first.copied == ()
    left = {p.relative_to(remote_dir).as_posix() for p in remote_dir.rglob("*") if p.is_file()}
    left = {name for name in left if not is_oeleo_path(name)}
    assert not left & set(data)  # nothing under a final name
    assert all(is_temp_name(name) for name in left)
    assert all(engine.store.get(name) is None for name in data)  # nothing recorded
    assert engine.store.journal_entries()  # the temporary names are journalled for the sweep

    second = engine.sync()
    assert second.ok, second.error
    assert {r.rel_path for r in second.copied} == set(data)
    assert files_in(remote_dir) == data  # the sweep removed every temporary file
    assert engine.store.journal_entries() == []


ODD_NAMES = [
    "with space.res",
    'it\'s "quoted".res',
    "$HOME and $(whoami).res",
    "`back ticks`.res",
    "line\nbreak.res",
    "måling µ ß 測定.res",
    "folder with space/$x `y` 'z'.res",
    "a name longer than a tar header holds " + "x" * 100 + ".res",
    "deep/" * 40 + "and a long name " + "y" * 150 + ".res",
] + [f"more/f{i}.res" for i in range(10)]  # enough small files to travel as one tar stream


def test_odd_names_arrive_exactly(make_engine: Any, src: Path, remote_dir: Path) -> None:
    data = {name: name.encode() * 5 for name in ODD_NAMES}
    for name, content in data.items():
        write(src, name, content)
    engine = make_engine(OA_INCLUDE_SUBDIRS="true", OA_EXTERNAL_SUBDIRS="true")
    summary = engine.sync()
    assert summary.ok, summary.error
    assert files_in(remote_dir) == data
    report = engine.check(full=True)
    assert set(report.in_sync) == set(data)
    write(src, ODD_NAMES[4], b"changed", mtime=OLD + 60)
    again = engine.sync()
    assert [r.rel_path for r in again.copied] == [ODD_NAMES[4]]
    assert (remote_dir / ODD_NAMES[4]).read_bytes() == b"changed"


def test_nothing_to_copy_needs_no_connection(
    make_engine: Any, ssh_proxy: Any, src: Path, remote_dir: Path
) -> None:
    write(src, "a.res", b"alpha")
    engine = make_engine(
        OELEO_EXTERNAL_HOST=f"127.0.0.1:{ssh_proxy.port}",
        OELEO_KNOWN_HOSTS=str(ssh_proxy.known_hosts),
        OELEO_RECONNECT="0",
    )
    assert engine.sync().ok
    engine.connector.close()
    ssh_proxy.close()  # the server is out of reach from now on
    quiet = engine.sync()
    assert quiet.ok, quiet.error  # nothing to copy: no connection was tried
    assert quiet.unchanged == 1
    write(src, "b.res", b"beta")
    busy = engine.sync()
    assert "Cannot reach" in busy.error  # something to copy: it tries, and says why not


def test_an_account_without_tar_falls_back_cleanly(
    make_engine: Any, sshd: Any, src: Path, remote_dir: Path
) -> None:
    data = {f"f{i:02d}.res": os.urandom(5_000 + i) for i in range(40)}
    for name, content in data.items():
        write(src, name, content)
    engine = make_engine(OELEO_EXTERNAL_HOST=f"{sshd.host}:{sshd.no_tar_port}")
    summary = engine.sync()
    assert summary.ok, summary.error
    assert {r.rel_path for r in summary.copied} == set(data)
    assert files_in(remote_dir) == data
    row = engine.store.get("f03.res")
    assert row is not None
    assert row.checksum == hashlib.md5(data["f03.res"], usedforsecurity=False).hexdigest()


def test_a_file_turned_into_a_folder_moves_the_old_copy_aside(
    make_engine: Any, src: Path, remote_dir: Path
) -> None:
    write(src, "x.res", b"the old file")
    engine = make_engine(OA_INCLUDE_SUBDIRS="true", OA_EXTERNAL_SUBDIRS="true")
    assert engine.sync().ok
    (src / "x.res").unlink()
    write(src, "x.res/n.res", b"in the folder now")
    summary = engine.sync()
    assert summary.ok, summary.failed
    (copied,) = summary.copied
    assert copied.rel_path == "x.res/n.res"
    assert copied.moved_aside.startswith("x.oeleo-aside-")
    assert (remote_dir / "x.res" / "n.res").read_bytes() == b"in the folder now"
    assert (remote_dir / copied.moved_aside).read_bytes() == b"the old file"
    assert not engine.sync().copied
