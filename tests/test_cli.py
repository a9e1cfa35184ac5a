"""The `oeleo-gui` command line, run as a technician would: a real .env, real folders."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oeleo_gui import __version__
from oeleo_gui.cli import main


@pytest.fixture
def lab(tmp_path: Path, monkeypatch) -> Path:
    """A lab folder with a hand-written .env, as upstream users have it."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "pub").mkdir()
    old = time.time() - 86400
    for name in ("cell 1.res", "cell_2.res", "notes.txt"):
        (tmp_path / "raw" / name).write_text(name)
        os.utime(tmp_path / "raw" / name, (old, old))
    (tmp_path / ".env").write_text(
        "# lab PC\nOELEO_BASE_DIR_FROM=raw\nOELEO_BASE_DIR_TO=pub\nOELEO_FILTER_EXTENSION=.res\n"
        "OELEO_DB_NAME=local2pub.db\nOELEO_LOG_DIR=logs\n"
    )
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("OELEO_", "OA_"))]:
        monkeypatch.delenv(key)
    return tmp_path


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and __version__ in capsys.readouterr().out


def data_files(folder: Path) -> list[Path]:
    """A destination's files but its `.oeleo/` folder (the status record is no data)."""
    return [p for p in folder.iterdir() if p.name != ".oeleo"]


