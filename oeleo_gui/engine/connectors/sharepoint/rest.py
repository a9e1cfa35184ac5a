"""One signed-in REST session with a SharePoint site: requests through Office365-REST-Python-
Client's pipeline (its form digest, token and HTTP session), throttling waited out, a token
SharePoint stops accepting renewed once, and OData paging. Errors are left to the caller
(`errors` puts them in words).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests
from office365.runtime.client_request_exception import ClientRequestException
from office365.runtime.http.http_method import HttpMethod
from office365.runtime.http.request_options import RequestOptions
from office365.sharepoint.client_context import ClientContext

from oeleo_gui.engine.connectors.sharepoint.auth import sign_in
from oeleo_gui.engine.connectors.sharepoint.errors import status_of
from oeleo_gui.engine.events import CancelToken

if TYPE_CHECKING:
    from oeleo_gui.engine.settings.config import SharePointSettings

log = logging.getLogger(__name__)

ACCEPT = "application/json;odata=verbose"
MAX_THROTTLE_WAITS = 8
MAX_RETRY_AFTER = 300.0


def literal(value: str) -> str:
    """An OData string literal for a URL: quotes doubled, then percent-encoded (`#`, `%`...)."""
    return "'" + quote(value.replace("'", "''"), safe="/") + "'"


def by_path(kind: str, url: str) -> str:
    """The ResourcePath API of a file or folder (`kind`: "File" or "Folder")."""
    return f"web/Get{kind}ByServerRelativePath(DecodedUrl={literal(url)})"


def read_limited(response: requests.Response, limit: int) -> bytes | None:
    """The body of a streamed response, or None as soon as it is longer than `limit` bytes
    (the rest is never downloaded)."""
    data = bytearray()
    with response:
        for block in response.iter_content(64 * 1024):
            data += block
            if len(data) > limit:
                return None
    return bytes(data)


def retry_after(response: Any, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After (seconds), else exponential backoff."""
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return float(min(2 ** (attempt + 1), 60))


class RestSession:
    """Signs in on first use (or `sign_in`); `close` forgets the session."""

    def __init__(self, settings: SharePointSettings, site_url: str, timeout: float) -> None:
        self._settings = settings
        self._site_url = site_url
        self._timeout = timeout
        self._ctx: ClientContext | None = None

    def sign_in(self) -> ClientContext:
        self._ctx = sign_in(self._settings, self._site_url, self._timeout)
        return self._ctx

    def close(self) -> None:
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            try:
                ctx.close()
            except Exception as exc:  # closing a broken session must never hide the real error
                log.debug("closing the SharePoint session failed: %s", type(exc).__name__)

    def request(
        self,
        method: str,
        api: str,
        *,
        data: Any = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        cancel: CancelToken | None = None,
        retry: bool = True,
    ) -> requests.Response:
        """One REST call (`api` relative to the site's `_api/`, or a whole URL), waiting out
        throttling and renewing a token SharePoint no longer accepts (once)."""
        url = api if api.startswith(("http://", "https://")) else f"{self._site_url}/_api/{api}"
        if isinstance(data, dict):
            data = json.dumps(data).encode()
        waits, renewed = 0, False
        while True:
            ctx = self._ctx if self._ctx is not None else self.sign_in()
            request = RequestOptions(url=url, method=HttpMethod(method), data=data, stream=stream)
            request.headers = {"Accept": ACCEPT, **(headers or {})}
            request.timeout = self._timeout
            try:
                return ctx.pending_request().execute_request_direct(request)
            except ClientRequestException as exc:
                status = status_of(exc)
                if retry and status in (429, 503) and waits < MAX_THROTTLE_WAITS:
                    delay = retry_after(exc.response, waits)
                    waits += 1
                    log.info(
                        "SharePoint is busy (HTTP %s); waiting %.1f s before retrying",
                        status,
                        delay,
                    )
                    if cancel is not None:
                        if cancel.wait(delay):
                            cancel.raise_if_cancelled()
                    else:
                        time.sleep(delay)
                    continue
                if retry and status == 401 and not renewed:
                    # ACS tokens are cached by the library for ever; sign in again once.
                    log.info("SharePoint refused the access token; signing in again")
                    renewed = True
                    self.sign_in()
                    continue
                raise

    def paged(self, api: str, cancel: CancelToken | None) -> Iterator[dict[str, Any]]:
        """The `results` of an OData collection, following `__next` from page to page."""
        url: str | None = api
        while url:
            if cancel is not None:
                cancel.raise_if_cancelled()
            page = self.request("GET", url, cancel=cancel).json()["d"]
            yield from page.get("results", [])
            url = page.get("__next")
