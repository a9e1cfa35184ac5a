"""`oeleo-gui lab`, black-box: a separate process reads the status records that real engine runs
wrote, prints the table or JSON, and says with its exit code whether every instrument is safe."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.worker import Engine
from tests.conftest import unprivileged_or_skip, write_file

ROOT = Path(__file__).resolve().parents[1]


def lab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oeleo_gui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd or ROOT,
        env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)},
        check=False,
    )


@pytest.fixture
def share(tmp_path: Path) -> Path:
    path = tmp_path / "share"
    path.mkdir()
    return path


@pytest.fixture
def instrument(tmp_path: Path, share: Path) -> Iterator[Callable[..., Engine]]:
    """`instrument(name, clock=None, **env)`: an engine copying its own folder to `share` (the
    default instrument name, the computer's, for None)."""
    engines: list[Engine] = []

    def make(name: str | None, clock: Callable[[], float] = time.time, **env: str) -> Engine:
        home = tmp_path / f"pc{len(engines) + 1}"
        source = home / "data"
        source.mkdir(parents=True)
        values = {
            **({"OELEO_INSTRUMENT_NAME": name} if name is not None else {}),
            "OELEO_BASE_DIR_FROM": str(source),
            "OELEO_BASE_DIR_TO": str(share),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_DB_NAME": str(home / "files.db"),
            "OELEO_LOG_DIR": str(tmp_path / "logs"),
            **env,
        }
        engine = Engine(settings_from_values(values), clock=clock)
        engines.append(engine)
        write_file(source, f"pc{len(engines)} run.res", "data")  # one destination for all
        return engine

    yield make
    for engine in engines:
        engine.close()


def test_all_safe_is_exit_0_with_a_table_and_json(
    instrument: Callable[..., Engine], share: Path
) -> None:
    assert instrument("Cycler 1").sync().ok
    assert instrument("XRD").sync().ok
    done = lab("lab", "--dir", str(share))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = ["Instrument", "Verdict", "Last", "success", "Not", "copied", "Oldest", "unsynced"]
    assert lines[0].split() == [*header, "Reason"]
    assert lines[1].startswith("Cycler 1") and " safe " in lines[1] and "just now" in lines[1]
    assert lines[2].startswith("XRD") and "All 1 file copied" in lines[2]
    assert "2 of 2 instruments safe." in done.stdout

    as_json = lab("lab", "--dir", str(share), "--json")
    assert as_json.returncode == 0
    data = json.loads(as_json.stdout)
    assert data["all_safe"] is True
    assert [(i["name"], i["verdict"]) for i in data["instruments"]] == [
        ("Cycler 1", "safe"),
        ("XRD", "safe"),
    ]
    assert data["instruments"][0]["counts"]["copied"] == 1


def test_one_behind_or_silent_is_exit_1(instrument: Callable[..., Engine], share: Path) -> None:
    assert instrument("Cycler 1").sync().ok
    twins = instrument("Twins", OA_INCLUDE_SUBDIRS="yes")
    write_file(twins.settings.source, "a/t.res", "first")
    write_file(twins.settings.source, "b/t.res", "second")
    assert twins.sync().failed
    asleep = instrument("Old PC", clock=lambda: time.time() - 2 * 86400)
    assert asleep.sync().ok
    done = lab("lab", "--dir", str(share), "--json")
    assert done.returncode == 1
    rows = {i["name"]: i for i in json.loads(done.stdout)["instruments"]}
    assert rows["Twins"]["verdict"] == "behind"
    assert "could not be copied" in rows["Twins"]["reason"]
    assert rows["Old PC"]["verdict"] == "silent"
    assert rows["Old PC"]["cells"]["reason"].startswith("No report for 2 days")
    table = lab("lab", "--dir", str(share))
    assert table.returncode == 1
    assert "1 of 3 instruments safe." in table.stdout


def test_a_truncated_record_is_unreadable_and_exit_1(
    instrument: Callable[..., Engine], share: Path
) -> None:
    assert instrument("Cycler 1").sync().ok
    record = share / ".oeleo" / "status" / "Cycler 1.json"
    record.write_bytes(record.read_bytes()[:100])
    done = lab("lab", "--dir", str(share))
    assert done.returncode == 1
    assert "unreadable record" in done.stdout and "Traceback" not in done.stderr


def test_control_characters_in_a_name_do_not_reach_the_terminal(
    instrument: Callable[..., Engine], share: Path
) -> None:
    assert instrument("Evil\x1b[2J\x1b[31m name").sync().ok
    done = lab("lab", "--dir", str(share))
    assert "\x1b" not in done.stdout
    assert "Evil?[2J?[31m name" in done.stdout


def test_no_record_yet_and_a_missing_folder(tmp_path: Path) -> None:
    empty = lab("lab", "--dir", str(tmp_path))
    assert empty.returncode == 1
    assert "No instrument has written a status record" in empty.stdout
    missing = lab("lab", "--dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert "is not a folder (check --dir)" in missing.stderr


def test_without_dir_the_configured_destination_is_read(
    instrument: Callable[..., Engine], share: Path, tmp_path: Path
) -> None:
    assert instrument("Cycler 1").sync().ok
    env = tmp_path / "manager.env"
    (tmp_path / "manager").mkdir()
    env.write_text(
        f"OELEO_BASE_DIR_FROM={tmp_path / 'manager'}\nOELEO_BASE_DIR_TO={share}\n"
        "OELEO_FILTER_EXTENSION=.res\n"
        f"OELEO_LOG_DIR={tmp_path / 'logs'}\n"
    )
    done = lab("--env", str(env), "lab", "--json")
    assert done.returncode == 0, done.stderr
    assert [i["name"] for i in json.loads(done.stdout)["instruments"]] == ["Cycler 1"]


def test_serve_answers_on_127_0_0_1_until_interrupted(
    instrument: Callable[..., Engine], share: Path
) -> None:
    pytest.importorskip("uvicorn", reason="the web page needs the server extra")
    assert instrument("Cycler 1").sync().ok
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oeleo_gui",
            "lab",
            "--serve",
            "--dir",
            str(share),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith(f"Lab overview on http://127.0.0.1:{port}/")
        deadline = time.monotonic() + 30
        while True:  # uvicorn binds right after printing: poll the port, with a deadline
            try:
                url = f"http://127.0.0.1:{port}/api/overview"
                with urllib.request.urlopen(url, timeout=5) as response:
                    data = json.loads(response.read())
                break
            except OSError:
                assert time.monotonic() < deadline, "the page did not answer"
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.1)  # allow-sleep: polling a port with a deadline
        assert [i["name"] for i in data["instruments"]] == ["Cycler 1"]
        with socket.socket() as other:  # bound to 127.0.0.1 only
            other.settimeout(2)
            addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)}
            outside = next((a for a in addresses if ":" not in a and a != "127.0.0.1"), None)
            if outside is not None and not outside.startswith("127."):
                assert other.connect_ex((outside, port)) != 0
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert server.returncode == 0


