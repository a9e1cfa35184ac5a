"""Running the web page with uvicorn: in the foreground (`oeleo-gui lab --serve`) or in a thread
(`BackgroundServer`, for tests and embedding), bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.applications import Starlette

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


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


def serve_forever(app: Starlette, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve until Ctrl+C (uvicorn handles the signal and stops cleanly)."""
    uvicorn.Server(_config(app, host, port)).run()


class BackgroundServer:
    """The page served from a daemon thread; `start()` returns once it accepts connections."""

    def __init__(self, app: Starlette, *, host: str = DEFAULT_HOST, port: int = 0) -> None:
        self._server = uvicorn.Server(_config(app, host, port))
        self._thread = threading.Thread(target=self._server.run, name="lab-page", daemon=True)

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        """Start serving (uvicorn installs no signal handler outside the main thread)."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the lab overview page did not start (is the port in use?)")
            self._thread.join(0.05)  # returns at once if the server thread ends
        return self

    @property
    def url(self) -> str:
        sockets = self._server.servers[0].sockets
        host, port = sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/"

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
