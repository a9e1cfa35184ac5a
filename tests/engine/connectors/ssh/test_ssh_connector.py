"""SshConnector against a real sshd: uploads, verifying, listing, renaming, and the error table."""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest

from oeleo_gui.engine.connectors.base import Upload, is_temp_name, temp_name_for
from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.connectors.ssh.remote_md5 import parse_md5sum
from oeleo_gui.engine.errors import (
    AuthFailed,
    Cancelled,
    ConnectionLost,
    DestinationFull,
    DestinationMissing,
    DestinationPermissionDenied,
    FileError,
    HostKeyChanged,
    OeleoError,
    Unreachable,
)
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import SshSettings

pytestmark = pytest.mark.sshd

MTIME = 1_700_000_000.0


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def put(
    c: SshConnector,
    source: Path,
    rel: str,
    *,
    cancel: CancelToken | None = None,
    progress: Callable[[int], None] = lambda n: None,
) -> Upload:
    return c.upload_temp(
        str(source),
        rel,
        temp_rel_path=temp_name_for(rel),
        mtime=MTIME,
        progress=progress,
        cancel=cancel or CancelToken(),
    )


def send(c: SshConnector, source: Path, rel: str) -> Upload:
    up = put(c, source, rel)
    assert c.verify([up]) == {}
    c.commit(up)
    return up


