"""A whole batch through `SshConnector.upload_batch` / `commit_batch` against a real sshd: many
requests in flight, per-file failures, cancel, odd names, and accounts without a shell or
without md5sum."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest

from oeleo_gui.engine.connectors.base import (
    BatchUploads,
    Upload,
    UploadRequest,
    temp_name_for,
)
from oeleo_gui.engine.connectors.ssh import sftp_pipe
from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.errors import Cancelled, FileError, PathBlocked, SourceBusy
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import SshSettings

pytestmark = pytest.mark.sshd

MTIME = 1_700_000_123.0
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


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def files_in(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class Batch:
    """Runs `upload_batch` and keeps what it reported."""

    def __init__(self, connector: SshConnector, sources: Path) -> None:
        self.connector = connector
        self.sources = sources
        self.outcomes: dict[int, Upload | FileError] = {}
        self.progress: list[tuple[int, int]] = []

    def requests(self, names: list[str]) -> list[UploadRequest]:
        return [
            UploadRequest(str(self.sources / f"src{i}"), name, temp_name_for(name), MTIME)
            for i, name in enumerate(names)
        ]

    def send(self, requests: list[UploadRequest], cancel: CancelToken | None = None) -> None:
        self.connector.upload_batch(
            requests,
            progress=lambda i, n: self.progress.append((i, n)),
            done=self.outcomes.__setitem__,
            cancel=cancel or CancelToken(),
        )

    @property
    def uploads(self) -> list[Upload]:
        return [u for _, u in sorted(self.outcomes.items()) if isinstance(u, Upload)]


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    return folder


def write_sources(sources: Path, contents: list[bytes]) -> None:
    for i, data in enumerate(contents):
        (sources / f"src{i}").write_bytes(data)


@pytest.fixture
def no_single_requests(ssh_connector: SshConnector) -> Iterator[list[str]]:
    """Counts paramiko's one-at-a-time SFTP calls (none should happen in a batch)."""
    sftp = ssh_connector._require_sftp()
    calls: list[str] = []
    saved = {}
    for name in ("stat", "open", "rename", "posix_rename", "remove", "utime", "mkdir"):
        saved[name] = getattr(sftp, name)
        setattr(sftp, name, lambda *a, _n=name, **k: calls.append(_n))
    yield calls
    for name, method in saved.items():
        setattr(sftp, name, method)


def test_the_ssh_connector_offers_batches(ssh_connector: SshConnector) -> None:
    assert isinstance(ssh_connector, BatchUploads)


def test_a_batch_arrives_verified_and_renamed_in_a_few_round_trips(
    sshd: Any,
    ssh_connector: SshConnector,
    remote_dir: Path,
    sources: Path,
    no_single_requests: list[str],
) -> None:
    contents = [f"file {i} ".encode() * (i + 1) for i in range(300)]
    contents[7] = b""  # an empty file too
    contents[8] = os.urandom(3 * 1024 * 1024 + 5)  # and one of many requests
    write_sources(sources, contents)
    names = [f"run {i % 7}/sample {i:03d}.res" for i in range(300)]
    batch = Batch(ssh_connector, sources)
    commands_before = sshd.log_path.read_text().count("Starting session: command")
    batch.send(batch.requests(names))

    assert len(batch.uploads) == 300
    assert [u.md5 for u in batch.uploads] == [md5(c) for c in contents]
    assert [u.size for u in batch.uploads] == [len(c) for c in contents]
    arrived = files_in(remote_dir)
    assert arrived == {u.temp_rel_path: c for u, c in zip(batch.uploads, contents, strict=True)}
    assert all((remote_dir / u.temp_rel_path).stat().st_mtime == int(MTIME) for u in batch.uploads)
    assert {i for i, _ in batch.progress} == set(range(300))
    assert ssh_connector.verify(batch.uploads) == {}
    committed: list[str] = []
    ssh_connector.commit_batch(batch.uploads, committed=lambda u: committed.append(u.rel_path))

    assert sorted(committed) == sorted(names)
    assert files_in(remote_dir) == dict(zip(names, contents, strict=True))
    assert (remote_dir / names[0]).stat().st_mtime == int(MTIME)
    assert no_single_requests == []
    # three commands on the server: tar for the small files, md5sum fed the names as each file
    # was complete (the big file went over SFTP), and one rename of the whole batch
    commands = sshd.log_path.read_text().count("Starting session: command") - commands_before
    assert commands == 3


