"""The verdict "is the data safe?" for each reason it can give, from real folders and databases."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import pytest

from oeleo_gui.engine.bookkeeping.meta_keys import META_DESTINATION, META_SCHEDULE
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.events import CancelToken, FileCode, NullReporter
from oeleo_gui.engine.file_status import FileStatusKind
from oeleo_gui.engine.runner import run_loop
from oeleo_gui.engine.scheduler import ScheduleInfo
from oeleo_gui.engine.status import SafetyState, compute_status, file_statuses
from tests.conftest import run_lock_held, write_file


def synced(make_engine, **overrides: str):  # type: ignore[no-untyped-def]
    engine = make_engine(**overrides)
    summary = engine.sync()
    assert summary.ok, summary.error
    return engine


def test_all_copied_is_safe_and_idle(make_engine, src) -> None:
    write_file(src, "a.res", "alpha")
    write_file(src, "b.res", "beta")
    engine = synced(make_engine)
    report = compute_status(engine.settings)
    assert report.safe and report.state is SafetyState.IDLE and report.reasons == ()
    assert (report.matched, report.copied, report.not_copied) == (2, 2, 0)
    assert report.summary.startswith("All 2 files copied")
    data = report.to_json()
    assert data["safe"] is True and data["state"] == "idle" and data["last_success"]


def test_a_new_file_is_pending_until_copied(make_engine, src) -> None:
    write_file(src, "a.res", "alpha")
    engine = synced(make_engine)
    write_file(src, "new.res", "fresh")
    report = compute_status(engine.settings)
    assert not report.safe and report.state is SafetyState.PENDING
    assert report.not_copied == 1 and "new.res" in report.summary
    assert report.oldest_unsynced is not None and report.oldest_unsynced.path == "new.res"


def test_nothing_matching_the_filters_is_never_safe(make_engine, src) -> None:
    write_file(src, "a.csv", "the settings ask for .res")
    engine = synced(make_engine)
    report = compute_status(engine.settings)
    assert not report.safe and report.state is SafetyState.ATTENTION
    assert report.matched == 0 and "No file in" in report.summary


def test_a_failing_file_is_an_error_with_its_reason(make_engine, src, monkeypatch) -> None:
    write_file(src, "a.res", "alpha")
    bad = write_file(src, "bad.res", "unreadable")
    real_open = os.open

    def refuse(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path) == str(bad):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    engine = make_engine()
    assert [r.rel_path for r in engine.sync().failed] == ["bad.res"]
    report = compute_status(engine.settings)
    assert report.state is SafetyState.ERROR and [c.path for c in report.failed] == ["bad.res"]
    assert "could not be copied" in report.summary and "Permission denied" in report.summary


def test_a_changed_destination_needs_a_check_then_is_safe_again(
    make_engine, make_settings, src, tmp_path
) -> None:
    write_file(src, "a.res", "alpha")
    engine = synced(make_engine)
    other = tmp_path / "new share"
    other.mkdir()
    moved = make_settings(OELEO_BASE_DIR_TO=str(other))
    report = compute_status(moved)
    assert report.state is SafetyState.ATTENTION
    assert "destination changed" in report.summary
    engine.close()
    from oeleo_gui.engine.worker import Engine

    checker = Engine(moved)
    checker.check(update_db=True)
    assert checker.store.get_meta(META_DESTINATION) == moved.destination_identity
    checker.sync()
    checker.close()
    assert compute_status(moved).safe
    assert (other / "a.res").read_text() == "alpha"


def test_no_successful_run_for_two_intervals_needs_attention(make_engine, src) -> None:
    write_file(src, "a.res", "alpha")
    engine = synced(make_engine, OA_HOURS_SLEEP="1")
    in_three_hours = time.time() + 3 * 3600
    report = compute_status(engine.settings, clock=lambda: in_three_hours)
    assert report.state is SafetyState.ATTENTION
    assert "No successful run since" in report.summary


def test_a_stopped_run_is_an_error(make_engine, src, dst) -> None:
    write_file(src, "a.res", "alpha")
    engine = make_engine()
    dst.rmdir()
    assert engine.sync().error
    report = compute_status(engine.settings)
    assert report.state is SafetyState.ERROR and report.summary.startswith("The last run stopped")


@pytest.mark.parametrize(
    ("info", "state", "words"),
    [
        (dict(paused=True), SafetyState.PAUSED, "paused until you resume"),
        (dict(limit_reached=True, run_limit=200), SafetyState.ATTENTION, "run limit (200 runs"),
    ],
)
def test_the_schedule_of_a_running_tray_is_part_of_the_verdict(
    make_engine, src, info, state, words
) -> None:
    write_file(src, "a.res", "alpha")
    engine = synced(make_engine)
    record = ScheduleInfo(pid=os.getpid(), kind="tray", updated=datetime.now(), **info)
    engine.store.set_meta(META_SCHEDULE, record.to_json())
    report = compute_status(engine.settings)
    assert report.state is state and words in report.summary and not report.safe


def test_a_schedule_record_of_a_process_that_is_gone_is_ignored(make_engine, src) -> None:
    write_file(src, "a.res", "alpha")
    engine = synced(make_engine)
    gone = ScheduleInfo(pid=2**22 + 12345, kind="tray", updated=datetime.now(), paused=True)
    engine.store.set_meta(META_SCHEDULE, gone.to_json())
    assert compute_status(engine.settings).safe


def test_the_headless_loop_says_when_its_next_run_is(make_engine, src) -> None:
    write_file(src, "a.res", "alpha")
    engine = make_engine(OA_MAX_RUN_INTERVALS="1", OA_HOURS_SLEEP="2")
    run_loop(engine, cancel=CancelToken(), reporter=NullReporter())
    info = ScheduleInfo.from_json(engine.store.get_meta(META_SCHEDULE))
    assert info is not None and info.kind == "loop" and info.pid == os.getpid()
    assert info.next_run is not None and abs(info.next_run - datetime.now()) < timedelta(minutes=1)


def test_a_missing_source_folder_is_an_error(make_settings, tmp_path) -> None:
    report = compute_status(make_settings(OELEO_BASE_DIR_FROM=str(tmp_path / "gone")))
    assert report.state is SafetyState.ERROR and "cannot be found" in report.summary


def test_file_statuses_name_every_selected_file_and_gone_rows(make_engine, src) -> None:
    write_file(src, "copied.res", "alpha")
    write_file(src, "locked.res", "keep here")
    engine = make_engine()
    engine.store.set_code(["locked.res", "deleted.res"], FileCode.LOCKED)
    engine.sync()
    write_file(src, "new.res", "fresh")
    write_file(src, "busy.res", "still written", mtime=None)
    engine.sync()
    kinds = {s.rel_path: s.kind for s in file_statuses(engine.settings)}
    assert kinds == {
        "busy.res": FileStatusKind.WAITING,
        "copied.res": FileStatusKind.COPIED,
        "locked.res": FileStatusKind.LOCKED,
        "new.res": FileStatusKind.COPIED,
        "deleted.res": FileStatusKind.GONE,
    }
    with FileListStore(engine.settings.db_path) as store:
        assert set(store.file_states()) == {"busy.res"}


def test_a_run_in_another_process_shows_as_syncing(make_engine, src) -> None:
    write_file(src, "a.res", "alpha")
    engine = synced(make_engine)
    assert compute_status(engine.settings).state is SafetyState.IDLE
    with run_lock_held(engine.settings.db_path):  # a scheduled `sync` copying right now
        report = compute_status(engine.settings)
        assert report.state is SafetyState.SYNCING and report.safe
    assert compute_status(engine.settings).state is SafetyState.IDLE


def test_a_name_that_is_not_utf8_is_never_all_copied(make_engine, src) -> None:
    """A name from an old system (`M\\xfcller.res`) fails in the run; the verdict says so too."""
    write_file(src, "ok.res", "alpha")
    with open(os.fsencode(src) + b"/M\xfcller.res", "wb") as fh:
        fh.write(b"data")
    engine = make_engine()
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["ok.res"] and len(summary.failed) == 1
    report = compute_status(engine.settings)
    assert not report.safe and report.state is SafetyState.ERROR
    assert [c.path for c in report.failed] == ["M\\xfcller.res"]