def remote_names(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def source(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def make(name: str, data: bytes) -> Path:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return make


# --- uploads ---------------------------------------------------------
def test_upload_new_file(ssh_connector: SshConnector, remote_dir: Path, source: Any) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks, not a multiple of one
    seen: list[int] = []
    up = put(ssh_connector, source("a.res", data), "a.res", progress=seen.append)
    assert (up.size, up.md5, up.mtime) == (len(data), md5(data), MTIME)
    assert seen[-1] == len(data)
    assert seen == sorted(seen)
    assert not (remote_dir / "a.res").exists()  # only the temporary name so far
    assert (remote_dir / up.temp_rel_path).read_bytes() == data
    assert ssh_connector.verify([up]) == {}
    ssh_connector.commit(up)
    assert (remote_dir / "a.res").read_bytes() == data
    assert (remote_dir / "a.res").stat().st_mtime == MTIME
    assert remote_names(remote_dir) == {"a.res"}
    assert ssh_connector.stat("a.res") == ssh_connector.list_files(recursive=False)["a.res"]
    assert ssh_connector.external_name("a.res") == f"{remote_dir}/a.res"


def test_overwrite_replaces_atomically(
    ssh_connector: SshConnector, remote_dir: Path, source: Any
) -> None:
    send(ssh_connector, source("a.res", b"old content"), "a.res")
    before = (remote_dir / "a.res").stat().st_ino
    up = put(ssh_connector, source("a.res", b"new content, longer"), "a.res")
    assert (remote_dir / "a.res").read_bytes() == b"old content"  # untouched until commit
    ssh_connector.commit(up)
    after = remote_dir / "a.res"
    assert after.read_bytes() == b"new content, longer"
    assert after.stat().st_ino != before  # a rename over it, not a rewrite in place
    assert remote_names(remote_dir) == {"a.res"}


def test_odd_names_and_subfolders(
    ssh_connector: SshConnector, remote_dir: Path, source: Any
) -> None:
    names = ["måling 1 µ.csv", "sub dir/deeper/ünï (2).res", "sub dir/it's $HOME `x`;.txt"]
    for i, name in enumerate(names):
        send(ssh_connector, source(f"f{i}", name.encode() * 10), name)
    assert remote_names(remote_dir) == set(names)
    listing = ssh_connector.list_files(recursive=True)
    assert set(listing) == set(names)
    assert set(ssh_connector.list_files(recursive=False)) == {names[0]}
    digests = ssh_connector.checksums(names)
    assert digests == {n: md5(n.encode() * 10) for n in names}


def test_verify_reports_size_and_content_problems(
    ssh_connector: SshConnector, remote_dir: Path, source: Any
) -> None:
    good = put(ssh_connector, source("a", b"aaaa"), "a")
    short = put(ssh_connector, source("b", b"bbbb"), "b")
    changed = put(ssh_connector, source("c", b"cccc"), "c")
    gone = put(ssh_connector, source("d", b"dddd"), "d")
    (remote_dir / short.temp_rel_path).write_bytes(b"bb")
    (remote_dir / changed.temp_rel_path).write_bytes(b"XXXX")
    (remote_dir / gone.temp_rel_path).unlink()
    problems = ssh_connector.verify([good, short, changed, gone])
    assert set(problems) == {short.temp_rel_path, changed.temp_rel_path, gone.temp_rel_path}
    assert "2 bytes arrived, 4 were sent" in problems[short.temp_rel_path]
    assert "differs" in problems[changed.temp_rel_path]


def test_verifying_a_batch_asks_nothing_per_file_when_all_is_well(
    sshd: Any, ssh_connector: SshConnector, source: Any
) -> None:
    uploads = [
        put(ssh_connector, source(f"f{i}", f"content {i}".encode()), f"f{i}") for i in range(40)
    ]
    sftp = ssh_connector._require_sftp()
    real_stat, stats = sftp.stat, []
    sftp.stat = lambda path: stats.append(path) or real_stat(path)  # type: ignore[method-assign]
    before = sshd.log_path.read_text().count("Starting session: command")
    try:
        assert ssh_connector.verify(uploads) == {}
    finally:
        sftp.stat = real_stat  # type: ignore[method-assign]
    assert stats == []  # no round trip per file: one md5sum answered for all of them
    assert sshd.log_path.read_text().count("Starting session: command") - before == 1


def test_the_connection_prefers_aes_gcm(ssh_connector: SshConnector) -> None:
    transport = ssh_connector._client.get_transport()  # type: ignore[union-attr]
    assert transport is not None
    assert transport.local_cipher == transport.remote_cipher == "aes128-gcm@openssh.com"


def test_stat_many_pipelines_one_request_per_file(
    ssh_connector: SshConnector, remote_dir: Path
) -> None:
    names = [f"run 1/f{i:03d}.res" for i in range(120)] + ["odd 'name' #2.res"]
    (remote_dir / "run 1").mkdir()
    for i, name in enumerate(names):
        (remote_dir / name).write_bytes(b"x" * i)
    sftp = ssh_connector._require_sftp()
    real_stat, singles = sftp.stat, []
    sftp.stat = lambda path: singles.append(path) or real_stat(path)  # type: ignore[method-assign]
    try:
        found = ssh_connector.stat_many([*names, "missing.res", "run 1/missing.res"])
    finally:
        sftp.stat = real_stat  # type: ignore[method-assign]
    assert singles == []  # no request answered before the next one was sent
    assert set(found) == set(names)
    assert [found[n].size for n in names] == list(range(len(names)))
    assert ssh_connector.stat("run 1/f005.res") == found["run 1/f005.res"]


def test_checksums_are_one_command_for_many_files(
    sshd: Any, ssh_connector: SshConnector, remote_dir: Path
) -> None:
    names = [f"folder/file {i:03d}.csv" for i in range(300)]
    (remote_dir / "folder").mkdir()
    for name in names:
        (remote_dir / name).write_bytes(name.encode())
    odd = "line\nbreak and back\\slash.csv"
    (remote_dir / odd).write_bytes(b"odd")
    before = sshd.log_path.read_text().count("Starting session: command")
    digests = ssh_connector.checksums([*names, odd, "missing.csv"])
    commands = sshd.log_path.read_text().count("Starting session: command") - before
    assert commands == 1
    assert digests == {**{n: md5(n.encode()) for n in names}, odd: md5(b"odd")}


def test_md5sum_output_with_escaped_names() -> None:
    out = (
        b"d41d8cd98f00b204e9800998ecf8427e  plain name\n"
        b"\\0cc175b9c0f1b6a831c399e269772661  a\\nb\\\\c\n"
        b"92eb5ffee6ae2fec3ad71c777531578f *binary\n"
    )
    assert parse_md5sum(out) == {
        "plain name": "d41d8cd98f00b204e9800998ecf8427e",
        "a\nb\\c": "0cc175b9c0f1b6a831c399e269772661",
        "binary": "92eb5ffee6ae2fec3ad71c777531578f",
    }


def test_cancel_mid_upload_removes_the_temporary_file(
    ssh_connector: SshConnector, remote_dir: Path, source: Any
) -> None:
    cancel = CancelToken()

    def progress(done: int) -> None:
        if done >= 2 * 1024 * 1024:
            cancel.cancel()

    with pytest.raises(Cancelled):
        put(
            ssh_connector,
            source("big", os.urandom(8 * 1024 * 1024)),
            "big",
            cancel=cancel,
            progress=progress,
        )
    assert remote_names(remote_dir) == set()
    send(ssh_connector, source("after", b"still usable"), "after")


def test_missing_source_is_a_file_error(ssh_connector: SshConnector, tmp_path: Path) -> None:
    with pytest.raises(FileError):
        put(ssh_connector, tmp_path / "nope.res", "nope.res")


def test_rename_never_overwrites_and_remove_is_idempotent(
    ssh_connector: SshConnector, remote_dir: Path, source: Any
) -> None:
    send(ssh_connector, source("a", b"A"), "a.res")
    send(ssh_connector, source("b", b"B"), "b.res")
    with pytest.raises(FileError, match="already exists"):
        ssh_connector.rename("a.res", "b.res")
    assert (remote_dir / "b.res").read_bytes() == b"B"
    ssh_connector.rename("a.res", "aside/a.res.old")
    assert remote_names(remote_dir) == {"b.res", "aside/a.res.old"}
    ssh_connector.remove("b.res")
    ssh_connector.remove("b.res")
    assert ssh_connector.stat("b.res") is None


def test_list_files_includes_leftover_temporary_files(
    ssh_connector: SshConnector, source: Any
) -> None:
    up = put(ssh_connector, source("a", b"A"), "x/a.res")
    listing = ssh_connector.list_files(recursive=True)
    assert up.temp_rel_path in listing
    assert is_temp_name(up.temp_rel_path)


def test_reconnect_keeps_working(
    ssh_connector: SshConnector, remote_dir: Path, source: Any
) -> None:
    send(ssh_connector, source("a", b"A"), "sub/a.res")
    ssh_connector.reconnect()
    send(ssh_connector, source("b", b"B"), "sub/b.res")
    assert remote_names(remote_dir) == {"sub/a.res", "sub/b.res"}


@pytest.mark.slow
def test_200_mb_file(ssh_connector: SshConnector, remote_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    digest = hashlib.md5(usedforsecurity=False)
    with big.open("wb") as f:
        block = os.urandom(1024 * 1024)
        for i in range(200):
            chunk = block[i:] + block[:i]
            digest.update(chunk)
            f.write(chunk)
    up = send(ssh_connector, big, "big.bin")
    assert up.md5 == digest.hexdigest()
    assert up.size == 200 * 1024 * 1024
    assert (remote_dir / "big.bin").stat().st_size == up.size
    assert ssh_connector.checksums(["big.bin"]) == {"big.bin": up.md5}


# --- an SFTP-only account (ForceCommand internal-sftp) -------------------------
def test_sftp_only_account_verifies_by_reading_back(
    sshd: Any, ssh_settings: Callable[..., SshSettings], remote_dir: Path, source: Any
) -> None:
    c = SshConnector(ssh_settings(port=sshd.sftp_only_port), str(remote_dir), connect_timeout=10)
    try:
        c.ensure_ready()
        assert not c.capabilities.server_checksums
        up = put(c, source("a.res", b"sftp only" * 1000), "sub/a.res")
        (remote_dir / up.temp_rel_path).with_name("other").write_bytes(b"x")
        assert c.verify([up]) == {}
        c.commit(up)
        (remote_dir / "sub" / "b.res").write_bytes(b"changed")
        assert c.checksums(["sub/a.res", "sub/b.res", "gone"]) == {
            "sub/a.res": md5(b"sftp only" * 1000),
            "sub/b.res": md5(b"changed"),
        }
        bad = put(c, source("c.res", b"c" * 100), "c.res")
        (remote_dir / bad.temp_rel_path).write_bytes(b"d" * 100)
        assert "differs" in c.verify([bad])[bad.temp_rel_path]
    finally:
        c.close()


# --- a full disk (a 1 MiB tmpfs as the destination) ----------------------------
@pytest.fixture
def tiny_disk(sshd: Any) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = sshd.remote_dir(owned=False)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        os.chown(folder, sshd.uid, -1)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_full_destination(
    ssh_settings: Callable[..., SshSettings], tiny_disk: Path, source: Any
) -> None:
    c = SshConnector(ssh_settings(), str(tiny_disk), connect_timeout=10)
    try:
        c.ensure_ready()
        with pytest.raises(DestinationFull) as info:
            put(c, source("big", os.urandom(3 * 1024 * 1024)), "big")
        assert "full" in info.value.title
        assert list(tiny_disk.iterdir()) == []  # the partial temporary file was removed
    finally:
        c.close()


# --- the one translation table ----------------------------------------------------
@pytest.mark.parametrize(
    ("phase", "exc", "expected", "words"),
    [
        ("connect", ConnectionRefusedError(errno.ECONNREFUSED, "refused"), Unreachable, "refused"),
        ("connect", socket.gaierror(-2, "Name or service not known"), Unreachable, "not known"),
        ("connect", TimeoutError("timed out"), Unreachable, "no answer"),
        ("connect", paramiko.SSHException("Error reading SSH banner"), Unreachable, "SSH server"),
        ("connect", EOFError(), Unreachable, "SSH server"),
        ("connect", paramiko.AuthenticationException("failed"), AuthFailed, "refused the login"),
        ("connect", paramiko.BadAuthenticationType("no", ["publickey"]), AuthFailed, "publickey"),
        ("other", EOFError(), ConnectionLost, "lost"),
        ("other", ConnectionResetError(errno.ECONNRESET, "reset"), ConnectionLost, "lost"),
        ("other", paramiko.SSHException("SSH session not active"), ConnectionLost, "lost"),
        ("other", TimeoutError("timed out"), ConnectionLost, "lost"),
        ("write", OSError("Failure"), DestinationFull, "full"),
        ("other", OSError(errno.ENOSPC, "No space left on device"), DestinationFull, "full"),
        ("other", OSError(errno.EACCES, "denied"), DestinationPermissionDenied, "may not write"),
        ("other", OSError(errno.ENOENT, "No such file"), DestinationMissing, "not found"),
        ("other", OSError("Failure"), FileError, "could not handle"),
    ],
)  # fmt: skip
def test_error_translation(
    ssh_connector: SshConnector, phase: Any, exc: BaseException, expected: type, words: str
) -> None:
    with pytest.raises(expected) as info, ssh_connector._errors("a.res", phase=phase):
        raise exc
    assert type(info.value) is expected
    assert words in info.value.title
    assert info.value.__cause__ is exc
    assert isinstance(info.value, OeleoError)


def test_bad_host_key_translation(ssh_connector: SshConnector, sshd: Any) -> None:
    got = paramiko.Ed25519Key.from_private_key_file(str(sshd.key_path))
    known = paramiko.Ed25519Key.from_private_key_file(str(sshd.wrong_key_path))
    with pytest.raises(HostKeyChanged), ssh_connector._errors(phase="connect"):
        raise paramiko.BadHostKeyException("127.0.0.1", got, known)


def test_errors_after_the_connection_died_are_connection_lost(ssh_connector: SshConnector) -> None:
    ssh_connector.close()
    with pytest.raises(ConnectionLost), ssh_connector._errors("a.res"):
        raise OSError(errno.EACCES, "Permission denied")
