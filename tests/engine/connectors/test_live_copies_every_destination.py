"""Live copies of a file the instrument keeps appending to, on every destination: a folder, the
real sshd and the SharePoint endpoint. The engine's clock is moved (never slept on) so that the
maximum wait passes between runs while the writer thread really writes during the copies."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.null
import pytest

import tests.sharepoint_server as sp
from oeleo_gui.engine.events import FileCode, FileState
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.worker import Engine
from tests.engine.connectors.sharepoint.sharepoint_helpers import engine_settings
from tests.live_writers import Appender

SP_ROOT = "/sites/lab/Shared Documents/instrument/data"
LIVE = {"OELEO_SETTLE_SECONDS": "2", "OELEO_MAX_WAIT_SECONDS": "3", "OA_FROM_YEAR": "0"}
Destination = tuple[Callable[[Path], Any], Callable[[str], bytes | None]]


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)


def _common(src: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "OELEO_BASE_DIR_FROM": str(src),
        "OELEO_FILTER_EXTENSION": ".csv",
        "OELEO_DB_NAME": str(tmp_path / "oeleo.db"),
        "OELEO_LOG_DIR": str(tmp_path / "logs"),
        **LIVE,
    }


@pytest.fixture
def local_destination(tmp_path: Path) -> Destination:
    dst = tmp_path / "share"
    dst.mkdir()

    def settings(src: Path) -> Any:
        return settings_from_values(
            {**_common(src, tmp_path), "OELEO_BASE_DIR_TO": str(dst)}, env_file=None
        )

    def read(rel: str) -> bytes | None:
        path = dst / rel
        return path.read_bytes() if path.exists() else None

    return settings, read


@pytest.fixture
def ssh_destination(sshd: Any, ssh_home: Path, remote_dir: Path, tmp_path: Path) -> Destination:
    def settings(src: Path) -> Any:
        values = {
            **_common(src, tmp_path),
            "OELEO_DESTINATION_TYPE": "ssh",
            "OELEO_BASE_DIR_TO": str(remote_dir),
            "OELEO_EXTERNAL_HOST": f"{sshd.host}:{sshd.port}",
            "OELEO_USERNAME": sshd.user,
            "OELEO_KEY_FILENAME": str(sshd.key_path),
            "OELEO_KNOWN_HOSTS": str(sshd.known_hosts),
        }
        return settings_from_values(values, env_file=None)

    def read(rel: str) -> bytes | None:
        path = remote_dir / rel
        return path.read_bytes() if path.exists() else None

    return settings, read


@pytest.fixture
def sharepoint_destination(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Destination]:
    with sp.running(monkeypatch) as server:

        def settings(src: Path) -> Any:
            return engine_settings(server, src, tmp_path, OELEO_FILTER_EXTENSION=".csv", **LIVE)

        def read(rel: str) -> bytes | None:
            f = server.files.get(f"{SP_ROOT}/{rel}")
            return bytes(f.data) if f is not None else None

        yield settings, read


@pytest.mark.parametrize(
    "destination",
    [
        "local_destination",
        pytest.param("ssh_destination", marks=pytest.mark.sshd),
        pytest.param("sharepoint_destination", marks=pytest.mark.sharepoint),
    ],
)
def test_a_file_written_for_ever_gets_live_copies_then_its_final_version(
    destination: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    make_settings, read = request.getfixturevalue(destination)
    src = tmp_path / "cycler"
    src.mkdir()
    writer = Appender(src / "cell07.csv", period=0.005, prefill=2 * 1024 * 1024)
    offset = [-30.0]  # the engine's clock, relative to the writer's (the real one)
    engine = Engine(make_settings(src), clock=lambda: time.time() + offset[0])
    writer.start()
    try:
        first = engine.sync()
        assert [r.rel_path for r in first.settling] == ["cell07.csv"] and not first.live
        assert engine.store.file_states()["cell07.csv"].state is FileState.WAITING
        seen = writer.writes
        for offset[0] in (-20.0, -10.0, 0.0):  # each 10 s after the last: past the 3 s wait
            seen = writer.wait_for_write(seen)  # the file changed since the last run
            run = engine.sync()
            assert [r.rel_path for r in run.live] == ["cell07.csv"], run
            copied = read("cell07.csv")
            assert copied, "no live copy under the final name"
            assert (src / "cell07.csv").read_bytes().startswith(copied)  # a whole earlier state
            state = engine.store.file_states()["cell07.csv"]
            assert state.state is FileState.LIVE and state.live_copied_at is not None
            row = engine.store.get("cell07.csv")
            assert row is not None and row.code is FileCode.COPY_IF_CHANGED
    finally:
        writer.stop()
    offset[0] = 5.0  # the writer stopped: older than the settle time now
    final = engine.sync()
    assert [r.rel_path for r in final.copied] == ["cell07.csv"] and not final.live
    assert read("cell07.csv") == (src / "cell07.csv").read_bytes()
    assert engine.store.file_states() == {}
    engine.close()
