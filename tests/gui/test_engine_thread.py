"""EngineThread: a real run in the worker thread, refusals while busy, clean cancel mid-copy."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import TEMP_SUFFIX
from oeleo_gui.engine.events import CheckReport, FileProgress, RunStarted, RunSummary
from oeleo_gui.engine.scheduler import ScheduleInfo
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.status import SafetyState, StatusReport
from oeleo_gui.gui.engine_thread import DestinationChange, Failure

BIG = 3 * 1024 * 1024  # several chunks


def test_a_run_reports_through_signals_from_the_worker_thread(  # type: ignore[no-untyped-def]
    qtbot, engine_thread, settings: Settings, src: Path, dst: Path, write
) -> None:
    write(src, "a.res", b"a" * 1000)
    write(src, "b.res", b"b" * 2000)
    thread = engine_thread()
    seen_threads: set[int] = set()
    thread.run_started.connect(lambda e: seen_threads.add(threading.get_ident()))
    started: list[RunStarted] = []
    progress: list[FileProgress] = []
    thread.run_started.connect(started.append)
    thread.progress.connect(progress.append)
    with qtbot.waitSignal(thread.run_finished, timeout=10_000) as blocker:
        assert thread.request_sync(settings)
        assert thread.is_busy
    summary = blocker.args[0]
    assert isinstance(summary, RunSummary)
    assert sorted(r.rel_path for r in summary.copied) == ["a.res", "b.res"]
    assert not thread.is_busy
    assert started and progress
    assert seen_threads == {threading.get_ident()}  # slots run in the GUI thread
    assert (dst / "b.res").read_bytes() == b"b" * 2000


def test_a_second_request_while_busy_is_refused(  # type: ignore[no-untyped-def]
    qtbot, engine_thread, gated_factory, gate, settings: Settings, src: Path, write
) -> None:
    write(src, "a.res", b"a" * 1000)
    thread = engine_thread(gated_factory)
    with qtbot.waitSignal(thread.run_finished, timeout=10_000):
        assert thread.request_sync(settings)
        assert gate.entered.wait(5)
        assert not thread.request_sync(settings)
        assert not thread.request_check(settings)
        gate.open()
    assert gate.uploads_started == ["a.res"]


def test_cancel_mid_copy_leaves_no_partial_file_and_no_row(  # type: ignore[no-untyped-def]
    qtbot, engine_thread, gated_factory, gate, settings: Settings, src: Path, dst: Path, write
) -> None:
    write(src, "big.res", b"x" * BIG)
    thread = engine_thread(gated_factory)
    with qtbot.waitSignal(thread.run_finished, timeout=10_000) as blocker:
        thread.request_sync(settings)
        assert gate.entered.wait(5)
        assert gate.temp_seen.name.endswith(TEMP_SUFFIX)
        thread.cancel()
    summary = blocker.args[0]
    assert summary.cancelled
    assert not summary.copied
    assert list(dst.iterdir()) == []  # neither the file nor its temporary name
    with FileListStore(settings.db_path) as store:
        assert store.get("big.res") is None
        assert store.journal_entries() == []


def test_check_reports_its_result(  # type: ignore[no-untyped-def]
    qtbot, engine_thread, settings: Settings, src: Path, write
) -> None:
    write(src, "a.res", b"a")
    thread = engine_thread()
    with qtbot.waitSignal(thread.check_finished, timeout=10_000) as blocker:
        thread.request_check(settings)
    report = blocker.args[0]
    assert isinstance(report, CheckReport)
    assert report.missing == ("a.res",)


def test_a_check_that_cannot_run_reports_a_failure(  # type: ignore[no-untyped-def]
    qtbot, engine_thread, settings: Settings, dst: Path
) -> None:
    dst.rmdir()
    thread = engine_thread()
    with qtbot.waitSignal(thread.failed, timeout=10_000) as blocker:
        thread.request_check(settings)
    failure = blocker.args[0]
    assert isinstance(failure, Failure)
    assert "does not exist" in failure.title
    assert not thread.is_busy


def test_shutdown_mid_copy_stops_within_a_second(  # type: ignore[no-untyped-def]
    qtbot, engine_thread, gated_factory, gate, settings: Settings, src: Path, dst: Path, write
) -> None:
    import time

    write(src, "big.res", b"x" * BIG)
    thread = engine_thread(gated_factory)
    thread.request_sync(settings)
    assert gate.entered.wait(5)
    t0 = time.monotonic()
    assert thread.shutdown(5_000)
    assert time.monotonic() - t0 < 1.0
    assert list(dst.iterdir()) == []


def test_the_verdict_is_worked_out_in_the_worker_thread_and_the_schedule_recorded(  # type: ignore[no-untyped-def]
    qtbot, engine_thread, settings: Settings, src: Path, write
) -> None:
    from datetime import datetime, timedelta

    from oeleo_gui.engine.bookkeeping.meta_keys import META_SCHEDULE
    from oeleo_gui.engine.bookkeeping.snapshot import read_snapshot

    write(src, "a.res", b"a" * 1000)
    thread = engine_thread()
    with qtbot.waitSignal(thread.status_computed, timeout=10_000) as blocker:
        thread.request_status(settings)
    before = blocker.args[0]
    assert isinstance(before, StatusReport)
    assert not before.safe and before.not_copied == 1
    with qtbot.waitSignal(thread.run_finished, timeout=10_000):
        thread.request_sync(settings)
    due = (datetime.now() + timedelta(minutes=30)).replace(microsecond=0)
    schedule = ScheduleInfo(pid=os.getpid(), kind="tray", updated=datetime.now(), next_run=due)
    with qtbot.waitSignal(thread.status_computed, timeout=10_000) as blocker:
        thread.request_status(settings, schedule)
    after = blocker.args[0]
    assert after.safe and after.state is SafetyState.IDLE and after.next_run == due
    recorded = ScheduleInfo.from_json(read_snapshot(settings.db_path).meta.get(META_SCHEDULE))
    assert recorded is not None and recorded.next_run == due  # `oeleo-gui status` sees it
    assert thread.shutdown(5_000)
    ended = ScheduleInfo.from_json(read_snapshot(settings.db_path).meta.get(META_SCHEDULE))
    assert ended is not None and ended.ended and ended.next_run is None  # nobody runs it now


def test_a_changed_destination_is_reported(  # type: ignore[no-untyped-def]
    qtbot,
    engine_thread,
    values: dict[str, str],
    settings: Settings,
    src: Path,
    tmp_path: Path,
    write,
) -> None:
    from oeleo_gui.engine.settings.config import settings_from_values

    write(src, "a.res", b"a")
    thread = engine_thread()
    with qtbot.waitSignal(thread.run_finished, timeout=10_000):
        thread.request_sync(settings)
    with (
        qtbot.assertNotEmitted(thread.destination_changed),
        qtbot.waitSignal(thread.status_computed, timeout=10_000),
    ):
        thread.request_status(settings)
    (tmp_path / "new-server").mkdir()
    moved = settings_from_values({**values, "OELEO_BASE_DIR_TO": str(tmp_path / "new-server")})
    seen: list[object] = []
    thread.destination_changed.connect(seen.append)
    thread.status_computed.connect(seen.append)
    thread.request_status(moved)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)
    change, report = seen  # the change comes first, then the verdict that says it too
    assert isinstance(change, DestinationChange)
    assert change.recorded == settings.destination_identity
    assert change.configured == moved.destination_identity
    assert isinstance(report, StatusReport) and report.state is SafetyState.ATTENTION