def test_one_file_failing_does_not_stop_the_others(
    ssh_connector: SshConnector, remote_dir: Path, sources: Path
) -> None:
    write_sources(sources, [b"a", b"b", b"c", b"d"])
    (sources / "src1").unlink()  # vanished before it could be sent
    (remote_dir / "blocked").write_bytes(b"a file where a folder is needed")
    batch = Batch(ssh_connector, sources)
    batch.send(batch.requests(["a.res", "b.res", "blocked/c.res", "d.res"]))

    assert isinstance(batch.outcomes[1], FileError)
    assert not isinstance(batch.outcomes[1], SourceBusy)
    assert isinstance(batch.outcomes[2], PathBlocked)  # the worker moves the file aside
    assert batch.outcomes[2].rel_path == "blocked"
    assert [u.rel_path for u in batch.uploads] == ["a.res", "d.res"]
    ssh_connector.commit_batch(batch.uploads, committed=lambda u: None)
    assert files_in(remote_dir) == {
        "a.res": b"a",
        "d.res": b"d",
        "blocked": b"a file where a folder is needed",
    }


def test_cancel_mid_batch_removes_every_unfinished_temporary_file(
    ssh_connector: SshConnector, remote_dir: Path, sources: Path
) -> None:
    write_sources(sources, [os.urandom(2 * 1024 * 1024) for _ in range(6)])
    cancel = CancelToken()
    batch = Batch(ssh_connector, sources)

    def progress(i: int, n: int) -> None:
        if i >= 2 and n > 0:  # the third file is on its way
            cancel.cancel()

    with pytest.raises(Cancelled):
        ssh_connector.upload_batch(
            batch.requests([f"f{i}.res" for i in range(6)]),
            progress=progress,
            done=batch.outcomes.__setitem__,
            cancel=cancel,
        )
    left = files_in(remote_dir)
    assert set(left) == {u.temp_rel_path for u in batch.uploads}  # only what was reported done
    assert len(batch.uploads) < 6
    # the connection is still usable
    write_sources(sources, [b"after the cancel"])
    again = Batch(ssh_connector, sources)
    again.send(again.requests(["after.res"]))
    assert isinstance(again.outcomes[0], Upload)


def test_cancel_mid_tar_stream_leaves_nothing(
    ssh_connector: SshConnector, remote_dir: Path, sources: Path
) -> None:
    write_sources(sources, [os.urandom(20_000) for _ in range(100)])
    cancel = CancelToken()
    batch = Batch(ssh_connector, sources)

    def progress(i: int, n: int) -> None:
        if i >= 60:
            cancel.cancel()

    with pytest.raises(Cancelled):
        ssh_connector.upload_batch(
            batch.requests([f"d{i % 4}/f{i}.res" for i in range(100)]),
            progress=progress,
            done=batch.outcomes.__setitem__,
            cancel=cancel,
        )
    assert batch.outcomes == {}  # a stream counts only once tar finished
    assert files_in(remote_dir) == {}
    assert ssh_connector._can_tar  # a cancel is no reason to stop using tar


def test_odd_names_arrive_exactly_and_hash_on_the_server(
    sshd: Any, ssh_connector: SshConnector, remote_dir: Path, sources: Path
) -> None:
    contents = [name.encode() * 3 for name in ODD_NAMES]
    write_sources(sources, contents)
    batch = Batch(ssh_connector, sources)
    before = sshd.log_path.read_text().count("Starting session: command")
    batch.send(batch.requests(ODD_NAMES))
    # they travelled as one tar stream (tar, and md5sum fed their names on its input)
    assert sshd.log_path.read_text().count("Starting session: command") - before == 2
    assert ssh_connector._can_tar
    assert ssh_connector.verify(batch.uploads) == {}
    renames_before = sshd.log_path.read_text().count("Starting session: command")
    ssh_connector.commit_batch(batch.uploads, committed=lambda u: None)
    # renamed by one command fed the names on its input, none of them on a command line
    assert sshd.log_path.read_text().count("Starting session: command") - renames_before == 1
    assert ssh_connector._can_rename
    assert files_in(remote_dir) == dict(zip(ODD_NAMES, contents, strict=True))
    digests = ssh_connector.checksums([*ODD_NAMES, "missing $x.res"])
    assert digests == {n: md5(c) for n, c in zip(ODD_NAMES, contents, strict=True)}
    assert set(ssh_connector.stat_many(ODD_NAMES)) == set(ODD_NAMES)


