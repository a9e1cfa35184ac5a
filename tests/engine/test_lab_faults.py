"""What the lab does to the folders while oeleo-gui copies (issue 13, cases 2, 4, 7, 8, 12, 13, 16):
names that differ only by case, oeleo's own files inside the source, names that are not UTF-8,
a folder the account cannot list, files deleted or locked mid-run, a file turned into a folder
and back, names with line breaks. Real folders, a real database, a real case-insensitive folder.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from oeleo_gui.cli import main
from oeleo_gui.engine import transfer
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.connectors.base import is_oeleo_path
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.events import FileCode
from tests.conftest import unprivileged_or_skip, write_file


def files_in(folder: Path) -> dict[str, bytes]:
    """The data files at a destination (its top-level `.oeleo/` status record is no data)."""
    return {
        rel: p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not is_oeleo_path(rel := p.relative_to(folder).as_posix())
    }


def asides(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".oeleo-aside-" in p.name)


# --- 2: names that differ only by case ------------------------------------------------------------
def test_flattened_names_differing_by_case_are_a_clash_on_a_case_insensitive_share(
    make_engine, src, casefold_folder
) -> None:
    write_file(src, "run1/Sample.csv", "first run")
    write_file(src, "run2/sample.csv", "second run")
    engine = make_engine(
        LocalConnector(casefold_folder), OELEO_FILTER_EXTENSION=".csv", OA_INCLUDE_SUBDIRS="true"
    )
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["run1/Sample.csv"]
    assert [r.rel_path for r in summary.failed] == ["run2/sample.csv"]
    assert "differs only by case from run1/Sample.csv" in summary.failed[0].reason
    assert files_in(casefold_folder) == {"Sample.csv": b"first run"}
    assert engine.store.get("run2/sample.csv") is None  # never recorded as copied
    again = engine.sync()  # and never "unchanged" later
    assert [r.rel_path for r in again.failed] == ["run2/sample.csv"] and not again.copied
    assert files_in(casefold_folder) == {"Sample.csv": b"first run"}


def test_mirrored_names_differing_by_case_clash_in_one_run_and_across_runs(
    make_engine, src, casefold_folder
) -> None:
    write_file(src, "day 1/A.csv", "upper")
    write_file(src, "day 1/a.csv", "lower")
    engine = make_engine(
        LocalConnector(casefold_folder),
        OELEO_FILTER_EXTENSION=".csv",
        OA_INCLUDE_SUBDIRS="true",
        OA_EXTERNAL_SUBDIRS="true",
    )
    first = engine.sync()
    assert [r.rel_path for r in first.copied] == ["day 1/A.csv"]
    assert [r.rel_path for r in first.failed] == ["day 1/a.csv"]
    # a third name for the same file, in a later run, while A.csv is unchanged (only counted)
    write_file(src, "day 1/A.CSV", "shouted")
    later = engine.sync()
    assert sorted(r.rel_path for r in later.failed) == ["day 1/A.CSV", "day 1/a.csv"]
    assert files_in(casefold_folder) == {"day 1/A.csv": b"upper"} and not asides(casefold_folder)


def test_case_clashes_are_clashes_on_a_case_sensitive_destination_too(make_engine, src, dst):
    write_file(src, "A.csv", "upper")
    write_file(src, "a.csv", "lower")
    summary = make_engine(OELEO_FILTER_EXTENSION=".csv").sync()
    assert [r.rel_path for r in summary.copied] == ["A.csv"]
    assert [r.rel_path for r in summary.failed] == ["a.csv"]
    assert files_in(dst) == {"A.csv": b"upper"}


def test_oeleos_own_earlier_copy_is_kept_as_its_own_not_as_a_foreign_file(
    make_engine, src, casefold_folder, caplog
) -> None:
    """run1/Sample.csv was copied and then removed from the source; run2/sample.csv now wants
    the same name: the earlier copy is kept aside, said to be oeleo's, and its row follows."""
    write_file(src, "run1/Sample.csv", "first run")
    engine = make_engine(
        LocalConnector(casefold_folder), OELEO_FILTER_EXTENSION=".csv", OA_INCLUDE_SUBDIRS="true"
    )
    assert engine.sync().ok
    (src / "run1" / "Sample.csv").unlink()
    write_file(src, "run2/sample.csv", "second run")
    with caplog.at_level(logging.WARNING):
        summary = engine.sync()
    assert summary.ok and [r.rel_path for r in summary.copied] == ["run2/sample.csv"]
    (kept,) = asides(casefold_folder)
    assert (casefold_folder / kept).read_bytes() == b"first run"
    assert "holds oeleo's earlier copy of run1/Sample.csv" in caplog.text
    assert "not written by oeleo" not in caplog.text
    row = engine.store.get("run1/Sample.csv")
    assert row is not None and row.external_name == str(casefold_folder / kept)


