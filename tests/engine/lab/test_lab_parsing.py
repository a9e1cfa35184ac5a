"""Reading one status record: the verdict and its reason, and every kind of bad record as an
"unreadable record" row (never an exception)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from oeleo_gui.engine.lab.format import MAX_TEXT
from oeleo_gui.engine.lab.overview import Verdict
from oeleo_gui.engine.lab.parsing import parse_record
from tests.engine.lab.conftest import NOW, make_record


def parse(record: object) -> object:
    data = record if isinstance(record, bytes) else json.dumps(record).encode()
    return parse_record("XRD-1.json", data, location="/share/.oeleo/status", now=NOW)


def test_a_safe_instrument() -> None:
    row = parse(make_record(age=120))
    assert row.verdict is Verdict.SAFE
    assert row.reason == "All 12 files copied."
    assert (row.name, row.computer, row.app_version, row.state) == (
        "XRD-1",
        "LAB-PC-7",
        "1.0",
        "idle",
    )
    assert row.written_at == NOW - timedelta(seconds=120)
    assert row.counts["locked"] == 1
    assert row.settings == (("source folder", "C:\\data"), ("files", ".res"), ("subfolders", "yes"))
    assert row.cells() == {
        "name": "XRD-1",
        "verdict": "safe",
        "last_success": "2 min ago",
        "not_copied": "0",
        "oldest_unsynced": "",
        "reason": "All 12 files copied.",
    }


def test_behind_with_the_reason_and_the_oldest_file() -> None:
    since = (NOW - timedelta(hours=3)).isoformat()
    row = parse(
        make_record(
            status_safe=False,
            status_summary="1 file is not copied.",
            status_reasons=["run 7.res failed: the server refused it", "second reason"],
            status_state="error",
            status_stopped=False,
            status_counts={"failed": 1, "not_copied": 2, "waiting": 1, "live": 1, "copied": 9},
            status_oldest_unsynced={"path": "run 7.res", "reason": "failed", "since": since},
            status_failed=[{"path": "run 7.res", "reason": "refused", "since": since}],
        )
    )
    assert row.verdict is Verdict.BEHIND
    assert row.reason == "run 7.res failed: the server refused it"
    assert row.files_not_copied == 5  # new or changed, being written, live, failing
    assert row.failed[0].path == "run 7.res"
    assert row.cells()["oldest_unsynced"] == "run 7.res (3 h ago)"
    assert row.cells()["not_copied"] == "5"
    assert row.not_copied_text == (
        "Not copied: 5 (2 new or changed, 1 being written or held open, "
        "1 only a live copy there, 1 failing)"
    )


def test_copying_stopped_is_an_error() -> None:
    row = parse(
        make_record(
            status_safe=False,
            status_state="error",
            status_stopped=True,
            status_reasons=["The last run stopped: Cannot reach x"],
        )
    )
    assert (row.verdict, row.reason) == (Verdict.ERROR, "The last run stopped: Cannot reach x")


def test_a_record_without_stopped_goes_by_its_state() -> None:
    record = make_record(status_safe=False, status_state="error", status_reasons=["broken"])
    del record["status"]["stopped"]
    assert parse(record).verdict is Verdict.ERROR
    record["status"]["state"] = "pending"
    assert parse(record).verdict is Verdict.BEHIND


def test_silent_after_twice_its_interval_whatever_it_said() -> None:
    just_in_time = parse(make_record(age=2 * 1800 - 1))
    assert just_in_time.verdict is Verdict.SAFE
    row = parse(make_record(age=2 * 1800 + 1))
    assert row.verdict is Verdict.SILENT
    assert row.reason.startswith("No report for 60 min (expected every 30 min)")
    assert row.reason.endswith("Last report: All 12 files copied.")


def test_a_record_from_a_clock_ahead_is_not_safe_and_says_why() -> None:
    """Dated three hours ahead, it could never fall silent: not "safe", the clock named."""
    row = parse(make_record(age=-3 * 3600))
    assert row.verdict is Verdict.BEHIND
    assert row.reason.startswith("This PC's clock is ahead by 3 h; its silence cannot be judged")
    assert row.reason.endswith("Last report: All 12 files copied.")
    assert row.cells()["last_success"] == "3 h in the future"
    assert parse(make_record(age=-120)).verdict is Verdict.SAFE  # clocks a little apart: fine


def test_safe_without_any_successful_run_is_not_safe() -> None:
    row = parse(make_record(last_success=None))
    assert row.verdict is Verdict.BEHIND
    assert "names no successful run" in row.reason
    assert row.cells()["last_success"] == "never"


def test_an_old_record_gives_its_times_with_their_date_and_ages_in_one_way() -> None:
    """Written 26 h ago at 09:59 UTC: "last run 09:59" would seem to speak of today."""
    row = parse(
        make_record(
            age=26 * 3600,
            status_summary="All 12 files copied (3 KB); last run 09:58.",
            status_failed=[{"path": "r 12:30.res", "reason": "held open since 09:30"}],
        )
    )
    assert row.summary == "All 12 files copied (3 KB); last run 03 May 09:58."
    assert row.reason.startswith("No report for 26 h (expected every 30 min)")
    assert row.reason.endswith("Last report: All 12 files copied (3 KB); last run 03 May 09:58.")
    assert row.failed[0].reason == "held open since 03 May 09:30"
    assert row.failed[0].path == "r 12:30.res"  # a name is never changed
    assert row.cells()["last_success"] == "26 h ago"  # as in the reason: one formatter
    today = parse(make_record(age=3600, status_summary="last run 10:59; 02 May 17:00 as said"))
    assert today.summary == "last run 10:59; 02 May 17:00 as said"


def test_silence_uses_a_floor_for_continuous_runs() -> None:
    assert parse(make_record(age=500, interval_seconds=0)).verdict is Verdict.SAFE
    assert parse(make_record(age=601, interval_seconds=0)).verdict is Verdict.SILENT


def test_text_is_cut_and_kept_as_text() -> None:
    row = parse(make_record(name="<script>alert(1)</script>" + "x" * 2000))
    assert row.name.startswith("<script>alert(1)</script>")
    assert len(row.name) == MAX_TEXT


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "not valid JSON"),
        (json.dumps(make_record())[:-40].encode(), "not valid JSON (it may have been cut off)"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[1, 2]", "the record is not an object"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        (json.dumps(make_record(record="something else")).encode(), "no oeleo-gui record marker"),
        (json.dumps(make_record(status_safe="yes")).encode(), "status.safe is not true/false"),
        (json.dumps(make_record(status_stopped=1)).encode(), "status.stopped is not true/false"),
        (json.dumps(make_record(status=None)).encode(), "status is not an object"),
        (json.dumps(make_record(instrument="")).encode(), "instrument is not text"),
        (json.dumps(make_record(instrument=7)).encode(), "instrument is not text"),
        (json.dumps(make_record(written_at="last Tuesday")).encode(), "Invalid isoformat"),
        (json.dumps(make_record(interval_seconds=-1)).encode(), "interval_seconds is not a number"),
        (b'{"record": "oeleo-gui status record", "interval_seconds": NaN}', "NaN is not a number"),
        (json.dumps(make_record(status_counts={"copied": "many"})).encode(), "copied is not a"),
        (json.dumps(make_record(status_reasons="one")).encode(), "reasons is not a list of text"),
        (json.dumps(make_record(status_failed=[{"reason": "x"}])).encode(), "path is not text"),
        (json.dumps(make_record(last_success=12)).encode(), "a time must be text"),
    ],
)
def test_bad_records_are_unreadable_rows_saying_why(data: bytes, why: str) -> None:
    row = parse(data)
    assert row.verdict is Verdict.UNREADABLE
    assert row.verdict.label == "unreadable record"
    assert row.name == "XRD-1"  # from the file name: the record's own is not trusted
    assert row.reason.startswith("unreadable record: ")
    assert why in row.reason
    assert row.cells()["not_copied"] == ""