def test_a_server_without_posix_rename_still_replaces_files(
    ssh_connector: SshConnector, remote_dir: Path, sources: Path
) -> None:
    (remote_dir / "a.res").write_bytes(b"old")
    write_sources(sources, [b"new", b"other"])
    pipe = ssh_connector._require_pipe()
    del pipe.extensions[sftp_pipe.POSIX_RENAME]  # as a server that does not offer it
    batch = Batch(ssh_connector, sources)
    batch.send(batch.requests(["a.res", "b.res"]))
    done: list[str] = []
    ssh_connector.commit_batch(batch.uploads, committed=lambda u: done.append(u.rel_path))
    assert done == ["a.res", "b.res"]
    assert files_in(remote_dir) == {"a.res": b"new", "b.res": b"other"}


def test_the_pipe_uses_the_servers_limits_and_reads_its_errors(
    ssh_connector: SshConnector, remote_dir: Path
) -> None:
    pipe = ssh_connector._require_pipe()
    assert pipe.max_write > sftp_pipe.SAFE_WRITE  # OpenSSH's limits@openssh.com: bigger writes
    assert pipe.has_posix_rename
    (remote_dir / "private").mkdir(mode=0o700)  # made by this process: root's when root
    answers: list[tuple[int, str]] = []
    for path in (remote_dir / "nothing here", remote_dir / "private" / "x"):
        pipe.request(
            sftp_pipe.STAT,
            sftp_pipe.string(sftp_pipe.encode(str(path))),
            lambda kind, body: answers.append(sftp_pipe.status_of(kind, body)),
        )
    pipe.wait_all()
    errors = [sftp_pipe.status_error(code, text) for code, text in answers]
    assert isinstance(errors[0], OSError)
    assert errors[0].errno == errno.ENOENT
    if os.geteuid() == 0:  # the server's user may not look into root's 0700 folder
        assert isinstance(errors[1], OSError)
        assert errors[1].errno == errno.EACCES


# --- accounts without a shell, or without tar ---------------------------------------
@pytest.fixture
def connector_on(
    sshd: Any, ssh_settings: Callable[..., SshSettings], remote_dir: Path
) -> Iterator[Callable[[str], SshConnector]]:
    """A ready connector on one of the test server's ports (by attribute name)."""
    made: list[SshConnector] = []

    def make(port_name: str) -> SshConnector:
        port = getattr(sshd, port_name)
        c = SshConnector(ssh_settings(port=port), str(remote_dir), connect_timeout=10)
        made.append(c)
        c.ensure_ready()
        return c

    yield make
    for c in made:
        c.close()


def test_an_account_without_a_shell_verifies_by_reading_back(
    connector_on: Callable[[str], SshConnector], remote_dir: Path, sources: Path
) -> None:
    limited = connector_on("sftp_only_port")
    assert not limited.capabilities.server_checksums
    contents = [os.urandom(700 * 1024), b"small", b"", b"x" * 100]
    write_sources(sources, contents)
    batch = Batch(limited, sources)
    batch.send(batch.requests(["big.res", "small.res", "empty.res", "sub/x.res"]))
    assert len(batch.uploads) == 4
    assert limited.verify(batch.uploads) == {}
    tampered = batch.uploads[0]
    data = bytearray(contents[0])
    data[500_000] ^= 0xFF  # same size, one byte differs far into the file
    (remote_dir / tampered.temp_rel_path).write_bytes(bytes(data))
    problems = limited.verify(batch.uploads)
    assert list(problems) == [tampered.temp_rel_path]
    assert "differs" in problems[tampered.temp_rel_path]
    limited.commit_batch(batch.uploads[1:], committed=lambda u: None)
    assert limited.checksums(["small.res", "empty.res", "sub/x.res", "gone.res"]) == {
        "small.res": md5(b"small"),
        "empty.res": md5(b""),
        "sub/x.res": md5(b"x" * 100),
    }


def test_an_account_without_tar_falls_back_to_sftp(
    connector_on: Callable[[str], SshConnector], remote_dir: Path, sources: Path
) -> None:
    c = connector_on("no_tar_port")
    assert c.capabilities.server_checksums  # md5sum is there
    # more than the channel's window, so the stream is still being sent when the server's
    # shell has already said "tar: not found" and closed it
    contents = [f"small file {i} ".encode() * 700 for i in range(300)]
    write_sources(sources, contents)
    names = [f"d{i % 3}/f{i}.res" for i in range(300)]
    batch = Batch(c, sources)
    batch.send(batch.requests(names))
    assert not c._can_tar  # tried once, then SFTP for this batch and the next ones
    assert c.is_connected
    assert len(batch.uploads) == 300
    assert files_in(remote_dir) == {
        u.temp_rel_path: data for u, data in zip(batch.uploads, contents, strict=True)
    }  # nothing else was left behind by the failed stream
    assert c.verify(batch.uploads) == {}
    assert not c._collected_md5  # no dd there: md5sum's lines come as they are
    c.commit_batch(batch.uploads, committed=lambda u: None)
    assert not c._can_rename  # no perl there: renamed over SFTP
    assert files_in(remote_dir) == dict(zip(names, contents, strict=True))


