"""`oeleo-gui status [--json] [--check]`, black box: real folders, a real database, the command
line as a monitoring tool calls it. One test per reason the data is not safe, and its exit code."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from oeleo_gui.cli import main
from oeleo_gui.engine.bookkeeping.meta_keys import META_SCHEDULE
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.scheduler import ScheduleInfo

OLD = time.time() - 3 * 86400


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    for folder in ("raw", "pub", "other"):
        (tmp_path / folder).mkdir()
    for name in ("cell_1.res", "cell_2.res", "notes.txt"):
        write(tmp_path / "raw" / name, name)
    set_env(tmp_path)
    return tmp_path


def write(path: Path, text: str, *, mtime: float | None = OLD) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def set_env(lab: Path, **extra: str) -> None:
    values = {
        "OELEO_BASE_DIR_FROM": "raw",
        "OELEO_BASE_DIR_TO": "pub",
        "OELEO_FILTER_EXTENSION": ".res",
        "OELEO_DB_NAME": "files.db",
        "OELEO_LOG_DIR": "logs",
        "OA_FROM_YEAR": "2000",
        **extra,
    }
    (lab / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))


def run(lab: Path, *args: str) -> int:
    return main(["--env", str(lab / ".env"), *args])


def status(lab: Path, capsys, *extra: str) -> tuple[int, dict[str, object]]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    code = run(lab, "status", "--json", *extra)
    return code, json.loads(capsys.readouterr().out)


def sync(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run(lab, "sync")
    capsys.readouterr()


def test_safe_after_a_sync(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    code, report = status(lab, capsys)
    assert code == 0
    assert report["safe"] is True and report["state"] == "idle"
    assert report["reasons"] == [] and report["matched"] == 2
    assert report["waiting"] == report["failed"] == report["live"] == []
    last_success = datetime.fromisoformat(str(report["last_success"]))
    assert last_success.utcoffset() is not None  # times say which zone they are in
    assert last_success <= datetime.now().astimezone()
    assert report["next_run"] is None  # nobody runs a schedule
    assert str(report["summary"]).startswith("All 2 files copied")
    capsys.readouterr()
    assert run(lab, "status") == 0  # the same in words
    assert capsys.readouterr().out.startswith("Safe: All 2 files copied")


def test_never_copied_files_are_on_their_way(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, report = status(lab, capsys)
    assert code == 3
    assert report["safe"] is False and report["state"] == "pending"
    assert report["not_copied"] == 2
    assert any("not copied yet" in r for r in report["reasons"])  # type: ignore[union-attr]
    assert report["last_success"] is None


def test_a_file_still_being_written_is_waiting_with_its_reason(  # type: ignore[no-untyped-def]
    lab: Path, capsys
) -> None:
    set_env(lab, OELEO_SETTLE_SECONDS="3600")
    write(lab / "raw" / "growing.res", "first lines", mtime=None)
    sync(lab, capsys)
    code, report = status(lab, capsys)
    assert code == 3 and report["state"] == "pending"
    [waiting] = report["waiting"]  # type: ignore[misc]
    assert waiting["path"] == "growing.res"
    assert "in case it is still being written" in waiting["reason"], waiting
    assert datetime.fromisoformat(waiting["since"]) <= datetime.now().astimezone()
    assert any("being written" in r for r in report["reasons"])  # type: ignore[union-attr]


def test_a_live_copy_is_listed(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_env(lab, OELEO_SETTLE_SECONDS="3600", OELEO_MAX_WAIT_SECONDS="0.001")
    growing = lab / "raw" / "growing.res"
    write(growing, "first lines\n", mtime=None)
    sync(lab, capsys)  # first seen: waiting
    with growing.open("a") as f:
        f.write("more lines\n")  # still changing after the maximum wait: a live copy
    sync(lab, capsys)
    code, report = status(lab, capsys)
    assert code == 3 and report["state"] == "pending"
    [live] = report["live"]  # type: ignore[misc]
    assert live["path"] == "growing.res" and "live copy" in live["reason"]
    assert (lab / "pub" / "growing.res").read_text() == "first lines\nmore lines\n"


def test_a_failing_file_is_named_with_its_reason(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write(lab / "raw" / "Cell_1.res", "upper")  # differs only by case from cell_1.res
    sync(lab, capsys)
    code, report = status(lab, capsys)
    assert code == 1 and report["state"] == "error"
    [failed] = report["failed"]  # type: ignore[misc]
    assert failed["path"] == "cell_1.res" and "differs only by case" in failed["reason"]
    assert "cell_1.res" in str(report["summary"])
    capsys.readouterr()
    assert run(lab, "status") == 1
    text = capsys.readouterr().out
    assert text.startswith("NOT SAFE (error)") and "Failing:\n  cell_1.res — " in text


def test_nothing_matching_the_filters_needs_attention(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_env(lab, OELEO_FILTER_EXTENSION=".csv")
    code, report = status(lab, capsys)
    assert code == 1 and report["state"] == "attention"
    assert report["matched"] == 0
    assert any("No file in" in r and "matches" in r for r in report["reasons"])  # type: ignore[union-attr]


def test_a_changed_destination_needs_attention(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    set_env(lab, OELEO_BASE_DIR_TO="other")
    code, report = status(lab, capsys)
    assert code == 1 and report["state"] == "attention"
    assert any("destination changed" in r for r in report["reasons"])  # type: ignore[union-attr]
    run(lab, "check", "--update-db")  # compared with the new destination: it lacks both files
    sync(lab, capsys)
    assert sorted(p.name for p in (lab / "other").iterdir() if p.name != ".oeleo") == [
        "cell_1.res",
        "cell_2.res",
    ]
    assert status(lab, capsys)[0] == 0


def test_a_stopped_run_is_an_error(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    (lab / "pub").rename(lab / "pub-gone")
    write(lab / "raw" / "cell_3.res", "new")
    sync(lab, capsys)
    code, report = status(lab, capsys)
    assert code == 1 and report["state"] == "error"
    assert str(report["reasons"][0]).startswith("The last run stopped")  # type: ignore[index]


def test_no_successful_run_for_twice_the_interval_needs_attention(  # type: ignore[no-untyped-def]
    lab: Path, capsys
) -> None:
    sync(lab, capsys)
    long_ago = (datetime.now() - timedelta(hours=3)).isoformat(" ")
    with sqlite3.connect(lab / "files.db") as con:  # the last run was three hours ago
        con.execute("UPDATE run_history SET started_at = ?, finished_at = ?", (long_ago, long_ago))
    code, report = status(lab, capsys)  # runs are due every 30 minutes
    assert code == 1 and report["state"] == "attention"
    assert any("No successful run since" in r for r in report["reasons"])  # type: ignore[union-attr]


def write_schedule(lab: Path, **fields: object) -> None:
    """What the tray writes into the database while it runs (this process stands in for it)."""
    info = ScheduleInfo(pid=os.getpid(), kind="tray", updated=datetime.now(), **fields)  # type: ignore[arg-type]
    with FileListStore(lab / "files.db") as store:
        store.set_meta(META_SCHEDULE, info.to_json())


def test_paused_says_until_when(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    until = (datetime.now() + timedelta(minutes=30)).replace(microsecond=0)
    write_schedule(lab, paused=True, paused_until=until)
    code, report = status(lab, capsys)
    assert code == 4 and report["state"] == "paused"
    assert report["next_run"] is None
    assert any("paused until" in r for r in report["reasons"])  # type: ignore[union-attr]


def test_a_reached_run_limit_needs_attention(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    write_schedule(lab, run_limit=200, runs_made=200, limit_reached=True)
    code, report = status(lab, capsys)
    assert code == 1 and report["state"] == "attention"
    assert any("run limit" in r for r in report["reasons"])  # type: ignore[union-attr]


def test_the_next_run_of_a_running_tray_is_given(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    due = (datetime.now() + timedelta(minutes=20)).replace(microsecond=0)
    write_schedule(lab, next_run=due)
    code, report = status(lab, capsys)
    assert code == 0 and report["next_run"] == due.astimezone().isoformat()


def test_a_run_of_another_process_is_syncing(lab: Path, capsys, hold_run_lock) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    write(lab / "raw" / "cell_3.res", "new")
    with hold_run_lock(lab / "files.db"):  # a tray or a scheduled sync is copying right now
        code, report = status(lab, capsys)
        checked_code, checked = status(lab, capsys, "--check")
    assert code == 3 and report["state"] == "syncing"
    assert report["safe"] is False
    assert checked_code == 3 and checked["state"] == "syncing"  # no comparison while it copies
    assert "Not compared with the destination" in " ".join(checked["reasons"])


def test_a_configuration_problem_is_reported_as_json(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (lab / ".env").write_text("OELEO_BASE_DIR_FROM=raw\nOELEO_FILTER_EXTENSION=.res\n")
    code, report = status(lab, capsys)
    assert code == 2
    assert report["safe"] is False and report["state"] == "error"
    assert "OELEO_BASE_DIR_TO" in str(report["summary"])


def test_check_finds_files_missing_at_the_destination(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sync(lab, capsys)
    (lab / "pub" / "cell_2.res").unlink()  # someone tidied the server
    assert status(lab, capsys)[0] == 0  # the database alone cannot know
    code, report = status(lab, capsys, "--check")
    assert code == 1 and report["state"] == "attention"
    assert "1 missing (e.g. cell_2.res)" in str(report["summary"])


def test_check_does_not_count_a_locked_file_as_missing(lab: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run(lab, "lock", str(lab / "raw" / "cell_2.res"))  # a technician's choice: never copied
    sync(lab, capsys)
    assert not (lab / "pub" / "cell_2.res").exists()
    code, report = status(lab, capsys, "--check")
    assert code == 0 and report["safe"] is True, report


def test_status_starts_without_qt_or_network_libraries(lab: Path) -> None:
    code = (
        "import sys\n"
        "from oeleo_gui.cli import main\n"
        f"rc = main(['--env', {str(lab / '.env')!r}, 'status'])\n"
        "heavy = {'PySide6', 'paramiko', 'office365', 'requests'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3, done.stderr  # nothing copied yet: on its way
    assert "NOT SAFE (pending)" in done.stdout
    assert not (lab / "logs").exists()  # a monitoring tool calling it every minute writes no log


def test_a_reader_that_stops_early_gets_no_traceback(lab: Path) -> None:
    """`oeleo-gui status --json | head -1`: the pipe closes before status writes (found
    black-box: a BrokenPipeError traceback)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "oeleo_gui", "--env", str(lab / ".env"), "status", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader is gone before a line is written
    err = child.stderr.read()
    assert child.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_status_of_an_ssh_destination_asks_no_keyring(
    lab: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """`status` connects nowhere, so it neither loads nor asks the OS keyring (a monitoring
    tool calls it every minute; a locked keyring must not make it wait or fail), and a
    password kept only in the keyring is no configuration problem for it. `sync` still asks."""
    from oeleo_gui.engine.settings import secret_store

    asked: list[str] = []
    monkeypatch.setattr(
        secret_store, "get_secret", lambda variable, account: asked.append(variable) or None
    )
    set_env(
        lab,
        OELEO_DESTINATION_TYPE="ssh",
        OELEO_BASE_DIR_TO="/srv/data",
        OELEO_EXTERNAL_HOST="127.0.0.1:1",
        OELEO_USERNAME="tech",
    )
    code, report = status(lab, capsys)
    assert asked == []
    assert report["matched"] == 2 and report["not_copied"] == 2
    assert code == 3 and report["state"] == "pending"  # not a configuration error
    assert run(lab, "sync") == 2  # a run must connect: without a key or password it cannot
    assert "OELEO_PASSWORD" in asked
    assert "OELEO_KEY_FILENAME" in capsys.readouterr().err
