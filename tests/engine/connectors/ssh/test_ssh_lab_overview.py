"""The lab overview end to end: simulated instruments (engines with their own names, sources and
databases) copying to one destination folder, one of them over SSH to the real sshd; their
status records are read back from the folder and through the SSH connection.

Time is injected: an instrument that stopped long ago is one whose engine ran with an earlier
clock, and the overview is read at chosen moments. Nothing sleeps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.null
import pytest

from oeleo_gui.engine.lab.format import from_iso
from oeleo_gui.engine.lab.overview import LabOverview, Verdict
from oeleo_gui.engine.lab.reading import configured_source, folder_source, read_overview
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.worker import Engine
from tests.conftest import OLD, write_file

pytestmark = pytest.mark.sshd

INTERVAL = 1800.0  # OA_HOURS_SLEEP=0.5


@pytest.fixture(autouse=True)
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def lab(sshd: Any, ssh_home: Path, remote_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """`lab(name, over_ssh=False, clock=None, **env)`: an instrument with its own source folder
    and database, copying to the shared destination `remote_dir`."""
    engines: list[Engine] = []

    def ssh_values() -> dict[str, str]:
        return {
            "OELEO_EXTERNAL_HOST": f"{sshd.host}:{sshd.port}",
            "OELEO_USERNAME": sshd.user,
            "OELEO_KEY_FILENAME": str(sshd.key_path),
            "OELEO_KNOWN_HOSTS": str(sshd.known_hosts),
        }

    def make(
        name: str, *, over_ssh: bool = False, clock: Callable[[], float] | None = None, **env: str
    ) -> Engine:
        home = tmp_path / name
        (home / "data").mkdir(parents=True)
        values = {
            "OELEO_INSTRUMENT_NAME": name,
            "OELEO_BASE_DIR_FROM": str(home / "data"),
            "OELEO_BASE_DIR_TO": str(remote_dir),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_DB_NAME": str(home / "files.db"),
            "OELEO_LOG_DIR": str(tmp_path / "logs"),
            "OA_FROM_YEAR": "2000",
            **(ssh_values() if over_ssh else {}),
            **env,
        }
        engine = Engine(settings_from_values(values), clock=clock or time.time)
        engines.append(engine)
        return engine

    make.ssh_values = ssh_values  # type: ignore[attr-defined]
    yield make
    for engine in engines:
        engine.close()


def status_dir(remote_dir: Path) -> Path:
    return remote_dir / ".oeleo" / "status"


def verdicts(overview: LabOverview) -> dict[str, Verdict]:
    return {row.name: row.verdict for row in overview.rows}


def over_ssh(lab: Any, remote_dir: Path, tmp_path: Path) -> Any:
    """The configured destination's status folder, read through SSH (as `oeleo-gui lab` does)."""
    settings = settings_from_values(
        {
            "OELEO_BASE_DIR_FROM": str(tmp_path),
            "OELEO_BASE_DIR_TO": str(remote_dir),
            "OELEO_FILTER_EXTENSION": ".res",
            **lab.ssh_values(),
        }
    )
    return configured_source(settings)


def test_two_instruments_report_update_and_one_falls_silent(
    lab: Any, remote_dir: Path, tmp_path: Path
) -> None:
    now = time.time()
    cycler = lab("Cycler 1", over_ssh=True)
    # The microscope's last run was long ago: its engine ran with a clock three hours back.
    microscope = lab("Microscope", clock=lambda: now - 3 * 3600)
    write_file(Path(cycler.settings.source), "cell 1.res", "volts")
    write_file(Path(microscope.settings.source), "image.res", "pixels")
    assert cycler.sync().ok  # over SSH first: it makes .oeleo/status as the server's user
    assert microscope.sync().ok

    records = sorted(p.name for p in status_dir(remote_dir).iterdir())
    assert records == ["Cycler 1.json", "Microscope.json"]
    for name in records:  # valid JSON, naming their instrument
        assert json.loads((status_dir(remote_dir) / name).read_text("utf-8"))["instrument"]

    written_then = now - 3 * 3600
    at_first = read_overview([folder_source(remote_dir)], clock=lambda: written_then + 60)
    # Read three hours back, the cycler's record is dated ahead: its silence cannot be judged.
    assert verdicts(at_first) == {"Cycler 1": Verdict.BEHIND, "Microscope": Verdict.SAFE}
    assert "clock is ahead by 3 h" in at_first.rows[0].reason
    just_before = written_then + 2 * INTERVAL - 1
    late = read_overview([folder_source(remote_dir)], clock=lambda: just_before)
    assert verdicts(late)["Microscope"] is Verdict.SAFE
    # Read now, through the SSH connection: the microscope stopped reporting three hours ago.
    overview = read_overview([over_ssh(lab, remote_dir, tmp_path)], clock=lambda: now + 60)
    assert verdicts(overview) == {"Microscope": Verdict.SILENT, "Cycler 1": Verdict.SAFE}
    silent = overview.rows[0]
    assert silent.reason.startswith("No report for 3 h (expected every 30 min)")
    assert overview.locations[0].startswith("sftp://")

    # The cycler's record follows what happens on it.
    before = json.loads((status_dir(remote_dir) / "Cycler 1.json").read_text())
    write_file(Path(cycler.settings.source), "cell 2.res", "more volts")
    assert [r.rel_path for r in cycler.sync().copied] == ["cell 2.res"]
    after = json.loads((status_dir(remote_dir) / "Cycler 1.json").read_text())
    assert (before["status"]["counts"]["copied"], after["status"]["counts"]["copied"]) == (1, 2)
    assert from_iso(after["written_at"]) >= from_iso(before["written_at"])


def test_fifty_instruments_one_over_ssh_one_behind(
    lab: Any, remote_dir: Path, tmp_path: Path
) -> None:
    # Instrument 07 copies subfolders into one folder, and has two files of one name: one fails.
    instruments = [
        lab(f"Instrument {n:02d}", over_ssh=n == 0, OA_INCLUDE_SUBDIRS=str(n == 7))
        for n in range(50)
    ]
    for n, engine in enumerate(instruments):
        write_file(Path(engine.settings.source), f"run {n}.res", f"data {n}", mtime=OLD)
    write_file(Path(instruments[7].settings.source), "a/twin.res", "first")
    write_file(Path(instruments[7].settings.source), "b/twin.res", "second")

    t0 = time.monotonic()
    for engine in instruments:
        engine.sync()
    sync_seconds = time.monotonic() - t0

    assert len(list(status_dir(remote_dir).glob("*.json"))) == 50
    t0 = time.monotonic()
    overview = read_overview([over_ssh(lab, remote_dir, tmp_path)])
    read_seconds = time.monotonic() - t0
    print(f"\n50 instruments: syncs {sync_seconds:.1f} s, overview over SSH {read_seconds:.2f} s")

    assert len(overview.rows) == 50
    assert not overview.all_safe
    late = overview.rows[0]  # worst first
    assert (late.name, late.verdict) == ("Instrument 07", Verdict.BEHIND)
    assert "could not be copied" in late.reason and "twin.res" in late.reason
    assert all(row.verdict is Verdict.SAFE for row in overview.rows[1:])
    assert {row.computer for row in overview.rows} and overview.problems == ()
