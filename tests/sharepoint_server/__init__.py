"""A small SharePoint Online REST emulator for the SharePoint connector's tests (test-only).

It serves, on 127.0.0.1 at a free port, the requests Office365-REST-Python-Client and our
connector make: ACS realm discovery (401 + `WWW-Authenticate`), the ACS token endpoint
(`/<realm>/tokens/OAuth/2`), `_api/contextinfo`, `_api/web`, `GetList`, folders, files, upload
sessions, moves, `$value` and delete, with verbose OData JSON as the library asks for. Files and
folders are reachable through the ResourcePath APIs (`GetFileByServerRelativePath(DecodedUrl=)`,
`AddUsingPath`, `MoveToUsingPath`) and, for names without `#` or `%`, through the older `...Url`
ones, decoding names as SharePoint Online does (see `server.py`'s docstring). Faults
are injected on request: throttling, dropped connections, expired tokens, rejected credentials,
read-only libraries and a storage quota. The product never imports this package.

Test modules load it by path (as `tests/engine/connectors/conftest.py` loads `sshd_server.py`),
so its modules import each other relatively and nothing from the tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from .server import SharePointServer, SpFile

__all__ = ["SharePointServer", "SpFile", "running"]

ACS_MODULE = "office365.runtime.auth.providers.acs_token_provider"


@contextlib.contextmanager
def running(monkeypatch: pytest.MonkeyPatch, **options: Any) -> Iterator[SharePointServer]:
    """A started server; the library's ACS token endpoint (login.microsoftonline.com in
    production) is pointed at it, and proxies are bypassed for 127.0.0.1."""
    server = SharePointServer(**options).start()
    monkeypatch.setattr(f"{ACS_MODULE}.get_login_authority", lambda _env: server.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    try:
        yield server
    finally:
        server.stop()