def test_in_folders_it_made_the_connector_knows_what_exists(
    ssh_connector: SshConnector, remote_dir: Path, sources: Path, no_single_requests: list[str]
) -> None:
    write_sources(sources, [b"one", b"two"])
    batch = Batch(ssh_connector, sources)
    batch.send(batch.requests(["new/a.res", "new/b.res"]))
    temps = [u.temp_rel_path for u in batch.uploads]
    assert set(ssh_connector.stat_many([*temps, "new/a.res"])) == set(temps)
    ssh_connector.commit_batch(batch.uploads[:1], committed=lambda u: None)
    assert set(ssh_connector.stat_many(["new/a.res", "new/b.res"])) == {"new/a.res"}
    (remote_dir / "new" / "c.res").write_bytes(b"put there by someone else meanwhile")
    assert ssh_connector.stat_many(["new/c.res"]) == {}  # not asked: the folder is this run's
    ssh_connector.reconnect()
    assert set(ssh_connector.stat_many(["new/c.res"])) == {"new/c.res"}  # asked again


def test_an_upload_given_another_time_keeps_it_at_the_destination(
    ssh_connector: SshConnector, remote_dir: Path, sources: Path
) -> None:
    write_sources(sources, [b"a live copy", b"a plain copy"])
    batch = Batch(ssh_connector, sources)
    batch.send(batch.requests(["live.res", "plain.res"]))
    live, plain = batch.uploads
    state_time = MTIME + 3600.0  # a live copy takes the time of the state it copied
    ssh_connector.commit_batch(
        [dataclasses.replace(live, mtime=state_time), plain], committed=lambda u: None
    )
    assert (remote_dir / "live.res").stat().st_mtime == int(state_time)
    assert (remote_dir / "plain.res").stat().st_mtime == int(MTIME)


def test_the_batch_rename_reports_each_file_that_could_not_be_renamed(
    ssh_connector: SshConnector, remote_dir: Path, sources: Path
) -> None:
    """One command renames the batch; a name it cannot take (a folder with files is in the
    way) fails that file alone, with the server's reason, and the others are in place."""
    names = [f"ok {i}.res" for i in range(5)] + ["taken.res"]
    (remote_dir / "taken.res").mkdir()
    (remote_dir / "taken.res" / "inside").write_bytes(b"keep me")
    write_sources(sources, [f"content {i}".encode() for i in range(6)])
    batch = Batch(ssh_connector, sources)
    batch.send(batch.requests(names))
    assert ssh_connector.verify(batch.uploads) == {}
    committed: list[str] = []
    with pytest.raises(FileError) as failed:
        ssh_connector.commit_batch(batch.uploads, committed=lambda u: committed.append(u.rel_path))
    assert "taken.res" in failed.value.title
    assert ssh_connector._can_rename  # the command ran; one rename was refused
    assert sorted(committed) == names[:5]
    arrived = files_in(remote_dir)
    assert {n: arrived[n] for n in names[:5]} == {
        n: f"content {i}".encode() for i, n in enumerate(names[:5])
    }
    assert arrived["taken.res/inside"] == b"keep me"
    assert next(u.temp_rel_path for u in batch.uploads if u.rel_path == "taken.res") in arrived


def test_the_server_collects_md5sums_output_into_blocks(
    ssh_connector: SshConnector, remote_dir: Path
) -> None:
    """md5sum writes a line per file; with `dd` behind it the answer comes in a few packets,
    and the digests read the same as without it."""
    assert ssh_connector._collected_md5
    for i in range(2000):
        (remote_dir / f"f{i}.res").write_bytes(f"data {i}".encode())
    names = [f"f{i}.res" for i in range(2000)]
    received: list[int] = []
    # how the transport hands a channel the data it received
    table = ssh_connector._transport()._channel_handler_table
    channel_feed = table[paramiko.common.MSG_CHANNEL_DATA]

    def counting(channel: paramiko.Channel, m: Any) -> None:
        received.append(1)
        channel_feed(channel, m)

    table[paramiko.common.MSG_CHANNEL_DATA] = counting
    try:
        digests = ssh_connector.checksums(names)
    finally:
        table[paramiko.common.MSG_CHANNEL_DATA] = channel_feed
    assert digests == {n: md5(f"data {i}".encode()) for i, n in enumerate(names)}
    assert len(received) < 20  # 2000 lines of 45 bytes; without dd hundreds of packets
