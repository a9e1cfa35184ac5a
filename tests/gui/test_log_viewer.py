"""LogViewer: rotated logs in order, new lines followed, level filter, and never a secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from oeleo_gui.engine.logsetup import configure_logging
from oeleo_gui.gui.log_viewer import LogViewer, log_files, parse_lines

SECRET = "hunter2-Very-Secret"


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[Path]:
    """A log folder written by the real logsetup, with a secret registered."""
    log_dir = tmp_path / "logs"
    configure_logging(log_dir, secrets=[SECRET], level=logging.DEBUG)
    yield log_dir
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "oeleo_handler", False)]:
        root.removeHandler(handler)
        handler.close()


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_parse_lines_gives_tracebacks_their_records_level() -> None:
    lines = parse_lines(
        "2024-05-01 12:00:00,001 ERROR   oeleo: boom\n"
        "Traceback (most recent call last):\n"
        "2024-05-01 12:00:01,001 INFO    oeleo: fine\n"
    )
    assert [ln.level for ln in lines] == [logging.ERROR, logging.ERROR, logging.INFO]


def test_rotated_files_oldest_first(tmp_path: Path) -> None:
    for name in ("oeleo.log", "oeleo.log.1", "oeleo.log.2", "oeleo.log.bak"):
        (tmp_path / name).write_text(name + "\n")
    assert [p.name for p in log_files(tmp_path)] == ["oeleo.log.2", "oeleo.log.1", "oeleo.log"]


def test_shows_old_runs_and_follows_new_lines_without_secrets(qtbot, logged: Path) -> None:  # type: ignore[no-untyped-def]
    (logged / "oeleo.log.1").write_text("2024-05-01 10:00:00,000 INFO    oeleo: an older run\n")
    logger = logging.getLogger("oeleo_gui.test")
    logger.info("connecting with password=%s", SECRET)
    logger.info("first run finished")
    logger.debug("a debug detail")
    _flush()
    viewer = LogViewer(logged)
    qtbot.addWidget(viewer)
    viewer.timer.setInterval(20)  # follow quickly; the timer is still what reads new lines
    text = viewer.plain_text()
    assert text.index("an older run") < text.index("first run finished")
    assert "a debug detail" not in text  # "Information and above" by default
    assert "connecting with password=" in text
    assert SECRET not in text

    logger.warning("second run: 1 failed, secret %s", SECRET)
    _flush()
    qtbot.waitUntil(lambda: "second run: 1 failed" in viewer.plain_text(), timeout=5_000)
    assert viewer.plain_text().rstrip().endswith("second run: 1 failed, secret ********")
    assert SECRET not in viewer.plain_text()

    viewer.level_combo.setCurrentIndex(viewer.level_combo.findData(logging.WARNING))
    assert viewer.plain_text().splitlines()[-1].endswith("second run: 1 failed, secret ********")
    assert "first run finished" not in viewer.plain_text()
    viewer.level_combo.setCurrentIndex(viewer.level_combo.findData(logging.DEBUG))
    assert "a debug detail" in viewer.plain_text()


def test_starts_over_after_rotation(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    current = tmp_path / "oeleo.log"
    current.write_text("2024-05-01 10:00:00,000 INFO    x: line one\n")
    viewer = LogViewer(tmp_path)
    qtbot.addWidget(viewer)
    viewer.timer.setInterval(20)
    current.rename(tmp_path / "oeleo.log.1")
    current.write_text("2024-05-01 10:00:01,000 INFO    x: after rotation\n")
    qtbot.waitUntil(lambda: "after rotation" in viewer.plain_text(), timeout=5_000)
    assert viewer.plain_text().splitlines() == [
        "2024-05-01 10:00:00,000 INFO    x: line one",
        "2024-05-01 10:00:01,000 INFO    x: after rotation",
    ]


def test_empty_folder(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    viewer = LogViewer(tmp_path / "none yet")
    qtbot.addWidget(viewer)
    assert viewer.plain_text() == ""
