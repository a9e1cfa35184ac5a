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
        "OELEO_FILTER_EXTENSION=.res;.csv\n"
        "OA_STARTS_WITH=2024_\n"
        "OA_INCLUDE_SUBDIRS=yes\n"
        "OELEO_NOT_AFTER=31.12.2024\n"
        f"OELEO_BASE_DIR_TO={work / 'backup'}\n"
    )
    dialog = SettingsDialog(env)
    dialog.resize(760, 640)
    shoot(dialog, "settings.png")

    db = work / "files.db"
    FileListStore(db).close()
    now = datetime(2024, 5, 2, 9, 30)
    rows = []
    for i in range(400):
        name = f"2024_cell_{i:03d}_cycle.res"
        code = 2 if i % 11 == 3 else (0 if i % 7 == 5 else 1)
        copied = None if code == 0 else now.isoformat(sep=" ")
        rows.append((name, code, None if code == 0 else hashlib.md5(name.encode()).hexdigest(),
                     None if code == 0 else f"/srv/lab/arbin3/{name}", now.isoformat(sep=" "),
                     1000 + i * 45_000, i, copied,
                     "the file is open in another program" if i % 7 == 5 else None))
    with sqlite3.connect(db) as con:
        con.executemany(
            "INSERT INTO filelist (local_name, code, checksum, external_name, processed_date,"
            " size, mtime_ns, last_copied, last_error) VALUES (?,?,?,?,?,?,?,?,?)", rows)
    files = FileListWindow(db, source_dir=data)
    files.resize(1100, 560)
    files.view.selectRow(3)
    shoot(files, "filelist.png")
    files.store.close()

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
