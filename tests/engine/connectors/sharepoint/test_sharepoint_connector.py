"""SharePointConnector against the local SharePoint REST emulator (`tests/sharepoint_server`).

The real Office365 client signs in through ACS (realm discovery, token endpoint) and talks to
the emulator over HTTP on 127.0.0.1; faults (throttling, dropped connections, expired tokens,
refused credentials, read-only library, quota) are switched on in the server, not mocked.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.sharepoint_server as sp
from oeleo_gui.engine.connectors.base import Connector, Upload, is_temp_name, temp_name_for
from oeleo_gui.engine.connectors.sharepoint.connector import SharePointConnector
from oeleo_gui.engine.errors import (
    AuthFailed,
    Cancelled,
    ConnectionLost,
    DestinationFull,
    DestinationMissing,
    DestinationPermissionDenied,
    FileError,
    Unreachable,
)
from oeleo_gui.engine.events import CancelToken
from tests.engine.connectors.sharepoint.sharepoint_helpers import (
    CHUNK,
    connected,
    connector_settings,
    md5,
)

pytestmark = pytest.mark.sharepoint

LIB = "/sites/lab/Shared Documents"
ROOT = f"{LIB}/instrument/data"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with sp.running(monkeypatch, page_size=3) as running:
        yield running


@pytest.fixture
def connector(server: Any) -> Iterator[SharePointConnector]:
    with connected(server) as c:
        yield c


def _file(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def _upload(c: SharePointConnector, source: Path, rel: str, cancel: CancelToken | None = None):
    seen: list[int] = []
    up = c.upload_temp(
        str(source),
        rel,
        temp_rel_path=temp_name_for(rel),
        mtime=source.stat().st_mtime,
        progress=seen.append,
        cancel=cancel or CancelToken(),
    )
    return up, seen


def test_is_a_connector(connector: SharePointConnector) -> None:
    assert isinstance(connector, Connector)
    assert connector.description.startswith("sharepoint://127.0.0.1:")
    assert connector.description.endswith(ROOT)
    assert connector.external_name("a/b.csv") == f"{ROOT}/a/b.csv"
    assert not connector.capabilities.server_checksums
    assert not connector.capabilities.keeps_mtime


def test_new_small_file_goes_to_temp_name_then_moves(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "a.res", 1000)
    up, seen = _upload(connector, source, "a.res")
    assert is_temp_name(up.temp_rel_path)
    assert f"{ROOT}/a.res" not in server.files  # nothing under the final name yet
    assert server.files[f"{ROOT}/{up.temp_rel_path}"].data == source.read_bytes()
    assert up.md5 == md5(source.read_bytes())
    assert (up.size, seen) == (1000, [1000])
    assert connector.verify([up]) == {}
    connector.commit(up)
    assert server.files[f"{ROOT}/a.res"].data == source.read_bytes()
    assert f"{ROOT}/{up.temp_rel_path}" not in server.files
    assert len(server.calls("StartUpload")) == 0  # one request, no upload session


def test_changed_file_overwrites(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    server.put(f"{ROOT}/a.res", b"old content")
    source = _file(tmp_path, "a.res", 5000)
    up, _ = _upload(connector, source, "a.res")
    assert server.files[f"{ROOT}/a.res"].data == b"old content"  # untouched until commit
    connector.commit(up)
    assert server.files[f"{ROOT}/a.res"].data == source.read_bytes()
    assert connector.stat("a.res").size == 5000


def test_large_file_streams_through_an_upload_session(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "big.res", 5 * 1024 * 1024 + 123)
    final_seen_during_upload: list[bool] = []
    server.hooks.append(
        lambda _m, api: (
            final_seen_during_upload.append(f"{ROOT}/run/big.res" in server.files)
            if "Upload(" in api
            else None
        )
    )
    up, seen = _upload(connector, source, "run/big.res")
    starts, continues, finishes = (
        server.calls("StartUpload"),
        server.calls("ContinueUpload"),
        server.calls("FinishUpload"),
    )
    assert (len(starts), len(finishes)) == (1, 1)
    assert len(continues) == source.stat().st_size // CHUNK - 1
    # Memory stays flat: no request carried more than one chunk.
    assert max(e.body_size for e in server.log) <= CHUNK
    assert [e.body_size for e in server.calls("Files/AddUsingPath")] == [0]
    assert final_seen_during_upload
    assert not any(final_seen_during_upload)
    assert seen[-1] == up.size == source.stat().st_size
    assert seen == sorted(seen)
    assert connector.verify([up]) == {}
    connector.commit(up)
    assert server.files[f"{ROOT}/run/big.res"].data == source.read_bytes()
    assert up.md5 == md5(source.read_bytes())


def test_file_of_exactly_two_chunks(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "two.res", 2 * CHUNK)
    up, _ = _upload(connector, source, "two.res")
    connector.commit(up)
    assert server.files[f"{ROOT}/two.res"].data == source.read_bytes()
    assert [len(server.calls(s)) for s in ("StartUpload", "ContinueUpload", "FinishUpload")] == [
        1,
        0,
        1,
    ]


def test_subfolders_are_created(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "c.res", 10)
    up, _ = _upload(connector, source, "2024/run 1/c.res")
    connector.commit(up)
    assert {f"{ROOT}/2024", f"{ROOT}/2024/run 1"} <= server.folders
    assert set(connector.list_files(recursive=True)) == {"2024/run 1/c.res"}
    assert connector.list_files(recursive=False) == {}


def test_throttling_is_waited_out(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "t.res", 3 * CHUNK)
    server.throttle(2, retry_after="0.3")
    started = time.monotonic()
    up, _ = _upload(connector, source, "t.res")
    assert time.monotonic() - started >= 0.6  # both Retry-After waits were honoured
    connector.commit(up)
    assert server.files[f"{ROOT}/t.res"].data == source.read_bytes()


def test_throttling_retry_after_in_whole_seconds(
    connector: SharePointConnector, server: Any
) -> None:
    server.put(f"{ROOT}/x.res", b"x")
    server.throttle(1, retry_after="1")
    started = time.monotonic()
    assert connector.stat("x.res").size == 1
    assert time.monotonic() - started >= 1.0


def test_dropped_chunk_raises_connection_lost_and_leaves_no_file(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "d.res", 4 * CHUNK)
    server.drop_connection(lambda _m, api: "ContinueUpload" in api)
    with pytest.raises(ConnectionLost) as info:
        _upload(connector, source, "d.res")
    assert "dropped" in info.value.title
    assert not any(p.startswith(f"{ROOT}/") and "d.res" in p for p in server.files)
    assert server.uploads == {}  # the session was cancelled
    connector.reconnect()
    up, _ = _upload(connector, source, "d.res")
    connector.commit(up)
    assert server.files[f"{ROOT}/d.res"].data == source.read_bytes()


def test_cancel_between_chunks_removes_the_temp_file(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "e.res", 4 * CHUNK)
    cancel = CancelToken()
    server.hooks.append(lambda _m, api: cancel.cancel() if "ContinueUpload" in api else None)
    with pytest.raises(Cancelled):
        _upload(connector, source, "e.res", cancel)
    assert not any("e.res" in p for p in server.files)


def test_expired_token_is_renewed(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    server.expire_tokens()
    source = _file(tmp_path, "f.res", 100)
    up, _ = _upload(connector, source, "f.res")
    connector.commit(up)
    assert len(server.calls("tokens/OAuth/2")) == 2
    assert f"{ROOT}/f.res" in server.files


def test_bad_credentials_give_a_readable_message(
    server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    c = SharePointConnector(connector_settings(server, client_secret="wrong-secret-123"), "x")
    with pytest.raises(AuthFailed) as info:
        c.connect()
    text = f"{info.value.title} {info.value.hint}"
    assert "invalid_client" in info.value.title
    assert "OELEO_SHAREPOINT_CLIENT_SECRET" in info.value.hint
    assert "\n" not in info.value.title
    assert "wrong-secret-123" not in text
    assert "wrong-secret-123" not in caplog.text


def test_missing_certificate_or_credentials(server: Any, tmp_path: Path) -> None:
    cert = connector_settings(
        server,
        client_secret="",
        cert_path=tmp_path / "nope.pem",
        cert_thumbprint="AB12",
        tenant="contoso.onmicrosoft.com",
    )
    with pytest.raises(AuthFailed) as info:
        SharePointConnector(cert, "x").connect()
    assert "OELEO_SHAREPOINT_CERT_PATH" in info.value.hint
    with pytest.raises(AuthFailed) as info:
        SharePointConnector(
            connector_settings(server, client_id="", client_secret=""), "x"
        ).connect()
    assert "No SharePoint credentials" in info.value.title


def test_secrets_never_reach_the_log(
    server: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    c = SharePointConnector(connector_settings(server), "x", chunk_size=CHUNK)
    c.connect()
    c.ensure_ready()
    up, _ = _upload(c, _file(tmp_path, "s.res", 2 * CHUNK + 1), "s.res")
    c.commit(up)
    c.close()
    assert caplog.records
    assert server.client_secret not in caplog.text


def test_revoked_access_after_sign_in_is_auth_failed(
    connector: SharePointConnector, server: Any
) -> None:
    server.fail_next(401, count=2)  # refused, and refused again after signing in afresh
    with pytest.raises(AuthFailed):
        connector.stat("nothing.res")


def test_wrong_site(server: Any) -> None:
    c = SharePointConnector(connector_settings(server, site_name="nosuchsite"), "x")
    with pytest.raises(DestinationMissing) as info:
        c.connect()
    assert "/sites/nosuchsite" in info.value.title
    assert "OELEO_SHAREPOINT_SITENAME" in info.value.hint


def test_wrong_library(server: Any) -> None:
    c = SharePointConnector(connector_settings(server, doc_library="Documentz"), "x")
    c.connect()
    with pytest.raises(DestinationMissing) as info:
        c.ensure_ready()
    assert "Documentz" in info.value.title
    assert "OELEO_SHAREPOINT_DOC_LIBRARY" in info.value.hint


def test_unreachable_server(server: Any) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    c = SharePointConnector(
        connector_settings(server, url=f"http://127.0.0.1:{port}"), "x", timeout=5
    )
    with pytest.raises(Unreachable) as info:
        c.connect()
    assert not isinstance(info.value, ConnectionLost)
    assert "OELEO_SHAREPOINT_URL" in info.value.hint


def test_read_only_library(server: Any) -> None:
    server.read_only = True
    c = SharePointConnector(connector_settings(server), "x")
    c.connect()
    with pytest.raises(DestinationPermissionDenied) as info:
        c.ensure_ready()
    assert "Contribute" in info.value.hint


def test_quota_exceeded(connector: SharePointConnector, server: Any, tmp_path: Path) -> None:
    server.quota_bytes = 1000
    source = _file(tmp_path, "q.res", 5000)
    with pytest.raises(DestinationFull):
        _upload(connector, source, "q.res")
    assert not any("q.res" in p for p in server.files)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (403, "-2147024891, System.UnauthorizedAccessException", DestinationPermissionDenied),
        (404, "-2147024894, System.IO.FileNotFoundException", DestinationMissing),
        (507, "-2147024784, Microsoft.SharePoint.SPQuotaExceededException", DestinationFull),
        (500, "-2147024784, Microsoft.SharePoint.SPQuotaExceededException", DestinationFull),
        (502, "", ConnectionLost),
        (400, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", FileError),
        (423, "-2147018894, Microsoft.SharePoint.SPFileLockException", FileError),
    ],
)
def test_error_mapping(
    connector: SharePointConnector, server: Any, status: int, code: str, expected: type
) -> None:
    server.fail_next(status, code, "Something went wrong.")
    with pytest.raises(expected) as info:
        connector.list_files(recursive=False)
    assert info.value.title
    assert info.value.hint


def test_verifying_a_batch_lists_its_folder_instead_of_asking_per_file(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    uploads = [
        _upload(connector, _file(tmp_path, f"f{i}.res", 100 + i), f"run/f{i}.res")[0]
        for i in range(25)
    ]
    short = uploads[7]
    server.files[f"{ROOT}/{short.temp_rel_path}"].data = b"cut"
    before = len(server.log)
    problems = connector.verify(uploads)
    asked = server.log[before:]
    assert problems == {short.temp_rel_path: f"SharePoint holds 3 bytes but {short.size} were sent"}
    assert not [e for e in asked if "GetFileByServerRelativePath" in e.api]  # no lookup per file
    assert 0 < len(asked) <= 25 // 3 + 1  # the folder's listing, in pages of 3 (the emulator's)


def test_a_few_files_are_looked_up_one_by_one(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    uploads = [
        _upload(connector, _file(tmp_path, f"g{i}.res", 10), f"g{i}.res")[0] for i in range(3)
    ]
    before = len(server.log)
    assert connector.verify(uploads) == {}
    assert len(server.calls("GetFileByServerRelativePath")) and len(server.log) - before == 3
    temp = uploads[0].temp_rel_path
    assert connector.stat_many(["missing/x.res", "g0.res", temp]).keys() == {temp}
    assert connector.stat_many([f"no folder/x{i}.res" for i in range(12)]) == {}  # listed: 404


def test_list_files_pages_and_skips_the_forms_folder(server: Any) -> None:
    c = SharePointConnector(connector_settings(server), "", chunk_size=CHUNK)
    c.connect()
    for i in range(8):
        server.put(f"{LIB}/f{i}.res", b"x" * i)
    server.folders.add(f"{LIB}/sub")
    for i in range(4):
        server.put(f"{LIB}/sub/g{i}.res", b"y")
    listing = c.list_files(recursive=True)
    assert set(listing) == {f"f{i}.res" for i in range(8)} | {f"sub/g{i}.res" for i in range(4)}
    assert listing["f5.res"].size == 5
    assert listing["f5.res"].mtime is not None
    assert any("$skiptoken" in e.api or e.api.endswith("/Files") for e in server.log)
    assert (
        len(
            server.calls(
                "GetFolderByServerRelativePath(DecodedUrl='/sites/lab/Shared Documents')/Files"
            )
        )
        == 3
    )
    assert set(c.list_files(recursive=False)) == {f"f{i}.res" for i in range(8)}


def test_checksums_are_streamed_downloads(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    data = os.urandom(3 * 1024 * 1024)
    server.put(f"{ROOT}/h.res", data)
    digests = connector.checksums(["h.res", "gone.res"])
    assert digests == {"h.res": md5(data)}
    assert len(server.calls("$value")) == 2


def test_verify_reports_a_short_or_missing_upload(
    connector: SharePointConnector, server: Any, tmp_path: Path
) -> None:
    source = _file(tmp_path, "v.res", 100)
    up, _ = _upload(connector, source, "v.res")
    server.files[f"{ROOT}/{up.temp_rel_path}"] = sp.SpFile(b"short")
    ghost = Upload(rel_path="w.res", temp_rel_path=temp_name_for("w.res"), size=1, md5="", mtime=0)
    problems = connector.verify([up, ghost])
    assert "100" in problems[up.temp_rel_path]
    assert "missing" in problems[ghost.temp_rel_path]


def test_rename_never_overwrites_and_remove_ignores_missing(
    connector: SharePointConnector, server: Any
) -> None:
    server.put(f"{ROOT}/a.res", b"a")
    server.put(f"{ROOT}/b.res", b"b")
    with pytest.raises(FileError):
        connector.rename("a.res", "b.res")
    connector.rename("a.res", "old/a.res")
    assert server.files[f"{ROOT}/old/a.res"].data == b"a"
    connector.remove("b.res")
    connector.remove("b.res")
    assert f"{ROOT}/b.res" not in server.files
    assert connector.stat("b.res") is None


def test_close_is_safe_twice_and_before_connect(server: Any) -> None:
    c = SharePointConnector(connector_settings(server), "x")
    c.close()
    c.connect()
    c.close()
    c.close()
