"""Live copies on a folder destination: only true states are kept, a kill -9 leaves nothing
wrong, a clock that runs ahead does not make a file wait, a held-open file is named."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oeleo_gui.engine import live_copy
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import is_temp_name
from oeleo_gui.engine.connectors.local import os_details as local_os
from oeleo_gui.engine.events import FileState, Outcome
from oeleo_gui.engine.status import SafetyState, compute_status
from oeleo_gui.engine.worker import Engine
from tests.conftest import write_file
from tests.live_writers import BlockRewriter

LIVE = {"OELEO_SETTLE_SECONDS": "2", "OELEO_MAX_WAIT_SECONDS": "3", "OA_FROM_YEAR": "0"}


def wait_until_changed_since_seen(engine: Engine, path: Path, deadline: float = 10.0) -> None:
    """Wait (polling with a deadline) until the file's stat differs from what the last run saw:
    modification times are coarse (a jiffy on Linux), so a write is not always a new stat."""
    seen = engine.store.file_states()[path.name]
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        st = path.stat()
        if (st.st_size, st.st_mtime_ns) != (seen.seen_size, seen.seen_mtime_ns):
            return
        os.sched_yield()
    raise AssertionError(f"{path.name} did not change within {deadline} s")


def test_a_file_rewritten_in_place_never_yields_a_copy_it_never_was(
    make_settings, src, dst, monkeypatch
) -> None:
    monkeypatch.setattr(live_copy, "LIVE_RETRY_PAUSE", 0.01)
    writer = BlockRewriter(src / "cell.res", blocks=2048, period=0.001)  # 8 MB, like Arbin's
    offset = [-40.0]
    engine = Engine(make_settings(**LIVE), clock=lambda: time.time() + offset[0])
    outcomes = []
    writer.start()
    try:
        assert [r.rel_path for r in engine.sync().settling] == ["cell.res"]
        for offset[0] in (-30.0, -20.0, -10.0):
            wait_until_changed_since_seen(engine, src / "cell.res")
            run = engine.sync()
            writer.wait_for_write()  # every write a copy may show is in the writer's log now
            result = (run.live + run.settling)[0]
            outcomes.append(result.outcome)
            if result.outcome is Outcome.LIVE_COPIED:
                assert writer.is_a_state((dst / "cell.res").read_bytes())
            else:
                assert "live copy was" in result.reason and not (dst / "cell.res").exists()
        writer.pause()  # the instrument stops writing for a moment: a live copy succeeds
        offset[0] = 0.0
        (src / "cell.res").touch()  # changed since the last run, still within the settle time
        run = engine.sync()
        assert [r.rel_path for r in run.live] == ["cell.res"]
        assert (dst / "cell.res").read_bytes() == (src / "cell.res").read_bytes()
    finally:
        writer.stop()
    assert engine.store.file_states()["cell.res"].state is FileState.LIVE
    engine.close()


CHILD = r"""
import sys, time
from pathlib import Path
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.worker import Engine

class Stuck(LocalConnector):
    def upload_temp(self, source, rel_path, *, temp_rel_path, mtime, progress, cancel):
        def stop_midway(done):
            progress(done)
            if done >= 1024 * 1024:
                print("mid-copy", flush=True)
                sys.stdin.readline()  # blocks until the parent kills this process
        return super().upload_temp(source, rel_path, temp_rel_path=temp_rel_path,
                                   mtime=mtime, progress=stop_midway, cancel=cancel)