def test_sync_then_files_json_and_csv(lab: Path, capsys) -> None:
    assert main(["sync"]) == 0
    assert "2 copied" in capsys.readouterr().out
    assert sorted(p.name for p in data_files(lab / "pub")) == ["cell 1.res", "cell_2.res"]
    assert main(["files", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["rel_path"] for r in rows} == {"cell 1.res", "cell_2.res"}
    assert all(r["status"] == "copy if changed" for r in rows)
    assert main(["files", "--csv", "--code", "1"]) == 0
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(parsed) == 2 and parsed[0]["checksum"]


def test_lock_and_unlock_by_path(lab: Path, capsys) -> None:
    assert main(["lock", "raw/cell 1.res", str(lab / "raw" / "cell_2.res")]) == 0
    capsys.readouterr()
    assert main(["sync", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["copied"] == [] and summary["locked"] == 2
    assert data_files(lab / "pub") == []
    assert main(["unlock", "cell 1.res"]) == 0
    assert main(["sync"]) == 0
    assert [p.name for p in data_files(lab / "pub")] == ["cell 1.res"]


def test_a_file_locked_before_it_exists_stays_locked_when_it_appears(lab: Path, capsys) -> None:
    """Typed from the .env's folder like an existing file, a lock on a file the instrument has
    not written yet is stored under the name the file will have (found black-box)."""
    assert main(["lock", "raw/calibration.res"]) == 0
    assert "calibration.res  (not in the source folder yet" in capsys.readouterr().out
    old = time.time() - 86400
    (lab / "raw" / "calibration.res").write_text("never to the server")
    os.utime(lab / "raw" / "calibration.res", (old, old))
    assert main(["sync", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "calibration.res" not in [r["rel_path"] for r in summary["copied"]]
    assert not (lab / "pub" / "calibration.res").exists()


def test_a_big_first_run_lists_a_screenful_of_copies(lab: Path, capsys) -> None:
    old = time.time() - 86400
    for i in range(30):
        (lab / "raw" / f"run_{i:02d}.res").write_text(str(i))
        os.utime(lab / "raw" / f"run_{i:02d}.res", (old, old))
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "32 copied" in out
    assert out.count("  copied: ") == 20
    assert "… and 12 more (see `oeleo-gui files` or the log)" in out
    assert len(data_files(lab / "pub")) == 32


def test_sync_json_is_machine_readable(lab: Path, capsys) -> None:
    assert main(["sync", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kind"] == "sync" and len(summary["copied"]) == 2 and summary["error"] == ""


def test_preview_and_check(lab: Path, capsys) -> None:
    assert main(["preview"]) == 0
    out = capsys.readouterr().out
    assert "would copy: cell 1.res  (new file)" in out
    assert not (lab / "local2pub.db").exists()
    main(["sync"])
    capsys.readouterr()
    (lab / "pub" / "cell_2.res").write_text("tampered")
    assert main(["check", "--json"]) == 1  # something differs: a script or monitor sees it
    report = json.loads(capsys.readouterr().out)
    assert report["out_of_sync"] == ["cell_2.res"] and report["in_sync"] == ["cell 1.res"]
    (lab / "pub" / "cell_2.res").write_text("cell_2.res")
    assert main(["lock", "raw/cell 1.res"]) == 0
    (lab / "pub" / "cell 1.res").unlink()  # locked: its absence is no difference
    capsys.readouterr()
    assert main(["check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["missing"] == [] and report["locked"] == ["cell 1.res"]


def test_bad_env_exits_2_with_every_problem_and_no_traceback(lab: Path, capsys) -> None:
    with open(lab / ".env", "a") as fh:
        fh.write("OA_HOURS_SLEEP=soon\nOA_INCLUDE_SUBDIRS=perhaps\nOELEO_PASSWORD=topsecret1\n")
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert "OA_HOURS_SLEEP = 'soon'" in err and "OA_INCLUDE_SUBDIRS = 'perhaps'" in err
    assert "Traceback" not in err and "topsecret1" not in err


def test_missing_destination_exits_1_with_a_clear_message(lab: Path, capsys) -> None:
    (lab / "pub").rmdir()
    assert main(["sync"]) == 1
    out = capsys.readouterr().out
    assert "does not exist" in out and "OELEO_BASE_DIR_TO" in out


def test_doctor_reports_each_check(lab: Path, capsys) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "reachable and writable" in out and "2 file(s)" in out and "All checks passed." in out


def test_doctor_warns_about_a_misspelt_setting_and_the_log_keeps_it(lab: Path, capsys) -> None:
    with (lab / ".env").open("a") as env:
        env.write("OA_HOURS_SLEPP=2\n")
    assert main(["doctor"]) == 0  # a warning, not a failure: everything else works
    out = capsys.readouterr().out
    assert "WARN OA_HOURS_SLEPP is not a setting of oeleo-gui and is ignored." in out
    assert "Did you mean OA_HOURS_SLEEP?" in out
    assert "OA_HOURS_SLEPP is not a setting" in (lab / "logs" / "oeleo.log").read_text()


def test_no_env_anywhere_says_where_it_looked(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("OELEO_", "OA_"))]:
        monkeypatch.delenv(key)
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert "No .env file was found" in err and "OELEO_BASE_DIR_FROM" in err


def test_the_installed_command_runs_without_loading_qt(lab: Path) -> None:
    code = (
        "import sys; from oeleo_gui.cli import main; r = main(['sync']); "
        "assert 'PySide6' not in sys.modules, 'Qt loaded'; sys.exit(r)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=lab,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_live_copies_and_waiting_files_are_listed_by_sync_files_and_the_log(
    lab: Path, capsys
) -> None:
    """A file written for longer than the maximum wait gets a live copy; the summary, `files
    --json` (each file's state) and the log say so."""
    with open(lab / ".env", "a") as fh:
        fh.write("OELEO_SETTLE_SECONDS=3600\nOELEO_MAX_WAIT_SECONDS=1\n")
    log = lab / "raw" / "cycler.res"
    log.write_text("cycle 1\n")  # modified now: still being written
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "waiting: cycler.res" in out
    listed = {r["rel_path"]: r for r in json.loads(_files_json(capsys))}
    assert listed["cycler.res"]["state"] == "waiting" and listed["cycler.res"]["code"] is None
    from oeleo_gui.engine.bookkeeping.store import FileListStore

    with FileListStore(lab / "local2pub.db") as store:  # as if the first wait began long ago
        states = store.file_states()
        store.save_file_states(
            [
                states["cycler.res"]._replace(
                    waiting_since=states["cycler.res"].since.replace(year=2020)
                )
            ]
        )
    with open(log, "a") as fh:
        fh.write("cycle 2\n")
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "1 live copy" in out and "live copy: cycler.res" in out
    assert (lab / "pub" / "cycler.res").read_text() == "cycle 1\ncycle 2\n"
    listed = {r["rel_path"]: r for r in json.loads(_files_json(capsys))}
    assert listed["cycler.res"]["state"] == "live" and listed["cycler.res"]["live_copied_at"]
    assert listed["cycler.res"]["code"] == 1
    assert "live copy: cycler.res" in (lab / "logs" / "oeleo.log").read_text()


def _files_json(capsys) -> str:
    assert main(["files", "--json"]) == 0
    return capsys.readouterr().out
