"""Upstream's documented examples (README, docstrings) and typical scripts, with only their imports
changed, run against real folders and a real SQLite file."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from oeleo_gui.api import (
    ChecksumChecker,
    LocalConnector,
    SimpleDbHandler,
    SimpleScheduler,
    Worker,
    simple_worker,
    start_logger,
)
from tests.api.conftest import files_in, put

# upstream's README, "Using an oeleo scheduler", imports changed
SCHEDULER_EXAMPLE = """
import dotenv

from oeleo_gui.api import SimpleScheduler
from oeleo_gui.api import simple_worker

# assuming you have created an appropriate .env file
dotenv.load_dotenv()
worker = simple_worker()
s = SimpleScheduler(
        worker,
        run_interval_time=4,  # seconds
        max_run_intervals=4,
    )
s.start()
"""


@pytest.fixture
def env_file(workdir: Path, src: Path, dst: Path) -> Path:
    env = workdir / ".env"
    env.write_text(
        f"OELEO_BASE_DIR_FROM={src}\nOELEO_BASE_DIR_TO={dst}\nOELEO_FILTER_EXTENSION=.res\n"
        "OELEO_DB_NAME=local2pub.db\n"
    )
    return env


def test_readme_scheduler_example_runs_its_runs_and_copies(
    env_file: Path, dst: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shortened = SCHEDULER_EXAMPLE.replace("run_interval_time=4,", "run_interval_time=0,")
    assert shortened != SCHEDULER_EXAMPLE  # the only change: no 4 s waits in the test suite
    script = workdir / "schedule.py"  # beside its .env, where load_dotenv() looks
    script.write_text(shortened)
    namespace: dict[str, object] = {"__name__": "__main__"}
    try:
        exec(compile(shortened, str(script), "exec"), namespace)  # noqa: S102
    finally:  # load_dotenv() wrote into the real environment
        for key in [k for k in os.environ if k.startswith("OELEO_")]:
            monkeypatch.delenv(key)
    scheduler = namespace["s"]
    assert isinstance(scheduler, SimpleScheduler)
    assert [len(s.copied) for s in scheduler.summaries] == [2, 0, 0, 0]
    assert files_in(dst) == {"cell_01.res": b"first cell", "cell_02.res": b"second cell"}
    assert (workdir / "local2pub.db").is_file()


def test_simple_worker_docstring_with_filter_local_and_with_add_local(
    env_file: Path, src: Path, dst: Path, workdir: Path
) -> None:
    import dotenv

    dotenv.load_dotenv(env_file)
    my_oeleo = simple_worker()
    my_oeleo.connect_to_db()
    put(src, "file1.res", "one")
    put(src, "file2.res", "two")
    chosen = my_oeleo.add_local(["file1.res", "file2.res"])
    assert chosen == [src / "file1.res", src / "file2.res"]
    summary = my_oeleo.run()
    assert sorted(r.rel_path for r in summary.copied) == ["file1.res", "file2.res"]
    assert sorted(files_in(dst)) == ["file1.res", "file2.res"]  # the cells were not chosen
    my_oeleo.filter_local()
    assert sorted(r.rel_path for r in my_oeleo.run().copied) == ["cell_01.res", "cell_02.res"]
    my_oeleo.close()


def test_add_local_refuses_files_outside_the_source_folder(
    workdir: Path, src: Path, dst: Path, tmp_path: Path
) -> None:
    worker = simple_worker(src, dst, db_name=":memory:", extension=".res")
    elsewhere = put(tmp_path / "elsewhere", "x.res", "not the instrument's")
    with pytest.raises(ValueError, match="not in the source folder"):
        worker.add_local([elsewhere])
    with pytest.raises(ValueError, match="not in the source folder"):
        worker.add_local(["../elsewhere/x.res"])
    assert worker.file_names == []


def test_run_without_choosing_files_copies_nothing_as_upstream(
    workdir: Path, src: Path, dst: Path, caplog: pytest.LogCaptureFixture
) -> None:
    worker = simple_worker(src, dst, db_name="x.db", extension=".res")
    worker.connect_to_db()
    summary = worker.run()
    assert summary.copied == () and files_in(dst) == {}
    assert "Did you forget to run `worker.filter_local()`?" in caplog.text


def test_worker_docstring_additional_filters(workdir: Path, src: Path, dst: Path) -> None:
    put(src, "old_cell.res", "from 2019", mtime=datetime(2019, 5, 1).timestamp())
    put(src, "cell_03_draft.res", "draft")
    worker = simple_worker(src, dst, db_name="x.db", extension=".res")
    worker.connect_to_db()
    my_filters = [
        ("startswith", ["cell", "old"]),
        ("not_contains", "draft"),
        ("not_before", datetime(2020, 1, 1)),
        ("excluded", "cell_02.res"),  # one name (upstream took its letters, excluding nothing)
    ]
    chosen = worker.filter_local(additional_filters=my_filters)
    assert [f.name for f in chosen] == ["cell_01.res"]
    assert [r.rel_path for r in worker.run().copied] == ["cell_01.res"]
    picked = worker.filter_local(additional_filters=[("callable", lambda f: "02" in f.name)])
    assert [f.name for f in picked] == ["cell_02.res"]
    with pytest.raises(ValueError, match="unknown filter 'ends_with'"):
        worker.filter_local(additional_filters=[("ends_with", ".res")])


def test_external_name_generator_names_the_destination_files(
    workdir: Path, src: Path, dst: Path
) -> None:
    def by_instrument(connector: LocalConnector, f: Path) -> Path:
        return connector.directory / "arbin-3" / f.name.upper()

    worker = Worker(
        ChecksumChecker(),
        SimpleDbHandler("x.db"),
        local_connector=LocalConnector(src),
        external_connector=LocalConnector(dst),
        extension=".res",
        external_name_generator=by_instrument,
    )
    worker.connect_to_db()
    worker.filter_local()
    assert len(worker.run().copied) == 2
    assert files_in(dst) == {
        "arbin-3/CELL_01.RES": b"first cell",
        "arbin-3/CELL_02.RES": b"second cell",
    }
    assert worker.run().copied == ()  # found again under those names: nothing to copy
    assert worker.make_external_name(src / "cell_01.res") == dst / "arbin-3" / "CELL_01.RES"
    report = worker.check()
    assert report.missing == () and worker.number_of_external_duplicates == 2
    worker.external_name_generator = lambda connector, f: Path("/somewhere/else") / f.name
    summary = worker.run()
    assert "external_name_generator" in summary.error and summary.copied == ()


def test_a_dry_run_copies_nothing_and_makes_no_database(workdir: Path, src: Path, dst: Path):
    worker = simple_worker(src, dst, db_name="dry.db", extension=".res", dry_run=True)
    worker.connect_to_db()
    worker.filter_local()
    summary = worker.run()
    assert sorted(r.rel_path for r in summary.would_copy) == ["cell_01.res", "cell_02.res"]
    assert summary.copied == () and files_in(dst) == {}
    report = worker.check(update_db=True)
    assert sorted(report.missing) == ["cell_01.res", "cell_02.res"]
    assert os.listdir(workdir) == []


def test_a_file_locked_through_the_bookkeeper_is_never_copied(workdir, src: Path, dst: Path):
    worker = simple_worker(src, dst, db_name="x.db", extension=".res")
    worker.connect_to_db()
    worker.bookkeeper.register(src / "cell_02.res")
    worker.bookkeeper.code = 2
    with pytest.raises(ValueError, match="0, 1 or 2"):
        worker.bookkeeper.code = 7
    worker.filter_local()
    summary = worker.run()
    assert [r.rel_path for r in summary.copied] == ["cell_01.res"] and summary.locked == 1
    model = worker.bookkeeper.db_model
    assert len(model) == 2
    assert [r.local_name for r in model.filter(code=2)] == ["cell_02.res"]
    assert [r.local_name for r in model.filter(code=1)] == ["cell_01.res"]


def test_check_with_update_db_marks_codes_and_counts(workdir, src: Path, dst: Path) -> None:
    put(dst, "cell_01.res", "first cell")  # already there, same content
    put(dst, "cell_02.res", "an older version")
    worker = simple_worker(src, dst, db_name="x.db", extension=".res")
    worker.connect_to_db()
    worker.check(update_db=True)
    assert worker.number_of_local_files == 2
    assert worker.number_of_external_duplicates == 2
    assert worker.number_of_duplicates_out_of_sync == 1
    codes = {r.local_name: r.code for r in worker.bookkeeper.db_model.select()}
    assert codes == {"cell_01.res": 1, "cell_02.res": 0}
    assert [r.rel_path for r in worker.run().copied] == ["cell_02.res"]
    assert (dst / "cell_02.res").read_text() == "second cell"


def test_settle_time_is_zero_as_upstream_unless_asked(workdir, src: Path, dst: Path) -> None:
    put(src, "being_written.res", "still growing", mtime=time.time())
    waiting = Worker(
        ChecksumChecker(),
        SimpleDbHandler(":memory:"),
        local_connector=LocalConnector(src),
        external_connector=LocalConnector(dst),
        extension=".res",
        settle_seconds=600,
    )
    waiting.filter_local()
    summary = waiting.run()
    assert [r.rel_path for r in summary.settling] == ["being_written.res"]
    upstream_like = simple_worker(src, dst, db_name=":memory:", extension=".res")
    upstream_like.filter_local()
    assert "being_written.res" in [r.rel_path for r in upstream_like.run().copied]


class UpstreamStyleReporter:
    """A reporter written for upstream: report/status/notify/should_die/close."""

    def __init__(self, die_after: int | None = None) -> None:
        self.lines: list[str] = []
        self.states: list[str] = []
        self.die_after = die_after
        self.closed = False

    def report(self, status: str, same_line: bool = False) -> None:
        self.lines.append(status)

    def status(self, state: str) -> None:
        self.states.append(state)

    def notify(self, text: str, title: str = "") -> None:
        self.lines.append(f"[{title}] {text}")

    def should_die(self) -> bool:
        return self.die_after is not None and self.lines.count("o") >= self.die_after

    def close(self) -> None:
        self.closed = True


def test_an_upstream_style_reporter_hears_the_run(workdir, src: Path, dst: Path) -> None:
    reporter = UpstreamStyleReporter()
    worker = simple_worker(src, dst, db_name=":memory:", extension=".res", reporter=reporter)
    worker.filter_local()
    worker.run()
    assert reporter.lines[:2] == ["o", "o"] and reporter.lines[2].startswith("2 copied")
    assert reporter.states == ["run", "finished"]
    worker.close()
    assert reporter.closed


def test_should_die_cancels_the_run_instead_of_exiting(workdir, src: Path, dst: Path) -> None:
    for n in range(3, 8):
        put(src, f"cell_{n:02}.res", f"cell {n}")
    reporter = UpstreamStyleReporter(die_after=1)
    worker = simple_worker(src, dst, db_name=":memory:", extension=".res", reporter=reporter)
    worker.filter_local()
    summary = worker.run()
    assert summary.cancelled and 1 <= len(summary.copied) < 7
    assert len(files_in(dst)) == len(summary.copied)


def test_start_logger_writes_oeleo_log_in_oeleo_log_dir(workdir, set_env) -> None:
    set_env(OELEO_LOG_DIR=workdir / "logs")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        log = start_logger()
        start_logger()  # a second call replaces the handlers (upstream doubled every line)
        log.info("Starting oeleo!")
        for handler in root.handlers:
            handler.flush()
        text = (workdir / "logs" / "oeleo.log").read_text()
        assert text.count("Starting oeleo!") == 1
    finally:
        for handler in [h for h in root.handlers if h not in saved[0]]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(saved[1])


def test_scheduler_waits_between_runs_and_stop_ends_the_wait(workdir, src: Path, dst: Path):
    finished = threading.Event()

    class RunWatcher:
        def on_run_started(self, event: object) -> None: ...
        def on_progress(self, event: object) -> None: ...
        def on_file_done(self, result: object) -> None: ...
        def on_run_finished(self, summary: object) -> None:
            finished.set()

    worker = simple_worker(src, dst, db_name=":memory:", extension=".res", reporter=RunWatcher())
    scheduler = SimpleScheduler(worker, run_interval_time=3600, max_run_intervals=5)
    done: list[object] = []
    runner = threading.Thread(target=lambda: done.append(scheduler.start()))
    runner.start()
    assert finished.wait(30)
    assert worker.status["state"] in ("finished", "sleep")
    scheduler.stop()
    runner.join(timeout=30)
    assert not runner.is_alive()
    assert len(done) == 1 and len(scheduler.summaries) == 1  # one run, then the hour's wait ended
    assert len(files_in(dst)) == 2


def test_a_script_choosing_some_files_keeps_the_waiting_time_of_the_others(
    workdir, src: Path, dst: Path
) -> None:
    """A file waiting to settle keeps the time it began to wait while a script copies other
    files it chose (else its maximum wait would start again at every such run); a chosen
    file that is gone loses its state."""
    put(src, "being_written.res", "still growing", mtime=time.time())

    def worker() -> Worker:
        return Worker(
            ChecksumChecker(),
            SimpleDbHandler("states.db"),
            local_connector=LocalConnector(src),
            external_connector=LocalConnector(dst),
            extension=".res",
            settle_seconds=600,
        )

    every = worker()
    every.filter_local()
    assert [r.rel_path for r in every.run().settling] == ["being_written.res"]
    began = every.bookkeeper.store.file_states()["being_written.res"].waiting_since
    assert began is not None
    every.close()

    put(src, "cell_03.res", "third cell")
    some = worker()
    some.add_local(["cell_03.res"])
    assert [r.rel_path for r in some.run().copied] == ["cell_03.res"]
    states = some.bookkeeper.store.file_states()
    assert states["being_written.res"].waiting_since == began
    some.close()

    (src / "being_written.res").unlink()
    gone = worker()
    gone.add_local(["being_written.res"])
    gone.run()
    assert "being_written.res" not in gone.bookkeeper.store.file_states()
    gone.close()