# --- 4: oeleo's own files in the source -----------------------------------------------------------
def test_the_env_database_log_and_temporary_files_are_never_copied(tmp_path: Path, capsys):
    lab = tmp_path / "instrument"
    (lab / "data").mkdir(parents=True)
    pub = tmp_path / "server"
    pub.mkdir()
    write_file(lab, "data/cell.res", "data")
    write_file(lab, ".oeleo/notes.txt", "oeleo's own")
    write_file(lab, "data/.oeleo/kept.txt", "a user's folder of that name, deeper: copied")
    write_file(lab, "data/.cell.res.0123abcd.oeleo-part", "a temporary copy")
    env = lab / ".env"
    env.write_text(
        f"OELEO_BASE_DIR_FROM=.\nOELEO_BASE_DIR_TO={pub}\nOELEO_FILTER_EXTENSION=*\n"
        "OELEO_DB_NAME=oeleo-file-list.db\nOELEO_LOG_DIR=logs\nOA_INCLUDE_SUBDIRS=true\n"
        "OA_EXTERNAL_SUBDIRS=true\nOELEO_PASSWORD=hunter22\n"
    )
    (lab / ".env.bak").write_text("OELEO_PASSWORD=hunter21\n")
    assert main(["--env", str(env), "sync"]) == 0
    copied = sorted(files_in(pub))
    assert copied == ["data/.oeleo/kept.txt", "data/cell.res"]
    assert main(["--env", str(env), "sync"]) == 0  # the database's -wal is not "changed" now
    assert "0 copied, 2 unchanged" in capsys.readouterr().out
    assert not any(b"hunter2" in content for content in files_in(pub).values())


# --- 7: a name that is not valid UTF-8 ------------------------------------------------------------
def test_a_name_that_is_not_utf8_is_reported_and_the_others_are_copied(
    tmp_path: Path, capsys
) -> None:
    raw = tmp_path / "raw"
    (tmp_path / "pub").mkdir()
    write_file(raw, "good.res", "good")
    with open(os.fsencode(raw) + b"/M\xfcller.res", "wb") as fh:  # from an old system
        fh.write(b"old")
    os.mkdir(os.fsencode(raw) + b"/Gr\xfcn")
    env = tmp_path / ".env"
    env.write_text(
        f"OELEO_BASE_DIR_FROM={raw}\nOELEO_BASE_DIR_TO={tmp_path / 'pub'}\n"
        f"OELEO_FILTER_EXTENSION=.res\nOELEO_DB_NAME={tmp_path / 'lab.db'}\n"
        f"OELEO_LOG_DIR={tmp_path / 'logs'}\nOA_INCLUDE_SUBDIRS=true\n"
    )
    for _ in range(2):  # at every run: the others are copied (or unchanged), never stopped
        assert main(["--env", str(env), "sync"]) == 1
        out = capsys.readouterr().out
        assert "FAILED: M\\xfcller.res  (its name is not valid UTF-8" in out
        assert "FAILED: Gr\\xfcn/  (this folder's name is not valid UTF-8" in out
        assert "Unexpected" not in out
    assert files_in(tmp_path / "pub") == {"good.res": b"good"}
    log_text = (tmp_path / "logs" / "oeleo.log").read_text(encoding="utf-8")
    assert "M\\xfcller.res not copied" in log_text


# --- 8: a subfolder the account cannot list -------------------------------------------------------
def test_a_folder_that_cannot_be_listed_is_a_failure_not_all_copied(tmp_path: Path) -> None:
    unprivileged = unprivileged_or_skip(tmp_path)
    raw = tmp_path / "raw"
    write_file(raw, "open/a.res", "a")
    write_file(raw, "locked away/b.res", "b")
    (tmp_path / "pub").mkdir()
    env = tmp_path / ".env"
    env.write_text(
        f"OELEO_BASE_DIR_FROM={raw}\nOELEO_BASE_DIR_TO={tmp_path / 'pub'}\n"
        f"OELEO_FILTER_EXTENSION=.res\nOELEO_DB_NAME={tmp_path / 'lab.db'}\n"
        f"OELEO_LOG_DIR={tmp_path / 'logs'}\nOA_INCLUDE_SUBDIRS=true\n"
    )
    (raw / "locked away").chmod(0)
    try:
        runs = [
            subprocess.run(
                [*unprivileged, sys.executable, "-m", "oeleo_gui", "--env", str(env), *command],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
            )
            for command in (["sync"], ["check"])
        ]
    finally:
        (raw / "locked away").chmod(0o755)
    sync, check = runs
    assert sync.returncode == 1, sync.stdout + sync.stderr
    assert "FAILED: locked away/  (this folder cannot be listed (Permission denied))" in sync.stdout
    assert "1 copied, 0 unchanged, 1 failed" in sync.stdout
    assert "unreadable:  locked away/ (this folder cannot be listed" in check.stdout
    assert files_in(tmp_path / "pub") == {"a.res": b"a"}


