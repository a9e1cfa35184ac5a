"""Logging never holds a secret; the headless schedule loop follows the OA_* variables."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

from oeleo_gui.cli.tray import has_display
from oeleo_gui.engine import logsetup
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.logsetup import configure_logging
from oeleo_gui.engine.runner import run_loop
from oeleo_gui.engine.scheduler import Schedule
from tests.conftest import write_file


def test_secrets_never_reach_the_log_file(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "logs", secrets=["Sup3r-Secret-Pw"])
    log = logging.getLogger("oeleo_gui.test")
    log.info("connecting with Sup3r-Secret-Pw to the server")
    log.warning("url was https://x/?client_secret=abc123xyz&x=1")
    log.warning("server said PassWord: hunter2x and TOKEN=tok-9f8e7d (any case)")
    try:
        raise RuntimeError("auth failed for password Sup3r-Secret-Pw")
    except RuntimeError:
        log.exception("failure")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "connecting with ******** to the server" in text
    assert "Sup3r-Secret-Pw" not in text and "abc123xyz" not in text
    assert "hunter2x" not in text and "tok-9f8e7d" not in text and "PassWord: ********" in text
    assert "RuntimeError" in text  # the traceback is kept, masked


def test_the_log_rolls_over_at_its_size_and_keeps_three_old_files(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(logsetup, "MAX_BYTES", 20_000)
    path = configure_logging(tmp_path)
    log = logging.getLogger("oeleo_gui.test")
    for i in range(2_000):  # about 200 kB of lines: several rollovers
        log.info("copied run/sample_%06d.dat -> /srv/lab/run/sample_%06d.dat", i, i)
    for handler in logging.getLogger().handlers:
        handler.flush()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["oeleo.log", "oeleo.log.1", "oeleo.log.2", "oeleo.log.3"]
    assert all((tmp_path / n).stat().st_size <= 20_000 for n in names)
    assert "sample_001999" in path.read_text()  # the newest line is in the current file


def test_batch_records_of_many_lines_also_respect_the_size(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(logsetup, "MAX_BYTES", 20_000)
    path = configure_logging(tmp_path)
    log = logging.getLogger("oeleo_gui.test")
    for batch in range(20):  # records of about 4 kB, as a batch of copies writes
        lines = [f"run/sample_{batch:03d}_{i:03d}.dat -> /srv/lab" for i in range(100)]
        log.info("copied 100 files:\n  %s", "\n  ".join(lines))
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert all(p.stat().st_size <= 20_000 for p in tmp_path.iterdir())
    assert "sample_019_099" in path.read_text()


def test_configuring_twice_does_not_duplicate_lines(tmp_path: Path) -> None:
    configure_logging(tmp_path)
    path = configure_logging(tmp_path)
    logging.getLogger("oeleo_gui.test").info("only once")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert path.read_text().count("only once") == 1


def test_schedule_rules() -> None:
    s = Schedule(interval_seconds=1800, max_runs=2, single_run=False, check_first=False)
    assert s.next_run_at(None, 100.0) == 100.0
    assert s.next_run_at(100.0, 200.0) == 1900.0
    assert s.next_run_at(100.0, 5000.0) == 5000.0  # a missed run (sleep) runs at once
    assert s.has_more_runs(1) and not s.has_more_runs(2)
    single = Schedule(interval_seconds=1, max_runs=0, single_run=True, check_first=False)
    assert single.has_more_runs(0) and not single.has_more_runs(1)


def test_the_tray_keeps_a_run_limit_only_when_it_was_set(make_settings) -> None:
    default = make_settings()
    assert default.max_run_intervals == 200 and not default.max_run_intervals_set
    assert Schedule.from_settings(default).run_limit == 200  # the headless loop: as upstream
    assert Schedule.for_tray(default).run_limit == 0  # the tray: until paused or quit
    assert Schedule.for_tray(default).has_more_runs(10_000)
    chosen = make_settings(OA_MAX_RUN_INTERVALS="50")
    assert chosen.max_run_intervals_set
    assert Schedule.for_tray(chosen).run_limit == 50
    assert Schedule.for_tray(make_settings(OA_SINGLE_RUN="yes")).run_limit == 1


def test_headless_loop_runs_the_limit_with_a_check_first(make_engine, src, dst) -> None:
    write_file(src, "a.res", "x")
    engine = make_engine(OA_MAX_RUN_INTERVALS="3", OA_HOURS_SLEEP="1", OA_ADD_CHECK="yes")
    ticks = itertools.count(start=0, step=7200)  # each clock reading is two hours later
    summaries = run_loop(engine, cancel=CancelToken(), clock=lambda: float(next(ticks)))
    assert [len(s.copied) for s in summaries] == [1, 0, 0]
    assert (dst / "a.res").read_text() == "x"


def test_headless_loop_stops_when_cancelled(make_engine, src) -> None:
    cancel = CancelToken()
    cancel.cancel()
    assert run_loop(make_engine(), cancel=cancel) == []


def test_display_detection() -> None:
    assert has_display({}, "win32") and has_display({}, "darwin")
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux") and has_display(
        {"WAYLAND_DISPLAY": "w"}, "linux"
    )