def test_a_status_folder_that_may_not_be_read_is_said_so(
    instrument: Callable[..., Engine], share: Path, tmp_path: Path
) -> None:
    """As a technician's account (root without its file capabilities): it only reads, so it
    must not speak of writing."""
    unprivileged = unprivileged_or_skip(tmp_path)
    assert instrument("Cycler 1").sync().ok
    status = share / ".oeleo" / "status"
    status.chmod(0o000)
    try:
        done = subprocess.run(
            [*unprivileged, sys.executable, "-m", "oeleo_gui", "lab", "--dir", str(share)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)},
            check=False,
        )
    finally:
        status.chmod(0o755)
    assert done.returncode == 1
    assert f"The status folder {status} cannot be read: no permission to read it." in done.stderr
    assert "Ask for read access to that folder" in done.stderr
    assert "write" not in done.stderr and "OELEO_BASE_DIR_TO" not in done.stderr


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("port in use", "is already in use (another lab --serve, or another program). Choose"),
        ("--host no-such-host.invalid", "'no-such-host.invalid' given with --host cannot be found"),
        ("--port 99999", "--port 99999 is not a port number: give one from 1 to 65535"),
        ("--refresh nan", "--refresh nan is not a number of seconds"),
    ],
)
def test_serve_says_in_words_why_it_cannot_start_with_exit_2(
    share: Path, option: str, said: str
) -> None:
    """Not uvicorn's log line and its exit 3 (which means "another run is copying")."""
    pytest.importorskip("uvicorn", reason="the web page needs the server extra")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        args = ["--port", port] if option == "port in use" else option.split()
        done = lab("lab", "--serve", "--dir", str(share), *args)
    assert done.returncode == 2
    assert said in done.stderr
    assert "Lab overview on" not in done.stdout
    assert "Traceback" not in done.stderr and "Unexpected error" not in done.stderr


def test_two_configurations_with_the_default_name_are_both_shown(
    instrument: Callable[..., Engine], share: Path
) -> None:
    """One PC, two configurations, no OELEO_INSTRUMENT_NAME: the failing one is not hidden."""
    assert instrument(None).sync().ok
    failing = instrument(None, OA_INCLUDE_SUBDIRS="yes")
    write_file(failing.settings.source, "a/t.res", "first")
    write_file(failing.settings.source, "b/t.res", "second")
    assert failing.sync().failed
    done = lab("lab", "--dir", str(share), "--json")
    assert done.returncode == 1
    rows = json.loads(done.stdout)["instruments"]
    assert [row["verdict"] for row in rows] == ["behind", "safe"]
    assert str(failing.settings.source) in rows[0]["name"]  # told apart by their folders
    assert rows[0]["name"] != rows[1]["name"]
    assert "could not be copied" in rows[0]["reason"]
