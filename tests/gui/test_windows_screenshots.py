# ruff: noqa: E501 - the embedded script holds realistic, long log lines
"""Screenshots of the settings dialog, the file list and the log viewer under a real X server.

The windows are drawn in a subprocess whose DISPLAY is an Xvfb started here (readiness comes
from Xvfb's `-displayfd`, waited on with a deadline) and saved to docs/screenshots/, which the
README links. Skipped, saying why, when Xvfb is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.xvfb_server import start_xvfb

pytestmark = pytest.mark.xvfb

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"

SCRIPT = textwrap.dedent(
    r"""
    import hashlib, sqlite3, sys
    from datetime import datetime
    from pathlib import Path

    import keyring, keyring.backend

    class NoKeyring(keyring.backend.KeyringBackend):
        priority = 1
        def get_password(self, service, username): return None
        def set_password(self, service, username, password): pass
        def delete_password(self, service, username): pass

    keyring.set_keyring(NoKeyring())

    from PySide6.QtWidgets import QApplication
    from PySide6.QtTest import QTest
    from oeleo_gui.engine.bookkeeping.store import FileListStore
    from oeleo_gui.gui.filelist_window import FileListWindow
    from oeleo_gui.gui.log_viewer import LogViewer
    from oeleo_gui.gui.settings_dialog import SettingsDialog

    work, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    app.setStyle("Fusion")

    def shoot(widget, name):
        widget.show()
        QTest.qWaitForWindowExposed(widget, 5000)
        app.processEvents()
        assert widget.grab().save(str(out / name)), name

    data = work / "C" / "Data" / "Arbin"
    data.mkdir(parents=True)
    (work / "backup").mkdir()
    env = work / ".env"
    env.write_text(
        "# Arbin PC 3 -- copies test results to the lab server\n"
        f"OELEO_BASE_DIR_FROM={data}\n"
        "OELEO_FILTER_EXTENSION=.res, .csv\n"
        "OA_STARTS_WITH=2024_\n"
        "OA_INCLUDE_SUBDIRS=yes\n"
        "OELEO_NOT_AFTER=2024-12-31\n"
        f"OELEO_BASE_DIR_TO={work / 'backup'}\n"
    )
    import os as _os
    june = datetime(2024, 6, 1).timestamp()
    for i in range(24):
        for ext in (".res", ".csv"):
            (data / f"2024_cell_{i:02d}{ext}").write_bytes(b"x")
            _os.utime(data / f"2024_cell_{i:02d}{ext}", (june, june))
    (data / "notes.txt").write_text("not copied")
    from PySide6.QtCore import QEventLoop as _Loop
    dialog = SettingsDialog(env)
    counted = _Loop()
    dialog.match_counter.counted.connect(counted.quit)
    counted.exec()  # the live count of matching files, done in the background
    dialog.resize(760, 640)
    shoot(dialog, "settings.png")

    # The file list: a folder where every state occurs, as the engine leaves them.
    import os, time
    from datetime import timedelta
    from PySide6.QtCore import QEventLoop, Qt
    from oeleo_gui.engine.bookkeeping.rows import FileStateRow
    from oeleo_gui.engine.events import FileCode, FileState
    from oeleo_gui.engine.settings.config import settings_from_values
    from oeleo_gui.gui.filelist_model import STATUS_COLUMN

    arbin = work / "C" / "Data" / "Arbin3"
    server = work / "labserver" / "arbin3"
    server.mkdir(parents=True)
    settings = settings_from_values({
        "OELEO_BASE_DIR_FROM": str(arbin), "OELEO_BASE_DIR_TO": str(server),
        "OELEO_FILTER_EXTENSION": ".res", "OELEO_DB_NAME": str(work / "files.db"),
        "OA_FROM_YEAR": "2000",
    }, work / ".env")
    now = datetime.now()
    old = time.time() - 2 * 86400
    names = [f"2024_cell_{i:03d}_cycle.res" for i in range(60)]
    for i, name in enumerate(names):
        path = arbin / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (1000 + i * 45_000))
        recent = name in names[40:43]
        os.utime(path, (time.time() - 12, time.time() - 12) if recent else (old, old))
    store = FileListStore(settings.db_path)
    copied = []
    for name in names[:40] + names[43:55]:
        st = (arbin / name).stat()
        copied.append((name, str(server / name), hashlib.md5(name.encode()).hexdigest(), st.st_size, st.st_mtime_ns))
    store.record_copies(copied)
    store.set_code(names[50:53], FileCode.LOCKED)
    def state(name, kind, reason, since, **extra):
        st = (arbin / name).stat()
        return FileStateRow(rel_path=name, state=kind, reason=reason, since=since,
                            waiting_since=extra.get("waiting_since"), live_copied_at=extra.get("live"),
                            seen_size=st.st_size, seen_mtime_ns=st.st_mtime_ns, failures=extra.get("failures", 0))
    store.save_file_states([
        state(names[40], FileState.WAITING, "modified 12 s ago; waiting until it is 30 s old, in case it is still being written", now),
        state(names[41], FileState.LIVE, "still being written", now - timedelta(hours=3), waiting_since=now - timedelta(hours=3), live=now - timedelta(minutes=18)),
        state(names[42], FileState.HELD_OPEN, "", now - timedelta(minutes=47)),
        state(names[12], FileState.FAILED, "Could not write 2024_cell_012_cycle.res to \\\\labserver\\arbin3: the disk is full.", now - timedelta(hours=1), failures=2),
    ])
    store.close()
    files = FileListWindow(settings)
    loop = QEventLoop()
    files.loaded.connect(loop.quit)
    loop.exec()
    files.resize(1180, 560)
    files.view.sortByColumn(STATUS_COLUMN, Qt.SortOrder.AscendingOrder)
    files.view.selectRow(0)
    shoot(files, "filelist.png")
    files.close()

    logs = work / "logs"
    logs.mkdir()
    lines = []
    for run in range(3):
        t = f"2024-05-02 {9 + run:02d}:30"
        copied = [f"2024_cell_{run:03d}_cycle.res"] if run else [f"2024_cell_{i:03d}_cycle.res" for i in (6, 7, 8)]
        entries = [f"{n} -> /srv/lab/arbin3/{n} (845113 bytes, md5 5d41402abc4b2a76b9719d911017c592)" for n in copied]
        lines.append(f"{t}:00,112 INFO    oeleo_gui.engine.worker: sync started: {data} -> sftp://lab@server:22/srv/lab/arbin3")
        if len(entries) == 1:  # as transfer.log_copies writes them: one entry per batch
            lines.append(f"{t}:01,530 INFO    oeleo_gui.engine.transfer: copied {entries[0]}")
        else:
            lines.append(f"{t}:01,530 INFO    oeleo_gui.engine.transfer: copied {len(entries)} files:")
            lines += [f"  {e}" for e in entries]
        if run == 1:
            lines.append(f"{t}:02,004 WARNING oeleo_gui.engine.worker: 2024_cell_005_cycle.res: the file is open in another program; it will be copied at the next run")
        lines.append(f"{t}:02,210 INFO    oeleo_gui.engine.worker: sync finished: {len(copied)} copied, 397 unchanged, 2 locked")
    (logs / "oeleo.log").write_text("\n".join(lines) + "\n")
    viewer = LogViewer(logs)
    viewer.resize(1000, 360)
    shoot(viewer, "logviewer.png")
    """
)


@pytest.fixture(scope="module")
def xvfb_display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb) - no screenshots")
    if sys.platform == "win32":
        pytest.skip("Xvfb screenshots are made on Linux")
    process, display = start_xvfb("1280x1024x24")
    try:
        yield display
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_screenshots_of_the_three_windows(xvfb_display: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    env.update(DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path / "home"))
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "runtime")
    (tmp_path / "runtime").mkdir(mode=0o700)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "work"), str(SHOTS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("settings.png", "filelist.png", "logviewer.png"):
        data = (SHOTS / name).read_bytes()
        assert data.startswith(b"\x89PNG"), name
        assert len(data) > 10_000, name