values = dict(arg.split("=", 1) for arg in sys.argv[1:])
settings = settings_from_values(values, env_file=None)
Engine(settings, connector=Stuck(Path(values["OELEO_BASE_DIR_TO"]))).sync()
"""


def test_kill_9_during_a_live_copy_leaves_no_torn_file_and_no_row(
    make_settings, src, dst, tmp_path
) -> None:
    log = write_file(src, "run.csv", os.urandom(4 * 1024 * 1024), mtime=None)
    settings = make_settings(OELEO_FILTER_EXTENSION=".res;.csv", **LIVE)
    past = Engine(settings, clock=lambda: time.time() - 60)
    assert [r.rel_path for r in past.sync().settling] == ["run.csv"]  # waiting since a minute
    past.close()
    with open(log, "ab") as fh:
        fh.write(b"one more line\n")
    values = {
        "OELEO_BASE_DIR_FROM": str(src),
        "OELEO_BASE_DIR_TO": str(dst),
        "OELEO_FILTER_EXTENSION": ".res;.csv",
        "OELEO_DB_NAME": str(settings.db_path),
        "OELEO_LOG_DIR": str(tmp_path / "logs"),
        **LIVE,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, *(f"{k}={v}" for k, v in values.items())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "mid-copy"
        leftovers = [p.name for p in dst.iterdir() if p.name != ".oeleo"]  # .oeleo: no data
        assert len(leftovers) == 1 and is_temp_name(leftovers[0])  # the live copy, half done
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert not (dst / "run.csv").exists()
    with FileListStore(settings.db_path) as store:
        assert store.get("run.csv") is None
        assert store.file_states()["run.csv"].state is FileState.WAITING
    after = Engine(settings)  # the next run sweeps the half-done copy, then copies
    after._clock = lambda: time.time() + 10
    assert [r.rel_path for r in after.sync().copied] == ["run.csv"]
    assert [p.name for p in dst.iterdir() if p.name != ".oeleo"] == ["run.csv"]
    assert (dst / "run.csv").read_bytes() == log.read_bytes()
    after.close()


def test_a_file_stamped_years_ahead_is_copied_once_unchanged_between_two_runs(
    make_engine, src, dst
) -> None:
    ahead = time.time() + 3 * 365 * 24 * 3600
    write_file(src, "drift.res", "written on a PC whose clock runs ahead", mtime=ahead)
    engine = make_engine(**LIVE)
    first = engine.sync()
    assert [r.rel_path for r in first.settling] == ["drift.res"]
    assert "in the future" in first.settling[0].reason
    second = engine.sync()
    assert [r.rel_path for r in second.copied] == ["drift.res"]
    assert (dst / "drift.res").stat().st_mtime == pytest.approx(ahead, abs=1)
    assert engine.store.file_states() == {}


def test_a_file_held_open_past_the_maximum_wait_is_named_with_since_when(
    make_engine, src, dst, monkeypatch
) -> None:
    held = write_file(src, "cycler.res", "the cycler software has it open")
    real_open = os.open

    def instrument_holds(path, flags, *args):  # type: ignore[no-untyped-def]
        if str(path) == str(held):  # Windows' sharing violation, through the existing seam
            exc = PermissionError(errno.EACCES, "The process cannot access the file", str(path))
            exc.winerror = 32  # type: ignore[attr-defined]
            raise exc
        return real_open(path, flags, *args)

    monkeypatch.setattr(local_os.os, "open", instrument_holds)
    engine = make_engine(**LIVE)
    first = engine.sync()
    assert [r.rel_path for r in first.busy] == ["cycler.res"]
    held_since = first.busy[0].since
    assert held_since is not None
    later = time.time() + 3600
    engine._clock = lambda: later
    second = engine.sync()
    assert [r.rel_path for r in second.busy] == ["cycler.res"]
    reason = second.busy[0].reason
    assert reason == f"held open by another program since {held_since:%H:%M}; not copied"
    assert second.busy[0].since == held_since
    verdict = compute_status(engine.settings, clock=lambda: later)
    assert not verdict.safe and verdict.state is SafetyState.ATTENTION
    assert any("cycler.res is held open by another program since" in r for r in verdict.reasons)
    assert verdict.waiting[0].path == "cycler.res" and verdict.waiting[0].since == held_since


def _md5(data: bytes) -> str:
    import hashlib

    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _stamp(path: Path, ns: int) -> os.stat_result:
    """Give the file a distinct modification time (file systems stamp writes coarsely)."""
    os.utime(path, ns=(ns, ns))
    return path.stat()


def test_live_copy_verdicts_on_a_real_file(tmp_path) -> None:
    from oeleo_gui.engine.live_copy import judge_live_copy

    path = tmp_path / "log.csv"
    copied = b"line 1\nline 2\n"
    # grew while copied, and again while the copy was checked: an earlier state
    path.write_bytes(copied[:7])
    before = _stamp(path, 1_000_000_000)
    path.write_bytes(copied)
    after = _stamp(path, 2_000_000_000)
    with open(path, "ab") as fh:
        fh.write(b"line 3\n")
    verdict = judge_live_copy(
        str(path), before, after, copied_size=len(copied), copied_md5=_md5(copied)
    )
    assert verdict.accepted and verdict.mtime_ns is None and "earlier state" in verdict.how
    # rewritten in place at the same size while copied: refused
    path.write_bytes(copied)
    before = _stamp(path, 3_000_000_000)
    path.write_bytes(b"LINE 1\nline 2\n")
    after = _stamp(path, 4_000_000_000)
    verdict = judge_live_copy(
        str(path), before, after, copied_size=len(copied), copied_md5=_md5(copied)
    )
    assert not verdict.accepted and "rewritten" in verdict.how
    # shrank while copied: refused without reading it again
    path.write_bytes(copied + b"more\n")
    before = _stamp(path, 5_000_000_000)
    path.write_bytes(copied[:3])
    after = _stamp(path, 6_000_000_000)
    verdict = judge_live_copy(
        str(path), before, after, copied_size=len(copied), copied_md5=_md5(copied)
    )
    assert not verdict.accepted and "shrank" in verdict.how
    # nothing changed: accepted with the time of that state
    path.write_bytes(copied)
    still = _stamp(path, 7_000_000_000)
    verdict = judge_live_copy(
        str(path), still, still, copied_size=len(copied), copied_md5=_md5(copied)
    )
    assert verdict.accepted and verdict.mtime_ns == 7_000_000_000


def test_two_runs_a_moment_apart_do_not_skip_the_settle_time(make_engine, src, dst) -> None:
    """An export still being written, seen twice within the settle time (Sync now clicked
    twice): unchanged between the runs proves nothing for a file stamped in the past."""
    write_file(src, "export.res", "header\n", mtime=None)
    engine = make_engine(OELEO_SETTLE_SECONDS="60")
    assert [r.rel_path for r in engine.sync().settling] == ["export.res"]
    second = engine.sync()
    assert [r.rel_path for r in second.settling] == ["export.res"] and not second.copied
    assert not (dst / "export.res").exists()
