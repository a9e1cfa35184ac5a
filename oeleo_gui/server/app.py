"""The web page's Starlette application: the page, its script and style, and `api/overview`.

Every URL is relative, so the page works behind the lab's web server under any prefix
(`https://server/lab/`). The overview is read at most once per `max_age` seconds, whatever the
number of open pages, and in a worker thread (Starlette runs plain functions there).
"""

from __future__ import annotations

import logging
import string
import threading
import time
from collections.abc import Callable
from importlib import resources

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from oeleo_gui import __version__
from oeleo_gui.engine.lab.overview import LabOverview

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    # No inline script or style, nothing from elsewhere: an injected tag could not run.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
ASSETS = {
    "lab.js": "text/javascript; charset=utf-8",
    "lab.css": "text/css; charset=utf-8",
}


class OverviewCache:
    """The last overview read, shared by every request for `max_age` seconds."""

    def __init__(
        self,
        load: Callable[[], LabOverview],
        *,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._value: LabOverview | None = None
        self._read_at = 0.0

    def get(self) -> LabOverview:
        with self._lock:  # one reader at a time; the others get its result
            if self._value is None or self._clock() - self._read_at >= self._max_age:
                self._value = self._load()
                self._read_at = self._clock()
            return self._value


def _asset(name: str) -> str:
    return resources.files("oeleo_gui.server").joinpath("static", name).read_text("utf-8")


def make_app(
    load: Callable[[], LabOverview], *, refresh_seconds: float = 30.0, max_age: float | None = None
) -> Starlette:
    """The application; `load` reads the overview (called from a worker thread)."""
    cache = OverviewCache(load, max_age=max_age if max_age is not None else refresh_seconds / 2)
    page = string.Template(_asset("index.html")).substitute(
        refresh_ms=str(int(max(refresh_seconds, 1.0) * 1000)), version=__version__
    )
    assets = {name: _asset(name) for name in ASSETS}

    def index(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "favicon.ico":  # browsers ask; there is none
            return Response(status_code=204, headers=SECURITY_HEADERS)
        if name not in assets:
            return Response("Not found", status_code=404, headers=SECURITY_HEADERS)
        return Response(assets[name], media_type=ASSETS[name], headers=SECURITY_HEADERS)

    def overview(request: Request) -> Response:
        try:
            data = cache.get().to_json()
        except Exception:  # the page says so and tries again at the next refresh
            log.exception("reading the lab overview failed")
            return JSONResponse(
                {"error": "The status records could not be read; see the server's log."},
                status_code=500,
                headers=SECURITY_HEADERS,
            )
        return JSONResponse(data, headers=SECURITY_HEADERS)

    read_only = ["GET", "HEAD"]
    return Starlette(
        routes=[
            Route("/", index, methods=read_only),
            Route("/api/overview", overview, methods=read_only),
            Route("/{name}", asset, methods=read_only),
        ]
    )
