"""`sharepoint_worker` against the local SharePoint REST emulator: files land at the library's
root under their bare names, as upstream's worker put them (app-only sign-in, oeleo-gui's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

import tests.sharepoint_server as sp
from oeleo_gui.api import SharePointConnector, sharepoint_worker
from tests.api.conftest import put

pytestmark = pytest.mark.sharepoint
LIBRARY = "/sites/lab/Shared Documents"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with sp.running(monkeypatch) as running:
        yield running


def test_sharepoint_worker_copies_to_the_library_root(
    server: Any, workdir: Path, src: Path, set_env
) -> None:
    put(src, "2024/cell_03.res", "in a subfolder")
    set_env(
        OELEO_SHAREPOINT_CLIENT_ID=server.client_id,
        OELEO_SHAREPOINT_CLIENT_SECRET=server.client_secret,
    )
    worker = sharepoint_worker(
        base_directory_from=src,
        url=server.url,
        sitename="lab",
        doc_library_to="Shared Documents",
        db_name=":memory:",
        extension=".res",
    )
    external = worker.external_connector
    assert isinstance(external, SharePointConnector)
    assert (external.host, external.url, external.directory) == (
        "lab",
        server.url,
        "Shared Documents",
    )
    assert worker.external_name_generator is not None
    assert worker.make_external_name(src / "cell_01.res") == Path("cell_01.res")
    worker.connect_to_db()
    worker.filter_local()
    summary = worker.run()
    assert summary.ok, summary.error
    assert sorted(r.rel_path for r in summary.copied) == ["cell_01.res", "cell_02.res"]
    stored = {p: f.data for p, f in server.files.items() if p.endswith(".res")}
    assert stored == {
        f"{LIBRARY}/cell_01.res": b"first cell",
        f"{LIBRARY}/cell_02.res": b"second cell",
    }
    assert worker.filter_external() == [
        PurePosixPath("cell_01.res"),
        PurePosixPath("cell_02.res"),
    ]
    worker.close()
