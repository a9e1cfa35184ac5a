"""Running the web page with uvicorn: in the foreground (`oeleo-gui lab --serve`) or in a thread
(`BackgroundServer`, for tests and embedding), bound to 127.0.0.1 unless told otherwise.

The address is bound here (`listen`), before uvicorn starts, so a port in use, a host name that
cannot be found or a port out of range is an `AddressUnusable` in words, not uvicorn's log line
and its exit code 3 (which means "another run is copying" to oeleo-gui's callers).
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette

from oeleo_gui.engine.errors import OeleoError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
BACKLOG = 2048  # uvicorn's own default


class AddressUnusable(OeleoError):
    """The page cannot listen at --host/--port: the title says why, the hint what to change."""


def _config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,  # nothing here depends on the client's address
        lifespan="off",
    )


def listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for every address `host` names (as asyncio would bind them)."""
    if not 0 <= port <= 65535:
        raise AddressUnusable(
            f"{port} is not a port number.", "Give --port a number from 1 to 65535 (default 8765)."
        )
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressUnusable(
            f"The address {host!r} given with --host cannot be found.",
            "Give an address of this computer: 127.0.0.1 (this computer only), 0.0.0.0 (every "
            "network) or its name on the lab network.",
        ) from exc
    sockets: list[socket.socket] = []
    bound: set[tuple[int, object]] = set()
    try:
        for family, kind, proto, _name, address in infos:
            if (family, address) in bound:  # the same address listed twice
                continue
            bound.add((family, address))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            if os.name == "posix":  # as asyncio: on Windows it would share a port in use
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise _bind_error(exc, host, port) from exc
    return sockets


def _bind_error(exc: OSError, host: str, port: int) -> AddressUnusable:
    if exc.errno == errno.EADDRINUSE:
        return AddressUnusable(
            f"Port {port} on {host} is already in use (another lab --serve, or another program).",
            "Choose another port with --port, or stop the program that uses it.",
        )
    if exc.errno == errno.EACCES:
        return AddressUnusable(
            f"No permission to use port {port} on {host}.",
            "Ports below 1024 need administrator rights: choose one above 1023 with --port.",
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return AddressUnusable(
            f"{host} is not an address of this computer.",
            "Give one of its addresses with --host: 127.0.0.1 (this computer only) or 0.0.0.0 "
            "(every network).",
        )
    return AddressUnusable(
        f"The page cannot listen on {host} port {port} ({exc.strerror or exc}).",
        "Check --host and --port.",
    )


def page_url(sockets: list[socket.socket]) -> str:
    """Where the page is (the first address; the port as bound, also for --port 0)."""
    host, port = sockets[0].getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve_forever(app: Starlette, sockets: list[socket.socket]) -> None:
    """Serve on `listen`'s sockets until Ctrl+C (uvicorn handles the signal, stops cleanly
    and closes them)."""
    host, port = sockets[0].getsockname()[:2]
    uvicorn.Server(_config(app, host, port)).run(sockets=sockets)


class BackgroundServer:
    """The page served from a daemon thread; `start()` returns once it accepts connections."""

    def __init__(self, app: Starlette, *, host: str = DEFAULT_HOST, port: int = 0) -> None:
        self._sockets = listen(host, port)
        self._server = uvicorn.Server(_config(app, host, port))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": self._sockets}, name="lab-page", daemon=True
        )

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        """Start serving (uvicorn installs no signal handler outside the main thread)."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the lab overview page did not start")
            self._thread.join(0.05)  # returns at once if the server thread ends
        return self

    @property
    def url(self) -> str:
        return page_url(self._sockets)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