# --- 12: a file deleted between the scan and its copy ---------------------------------------------
class DeletesWhileCopying(LocalConnector):
    """Deletes source files as the run goes, like a technician tidying up."""

    def __init__(self, root: Path, src: Path, delete_before: dict[str, str]) -> None:
        super().__init__(root)
        self.src = src
        self.delete_before = delete_before  # uploading this -> delete that first
        self.delete_after: set[str] = set()

    def upload_temp(self, source, rel_path, **kwargs):  # type: ignore[no-untyped-def]
        victim = self.delete_before.pop(rel_path, None)
        if victim:
            (self.src / victim).unlink()
        upload = super().upload_temp(source, rel_path, **kwargs)
        if rel_path in self.delete_after:
            (self.src / rel_path).unlink()
        return upload


def test_files_deleted_mid_run_are_skipped_quietly_with_a_log_line(
    make_engine, src, dst, caplog
) -> None:
    for name in ("a.res", "b.res", "c.res", "d.res"):
        write_file(src, name, name)
    connector = DeletesWhileCopying(dst, src, {"a.res": "b.res"})
    connector.delete_after = {"c.res"}  # gone while it was being copied
    engine = make_engine(connector)
    with caplog.at_level(logging.INFO):
        summary = engine.sync()
    assert summary.ok and not summary.failed and not summary.settling
    assert sorted(r.rel_path for r in summary.copied) == ["a.res", "d.res"]
    assert files_in(dst) == {"a.res": b"a.res", "d.res": b"d.res"}  # no temp file left
    assert "b.res was deleted before it could be copied; skipped" in caplog.text
    assert "c.res was deleted while it was copied; skipped" in caplog.text
    assert engine.store.get("b.res") is None and engine.store.get("c.res") is None


def test_a_changed_file_deleted_before_it_is_compared_is_skipped(make_engine, src, dst) -> None:
    write_file(src, "a.res", "same size")
    engine = make_engine()
    assert engine.sync().ok
    write_file(src, "a.res", "same size", mtime=os.path.getmtime(src / "a.res") - 60)

    # the scan sees it, then it is gone before its content is compared (the HASH step)
    original_walk = engine._scan_and_plan

    def scan_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        planned = original_walk(*args, **kwargs)
        (src / "a.res").unlink()
        return planned

    engine._scan_and_plan = scan_then_delete  # type: ignore[method-assign]
    summary = engine.sync()
    assert summary.ok and not summary.busy and not summary.failed


# --- 13: a file replaced by a folder of the same name, and back -----------------------------------
def mirrored(make_engine):  # type: ignore[no-untyped-def]
    return make_engine(
        OELEO_FILTER_EXTENSION=".csv", OA_INCLUDE_SUBDIRS="true", OA_EXTERNAL_SUBDIRS="true"
    )


def test_a_file_turned_into_a_folder_moves_the_old_copy_aside(make_engine, src, dst) -> None:
    write_file(src, "x.csv", "the old file")
    engine = mirrored(make_engine)
    assert engine.sync().ok
    (src / "x.csv").unlink()
    write_file(src, "x.csv/n.csv", "in the folder now")
    summary = engine.sync()
    assert summary.ok, summary.failed
    (copied,) = summary.copied
    assert copied.rel_path == "x.csv/n.csv" and copied.moved_aside.startswith("x.oeleo-aside-")
    assert (dst / "x.csv" / "n.csv").read_bytes() == b"in the folder now"
    assert (dst / copied.moved_aside).read_bytes() == b"the old file"
    row = engine.store.get("x.csv")  # the old file's row points at where its copy is now
    assert row is not None and row.external_name == str(dst / copied.moved_aside)
    assert engine.sync().ok and not engine.sync().copied


