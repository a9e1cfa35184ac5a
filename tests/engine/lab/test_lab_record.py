"""This instrument's status record: written after a sync run through the run's connector, when
due, never holding a secret, never failing a run (a failure logged once per cause)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.null
import pytest

from oeleo_gui import __version__
from oeleo_gui.engine.bookkeeping.meta_keys import META_LAB_RECORD
from oeleo_gui.engine.lab.format import RECORD_MAX_BYTES, from_iso
from oeleo_gui.engine.lab.overview import Verdict
from oeleo_gui.engine.lab.parsing import parse_record
from oeleo_gui.engine.lab.record import build_record, record_bytes
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.settings.instrument import computer_name
from oeleo_gui.engine.status import compute_status
from oeleo_gui.engine.worker import Engine


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def record_at(dst: Path, stem: str = "XRD 1") -> Path:
    return dst / ".oeleo" / "status" / f"{stem}.json"


def read_row(dst: Path, stem: str = "XRD 1", now: float | None = None) -> Any:
    path = record_at(dst, stem)
    moment = datetime.fromtimestamp(now if now is not None else time.time()).astimezone()
    return parse_record(path.name, path.read_bytes(), location=str(path.parent), now=moment)


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    return make_engine(OELEO_INSTRUMENT_NAME="XRD #1", OELEO_SETTLE_SECONDS="0")


def test_a_sync_run_writes_the_record(engine: Engine, src: Path, dst: Path, write) -> None:
    write(src, "a.res", "alpha")
    write(src, "b.res", "beta")
    assert engine.sync().ok
    path = record_at(dst, "XRD _1")  # the file name is sanitised; the name in it is not
    record = json.loads(path.read_text("utf-8"))
    assert record["instrument"] == "XRD #1"
    assert record["computer"] == computer_name()
    assert record["app_version"] == __version__
    assert record["interval_seconds"] == 1800.0
    assert record["status"]["safe"] is True
    assert record["status"]["counts"]["copied"] == 2
    assert record["settings"]["Files"] == "names ending in .res; modified on or after 2000-01-01"
    assert from_iso(record["written_at"]).timestamp() == pytest.approx(time.time(), abs=60)
    row = read_row(dst, "XRD _1")
    assert (row.verdict, row.name) == (Verdict.SAFE, "XRD #1")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert engine.store.journal_entries() == []


def test_written_when_due_not_at_every_run(
    make_engine: Callable[..., Engine], src: Path, dst: Path, write
) -> None:
    clock = Clock()
    engine = make_engine(OELEO_INSTRUMENT_NAME="XRD 1", OELEO_SETTLE_SECONDS="0")
    engine._clock = clock  # the engine's and the record's time
    write(src, "a.res", "alpha")
    assert engine.sync().ok
    first = json.loads(record_at(dst).read_text())["written_at"]

    clock.now += 60  # nothing changed, long before the interval is over: not written again
    assert engine.sync().ok
    assert json.loads(record_at(dst).read_text())["written_at"] == first

    clock.now += 0.9 * 1800  # the interval less the margin: written again, unchanged or not
    assert engine.sync().ok
    second = json.loads(record_at(dst).read_text())["written_at"]
    assert from_iso(second) > from_iso(first)

    write(src, "b.res", "beta")  # the verdict changes: written at once
    clock.now += 5
    assert engine.sync().ok
    third = json.loads(record_at(dst).read_text())
    assert third["status"]["counts"]["copied"] == 2
    assert from_iso(third["written_at"]) > from_iso(second)
    remembered = json.loads(engine.store.get_meta(META_LAB_RECORD) or "{}")
    assert remembered["at"] == clock.now


def test_a_quiet_run_with_a_fresh_record_costs_no_verdict_and_no_connection(
    make_engine: Callable[..., Engine], src: Path, dst: Path, write, monkeypatch
) -> None:
    """Nothing copied and no file waiting or failing otherwise than at the last record: the
    verdict cannot have changed, so it is not worked out again over every file, and the record
    asks for no connector (an SSH run where nothing changed need not import paramiko)."""
    from oeleo_gui.engine.lab import record as record_module

    clock = Clock()
    engine = make_engine(OELEO_INSTRUMENT_NAME="XRD 1", OELEO_SETTLE_SECONDS="0")
    engine._clock = clock
    write(src, "a.res", "alpha")
    assert engine.sync().ok and record_at(dst).exists()
    engine = make_engine(OELEO_INSTRUMENT_NAME="XRD 1", OELEO_SETTLE_SECONDS="0")
    engine._clock = clock  # a new process: no connector made yet

    worked_out: list[object] = []

    def must_not_run(*args: Any, **kwargs: Any) -> Any:
        worked_out.append(args)  # (publish_if_due swallows errors: note the call instead)
        raise AssertionError("worked out although nothing changed")

    monkeypatch.setattr(record_module, "compute_status", must_not_run)
    monkeypatch.setattr(record_module, "write_record", must_not_run)
    made: list[object] = []
    real_publish = record_module.publish_if_due

    def publish(settings, connector, store, **kw):  # type: ignore[no-untyped-def]
        def make() -> object:
            made.append(connector)
            return connector()

        return real_publish(settings, make, store, **kw)

    monkeypatch.setattr(record_module, "publish_if_due", publish)
    clock.now += 60
    assert engine.sync().ok
    assert made == [] and worked_out == []  # no verdict, no connector asked for
    monkeypatch.undo()
    clock.now += 0.9 * 1800  # due by its age: the verdict and the connection come back
    before = json.loads(record_at(dst).read_text())["written_at"]
    assert engine.sync().ok
    assert from_iso(json.loads(record_at(dst).read_text())["written_at"]) > from_iso(before)


def test_a_failing_file_makes_the_instrument_behind_with_the_reason(
    make_engine: Callable[..., Engine], src: Path, dst: Path, write
) -> None:
    write(src, "run1/a.res", "first")
    write(src, "run2/a.res", "second")  # the same name at a flattened destination: refused
    engine = make_engine(OELEO_INSTRUMENT_NAME="XRD 1", OA_INCLUDE_SUBDIRS="yes")
    assert [r.rel_path for r in engine.sync().failed] == ["run2/a.res"]
    row = read_row(dst)
    assert row.verdict is Verdict.BEHIND
    assert "could not be copied" in row.reason and "run2/a.res" in row.reason
    assert [f.path for f in row.failed] == ["run2/a.res"]
    assert row.files_not_copied == 1
    assert row.cells()["not_copied"] == "1"
    assert row.not_copied_text == "Not copied: 1 (1 failing)"


def test_copying_stopped_is_an_error(
    make_engine: Callable[..., Engine], src: Path, dst: Path, write
) -> None:
    engine = make_engine(OELEO_INSTRUMENT_NAME="XRD 1")
    write(src, "a.res", "alpha")
    assert engine.sync().ok
    src.rename(src.with_name("moved away"))  # the instrument's folder is gone
    assert engine.sync().error
    row = read_row(dst)
    assert row.verdict is Verdict.ERROR
    assert "cannot be found" in row.reason
    assert row.last_success is not None  # still says when copying last went well


def test_a_destination_that_stopped_the_run_is_not_written_to_again(
    make_engine: Callable[..., Engine], src: Path, dst: Path, write
) -> None:
    engine = make_engine(OELEO_INSTRUMENT_NAME="XRD 1")
    write(src, "a.res", "alpha")
    assert engine.sync().ok
    before = record_at(dst).read_bytes()
    dst.rename(dst.with_name("share gone"))
    write(src, "b.res", "beta")
    assert "does not exist" in engine.sync().error
    assert not dst.exists()  # nothing made again on the local disk for the record either
    dst.with_name("share gone").rename(dst)
    assert record_at(dst).read_bytes() == before


def test_a_pc_whose_clock_runs_ahead_is_not_shown_safe(
    make_settings: Callable[..., Any], src: Path, dst: Path, write
) -> None:
    """A real run on a PC three hours ahead: its record could never turn silent."""
    write(src, "a.res", "alpha")
    engine = Engine(
        make_settings(OELEO_INSTRUMENT_NAME="XRD 1"), clock=lambda: time.time() + 3 * 3600
    )
    try:
        assert engine.sync().ok
    finally:
        engine.close()
    row = read_row(dst)
    assert row.verdict is Verdict.BEHIND
    assert "clock is ahead by 3 h" in row.reason
    assert row.cells()["verdict"] == "behind"


def test_writing_it_never_fails_a_run_and_a_failure_is_logged_once(
    make_engine: Callable[..., Engine], src: Path, dst: Path, write, caplog
) -> None:
    (dst / ".oeleo").write_text("a file where the status folder belongs")
    engine = make_engine(OELEO_INSTRUMENT_NAME="XRD 1")
    caplog.set_level(logging.DEBUG, logger="oeleo_gui.engine.lab.record")
    for n in range(3):
        write(src, f"run {n}.res", str(n))
        summary = engine.sync()
        assert summary.ok and len(summary.copied) == 1
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "could not write the status record" in warnings[0].getMessage()
    assert sum("still cannot be written" in r.getMessage() for r in caplog.records) == 2
    assert (dst / ".oeleo").is_file()  # left as it was

    (dst / ".oeleo").unlink()  # fixed: written at the next run
    assert engine.sync().ok
    assert record_at(dst).is_file()


def test_the_record_holds_no_secret(tmp_path: Path) -> None:
    secrets = {
        "OELEO_PASSWORD": "ssh-Pa55word-7",
        "OELEO_KEY_PASSPHRASE": "key-passphrase-9",
        "OELEO_SHAREPOINT_CLIENT_SECRET": "sp-client-secret-3",
    }
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    try:
        ssh = settings_from_values(
            {
                "OELEO_BASE_DIR_FROM": str(tmp_path),
                "OELEO_FILTER_EXTENSION": ".res",
                "OELEO_BASE_DIR_TO": "/srv/data",
                "OELEO_EXTERNAL_HOST": "server:2222",
                "OELEO_USERNAME": "lab",
                "OELEO_KEY_FILENAME": str(tmp_path / "id_ed25519"),
                "OELEO_DB_NAME": str(tmp_path / "a.db"),
                **secrets,
            }
        )
        sharepoint = settings_from_values(
            {
                "OELEO_BASE_DIR_FROM": str(tmp_path),
                "OELEO_FILTER_EXTENSION": ".res",
                "OELEO_SHAREPOINT_URL": "https://lab.sharepoint.com",
                "OELEO_SHAREPOINT_SITENAME": "lab",
                "OELEO_SHAREPOINT_DOC_LIBRARY": "Shared Documents",
                "OELEO_SHAREPOINT_CLIENT_ID": "client-id",
                "OELEO_SHAREPOINT_USERNAME": "lab@example.org",
                "OELEO_DB_NAME": str(tmp_path / "b.db"),
                **secrets,
            }
        )
    finally:
        keyring.set_keyring(previous)
    assert ssh.secrets() and sharepoint.secrets()  # the settings do hold them
    for settings in (ssh, sharepoint):
        report = compute_status(settings)
        data = record_bytes(
            build_record(settings, report, stopped=False, written_at=datetime.now().astimezone())
        )
        text = data.decode("utf-8")
        for secret in secrets.values():
            assert secret not in text
        assert "client-id" not in text or settings is sharepoint  # an id is no secret


def test_a_huge_record_drops_its_file_lists_but_keeps_the_counts() -> None:
    record = {
        "record": "x",
        "status": {
            "counts": {"waiting": 5000},
            "waiting": [{"path": "p" * 400}] * 5000,
            "failed": [],
            "live": [],
        },
    }
    data = record_bytes(record)
    assert len(data) <= RECORD_MAX_BYTES
    status = json.loads(data)["status"]
    assert status["waiting"] == [] and status["counts"] == {"waiting": 5000}
