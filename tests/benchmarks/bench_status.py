"""Benchmark: many files in the status views: `oeleo-gui status`, the File list, the verdict.

Run on demand (never in CI):
    .venv/bin/python tests/benchmarks/bench_status.py [--files 100000] [--dir /dev/shm]

Generates a source folder of N small files in 100 folders and a database that records them all
as copied (rows written straight into SQLite, with the files' real size and mtime: what a first
copy would leave, without spending minutes copying), with 1 % of the files changed since. Then:
- `oeleo-gui status` as a process, as a monitoring tool starts it (wall time, peak memory);
- the File list window (offscreen Qt): how long until the list is shown, and how long the GUI
  thread was busy at most while the list loaded (a 5 ms timer's largest gap: what a technician
  would feel as a freeze), and how long the model takes to sort all rows by status;
- the tray's verdict, `compute_status`, as the engine thread computes it after every run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
OLD = time.time() - 3 * 86400


def make_lab(root: Path, n: int) -> Path:
    src, dst = root / "src", root / "dst"
    dst.mkdir(parents=True)
    rows = []
    now = datetime.now().isoformat(" ")
    for i in range(n):
        rel = f"run{i % 100:03d}/cell_{i:06d}.res"
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 64)
        os.utime(path, (OLD, OLD))
        st = path.stat()
        changed = i % 100 == 7  # 1 % changed since their copy
        rows.append(
            (rel, 1, f"{i:032x}", f"{dst}/{rel}", now, st.st_size, st.st_mtime_ns - changed, now)
        )
    env = root / ".env"
    env.write_text(
        f"OELEO_BASE_DIR_FROM={src}\nOELEO_BASE_DIR_TO={dst}\nOELEO_FILTER_EXTENSION=.res\n"
        f"OELEO_DB_NAME={root / 'files.db'}\nOELEO_LOG_DIR={root / 'logs'}\n"
        "OA_FROM_YEAR=2000\nOA_INCLUDE_SUBDIRS=true\nOA_EXTERNAL_SUBDIRS=true\n"
    )
    from oeleo_gui.engine.bookkeeping.store import FileListStore

    FileListStore(root / "files.db").close()
    with sqlite3.connect(root / "files.db") as con:
        con.executemany(
            "INSERT INTO filelist (local_name, code, checksum, external_name, processed_date,"
            " size, mtime_ns, last_copied) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        con.execute(
            "INSERT INTO run_history (kind, started_at, finished_at, copied, unchanged, waiting,"
            " failed, bytes_copied, cancelled) VALUES ('sync', ?, ?, 0, 0, 0, 0, 0, 0)",
            (now, now),
        )
    con.close()
    return env


def bench_cli(env: Path) -> tuple[float, float, int]:
    cmd = [sys.executable, "-m", "oeleo_gui", "--env", str(env), "status"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak, done.returncode


def bench_window(env: Path) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from oeleo_gui.engine.settings.config import load_settings
    from oeleo_gui.gui.filelist_model import STATUS_COLUMN
    from oeleo_gui.gui.filelist_window import FileListWindow

    _app = QApplication.instance() or QApplication([])
    settings = load_settings(env)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    ticker.start()
    t0 = time.perf_counter()
    window = FileListWindow(settings)
    built = time.perf_counter() - t0
    done: list[float] = []
    loop = QEventLoop()
    window.loaded.connect(lambda: (done.append(time.perf_counter() - t0), loop.quit()))
    loop.exec()
    ticker.stop()
    t1 = time.perf_counter()
    window.model.sort(STATUS_COLUMN)
    sort = time.perf_counter() - t1
    rows = window.model.rowCount()
    window.close()
    return {
        "rows": rows,
        "constructor s": built,
        "shown after s": done[0],
        "largest GUI pause ms": max(gaps, default=0.0),
        "sort by status s": sort,
    }


def bench_verdict(env: Path) -> tuple[float, str]:
    from oeleo_gui.engine.settings.config import load_settings
    from oeleo_gui.engine.status import compute_status

    settings = load_settings(env)
    t0 = time.perf_counter()
    report = compute_status(settings)
    return time.perf_counter() - t0, report.summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to make the data")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="oeleo-bench-status-", dir=args.dir))
    try:
        t0 = time.perf_counter()
        env = make_lab(root, args.files)
        print(f"made {args.files} files and their rows in {time.perf_counter() - t0:.1f} s")
        wall, peak, code = bench_cli(env)
        print(f"oeleo-gui status (process): {wall:.2f} s, peak {peak:.0f} MB, exit code {code}")
        took, summary = bench_verdict(env)
        print(f"compute_status (the tray's verdict): {took:.2f} s  → {summary}")
        for key, value in bench_window(env).items():
            print(f"File list: {key:<22} {value:,.3f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
