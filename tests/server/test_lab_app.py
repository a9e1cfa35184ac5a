"""The lab overview page's HTTP side: read-only, strict headers, JSON, errors in words, one read
shared by many requests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from oeleo_gui.engine.lab.overview import LabOverview
from oeleo_gui.server.app import OverviewCache


def fetch(url: str, method: str = "GET") -> tuple[int, Message, bytes]:
    """(status, headers (any case), body) of one request."""
    request = urllib.request.Request(url, method=method)  # noqa: S310 - http://127.0.0.1 only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_the_page_its_assets_and_the_overview(
    instrument: Callable[..., Any], serve: Callable[..., str]
) -> None:
    assert instrument("Cycler 1").sync().ok
    url = serve(refresh_seconds=7)
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert 'data-refresh-ms="7000"' in body.decode()
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    for asset, kind in (("lab.js", "text/javascript"), ("lab.css", "text/css")):
        status, headers, _ = fetch(url + asset)
        assert status == 200 and headers["Content-Type"].startswith(kind)
    assert fetch(url + "favicon.ico")[0] == 204
    assert fetch(url + "nothing.txt")[0] == 404
    status, headers, body = fetch(url + "api/overview")
    assert status == 200 and headers["Content-Type"] == "application/json"
    data = json.loads(body)
    assert [(i["name"], i["verdict"]) for i in data["instruments"]] == [("Cycler 1", "safe")]
    assert fetch(url + "api/overview", "HEAD")[0] == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_nothing_can_be_changed_through_it(
    instrument: Callable[..., Any], serve: Callable[..., str], share: Path, method: str
) -> None:
    assert instrument("Cycler 1").sync().ok
    before = {p: p.read_bytes() for p in share.rglob("*") if p.is_file()}
    url = serve()
    for path in ("", "api/overview", "lab.js", ".oeleo/status/Cycler 1.json"):
        assert fetch(url + path.replace(" ", "%20"), method)[0] in (404, 405)
    assert {p: p.read_bytes() for p in share.rglob("*") if p.is_file()} == before


def test_a_failing_read_is_an_error_in_words(serve: Callable[..., str]) -> None:
    def broken() -> LabOverview:
        raise RuntimeError("disk on fire")

    status, _, body = fetch(serve(load=broken) + "api/overview")
    assert status == 500
    assert json.loads(body) == {
        "error": "The status records could not be read; see the server's log."
    }


def test_many_requests_share_one_read() -> None:
    reads: list[int] = []
    now = [100]

    def load() -> LabOverview:
        reads.append(now[0])
        return LabOverview(checked_at=datetime.now())

    cache = OverviewCache(load, max_age=5, clock=lambda: now[0])
    first = cache.get()
    now[0] += 4
    assert cache.get() is first and reads == [100]
    now[0] += 1
    assert cache.get() is not first and reads == [100, 105]
