"""Fixtures for the lab overview page: instruments writing real status records to one share,
and the page served from a thread on 127.0.0.1."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the web page needs the server extra (starlette)")
pytest.importorskip("uvicorn", reason="the web page needs the server extra (uvicorn)")

from oeleo_gui.engine.lab.reading import folder_source, read_overview
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.worker import Engine
from oeleo_gui.server.app import make_app
from oeleo_gui.server.serve import BackgroundServer
from tests.conftest import write_file


@pytest.fixture
def lab_root() -> Iterator[Path]:
    """A short folder (the page shows its paths, and the README's screenshot too)."""
    path = Path(tempfile.mkdtemp(prefix="lab-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def share(lab_root: Path) -> Path:
    path = lab_root / "share"
    path.mkdir()
    return path


@pytest.fixture
def instrument(lab_root: Path, share: Path) -> Iterator[Callable[..., Engine]]:
    """`instrument(name, clock=None, files=1, **env)`: an engine that copies its own folder
    (with `files` settled files) to `share`."""
    engines: list[Engine] = []

    def make(
        name: str, clock: Callable[[], float] = time.time, files: int = 1, **env: str
    ) -> Engine:
        home = lab_root / f"pc{len(engines) + 1}"
        (home / "data").mkdir(parents=True)
        values = {
            "OELEO_INSTRUMENT_NAME": name,
            "OELEO_BASE_DIR_FROM": str(home / "data"),
            "OELEO_BASE_DIR_TO": str(share),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_DB_NAME": str(home / "files.db"),
            "OELEO_LOG_DIR": str(lab_root / "logs"),
            **env,
        }
        engine = Engine(settings_from_values(values), clock=clock)
        engines.append(engine)
        for n in range(files):
            write_file(home / "data", f"pc{len(engines)} run {n:03d}.res", f"data {n}")
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def serve(share: Path) -> Iterator[Callable[..., Any]]:
    """`serve(refresh_seconds=1)`: the page for `share`, re-read at every request; its URL."""
    servers: list[BackgroundServer] = []

    def start(refresh_seconds: float = 1.0, load: Callable[[], Any] | None = None) -> str:
        app = make_app(
            load or (lambda: read_overview([folder_source(share)])),
            refresh_seconds=refresh_seconds,
            max_age=0,
        )
        server = BackgroundServer(app).start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()
