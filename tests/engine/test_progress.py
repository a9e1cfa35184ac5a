"""Progress during a run: files and bytes come from the same totals, so they always agree."""

from __future__ import annotations

import os
from pathlib import Path

from oeleo_gui.engine import progress as progress_module
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.errors import SourceBusy
from oeleo_gui.engine.events import FileProgress, NullReporter
from tests.conftest import write_file

SIZE = 10_000


class BusyConnector(LocalConnector):
    """Says "held open by another program" for b.res, as Windows does for a locked file."""

    def upload_temp(self, source, rel_path, *, temp_rel_path, mtime, progress, cancel):  # type: ignore[no-untyped-def]
        if os.path.basename(source) == "b.res":
            progress(SIZE // 2)  # half sent, then the instrument software holds the file
            raise SourceBusy("b.res is open in another program.", "")
        return super().upload_temp(
            source,
            rel_path,
            temp_rel_path=temp_rel_path,
            mtime=mtime,
            progress=progress,
            cancel=cancel,
        )


class Recorder(NullReporter):
    def __init__(self) -> None:
        self.events: list[FileProgress] = []

    def on_progress(self, event: FileProgress) -> None:
        self.events.append(event)


def test_files_and_bytes_agree_at_every_event(
    make_engine, src: Path, dst: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    for name in ("a.res", "b.res", "c.res", "d.res"):
        write_file(src, name, b"x" * SIZE)
    monkeypatch.setattr(progress_module, "PROGRESS_INTERVAL", 0.0)  # every event, not ten a second
    recorder = Recorder()
    summary = make_engine(connector=BusyConnector(dst)).sync(recorder)
    assert len(summary.copied) == 3 and len(summary.busy) == 1
    assert recorder.events
    for e in recorder.events:
        # The bytes done are those of the files done plus part of the one being sent.
        assert e.files_done * SIZE <= e.run_bytes_done <= (e.files_done + 1) * SIZE, e
        assert e.percent == e.run_bytes_done * 100 // (4 * SIZE)
    assert [e.files_done for e in recorder.events] == sorted(e.files_done for e in recorder.events)
    last = recorder.events[-1]
    assert last.files_text() == "4 of 4 files · 100 %"  # the busy file counts as done for this run


def test_files_text_for_one_file_and_for_empty_files() -> None:
    one = FileProgress(
        rel_path="a.res",
        bytes_done=5,
        bytes_total=10,
        file_index=1,
        file_count=1,
        run_bytes_done=5,
        run_bytes_total=10,
    )
    assert one.files_text() == "0 of 1 file · 50 %"
    empty = FileProgress(
        rel_path="e.res",
        bytes_done=0,
        bytes_total=0,
        file_index=2,
        file_count=4,
        run_bytes_done=0,
        run_bytes_total=0,
        files_done=1,
    )
    assert empty.files_text() == "1 of 4 files · 25 %"