def test_a_folder_turned_into_a_file_keeps_the_old_copies_and_their_rows(
    make_engine, src, dst, caplog
) -> None:
    write_file(src, "y.csv/n.csv", "in the folder")
    engine = mirrored(make_engine)
    assert engine.sync().ok
    for p in (src / "y.csv").iterdir():
        p.unlink()
    (src / "y.csv").rmdir()
    write_file(src, "y.csv", "a file now")
    with caplog.at_level(logging.WARNING):
        summary = engine.sync()
    assert summary.ok
    (copied,) = summary.copied
    assert (dst / "y.csv").read_bytes() == b"a file now"
    assert (dst / copied.moved_aside / "n.csv").read_bytes() == b"in the folder"
    row = engine.store.get("y.csv/n.csv")
    assert row is not None and row.external_name == str(dst / copied.moved_aside / "n.csv")
    assert "holds oeleo's earlier copy of y.csv/n.csv" in caplog.text


# --- 16: a file locked while the run copies; names that could forge a log line --------------------
class LocksTheNextFile(LocalConnector):
    """While the first file is copied, a technician locks another one in the File list."""

    def __init__(self, root: Path, db: Path, to_lock: str) -> None:
        super().__init__(root)
        self.db, self.to_lock = db, to_lock

    def upload_temp(self, source, rel_path, **kwargs):  # type: ignore[no-untyped-def]
        if self.to_lock:
            with FileListStore(self.db) as technician:  # another connection, as the tray's
                technician.set_code([self.to_lock], FileCode.LOCKED)
            self.to_lock = ""
        return super().upload_temp(source, rel_path, **kwargs)


def test_a_file_locked_while_the_run_copies_is_not_copied_by_that_run(
    make_engine, src, dst, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(transfer, "BATCH_FILES", 1)  # one file per batch
    write_file(src, "a.res", "a")
    write_file(src, "b.res", "b")
    engine = make_engine(LocksTheNextFile(dst, tmp_path / "oeleo.db", "b.res"))
    summary = engine.sync()
    assert [r.rel_path for r in summary.copied] == ["a.res"] and summary.locked == 1
    assert files_in(dst) == {"a.res": b"a"}
    row = engine.store.get("b.res")
    assert row is not None and row.code is FileCode.LOCKED


def test_a_name_with_a_line_break_cannot_forge_a_line(tmp_path: Path, capsys) -> None:
    raw = tmp_path / "raw"
    forged = "2026-12-02 06:00:00,000 INFO    oeleo_gui.engine.worker: all is well"
    write_file(raw, f"evil\n{forged}.res", "x")
    write_file(raw, "fail\nFAILED: nothing.res", "y")
    (tmp_path / "pub").mkdir()
    env = tmp_path / ".env"
    env.write_text(
        f"OELEO_BASE_DIR_FROM={raw}\nOELEO_BASE_DIR_TO={tmp_path / 'pub'}\n"
        f"OELEO_FILTER_EXTENSION=.res\nOELEO_DB_NAME={tmp_path / 'lab.db'}\n"
        f"OELEO_LOG_DIR={tmp_path / 'logs'}\n"
    )
    assert main(["--env", str(env), "sync"]) == 0
    out = capsys.readouterr().out
    assert f"  copied: evil[line break]{forged}.res" in out
    assert not any(line.startswith((forged[:10], "FAILED")) for line in out.splitlines())
    log_lines = (tmp_path / "logs" / "oeleo.log").read_text(encoding="utf-8").splitlines()
    assert not any(line.startswith(forged) for line in log_lines)
    assert any(f"evil[line break]{forged}.res ->" in line for line in log_lines)
    assert sorted(p.name for p in (tmp_path / "pub").iterdir() if p.name != ".oeleo") == sorted(
        [f"evil\n{forged}.res", "fail\nFAILED: nothing.res"]
    )


def test_the_log_names_control_characters_in_every_record(tmp_path: Path) -> None:
    from oeleo_gui.engine.errors import FileError
    from oeleo_gui.engine.logsetup import configure_logging

    path = configure_logging(tmp_path / "logs")
    logging.getLogger("oeleo_gui.engine.transfer").warning(
        "%s not copied: %s", "evil\nINFO forged", FileError("Cannot read evil\nINFO forged.")
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert not any(line.startswith("INFO forged") for line in lines)
    assert any(
        "evil[line break]INFO forged not copied: Cannot read evil INFO forged." in line
        for line in lines
    )
